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
// Thread-safety: const methods may run concurrently; Add/Remove need exclusive access.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <deque>
#include <functional>
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
};

// Called now and then during long work with (done, total) units of work.
using ProgressFn = std::function<void(size_t done, size_t total)>;

class ConflictDetector {
 public:
  explicit ConflictDetector(model::Rules rules = {}, DetectorOptions options = {});
  ConflictDetector(const ConflictDetector&) = delete;
  ConflictDetector& operator=(const ConflictDetector&) = delete;

  // Adds a validated plan. AlreadyExists if a plan with the same id is present.
  Status Add(model::Plan plan);
  // Removes the plan with this id. NotFound if absent.
  Status Remove(const PlanId& id);
  // The plan with this id, or nullptr.
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
    size_t plans = 0;
    size_t elements = 0;
    size_t grid_entries = 0;
    size_t memory_bytes = 0;  // plans, compiled elements and grid (estimate)
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
  std::deque<model::Plan> plans_;  // stable addresses; removed plans stay as dead slots
  std::vector<CompiledPlan> compiled_;
  std::vector<Element> elements_;
  absl::flat_hash_map<std::string, uint32_t> by_id_;
  absl::flat_hash_map<std::string, uint32_t> party_ids_;
  SpaceTimeGrid grids_[kNumPlanClasses];  // one per plan class
};

}  // namespace deconflict::engine
