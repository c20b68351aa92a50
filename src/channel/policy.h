// How long a party has to acknowledge a notice, and when a missed deadline escalates.
//
//   DeadlinePolicy p;                                       // defaults below
//   TimePoint deadline = p.DeadlineFor(now, conflict_start);
//   Result<DeadlinePolicy> q = ParseDeadlinePolicy(R"({"steps": [...]})");
//
// The acknowledgement time allowed shrinks as the conflict gets closer: the first step whose
// `lead_s` (time from the notice to the conflict's start) is >= the actual lead gives `ack_s`.
// A deadline never falls after the conflict starts, and never less than min_ack_s after the
// notice. A side that misses its deadline escalates to level 1 (the party's backup contacts and
// every coordinator); `reescalate_s` later, still unacknowledged, to level 2.
// Thread-safety: value type.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/units.h"

namespace deconflict::channel {

struct DeadlinePolicy {
  struct Step {
    double lead_s;  // conflict starts within this many seconds of the notice...
    double ack_s;   // ...then acknowledge within this many seconds
  };
  // DEFAULT: within 30 min -> 2 min; 2 h -> 10 min; 12 h -> 30 min; later -> 2 h.
  std::vector<Step> steps = {{1800, 120}, {7200, 600}, {43200, 1800}, {1e18, 7200}};
  double min_ack_s = 60;      // DEFAULT: 1 min
  double reescalate_s = 600;  // DEFAULT: 10 min after level 1

  // The acknowledgement deadline of a notice sent at `notice` about a conflict starting at
  // `conflict_start`, rounded to whole milliseconds.
  TimePoint DeadlineFor(TimePoint notice, TimePoint conflict_start) const;
};

// JSON: {"steps": [{"lead_s": 1800, "ack_s": 120}, ...], "min_ack_s": 60, "reescalate_s": 600};
// every key optional. InvalidArgument naming the field: steps not ascending in lead_s, values
// not positive numbers, ack_s, min_ack_s or reescalate_s above a year (31,536,000 s), unknown
// keys.
Result<DeadlinePolicy> ParseDeadlinePolicy(std::string_view json_text);

}  // namespace deconflict::channel
