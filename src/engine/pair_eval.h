// Exact evaluation of one pair of plans of different parties (semantics: docs/semantics.md).
//
//   std::optional<PairRule> rule = RuleFor(a, b, rules);
//   if (rule) EvaluatePair(set, a_index, b_index, *rule, candidates, &conflicts);
//
// Candidates are element pairs (element of a, element of b); the result depends only on the
// geometry, not on which candidates beyond the necessary ones are passed: passing every element
// pair (brute force) or only those whose boxes overlap (the index) gives the same conflicts.
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "engine/compiled.h"
#include "engine/conflict.h"
#include "model/rules.h"

namespace deconflict::engine {

struct PairRule {
  const char* name = "";  // "ground_ground", "air_air", "ground_air", "movement_site", ...
  ConflictType type = ConflictType::kSeparation;
  double required_m = 0;   // rule distance + both corridors (a circle's radius comes on top)
  double slack_m = 0;      // zones: 1 mm, so that touching a line or boundary counts
  double tolerance_s = 0;  // sum of both time tolerances
  bool vertical = false;   // air_air: vertical separation must be lost too
  double vertical_m = 0;
  double ceiling_m = 0;  // low-level rules: an air route counts only at or below this altitude
  bool has_ceiling = false;
};

// The rule between two plans, or nullopt if they can never conflict (same party, site vs site,
// a zone that does not restrict the other party, a volume above the low-level ceiling, ...).
std::optional<PairRule> RuleFor(const CompiledPlan& a, const CompiledPlan& b,
                                const model::Rules& rules);

// The horizontal reach of the rule between two classes, without corridors: the distance by which
// candidate boxes must be widened. 0 when the classes never conflict.
double ReachBetween(PlanClass a, PlanClass b, const model::Rules& rules);

struct ElementPair {
  uint32_t a, b;  // element indices
  auto operator<=>(const ElementPair&) const = default;
};

// Indices with this bit set refer to the view's local plans and elements (a plan being checked
// that is not in the index).
constexpr uint32_t kLocalBit = 0x80000000u;

// A set of compiled plans and their elements, as seen by the evaluator.
struct PlanView {
  std::span<const CompiledPlan> plans;
  std::span<const Element> elements;
  std::span<const CompiledPlan> local_plans;
  std::span<const Element> local_elements;
  const CompiledPlan& plan(uint32_t i) const {
    return (i & kLocalBit) ? local_plans[i & ~kLocalBit] : plans[i];
  }
  const Element& element(uint32_t i) const {
    return (i & kLocalBit) ? local_elements[i & ~kLocalBit] : elements[i];
  }
};

// Asked now and then during long work (a dry run under a time budget): true stops the work, which
// then returns Status::Unavailable("stopped") or reports that it stopped.
using StopFn = std::function<bool()>;

// Appends the conflicts between plans a and b (REQUIRES: a's id < b's id, rule == RuleFor(a, b)),
// one per maximal episode. Candidates: element pairs with .a in plan a and .b in plan b, sorted.
// `stop` is asked every 4,096 candidates; when it returns true, nothing is appended and false is
// returned (true otherwise).
bool EvaluatePair(const PlanView& view, uint32_t a, uint32_t b, const PairRule& rule,
                  std::span<const ElementPair> candidates, std::vector<Conflict>* out,
                  const StopFn& stop = {});

// Shifting plan a's times by d seconds (b unchanged) makes the pair conflict for every d in
// (lo, hi) of some block (ends are approximate to 0.01 s; infinite when a standing area is
// involved). To shift b instead, negate and swap the ends. Ignores the plans' current timing.
struct ShiftBlock {
  double lo, hi;
};
void ShiftBlocks(const PlanView& view, uint32_t a, uint32_t b, const PairRule& rule,
                 std::span<const ElementPair> candidates, std::vector<ShiftBlock>* out);

// Two windows closer than this are one episode.
constexpr double kEpisodeGapS = 1.0;

}  // namespace deconflict::engine
