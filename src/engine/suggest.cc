#include "engine/suggest.h"

#include <algorithm>
#include <cmath>

#include "base/time.h"

namespace deconflict::engine {
namespace {

constexpr double kMarginS = 1.0;  // stay this far outside a blocked range (ends are +-0.01 s)
// The most element pairs of one plan pair a suggestion evaluates (32 MB of pairs, about a second).
constexpr size_t kMaxPairs = size_t{4} << 20;

using Range = std::pair<double, double>;

std::vector<Range> Merge(std::vector<Range> v) {
  std::sort(v.begin(), v.end());
  std::vector<Range> out;
  for (const Range& r : v) {
    if (!out.empty() && r.first <= out.back().second) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

// Smallest d >= 0 (or largest d <= 0 when `advance`), a multiple of `step`, outside every open
// range, with a margin (on both sides of a range when step > 1 s).
double FirstClear(const std::vector<Range>& merged, bool advance, double step) {
  const double near = step > 1 ? kMarginS : 0;
  double d = 0;
  if (!advance) {
    for (const Range& r : merged) {
      if (r.first - near < d && d < r.second) {
        d = std::ceil((std::ceil(r.second) + kMarginS) / step) * step;
      }
    }
  } else {
    for (auto it = merged.rbegin(); it != merged.rend(); ++it) {
      if (it->first < d && d < it->second + near) {
        d = std::floor((std::floor(it->first) - kMarginS) / step) * step;
      }
    }
  }
  return d;
}

// The shift that clears every blocked range in `merged`: the smallest delay within
// options.max_delay, else the smallest advance within options.max_advance (stored in *shift,
// seconds, negative for an advance); kImpossible (and *shift untouched) when neither exists.
Suggestion::Outcome ChooseShift(const std::vector<Range>& merged, const SuggestOptions& options,
                                double* shift) {
  const double step = std::max(1.0, options.step.value());
  const double delay = FirstClear(merged, false, step);
  const double advance = FirstClear(merged, true, step);
  if (std::isfinite(delay) && delay <= options.max_delay.value()) {
    *shift = delay;
    return Suggestion::kDelay;
  }
  if (std::isfinite(advance) && -advance <= options.max_advance.value()) {
    *shift = advance;
    return Suggestion::kAdvance;
  }
  return Suggestion::kImpossible;
}

// The sentence a person reads for the suggestion `s` for plan `id` (outcome, shift, blockers and
// conflicts_now filled in).
std::string Explain(const Suggestion& s, const PlanId& id, const SuggestOptions& options) {
  std::string explanation;
  const std::string n =
      std::to_string(s.conflicts_now) + (s.conflicts_now == 1 ? " conflict" : " conflicts");
  switch (s.outcome) {
    case Suggestion::kDelay:
      explanation = "Delay " + id.value() + " by " + FormatDuration(s.shift) +
                    " (every time moves later) to clear its " + n + ".";
      break;
    case Suggestion::kAdvance:
      explanation = "No delay up to " + FormatDuration(options.max_delay) + " clears the " + n +
                    "; advance " + id.value() + " by " + FormatDuration(Seconds(-s.shift.value())) +
                    " (every time moves earlier) instead.";
      break;
    case Suggestion::kImpossible: {
      std::string standing;
      for (const auto& b : s.blockers) {
        for (const Range& r : b.blocked) {
          if (!std::isfinite(r.first) || !std::isfinite(r.second)) {
            standing += (standing.empty() ? "" : ", ") + b.plan.value();
            break;
          }
        }
      }
      explanation = "No delay up to " + FormatDuration(options.max_delay) +
                    " and no advance up to " + FormatDuration(options.max_advance) +
                    " clears the " + n + " of " + id.value() + "; change the route instead" +
                    (standing.empty() ? "." : " (it meets " + standing + " at any time).");
      break;
    }
    case Suggestion::kNoConflict:
      break;
  }
  return explanation;
}

}  // namespace

model::Plan Shifted(const model::Plan& plan, Seconds shift) {
  model::Plan p = plan;
  if (p.is_route()) {
    for (model::Waypoint& w : std::get<model::Route>(p.shape).waypoints) w.time = w.time + shift;
  } else {
    model::Area& a = std::get<model::Area>(p.shape);
    if (a.window.start.is_finite()) a.window.start = a.window.start + shift;
    if (a.window.end.is_finite()) a.window.end = a.window.end + shift;
  }
  return p;
}

Result<Suggestion> Suggest(const ConflictDetector& d, const PlanId& id,
                           const SuggestOptions& options) {
  auto it = d.by_id_.find(id.value());
  if (it == d.by_id_.end()) return Status::NotFound("no plan with id " + id.value());
  const uint32_t s = it->second;
  const model::Plan& plan = *d.compiled_[s].plan;
  Suggestion out;
  const StopFn& stop = options.stop;
  const Status stopped = Status::Unavailable("stopped");
  auto now = d.Check(plan, stop);
  if (!now.ok()) return now.status();
  out.conflicts_now = now->size();
  if (out.conflicts_now == 0) {
    out.explanation = "Plan " + id.value() + " has no conflict: nothing to clear.";
    return out;
  }
  const PlanView view = d.View();
  const CompiledPlan& ps = d.compiled_[s];
  std::vector<Range> all;
  std::vector<ElementPair> pairs;
  std::vector<ShiftBlock> blocks;
  for (uint32_t j = 0; j < d.compiled_.size(); ++j) {
    const CompiledPlan& pj = d.compiled_[j];
    if (j == s || !pj.alive || pj.party == ps.party) continue;
    if (stop && stop()) return stopped;
    const bool s_is_a = ps.plan->id < pj.plan->id;
    const uint32_t a = s_is_a ? s : j, b = s_is_a ? j : s;
    const auto rule = RuleFor(d.compiled_[a], d.compiled_[b], d.rules_);
    if (!rule) continue;
    const double reach = d.reach_[static_cast<int>(ps.cls)][static_cast<int>(pj.cls)];
    if (!ps.box.Expanded(reach).Overlaps(pj.box)) continue;
    const CompiledPlan& pa = d.compiled_[a];
    const CompiledPlan& pb = d.compiled_[b];
    // Every element pair (two plans of 10,000 vertices would make 10^8): under a `stop`, more
    // than kMaxPairs stop at once, and `stop` is asked every 64 rows.
    if (stop && static_cast<size_t>(pa.num_elements) * pb.num_elements > kMaxPairs) return stopped;
    pairs.clear();
    for (uint32_t x = 0; x < pa.num_elements; ++x) {
      if (stop && x % 64 == 0 && stop()) return stopped;
      for (uint32_t y = 0; y < pb.num_elements; ++y) {
        pairs.push_back({pa.first_element + x, pb.first_element + y});
      }
    }
    blocks.clear();
    ShiftBlocks(view, a, b, *rule, pairs, &blocks);
    if (blocks.empty()) continue;
    std::vector<Range> mine;
    mine.reserve(blocks.size());
    for (const ShiftBlock& blk : blocks) {
      mine.push_back(s_is_a ? Range{blk.lo, blk.hi} : Range{-blk.hi, -blk.lo});
    }
    mine = Merge(std::move(mine));
    all.insert(all.end(), mine.begin(), mine.end());
    out.blockers.push_back({pj.plan->id, pj.plan->party, std::move(mine)});
  }
  double shift = 0;
  out.outcome = ChooseShift(Merge(std::move(all)), options, &shift);
  if (out.outcome != Suggestion::kImpossible) {
    // Verify with the detector itself: the shifted plan must be clear.
    auto after = d.Check(Shifted(plan, Seconds(shift)), stop);
    if (!after.ok()) return after.status();
    const size_t left = after->size();
    if (left != 0) {
      return Status::Internal("suggested shift of " + std::to_string(shift) + " s for " +
                              id.value() + " leaves " + std::to_string(left) + " conflicts");
    }
    out.shift = Seconds(shift);
  }
  out.explanation = Explain(out, id, options);
  return out;
}

}  // namespace deconflict::engine
