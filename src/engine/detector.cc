#include "engine/detector.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <limits>
#include <mutex>
#include <thread>

namespace deconflict::engine {
namespace {

constexpr uint32_t kUnknownParty = 0xFFFFFFFFu;
// The plan of a dead element (removed, awaiting reuse or compaction).
constexpr uint32_t kNoPlan = 0xFFFFFFFFu;

bool NeverConflict(PlanClass a, PlanClass b) {
  auto static_only = [](PlanClass c) { return c == PlanClass::kSite || c == PlanClass::kZone; };
  return static_only(a) && static_only(b);
}

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// Runs fn(i, worker) for i in [0, n) on `threads` workers, in chunks.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  if (threads <= 1 || n < 64) {
    for (size_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  std::atomic<size_t> next{0};
  const size_t chunk = std::max<size_t>(16, n / (static_cast<size_t>(threads) * 64));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      for (;;) {
        const size_t begin = next.fetch_add(chunk);
        if (begin >= n) return;
        const size_t end = std::min(n, begin + chunk);
        for (size_t i = begin; i < end; ++i) fn(i, w);
      }
    });
  }
  for (auto& t : pool) t.join();
}

}  // namespace

namespace {
// The altitude range of an element, rounded outwards.
void AltitudeRange(const Element& e, const CompiledPlan& p, float* lo, float* hi) {
  double a = 0, b = 0;
  if (p.cls == PlanClass::kAirRoute) {
    a = std::min(e.alt0, e.alt1);
    b = std::max(e.alt0, e.alt1);
  } else if (p.cls == PlanClass::kAirVolume) {
    a = p.band_lo;
    b = p.band_hi;
  }
  *lo = static_cast<float>(a - 1.0);
  *hi = static_cast<float>(b + 1.0);
}
}  // namespace

GridEntry ConflictDetector::MakeEntry(uint32_t id, const Element& e, const CompiledPlan& p) const {
  GridEntry h;
  const double lo[3] = {e.box.lo.x, e.box.lo.y, e.box.lo.z};
  const double hi[3] = {e.box.hi.x, e.box.hi.y, e.box.hi.z};
  for (int k = 0; k < 3; ++k) {
    h.lo[k] = static_cast<float>(lo[k] - 1.0);
    h.hi[k] = static_cast<float>(hi[k] + 1.0);
  }
  h.span_lo = GridTime(e.span_lo, false);
  h.span_hi = GridTime(e.span_hi, true);
  AltitudeRange(e, p, &h.alt_lo, &h.alt_hi);
  h.id = id;
  h.plan = e.plan;
  h.party = p.party;
  h.cls = static_cast<uint8_t>(p.cls);
  return h;
}

bool ConflictDetector::AltitudesMayConflict(PlanClass qc, float q_lo, float q_hi,
                                            const GridEntry& c) const {
  const auto cc = static_cast<PlanClass>(c.cls);
  const bool q_air = qc == PlanClass::kAirRoute || qc == PlanClass::kAirVolume;
  const bool c_air = cc == PlanClass::kAirRoute || cc == PlanClass::kAirVolume;
  if (q_air && c_air) {
    const double gap =
        std::max({0.0, static_cast<double>(c.alt_lo) - q_hi, static_cast<double>(q_lo) - c.alt_hi});
    return gap <= rules_.air_air_vertical_m;
  }
  // Low-level rules: the flight must get down to the ceiling.
  if (q_air && (cc == PlanClass::kGround || cc == PlanClass::kSite)) {
    return q_lo <= rules_.low_level_ceiling_m;
  }
  if (c_air && (qc == PlanClass::kGround || qc == PlanClass::kSite)) {
    return c.alt_lo <= rules_.low_level_ceiling_m;
  }
  return true;
}

ConflictDetector::ConflictDetector(model::Rules rules, DetectorOptions options)
    : rules_(rules),
      options_(options),
      grids_{SpaceTimeGrid(options.grid), SpaceTimeGrid(options.grid), SpaceTimeGrid(options.grid),
             SpaceTimeGrid(options.grid), SpaceTimeGrid(options.grid)} {
  for (int i = 0; i < kNumPlanClasses; ++i) {
    for (int j = 0; j < kNumPlanClasses; ++j) {
      const auto a = static_cast<PlanClass>(i), b = static_cast<PlanClass>(j);
      reach_[i][j] = NeverConflict(a, b) ? -1 : ReachBetween(a, b, rules_);
    }
  }
}

Status ConflictDetector::Add(model::Plan plan) {
  if (by_id_.contains(plan.id.value())) {
    return Status::AlreadyExists("plan " + plan.id.value() + " already exists");
  }
  auto index = static_cast<uint32_t>(compiled_.size());
  if (!free_plans_.empty()) {
    index = free_plans_.back();
    free_plans_.pop_back();
  }
  auto owned = std::make_unique<const model::Plan>(std::move(plan));
  const model::Plan& p = *owned;
  std::vector<Element> elements;  // compiled aside, so that a reused run needs no growth
  CompiledPlan cp = Compile(p, index, &elements);
  PlaceElements(elements, &cp);
  const auto [it, inserted] =
      party_ids_.try_emplace(p.party.value(), static_cast<uint32_t>(party_ids_.size()));
  cp.party = it->second;
  for (uint32_t i = cp.first_element; i < cp.first_element + cp.num_elements; ++i) {
    const Element& e = elements_[i];
    grids_[static_cast<int>(cp.cls)].Insert(MakeEntry(i, e, cp), e.box, e.span_lo, e.span_hi);
  }
  if (index == compiled_.size()) {
    compiled_.push_back(std::move(cp));
    plans_.push_back(std::move(owned));
  } else {
    compiled_[index] = std::move(cp);
    plans_[index] = std::move(owned);
  }
  by_id_.emplace(p.id.value(), index);
  return Status::Ok();
}

void ConflictDetector::PlaceElements(const std::vector<Element>& elements, CompiledPlan* cp) {
  const auto n = static_cast<uint32_t>(elements.size());
  const auto run = free_runs_.lower_bound(n);
  if (n == 0 || run == free_runs_.end()) {
    cp->first_element = static_cast<uint32_t>(elements_.size());
    elements_.insert(elements_.end(), elements.begin(), elements.end());
    return;
  }
  const uint32_t length = run->first, first = run->second;
  free_runs_.erase(run);
  if (length > n) free_runs_.emplace(length - n, first + n);
  std::copy(elements.begin(), elements.end(),
            elements_.begin() + static_cast<std::ptrdiff_t>(first));
  cp->first_element = first;
  dead_elements_ -= n;
}

Status ConflictDetector::Remove(const PlanId& id) {
  auto it = by_id_.find(id.value());
  if (it == by_id_.end()) return Status::NotFound("no plan " + id.value());
  const uint32_t index = it->second;
  CompiledPlan& cp = compiled_[index];
  for (uint32_t i = cp.first_element; i < cp.first_element + cp.num_elements; ++i) {
    Element& e = elements_[i];
    grids_[static_cast<int>(cp.cls)].Erase(i, e.box, e.span_lo, e.span_hi);
    e.plan = kNoPlan;
  }
  // A dead slot, until Add reuses it or Compact drops it: nothing reads it (loops over plans skip
  // !alive, loops over elements skip kNoPlan, the grids no longer hold it).
  if (cp.num_elements > 0) free_runs_.emplace(cp.num_elements, cp.first_element);
  dead_elements_ += cp.num_elements;
  free_plans_.push_back(index);
  cp.alive = false;
  cp.plan = nullptr;
  cp.rings.reset();
  plans_[index].reset();
  by_id_.erase(it);
  // A plan's slot and each of its elements count one (a plan may compile to few elements).
  const size_t live = elements_.size() - dead_elements_ + by_id_.size();
  if (static_cast<double>(dead_elements_ + free_plans_.size()) >
      options_.max_dead_fraction * static_cast<double>(live)) {
    Compact();
  }
  return Status::Ok();
}

void ConflictDetector::Compact() {
  if (free_plans_.empty() && dead_elements_ == 0) return;
  // Plans move down in index order, elements in element order: a plan's run stays in order.
  std::vector<uint32_t> new_plan(compiled_.size(), kNoPlan);
  uint32_t np = 0;
  for (uint32_t i = 0; i < compiled_.size(); ++i) {
    if (!compiled_[i].alive) continue;
    new_plan[i] = np;
    if (np != i) {
      compiled_[np] = std::move(compiled_[i]);
      plans_[np] = std::move(plans_[i]);
    }
    ++np;
  }
  compiled_.resize(np);
  plans_.resize(np);
  std::vector<uint32_t> new_element(elements_.size(), kNoPlan);
  uint32_t ne = 0;
  for (uint32_t i = 0; i < elements_.size(); ++i) {
    if (elements_[i].plan == kNoPlan) continue;
    new_element[i] = ne;
    if (ne != i) elements_[ne] = elements_[i];
    elements_[ne].plan = new_plan[elements_[ne].plan];
    ++ne;
  }
  elements_.resize(ne);
  for (CompiledPlan& cp : compiled_) {
    cp.first_element = cp.num_elements > 0 ? new_element[cp.first_element] : 0;
  }
  for (auto& [key, index] : by_id_) index = new_plan[index];
  for (SpaceTimeGrid& g : grids_) g.Renumber(new_element, new_plan);
  std::vector<uint32_t>().swap(free_plans_);
  free_runs_.clear();
  dead_elements_ = 0;
  ShrinkIfSparse(&compiled_);
  ShrinkIfSparse(&plans_);
  ShrinkIfSparse(&elements_);
  // absl tables never shrink on erase: rehash(0) resizes to fit.
  if (by_id_.capacity() > 4 * by_id_.size()) by_id_.rehash(0);
}

const model::Plan* ConflictDetector::Find(const PlanId& id) const {
  auto it = by_id_.find(id.value());
  return it == by_id_.end() ? nullptr : compiled_[it->second].plan;
}

PlanView ConflictDetector::View(std::span<const CompiledPlan> local_plans,
                                std::span<const Element> local_elements) const {
  return {compiled_, elements_, local_plans, local_elements};
}

template <typename Accept>
void ConflictDetector::Candidates(const PlanView& view, uint32_t qi, int first_class,
                                  Accept&& accept, std::vector<Candidate>* out) const {
  const Element& q = view.element(qi);
  const CompiledPlan& qp = view.plan(q.plan);
  const int qc = static_cast<int>(qp.cls);
  const int32_t q_lo = GridTime(q.span_lo, false), q_hi = GridTime(q.span_hi, true);
  float qa_lo, qa_hi;
  AltitudeRange(q, qp, &qa_lo, &qa_hi);
  const uint32_t q_party = qp.party;
  for (int k = first_class; k < kNumPlanClasses; ++k) {
    const double reach = reach_[qc][k];
    if (reach < 0) continue;
    // The query box widened by the reach towards class k, as floats rounded outwards.
    const Box3 qbox = q.box.Expanded(reach + 1.0);
    const float lo[3] = {static_cast<float>(qbox.lo.x), static_cast<float>(qbox.lo.y),
                         static_cast<float>(qbox.lo.z)};
    const float hi[3] = {static_cast<float>(qbox.hi.x), static_cast<float>(qbox.hi.y),
                         static_cast<float>(qbox.hi.z)};
    grids_[k].ForEach(qbox, q.span_lo, q.span_hi, [&](const GridEntry& c) {
      // Branch-free necessary conditions: time spans, other party, boxes.
      const bool near = (c.span_lo <= q_hi) & (q_lo <= c.span_hi) & (c.party != q_party) &
                        (lo[0] <= c.hi[0]) & (c.lo[0] <= hi[0]) & (lo[1] <= c.hi[1]) &
                        (c.lo[1] <= hi[1]) & (lo[2] <= c.hi[2]) & (c.lo[2] <= hi[2]);
      if (!near) return;
      if (!AltitudesMayConflict(qp.cls, qa_lo, qa_hi, c) || !accept(c)) return;
      // One orientation per plan pair (lower plan index first), whichever side found it.
      if (!(q.plan & kLocalBit) && c.plan < q.plan) {
        out->push_back({c.plan, q.plan, {c.id, qi}});
      } else {
        out->push_back({q.plan, c.plan, {qi, c.id}});
      }
    });
  }
}

void ConflictDetector::SortUnique(std::vector<std::vector<Candidate>>* parts, int workers,
                                  std::vector<Candidate>* out) const {
  size_t total = 0;
  bool local = false;
  for (const auto& part : *parts) {
    total += part.size();
    if (!part.empty()) local = local || (part.front().pa & kLocalBit);
  }
  out->clear();
  if (workers <= 1 || total < (size_t{1} << 16) || local) {
    out->reserve(total);
    for (auto& part : *parts) out->insert(out->end(), part.begin(), part.end());
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
    return;
  }
  // Large sets (DetectAll): distribute by the first plan (counting sort), then sort and
  // de-duplicate each plan's run in parallel, then close the gaps.
  const size_t plans = compiled_.size();
  std::vector<size_t> start(plans + 1, 0);
  for (const auto& part : *parts) {
    for (const Candidate& x : part) ++start[x.pa + 1];
  }
  for (size_t p = 0; p < plans; ++p) start[p + 1] += start[p];
  out->resize(total);
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (auto& part : *parts) {
      for (const Candidate& x : part) (*out)[next[x.pa]++] = x;
      std::vector<Candidate>().swap(part);
    }
  }
  std::vector<size_t> kept(plans, 0);
  ParallelFor(plans, workers, [&](size_t p, int) {
    const auto first = out->begin() + static_cast<std::ptrdiff_t>(start[p]);
    const auto last = out->begin() + static_cast<std::ptrdiff_t>(start[p + 1]);
    std::sort(first, last);
    kept[p] = static_cast<size_t>(std::unique(first, last) - first);
  });
  size_t n = 0;
  for (size_t p = 0; p < plans; ++p) {
    for (size_t i = 0; i < kept[p]; ++i) (*out)[n++] = (*out)[start[p] + i];
  }
  out->resize(n);
}

std::vector<Conflict> ConflictDetector::Evaluate(const PlanView& view,
                                                 std::vector<Candidate>* candidates, int threads,
                                                 const ProgressFn& progress, const StopFn& stop,
                                                 bool* stopped) const {
  // Group boundaries: one group per plan pair.
  std::vector<size_t> starts;
  for (size_t i = 0; i < candidates->size(); ++i) {
    if (i == 0 || (*candidates)[i].pa != (*candidates)[i - 1].pa ||
        (*candidates)[i].pb != (*candidates)[i - 1].pb) {
      starts.push_back(i);
    }
  }
  const size_t groups = starts.size();
  starts.push_back(candidates->size());
  const int workers = ResolveThreads(threads);
  std::vector<std::vector<Conflict>> found(static_cast<size_t>(workers));
  std::vector<std::vector<ElementPair>> scratch(static_cast<size_t>(workers));
  std::atomic<size_t> done{0};
  std::mutex progress_mu;
  std::atomic<bool> halt{false};
  ParallelFor(groups, workers, [&](size_t g, int w) {
    if (stop && (halt.load(std::memory_order_relaxed) || stop())) {
      halt.store(true, std::memory_order_relaxed);
      return;
    }
    const Candidate& first = (*candidates)[starts[g]];
    uint32_t a = first.pa, b = first.pb;
    const bool swap = view.plan(b).plan->id < view.plan(a).plan->id;
    if (swap) std::swap(a, b);
    auto& pairs = scratch[static_cast<size_t>(w)];
    pairs.clear();
    for (size_t i = starts[g]; i < starts[g + 1]; ++i) {
      const ElementPair& e = (*candidates)[i].e;
      pairs.push_back(swap ? ElementPair{e.b, e.a} : e);
    }
    if (swap) std::sort(pairs.begin(), pairs.end());
    if (const auto rule = RuleFor(view.plan(a), view.plan(b), rules_)) {
      if (!EvaluatePair(view, a, b, *rule, pairs, &found[static_cast<size_t>(w)], stop)) {
        halt.store(true, std::memory_order_relaxed);
      }
    }
    const size_t d = done.fetch_add(1) + 1;
    if (progress && (d % 4096 == 0 || d == groups)) {
      std::lock_guard<std::mutex> lock(progress_mu);
      progress(d, groups);
    }
  });
  std::vector<Conflict> out;
  if (halt.load()) {
    if (stopped) *stopped = true;
    return out;
  }
  for (auto& f : found) {
    out.insert(out.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
  }
  SortConflicts(&out);
  return out;
}

// The most candidate element pairs a Check under a StopFn gathers (16 bytes each: 64 MiB).
constexpr size_t kMaxBudgetedCandidates = size_t{4} << 20;

std::vector<Conflict> ConflictDetector::Check(const model::Plan& plan) const {
  Result<std::vector<Conflict>> r = Check(plan, StopFn());  // never stops
  return std::move(*r);
}

Result<std::vector<Conflict>> ConflictDetector::Check(const model::Plan& plan,
                                                      const StopFn& stop) const {
  std::vector<Element> local_elements;
  std::vector<CompiledPlan> local_plans;
  local_plans.push_back(Compile(plan, kLocalBit, &local_elements));
  CompiledPlan& lp = local_plans.back();
  lp.first_element |= kLocalBit;
  auto party = party_ids_.find(plan.party.value());
  lp.party = party == party_ids_.end() ? kUnknownParty : party->second;
  auto same = by_id_.find(plan.id.value());
  const uint32_t skip = same == by_id_.end() ? kUnknownParty : same->second;
  const PlanView view = View(local_plans, local_elements);
  if (options_.use_brute_force) return BruteForceCheck(view, kLocalBit, skip);
  const Status stopped_status = Status::Unavailable("stopped");
  std::vector<Candidate> candidates;
  for (uint32_t k = 0; k < local_elements.size(); ++k) {
    // Under a stop, memory is bounded too: more element pairs than kMaxBudgetedCandidates stop.
    if (stop && (stop() || candidates.size() > kMaxBudgetedCandidates)) return stopped_status;
    Candidates(
        view, kLocalBit | k, /*first_class=*/0, [&](const GridEntry& c) { return c.plan != skip; },
        &candidates);
  }
  std::vector<std::vector<Candidate>> parts(1);
  parts[0].swap(candidates);
  SortUnique(&parts, 1, &candidates);
  bool stopped = false;
  std::vector<Conflict> out = Evaluate(view, &candidates, 1, {}, stop, &stopped);
  if (stopped) return stopped_status;
  return out;
}

std::vector<Conflict> ConflictDetector::DetectAll(const ProgressFn& progress) const {
  if (options_.use_brute_force) return BruteForceAll(progress);
  const PlanView view = View();
  const int workers = ResolveThreads(options_.threads);
  std::vector<std::vector<Candidate>> per_worker(static_cast<size_t>(workers));
  const size_t n = elements_.size();
  std::atomic<size_t> done{0};
  std::mutex progress_mu;
  // Each pair of elements is discovered once: an element looks only into the grids of its own
  // class and the classes after it, and within its own class only at higher plan indices.
  // Visit elements in space-time order (hour, then cube face and cell) so that consecutive
  // queries of a worker read the same grid cells while they are in cache.
  std::vector<uint32_t> order(n);
  {
    std::vector<std::pair<uint64_t, uint32_t>> keyed(n);
    const double cell = options_.grid.cell_m * 4;
    for (uint32_t i = 0; i < n; ++i) {
      const Element& e = elements_[i];
      const geo::Vec3 c = (e.box.lo + e.box.hi) * 0.5;
      const auto hour = static_cast<uint64_t>(
          std::isfinite(e.span_lo) ? std::clamp(e.span_lo / 3600.0, 0.0, 1e7) : 0.0);
      auto q = [&](double v) {
        return static_cast<uint64_t>(std::clamp(v / cell + 512.0, 0.0, 1023.0));
      };
      keyed[i] = {(hour << 30) | (q(c.x) << 20) | (q(c.y) << 10) | q(c.z), i};
    }
    std::sort(keyed.begin(), keyed.end());
    for (uint32_t i = 0; i < n; ++i) order[i] = keyed[i].second;
  }
  ParallelFor(n, workers, [&](size_t k, int w) {
    const size_t i = order[k];
    const Element& q = elements_[i];
    if (q.plan != kNoPlan) {
      const int qc = static_cast<int>(compiled_[q.plan].cls);
      Candidates(
          view, static_cast<uint32_t>(i), qc,
          [&](const GridEntry& c) { return c.cls != qc || q.plan < c.plan; },
          &per_worker[static_cast<size_t>(w)]);
    }
    const size_t d = done.fetch_add(1) + 1;
    if (progress && d % 65536 == 0) {
      std::lock_guard<std::mutex> lock(progress_mu);
      progress(d / 2, n);
    }
  });
  std::vector<Candidate> all;
  SortUnique(&per_worker, workers, &all);
  ProgressFn phase2;
  if (progress) {
    phase2 = [&](size_t d, size_t groups) { progress(n / 2 + d * (n - n / 2) / groups, n); };
  }
  return Evaluate(view, &all, workers, phase2);
}

std::vector<Conflict> ConflictDetector::BruteForceCheck(const PlanView& view, uint32_t q,
                                                        uint32_t skip) const {
  std::vector<Conflict> out;
  for (uint32_t i = 0; i < compiled_.size(); ++i) {
    if (i != skip && compiled_[i].alive) BruteForcePair(view, q, i, &out);
  }
  SortConflicts(&out);
  return out;
}

std::vector<Conflict> ConflictDetector::BruteForceAll(const ProgressFn& progress) const {
  const PlanView view = View();
  std::vector<Conflict> out;
  const size_t n = compiled_.size();
  for (uint32_t i = 0; i < n; ++i) {
    if (!compiled_[i].alive) continue;
    for (uint32_t j = i + 1; j < n; ++j) {
      if (compiled_[j].alive) BruteForcePair(view, i, j, &out);
    }
    if (progress && (i % 256 == 0 || i + 1 == n)) progress(i + 1, n);
  }
  SortConflicts(&out);
  return out;
}

void ConflictDetector::BruteForcePair(const PlanView& view, uint32_t x, uint32_t y,
                                      std::vector<Conflict>* out) const {
  uint32_t a = x, b = y;
  if (view.plan(b).plan->id < view.plan(a).plan->id) std::swap(a, b);
  const CompiledPlan& pa = view.plan(a);
  const CompiledPlan& pb = view.plan(b);
  const auto rule = RuleFor(pa, pb, rules_);
  if (!rule) return;
  // Necessary conditions only; every element pair of the two plans is then evaluated.
  if (pa.span_hi < pb.span_lo || pb.span_hi < pa.span_lo) return;
  const double reach = reach_[static_cast<int>(pa.cls)][static_cast<int>(pb.cls)];
  if (!pa.box.Expanded(reach).Overlaps(pb.box)) return;
  std::vector<ElementPair> pairs;
  pairs.reserve(static_cast<size_t>(pa.num_elements) * pb.num_elements);
  for (uint32_t i = 0; i < pa.num_elements; ++i) {
    for (uint32_t j = 0; j < pb.num_elements; ++j) {
      pairs.push_back({pa.first_element + i, pb.first_element + j});
    }
  }
  EvaluatePair(view, a, b, *rule, pairs, out);
}

namespace {
// The heap bytes of a string beyond its own object (none while it fits in the object: an empty
// string's capacity is the small-string buffer's).
size_t HeapBytes(const std::string& s) {
  return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
}

// The bytes a plan holds (an estimate by capacities, without the allocator's overhead).
size_t PlanBytes(const model::Plan& p) {
  size_t bytes = sizeof(model::Plan) + HeapBytes(p.id.value()) + HeapBytes(p.party.value()) +
                 HeapBytes(p.callsign) + HeapBytes(p.note) +
                 p.restricted_parties.capacity() * sizeof(PartyId);
  if (p.is_route()) {
    bytes += p.route().waypoints.capacity() * sizeof(model::Waypoint);
  } else if (const auto* poly = std::get_if<model::Polygon>(&p.area().footprint)) {
    bytes += poly->rings.capacity() * sizeof(std::vector<geo::LatLng>);
    for (const auto& r : poly->rings) bytes += r.capacity() * sizeof(geo::LatLng);
  } else if (const auto* line = std::get_if<model::Polyline>(&p.area().footprint)) {
    bytes += line->points.capacity() * sizeof(geo::LatLng);
  }
  return bytes;
}
}  // namespace

ConflictDetector::Stats ConflictDetector::stats() const {
  Stats s;
  s.plans = by_id_.size();
  s.elements = elements_.size() - dead_elements_;
  s.dead_plans = free_plans_.size();
  s.dead_elements = dead_elements_;
  for (const SpaceTimeGrid& g : grids_) s.grid_entries += g.entries();
  s.plan_bytes = plans_.capacity() * sizeof(plans_[0]);
  for (const auto& p : plans_) {
    if (p != nullptr) s.plan_bytes += PlanBytes(*p);
  }
  // A multimap node: three pointers, a colour and the pair (estimate).
  constexpr size_t kRunNodeBytes = 4 * sizeof(void*) + 2 * sizeof(uint32_t);
  s.element_bytes = compiled_.capacity() * sizeof(CompiledPlan) +
                    elements_.capacity() * sizeof(Element) + free_runs_.size() * kRunNodeBytes +
                    free_plans_.capacity() * sizeof(uint32_t);
  for (const SpaceTimeGrid& g : grids_) s.grid_bytes += g.MemoryBytes();
  s.map_bytes = by_id_.capacity() * (sizeof(std::string) + sizeof(uint32_t) + 1) +
                party_ids_.capacity() * (sizeof(std::string) + sizeof(uint32_t) + 1);
  for (const auto& [key, index] : by_id_) s.map_bytes += HeapBytes(key);
  s.memory_bytes = s.plan_bytes + s.element_bytes + s.grid_bytes + s.map_bytes;
  return s;
}

}  // namespace deconflict::engine
