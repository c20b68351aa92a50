// The conflict detector: a set of plans, indexed in space and time, that answers
// "which plans does this one conflict with" (Check) and "every conflict" (DetectAll).
//
//   ConflictDetector d(rules);
//   for (const model::Plan& p : set.plans) CHECK(d.Add(p).ok());
//   std::vector<Conflict> all = d.DetectAll();
//   std::vector<Conflict> mine = d.Check(new_plan);
//
// Results are exact under docs/semantics.md and identical with options.use_brute_force (the
// twin the tests compare against), whatever the grid options and thread count.
// Memory follows the live plans, whatever the history: Remove frees the plan at once and leaves
// its slot and its compiled elements dead, for the next Add to reuse (the channel amends a plan by
// Remove + Add of the same id) or for a compaction to drop (automatically, once dead slots exceed
// options.max_dead_fraction of the live ones), so that a plan amended a million times costs what
// it costs once.
// Thread-safety: const methods may run concurrently; Add/Remove/Compact need exclusive access.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/compiled.h"
#include "engine/conflict.h"
#include "engine/grid.h"
#include "engine/pair_eval.h"
#include "model/plan.h"
#include "model/rules.h"

namespace deconflict::engine {

struct DetectorOptions {
  // Affects only speed (never results):
  bool use_brute_force = false;  // DEFAULT: false. Compare every plan pair instead of the grid.
  int threads = 1;               // DEFAULT: 1. DetectAll workers; 0 = one per core.
  GridOptions grid;
  // Affects only memory and the cost of Remove (never results):
  // Remove compacts (see Compact) once the slots of removed plans exceed this fraction of the
  // live ones (a plan and each of its compiled elements count one slot), so that dead slots never
  // hold more than that. DEFAULT: 0.5 (a compaction then moves the live elements once per half
  // of them removed: amortised O(1) per removed element, but one Remove in many pays for it, in
  // proportion to the live plans). 0 compacts at every Remove; infinity never. REQUIRES: >= 0.
  double max_dead_fraction = 0.5;
};

// Called now and then during long work with (done, total) units of work.
using ProgressFn = std::function<void(size_t done, size_t total)>;

class ConflictDetector {
 public:
  explicit ConflictDetector(model::Rules rules = {}, DetectorOptions options = {});
  ConflictDetector(const ConflictDetector&) = delete;
  ConflictDetector& operator=(const ConflictDetector&) = delete;

  // Adds a validated plan (into the slot and element run of a removed plan when one fits).
  // AlreadyExists if a plan with the same id is present.
  Status Add(model::Plan plan);
  // Removes the plan with this id (and compacts when options.max_dead_fraction is exceeded).
  // NotFound if absent.
  Status Remove(const PlanId& id);
  // Drops the dead slots of removed plans: the compiled plans and elements of the live plans are
  // renumbered in their order, the grids rewritten in place, and capacities more than twice what
  // is held are released. Results (Check, DetectAll, Suggest) are identical before and after;
  // plan addresses (Find) do not change. O(elements + grid entries); nothing if none is dead.
  void Compact();
  // The plan with this id, or nullptr. The address stays valid until that plan is removed.
  const model::Plan* Find(const PlanId& id) const;
  size_t size() const { return by_id_.size(); }
  const model::Rules& rules() const { return rules_; }

  // Conflicts between `plan` (validated; need not be in the detector) and every plan in the
  // detector of another party. A plan in the detector with the same id is ignored, so that an
  // amendment is checked against everything else. Sorted by SortConflicts.
  std::vector<Conflict> Check(const model::Plan& plan) const;
  // Check, asking `stop` once per element of `plan` and per plan pair evaluated; Unavailable
  // ("stopped") as soon as it returns true, or when more than 4 Mi candidate element pairs (64 MiB)
  // would be gathered. An empty `stop` never stops (and bounds nothing).
  Result<std::vector<Conflict>> Check(const model::Plan& plan, const StopFn& stop) const;

  // Every conflict among the plans in the detector. Sorted by SortConflicts.
  std::vector<Conflict> DetectAll(const ProgressFn& progress = {}) const;

  struct Stats {
    size_t plans = 0;          // live plans (== size())
    size_t elements = 0;       // compiled elements of the live plans
    size_t grid_entries = 0;   // (cell or cell-bucket, element) entries of the grids
    size_t dead_plans = 0;     // removed plans whose slots await compaction
    size_t dead_elements = 0;  // their elements
    // Bytes held (an estimate by container capacities, without the allocator's own overhead):
    size_t memory_bytes = 0;   // the sum of the four below
    size_t plan_bytes = 0;     // the detector's copies of the plans
    size_t element_bytes = 0;  // compiled plans and elements (dead slots included)
    size_t grid_bytes = 0;     // the grids' cells, buckets and entries
    size_t map_bytes = 0;      // the id and party maps
  };
  Stats stats() const;

 private:
  friend Result<struct Suggestion> Suggest(const ConflictDetector&, const PlanId&,
                                           const struct SuggestOptions&);
  struct Candidate {
    uint32_t pa, pb;  // plan indices (a: lower id)
    ElementPair e;
    auto operator<=>(const Candidate&) const = default;
  };
  PlanView View(std::span<const CompiledPlan> local_plans = {},
                std::span<const Element> local_elements = {}) const;
  // Appends candidates between element `qi` (of plan qp, from view) and the grid's elements.
  template <typename Accept>
  // Looks into the grids of classes >= first_class.
  void Candidates(const PlanView& view, uint32_t qi, int first_class, Accept&& accept,
                  std::vector<Candidate>* out) const;
  // Gathers the parts (emptying them) into *out, sorted and de-duplicated (in parallel for large
  // sets of indexed plans).
  void SortUnique(std::vector<std::vector<Candidate>>* parts, int workers,
                  std::vector<Candidate>* out) const;
  // REQUIRES: candidates sorted and unique (SortUnique).
  // Stops early (setting *stopped) when `stop` returns true.
  std::vector<Conflict> Evaluate(const PlanView& view, std::vector<Candidate>* candidates,
                                 int threads, const ProgressFn& progress, const StopFn& stop = {},
                                 bool* stopped = nullptr) const;
  std::vector<Conflict> BruteForceCheck(const PlanView& view, uint32_t q, uint32_t skip) const;
  std::vector<Conflict> BruteForceAll(const ProgressFn& progress) const;
  void BruteForcePair(const PlanView& view, uint32_t x, uint32_t y,
                      std::vector<Conflict>* out) const;

  GridEntry MakeEntry(uint32_t id, const Element& e, const CompiledPlan& p) const;
  // Cheap necessary conditions on altitudes between a query element and a candidate.
  bool AltitudesMayConflict(PlanClass qc, float q_lo, float q_hi, const GridEntry& c) const;

  model::Rules rules_;
  DetectorOptions options_;
  double reach_[kNumPlanClasses][kNumPlanClasses];
  // Stores the elements compiled for *cp in the smallest free run that holds them (the rest of
  // that run stays free), else at the end of elements_; sets cp->first_element.
  void PlaceElements(const std::vector<Element>& elements, CompiledPlan* cp);

  // By plan index: plans_[i] owns compiled_[i].plan. The elements of plan i are a run of
  // elements_ (runs in any order).
  std::vector<std::unique_ptr<const model::Plan>> plans_;
  std::vector<CompiledPlan> compiled_;
  std::vector<Element> elements_;
  // Dead slots of removed plans, reused by Add until Compact drops them: plan indices (their
  // compiled plan has !alive and a null plan) and element runs (each element's plan is kNoPlan).
  std::vector<uint32_t> free_plans_;
  std::multimap<uint32_t, uint32_t> free_runs_;  // length -> first element (best fit)
  size_t dead_elements_ = 0;                     // the sum of the free runs' lengths
  absl::flat_hash_map<std::string, uint32_t> by_id_;
  absl::flat_hash_map<std::string, uint32_t> party_ids_;
  SpaceTimeGrid grids_[kNumPlanClasses];  // one per plan class
};

}  // namespace deconflict::engine
