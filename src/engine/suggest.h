// `deconflict suggest`: the smallest departure delay (or, failing that within the limit, the
// smallest advance) of one plan that clears all of its conflicts, computed from the exact set of
// blocking shifts (pair_eval.h ShiftBlocks), then verified by a Check of the shifted plan.
//
//   Result<Suggestion> s = Suggest(detector, PlanId("us-patrol-1"), {});
//   if (s->outcome == Suggestion::kDelay) std::cout << FormatDuration(s->shift);
//
// Thread-safety: reads the detector only (const).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "base/units.h"
#include "engine/detector.h"

namespace deconflict::engine {

struct SuggestOptions {
  Seconds max_delay{6 * 3600.0};    // DEFAULT: 6 h. Largest delay considered.
  Seconds max_advance{6 * 3600.0};  // DEFAULT: 6 h. Largest advance considered if no delay works.
  // DEFAULT: 1 s. The shift is a whole multiple of this (seconds, >= 1), so that it tells no finer
  // time than step (the server passes its disclosure time step: docs/security.md §2).
  Seconds step{1};
  // DEFAULT: none. Asked now and then; true stops the work (Unavailable "stopped"). When set, a
  // plan pair of more than 4 Mi element pairs (e.g. 2,048 x 2,048 legs) also stops at once.
  StopFn stop;
};

struct Suggestion {
  enum Outcome {
    kNoConflict,  // nothing to clear: shift is 0
    kDelay,       // shift > 0: depart this much later
    kAdvance,     // shift < 0: depart this much earlier
    kImpossible,  // no shift within the limits clears every conflict
  };
  Outcome outcome = kNoConflict;
  Seconds shift{0};
  size_t conflicts_now = 0;  // conflicts of the plan as scheduled
  // For every other plan that blocks some shift: the blocked shift ranges (seconds, merged).
  struct Blocker {
    PlanId plan;
    PartyId party;
    std::vector<std::pair<double, double>> blocked;  // may contain +-infinity
  };
  std::vector<Blocker> blockers;
  std::string explanation;  // one sentence for people
};

// REQUIRES: the detector holds a plan with this id (else NotFound).
Result<Suggestion> Suggest(const ConflictDetector& detector, const PlanId& id,
                           const SuggestOptions& options);

// The plan with every time (waypoints, window) moved by `shift`.
model::Plan Shifted(const model::Plan& plan, Seconds shift);

}  // namespace deconflict::engine
