// Micro-benchmarks of the conflict detector, each with its brute-force twin on the same data.
// Scenarios come from testing::GenerateScenario at the density of the 33,000-plan
// target (33,000 plans within 450 km; smaller sets shrink the radius to keep plans per km²).
//
//   build/bench/bench/engine_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true        (one command line)
//
// Figures and their interpretation: docs/PERFORMANCE.md. The workload driver
// (bench/workload.cc, binary deconflict_bench) produces the reported numbers.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/detector.h"
#include "model/plan.h"
#include "testsupport/scenario.h"

namespace deconflict {
namespace {

using engine::ConflictDetector;
using engine::DetectorOptions;

constexpr uint64_t kSeed = 20221008;
constexpr size_t kQueryPool = 1000;
constexpr int kQueryLegs = 50;

// The default scenario (8 parties, 24 h, the default mix) with `n` plans, its radius scaled so
// that the density equals 33,000 plans within 450 km.
testing::ScenarioOptions ScenarioFor(size_t n) {
  testing::ScenarioOptions o;
  o.seed = kSeed;
  o.plans = n;
  o.radius_km = 450.0 * std::sqrt(static_cast<double>(n) / 33000.0);
  return o;
}

const std::vector<model::Plan>& Plans(size_t n) {
  static auto* cache = new std::map<size_t, std::vector<model::Plan>>();
  auto it = cache->find(n);
  if (it == cache->end()) it = cache->emplace(n, testing::GenerateScenario(ScenarioFor(n))).first;
  return it->second;
}

// A detector over Plans(n), built once per (n, brute force, threads) and kept for the process.
const ConflictDetector& Detector(size_t n, bool brute_force, int threads) {
  using Key = std::tuple<size_t, bool, int>;
  static auto* cache = new std::map<Key, std::unique_ptr<ConflictDetector>>();
  const Key key{n, brute_force, threads};
  auto it = cache->find(key);
  if (it == cache->end()) {
    auto d = std::make_unique<ConflictDetector>(
        model::Rules{}, DetectorOptions{.use_brute_force = brute_force, .threads = threads});
    for (const model::Plan& p : Plans(n)) {
      if (!d->Add(p).ok()) {
        std::fprintf(stderr, "Add failed for %s\n", p.id.value().c_str());
        std::abort();
      }
    }
    it = cache->emplace(key, std::move(d)).first;
  }
  return *it->second;
}

// kQueryPool new 50-leg ground movements of party "NEW" (a party no indexed plan has), in the
// same region and horizon as Plans(n).
const std::vector<model::Plan>& Queries(size_t n) {
  static auto* cache = new std::map<size_t, std::vector<model::Plan>>();
  auto it = cache->find(n);
  if (it == cache->end()) {
    std::mt19937_64 rng(kSeed + 1);
    const testing::ScenarioOptions o = ScenarioFor(n);
    std::vector<model::Plan> q;
    for (size_t i = 0; i < kQueryPool; ++i) {
      q.push_back(testing::RandomMovement(rng, o, "new-" + std::to_string(i), "NEW", kQueryLegs));
    }
    it = cache->emplace(n, std::move(q)).first;
  }
  return it->second;
}

// One Check of a 50-leg movement against n plans of other parties; a different query each
// iteration, cycling through the pool.
void CheckMovement50(benchmark::State& state, bool brute_force) {
  const auto n = static_cast<size_t>(state.range(0));
  const ConflictDetector& d = Detector(n, brute_force, 1);
  const std::vector<model::Plan>& queries = Queries(n);
  size_t i = 0, conflicts = 0;
  for (auto _ : state) {
    std::vector<engine::Conflict> found = d.Check(queries[i]);
    conflicts += found.size();
    benchmark::DoNotOptimize(found.data());
    if (++i == queries.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["conflicts_per_query"] =
      static_cast<double>(conflicts) / static_cast<double>(state.iterations());
}

void BM_CheckMovement50(benchmark::State& state) { CheckMovement50(state, false); }
void BM_CheckMovement50BruteForce(benchmark::State& state) { CheckMovement50(state, true); }
BENCHMARK(BM_CheckMovement50)->Arg(33000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CheckMovement50BruteForce)->Arg(33000)->Unit(benchmark::kMicrosecond);

// Every conflict among n plans; the index with range(1) threads, the brute force (single-threaded
// by design) ignores it.
void DetectAll(benchmark::State& state, bool brute_force) {
  const auto n = static_cast<size_t>(state.range(0));
  const int threads = brute_force ? 1 : static_cast<int>(state.range(1));
  const ConflictDetector& d = Detector(n, brute_force, threads);
  size_t conflicts = 0;
  for (auto _ : state) {
    std::vector<engine::Conflict> found = d.DetectAll();
    conflicts = found.size();
    benchmark::DoNotOptimize(found.data());
  }
  state.counters["conflicts"] = static_cast<double>(conflicts);
  state.counters["plans"] = static_cast<double>(n);
}

void BM_DetectAll(benchmark::State& state) { DetectAll(state, false); }
void BM_DetectAllBruteForce(benchmark::State& state) { DetectAll(state, true); }
BENCHMARK(BM_DetectAll)
    ->ArgNames({"plans", "threads"})
    ->Args({10000, 1})
    ->Args({10000, 2})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();
BENCHMARK(BM_DetectAllBruteForce)
    ->ArgNames({"plans"})
    ->Args({10000})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

// Insert throughput: n plans added to an empty detector (plan copies made outside the timing).
void BM_Add(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const std::vector<model::Plan>& plans = Plans(n);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<model::Plan> copies = plans;
    auto d = std::make_unique<ConflictDetector>();
    state.ResumeTiming();
    for (model::Plan& p : copies) benchmark::DoNotOptimize(d->Add(std::move(p)).ok());
    state.PauseTiming();
    d.reset();
    copies.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_Add)->Arg(10000)->Arg(33000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace deconflict
