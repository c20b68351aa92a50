// The deadline policy parser (src/channel/policy.h, deconflictd --deadlines FILE). Properties, for
// a policy accepted, at notice times of this century and conflict starts from an hour before the
// notice to ten years after it:
//   1. the deadline is never before the notice plus min_ack_s, and never after the later of the
//      conflict's start and the notice plus min_ack_s (policy.h; to the millisecond);
//   2. the escalation times the channel computes from it (deadline + reescalate_s, lifecycle.cc)
//      are representable in int64 milliseconds: no overflow downstream of a policy accepted.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "base/time.h"
#include "channel/policy.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  deconflict::Result<deconflict::channel::DeadlinePolicy> p =
      deconflict::channel::ParseDeadlinePolicy(text);
  if (!p.ok()) return 0;
  const std::string input(text);
  constexpr double kMaxMs = 9.2e18;  // just below INT64_MAX
  FUZZ_CHECK(p->reescalate_s * 1000.0 < kMaxMs / 2, input + ": reescalate_s out of range");
  FUZZ_CHECK(p->min_ack_s * 1000.0 < kMaxMs / 2, input + ": min_ack_s out of range");
  for (const auto& step : p->steps) {
    FUZZ_CHECK(step.ack_s * 1000.0 < kMaxMs / 2, input + ": ack_s out of range");
  }
  const int64_t notices[] = {946684800000, 1665219600000, 4102444800000};  // 2000, 2022, 2100
  const int64_t leads[] = {-3600000, 0, 1, 59999, 1800000, 7200001, 86400000, 315360000000};
  for (int64_t notice : notices) {
    for (int64_t lead : leads) {
      const int64_t start = notice + lead;
      const int64_t deadline = deconflict::ToUnixMillis(
          p->DeadlineFor(deconflict::FromUnixMillis(notice), deconflict::FromUnixMillis(start)));
      const long double earliest = notice + static_cast<long double>(p->min_ack_s) * 1000;
      const long double latest = std::max<long double>(start, earliest);
      const std::string where = input + ": notice " + std::to_string(notice) + ", start " +
                                std::to_string(start) + ", deadline " + std::to_string(deadline);
      FUZZ_CHECK(deadline >= earliest - 1, where + ": before notice + min_ack_s");
      FUZZ_CHECK(deadline <= latest + 1, where + ": after the start and notice + min_ack_s");
      FUZZ_CHECK(deadline + p->reescalate_s * 1000.0 < kMaxMs, where + ": re-escalation");
    }
  }
  return 0;
}
