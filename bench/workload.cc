// deconflict_bench: the workload driver. Each named workload builds a seeded scenario, runs the
// indexed detector and its brute-force twin (DetectorOptions::use_brute_force) in the same
// process on the same plans, checks that they agree, and prints a table of medians over runs.
//
//   deconflict_bench --workload check-33k --runs 5     # T1: one 50-leg movement vs 33,000 plans
//   deconflict_bench --workload all-100k --runs 5      # T2: every conflict among 100,000 plans
//   deconflict_bench --workload memory                 # T3: bytes per indexed plan
//   deconflict_bench --workload amend                  # issue 14: memory after amendments
//   deconflict_bench --workload all                    # all three, in that order
//   deconflict_bench --workload plans-file --all-plans 100000 --out plans-100k.geojson
//                                                      # the scenario as a plans file, for
//                                                      # timing the whole `deconflict check`
//
// Scenarios: testing::GenerateScenario with its defaults (8 parties, 24 h horizon, the default
// mix of ground movements, flight routes, flight volumes, sites and zones, printed); the
// radius is scaled with the plan count so that the density stays 33,000 plans within 450 km
// (~0.052 plan starts per km²). Figures and interpretation: docs/PERFORMANCE.md.
//
// Progress goes to stderr, results to stdout.
#include <malloc.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <numbers>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "engine/conflict.h"
#include "engine/detector.h"
#include "engine/suggest.h"
#include "model/plan.h"
#include "stats.h"
#include "testsupport/scenario.h"

namespace deconflict {
namespace {

using bench::FirstLineWith;
using bench::Median;
using bench::Percentile;

using engine::Conflict;
using engine::ConflictDetector;
using engine::DetectorOptions;
using engine::ProgressFn;
using Clock = std::chrono::steady_clock;

constexpr double kReferencePlans = 33000;   // the density of the issue: 33,000 plans ...
constexpr double kReferenceRadiusKm = 450;  // ... within 450 km of the centre

struct Flags {
  std::string workload = "all";
  int runs = 5;
  int brute_runs = 5;  // runs of the brute-force twin (<= runs; it is slow)
  uint64_t seed = 20221008;
  int queries = 2000;           // check-33k: queries per run (index)
  int brute_queries = 200;      // check-33k: queries per run (brute force; ~1,000x slower)
  size_t check_plans = 33000;   // check-33k: indexed plans
  size_t all_plans = 100000;    // all-100k: plans
  size_t subset_plans = 10000;  // all-100k: the subset on which the brute force also runs
  int threads = 2;              // all-100k: DetectAll workers of the index
  bool brute_full = false;      // all-100k: also run the brute force on all plans (slow)
  int legs = 50;                // check-33k: legs of each new movement
  size_t amend_plans = 33000;   // amend: indexed plans
  int amendments = 20000;       // amend: amendments of one 40-vertex movement
  int cycles = 3;               // amend: then every plan amended this many times (odd cycles
                                //        also drop a route's last waypoint)
  std::string out;              // plans-file: where to write the GeoJSON
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of the calling thread or of the whole process (every thread), in seconds.
double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double ThreadCpu() { return CpuSeconds(CLOCK_THREAD_CPUTIME_ID); }
double ProcessCpu() { return CpuSeconds(CLOCK_PROCESS_CPUTIME_ID); }

// ---------------------------------------------------------------------------------------------
// The process and the machine.

// A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1.
long StatusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}
double RssMb() { return static_cast<double>(StatusKb("VmRSS")) / 1024.0; }
double PeakRssMb() { return static_cast<double>(StatusKb("VmHWM")) / 1024.0; }
// Resets VmHWM to the current RSS (Linux >= 4.0); false if not permitted.
bool ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}
// Returns freed heap to the OS so that RSS deltas measure live data.
void TrimHeap() { malloc_trim(0); }

// "1-min 5-min 15-min" load averages: on a 2-core machine shared with other work, wall times are
// only comparable with CPU times when the load is below the core count.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  in >> a >> b >> c;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
  return buf;
}

void PrintHeader(int argc, char** argv) {
  std::string cmd;
  for (int i = 0; i < argc; ++i) cmd += (i ? " " : "") + std::string(argv[i]);
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  utsname u{};
  uname(&u);
  std::printf("deconflict_bench\n");
  std::printf("  command:  %s\n", cmd.c_str());
  std::printf("  date:     %s\n", date);
  std::printf("  machine:  %ld cores online (nproc), %s, %s\n", sysconf(_SC_NPROCESSORS_ONLN),
              FirstLineWith("/proc/cpuinfo", "model name").c_str(),
              FirstLineWith("/proc/meminfo", "MemTotal").c_str());
  std::printf("  kernel:   %s %s %s\n", u.sysname, u.release, u.machine);
  std::printf("  compiler: %s, build type %s\n", __VERSION__, DECONFLICT_BUILD_TYPE);
  std::printf("\n");
  std::fflush(stdout);
}

// Progress on stderr, at most a few lines a second.
class Progress {
 public:
  explicit Progress(std::string label) : label_(std::move(label)), start_(Clock::now()) {}
  void operator()(size_t done, size_t total) {
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(500) && done < total) return;
    last_ = now;
    std::fprintf(stderr, "\r  %s: %5.1f %% (%.1f s)   ", label_.c_str(),
                 total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0,
                 Seconds(now - start_));
    std::fflush(stderr);
  }
  void Done() {
    std::fprintf(stderr, "\r  %s: done in %.2f s          \n", label_.c_str(),
                 Seconds(Clock::now() - start_));
  }
  ProgressFn Fn() {
    return [this](size_t d, size_t t) { (*this)(d, t); };
  }

 private:
  std::string label_;
  Clock::time_point start_, last_{};
};
// ---------------------------------------------------------------------------------------------
// Scenarios.

testing::ScenarioOptions ScenarioFor(size_t plans, uint64_t seed) {
  testing::ScenarioOptions o;
  o.seed = seed;
  o.plans = plans;
  o.radius_km = kReferenceRadiusKm * std::sqrt(static_cast<double>(plans) / kReferencePlans);
  return o;
}

double Density(const testing::ScenarioOptions& o) {
  return static_cast<double>(o.plans) / (std::numbers::pi * o.radius_km * o.radius_km);
}

std::string Describe(const testing::ScenarioOptions& o) {
  const double total = o.movements + o.flights + o.volumes + o.sites + o.zones;
  auto pct = [&](double w) { return 100.0 * w / total; };
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%zu plans, seed %llu, radius %.1f km around %.1fN %.1fE, %.0f h, %d parties, "
                "density %.4f plans/km²;\n            mix: %.1f %% movements (%d-%d legs), "
                "%.1f %% flight routes, %.1f %% volumes, %.1f %% sites, %.1f %% zones",
                o.plans, static_cast<unsigned long long>(o.seed), o.radius_km, o.centre.lat_deg,
                o.centre.lon_deg, o.horizon_h, o.parties, Density(o), pct(o.movements), o.min_legs,
                o.max_legs, pct(o.flights), pct(o.volumes), pct(o.sites), pct(o.zones));
  return buf;
}

std::vector<model::Plan> Generate(const testing::ScenarioOptions& o) {
  const auto t0 = Clock::now();
  std::fprintf(stderr, "  generating %zu plans ...", o.plans);
  std::vector<model::Plan> plans = testing::GenerateScenario(o);
  std::fprintf(stderr, " %.2f s\n", Seconds(Clock::now() - t0));
  return plans;
}

// Builds a detector holding copies of `plans`; *seconds receives the time of the Adds only.
std::unique_ptr<ConflictDetector> Build(const std::vector<model::Plan>& plans,
                                        DetectorOptions options, const std::string& label,
                                        double* seconds) {
  auto d = std::make_unique<ConflictDetector>(model::Rules{}, options);
  Progress progress("add " + std::to_string(plans.size()) + " plans (" + label + ")");
  Clock::duration spent{};
  for (size_t i = 0; i < plans.size(); ++i) {
    model::Plan copy = plans[i];
    const auto t0 = Clock::now();
    const Status s = d->Add(std::move(copy));
    spent += Clock::now() - t0;
    if (!s.ok()) {
      std::fprintf(stderr, "\nAdd(%s) failed\n", plans[i].id.value().c_str());
      std::exit(1);
    }
    if (i % 1024 == 0) progress(i, plans.size());
  }
  progress.Done();
  *seconds = Seconds(spent);
  return d;
}

// A conflict's identity, for comparing the index with the brute force.
using Key = std::tuple<std::string, std::string, int, double, double>;
std::vector<Key> Keys(const std::vector<Conflict>& v) {
  std::vector<Key> k;
  k.reserve(v.size());
  for (const Conflict& c : v) {
    k.emplace_back(c.plan_a.value(), c.plan_b.value(), static_cast<int>(c.type),
                   c.window.start.unix_seconds(), c.window.end.unix_seconds());
  }
  std::sort(k.begin(), k.end());
  return k;
}

size_t PlansInConflict(const std::vector<Conflict>& v) {
  std::vector<std::string> ids;
  for (const Conflict& c : v) {
    ids.push_back(c.plan_a.value());
    ids.push_back(c.plan_b.value());
  }
  std::sort(ids.begin(), ids.end());
  return static_cast<size_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
}

// ---------------------------------------------------------------------------------------------
// check-33k (T1).

struct CheckRun {
  double median_us, p10_us, p90_us, p99_us, mean_us, qps;  // wall clock
  double cpu_median_us, cpu_p99_us, cpu_mean_us;           // CPU time of the thread
  size_t conflicts;                                        // total over the queries
};

CheckRun TimeChecks(const ConflictDetector& d, const std::vector<model::Plan>& queries,
                    size_t count, const std::string& label,
                    std::vector<std::vector<Conflict>>* results) {
  std::vector<double> us, cpu_us;
  us.reserve(count);
  cpu_us.reserve(count);
  size_t conflicts = 0;
  Progress progress(label);
  const auto start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    const double c0 = ThreadCpu();
    const auto t0 = Clock::now();
    std::vector<Conflict> found = d.Check(queries[i]);
    us.push_back(Seconds(Clock::now() - t0) * 1e6);
    cpu_us.push_back((ThreadCpu() - c0) * 1e6);
    conflicts += found.size();
    if (results) (*results)[i] = std::move(found);
    if (i % 64 == 0) progress(i, count);
  }
  const double total = Seconds(Clock::now() - start);
  progress.Done();
  const double mean = std::accumulate(us.begin(), us.end(), 0.0) / static_cast<double>(count);
  const double cpu_mean =
      std::accumulate(cpu_us.begin(), cpu_us.end(), 0.0) / static_cast<double>(count);
  return {Percentile(us, 0.5),
          Percentile(us, 0.1),
          Percentile(us, 0.9),
          Percentile(us, 0.99),
          mean,
          static_cast<double>(count) / total,
          Percentile(cpu_us, 0.5),
          Percentile(cpu_us, 0.99),
          cpu_mean,
          conflicts};
}

void PrintCheckRow(const char* name, const std::vector<CheckRun>& runs, size_t queries) {
  auto med = [&](double CheckRun::*f) {
    std::vector<double> v;
    v.reserve(runs.size());
    for (const CheckRun& r : runs) v.push_back(r.*f);
    return Median(v);
  };
  std::vector<double> medians;
  medians.reserve(runs.size());
  for (const CheckRun& r : runs) medians.push_back(r.median_us);
  std::printf(
      "  %-12s %4zu %7zu %10.1f %10.1f %10.1f %10.1f %10.1f %10.0f %10.1f %10.1f %10.1f %8.2f"
      "   %.1f..%.1f\n",
      name, runs.size(), queries, med(&CheckRun::median_us), med(&CheckRun::p10_us),
      med(&CheckRun::p90_us), med(&CheckRun::p99_us), med(&CheckRun::mean_us), med(&CheckRun::qps),
      med(&CheckRun::cpu_median_us), med(&CheckRun::cpu_p99_us), med(&CheckRun::cpu_mean_us),
      static_cast<double>(runs.front().conflicts) / static_cast<double>(queries),
      *std::min_element(medians.begin(), medians.end()),
      *std::max_element(medians.begin(), medians.end()));
}

void CheckWorkload(const Flags& f) {
  const testing::ScenarioOptions o = ScenarioFor(f.check_plans, f.seed);
  std::printf("== check-33k (T1): one new %d-leg ground movement checked against %zu plans\n",
              f.legs, f.check_plans);
  std::printf("  load average at start: %s\n", LoadAverage().c_str());
  std::printf("  scenario: %s\n", Describe(o).c_str());
  std::fflush(stdout);
  const std::vector<model::Plan> plans = Generate(o);
  std::mt19937_64 rng(f.seed + 1);
  const auto nq = static_cast<size_t>(std::max(f.queries, f.brute_queries));
  std::vector<model::Plan> queries;
  for (size_t i = 0; i < nq; ++i) {
    queries.push_back(testing::RandomMovement(rng, o, "new-" + std::to_string(i), "NEW", f.legs));
  }
  double build_index = 0, build_brute = 0;
  auto index = Build(plans, {.use_brute_force = false, .threads = 1}, "index", &build_index);
  auto brute = Build(plans, {.use_brute_force = true, .threads = 1}, "brute force", &build_brute);
  const auto stats = index->stats();
  std::printf(
      "  queries:  %zu (index), %d (brute force) distinct new movements of party NEW "
      "(other than every indexed plan's), same region and horizon; single thread\n",
      static_cast<size_t>(f.queries), f.brute_queries);
  std::printf(
      "  index:    %zu plans, %zu elements, %zu grid entries; build %.2f s (index), "
      "%.2f s (brute force twin)\n",
      stats.plans, stats.elements, stats.grid_entries, build_index, build_brute);
  std::fflush(stdout);

  std::vector<CheckRun> index_runs, brute_runs;
  size_t mismatches = 0, compared = 0, with_conflict = 0;
  for (int run = 0; run < f.runs; ++run) {  // interleaved, so that noise hits both alike
    const bool first = run == 0;
    std::vector<std::vector<Conflict>> ri(first ? nq : 0), rb(first ? nq : 0);
    const std::string suffix = " run " + std::to_string(run + 1) + "/" + std::to_string(f.runs);
    index_runs.push_back(TimeChecks(*index, queries, static_cast<size_t>(f.queries),
                                    "check index" + suffix, first ? &ri : nullptr));
    if (run < f.brute_runs) {
      brute_runs.push_back(TimeChecks(*brute, queries, static_cast<size_t>(f.brute_queries),
                                      "check brute force" + suffix, first ? &rb : nullptr));
    }
    if (first) {
      const size_t n = static_cast<size_t>(std::min(f.queries, f.brute_queries));
      for (size_t i = 0; i < n; ++i) {
        ++compared;
        if (Keys(ri[i]) != Keys(rb[i])) ++mismatches;
      }
      for (size_t i = 0; i < static_cast<size_t>(f.queries); ++i) with_conflict += !ri[i].empty();
    }
  }
  std::printf(
      "\n  Per-query latency in µs, wall clock and CPU time of the thread (each figure: the "
      "median over runs of that run's statistic);\n  conflicts per query; range of the "
      "per-run wall medians. Load average at end: %s\n",
      LoadAverage().c_str());
  std::printf("  %-12s %4s %7s %10s %10s %10s %10s %10s %10s %10s %10s %10s %8s   %s\n", "variant",
              "runs", "queries", "median", "p10", "p90", "p99", "mean", "queries/s", "cpu med",
              "cpu p99", "cpu mean", "confl/q", "run medians");
  PrintCheckRow("index", index_runs, static_cast<size_t>(f.queries));
  PrintCheckRow("brute force", brute_runs, static_cast<size_t>(f.brute_queries));
  std::vector<double> im, bm, ic;
  for (const auto& r : index_runs) im.push_back(r.median_us), ic.push_back(r.cpu_median_us);
  for (const auto& r : brute_runs) bm.push_back(r.median_us);
  std::printf("  speed-up (median): %.1fx; queries with >= 1 conflict: %zu of %d\n",
              Median(bm) / Median(im), with_conflict, f.queries);
  std::printf("  index == brute force on %zu queries: %s (%zu differ)\n", compared,
              mismatches == 0 ? "yes" : "NO", mismatches);
  std::printf("  T1 target: median <= 250 µs on one core -> %s (wall %.1f µs, CPU %.1f µs)\n\n",
              Median(im) <= 250 ? "PASS" : "FAIL", Median(im), Median(ic));
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// all-100k (T2).

struct AllResult {
  std::vector<double> seconds;      // wall clock
  std::vector<double> cpu_seconds;  // CPU time of the process (every thread)
  size_t conflicts = 0;
  size_t plans_in_conflict = 0;
  std::vector<Key> keys;  // of the first run
};

AllResult TimeDetectAll(const ConflictDetector& d, int runs, const std::string& label) {
  AllResult r;
  for (int run = 0; run < runs; ++run) {
    Progress progress(label + " run " + std::to_string(run + 1) + "/" + std::to_string(runs));
    const double c0 = ProcessCpu();
    const auto t0 = Clock::now();
    std::vector<Conflict> found = d.DetectAll(progress.Fn());
    r.seconds.push_back(Seconds(Clock::now() - t0));
    r.cpu_seconds.push_back(ProcessCpu() - c0);
    progress.Done();
    if (run == 0) {
      r.conflicts = found.size();
      r.plans_in_conflict = PlansInConflict(found);
      r.keys = Keys(found);
    }
  }
  return r;
}

void PrintAllRow(const char* name, size_t plans, int threads, double build_s, const AllResult& r,
                 double peak_mb) {
  std::printf("  %-22s %7zu %7d %4zu %8.2f %9.3f %9.3f %9.3f %9.3f %10zu %8.2f %8.0f\n", name,
              plans, threads, r.seconds.size(), build_s, Median(r.seconds),
              Percentile(r.seconds, 0.1), Percentile(r.seconds, 0.9), Median(r.cpu_seconds),
              r.conflicts, 2.0 * static_cast<double>(r.conflicts) / static_cast<double>(plans),
              peak_mb);
}

void PrintAllHeader() {
  std::printf("  %-22s %7s %7s %4s %8s %9s %9s %9s %9s %10s %8s %8s\n", "variant", "plans",
              "threads", "runs", "build s", "median s", "p10 s", "p90 s", "cpu s", "conflicts",
              "confl/pl", "peak MB");
}

// The subset phase of all-100k: the index and the brute force on the same plans.
struct AllSubset {
  double index_build = 0, brute_build = 0;  // seconds to Add every plan
  AllResult index, brute;
  double peak_mb = 0;  // peak RSS at the end of the phase
};

// Builds both detectors on f.subset_plans plans (same density as the full set, small enough for
// the brute force) and times DetectAll on each, f.runs times for the index and f.brute_runs for
// the brute force, interleaved.
AllSubset RunAllSubset(const Flags& f) {
  // The subset: same density, small enough for the brute force.
  const testing::ScenarioOptions so = ScenarioFor(f.subset_plans, f.seed);
  std::printf("  subset:   %s\n", Describe(so).c_str());
  std::fflush(stdout);
  AllSubset out;
  {
    const std::vector<model::Plan> plans = Generate(so);
    auto index =
        Build(plans, {.use_brute_force = false, .threads = f.threads}, "index", &out.index_build);
    auto brute =
        Build(plans, {.use_brute_force = true, .threads = 1}, "brute force", &out.brute_build);
    auto append = [](AllResult* to, AllResult from) {
      to->seconds.push_back(from.seconds[0]);
      to->cpu_seconds.push_back(from.cpu_seconds[0]);
      if (to->seconds.size() == 1) {
        to->conflicts = from.conflicts;
        to->plans_in_conflict = from.plans_in_conflict;
        to->keys = std::move(from.keys);
      }
    };
    for (int run = 0; run < f.runs; ++run) {  // interleaved, so that noise hits both alike
      const std::string n = std::to_string(run + 1) + "/" + std::to_string(f.runs);
      append(&out.index, TimeDetectAll(*index, 1, "detect-all index (subset) #" + n));
      if (run < f.brute_runs) {
        append(&out.brute, TimeDetectAll(*brute, 1, "detect-all brute force (subset) #" + n));
      }
    }
  }
  out.peak_mb = PeakRssMb();
  return out;
}

void AllWorkload(const Flags& f) {
  std::printf("== all-100k (T2): every conflict among %zu plans, index with %d threads\n",
              f.all_plans, f.threads);
  std::printf("  load average at start: %s\n", LoadAverage().c_str());
  const bool can_reset = ResetPeakRss();

  const AllSubset subset = RunAllSubset(f);
  const AllResult& sub_index = subset.index;
  const AllResult& sub_brute = subset.brute;

  // The full set.
  TrimHeap();
  ResetPeakRss();
  const testing::ScenarioOptions o = ScenarioFor(f.all_plans, f.seed);
  std::printf("  full set: %s\n", Describe(o).c_str());
  std::fflush(stdout);
  double full_build = 0, full_brute_build = 0;
  AllResult full, full_brute;
  engine::ConflictDetector::Stats stats;
  double full_peak = 0;
  {
    const std::vector<model::Plan> plans = Generate(o);
    auto index =
        Build(plans, {.use_brute_force = false, .threads = f.threads}, "index", &full_build);
    stats = index->stats();
    full = TimeDetectAll(*index, f.runs, "detect-all index (full)");
    full_peak = PeakRssMb();
    if (f.brute_full) {
      index.reset();
      auto brute =
          Build(plans, {.use_brute_force = true, .threads = 1}, "brute force", &full_brute_build);
      full_brute = TimeDetectAll(*brute, 1, "detect-all brute force (full)");
    }
  }

  std::printf(
      "\n  DetectAll wall time, median and p10/p90 over runs; cpu s = median CPU time of "
      "the process (all threads); build = Add of every plan, once;\n  peak RSS = "
      "VmHWM%s. Load average at end: %s\n",
      can_reset ? " since the phase began" : " of the process", LoadAverage().c_str());
  PrintAllHeader();
  PrintAllRow("index (subset)", f.subset_plans, f.threads, subset.index_build, sub_index,
              subset.peak_mb);
  PrintAllRow("brute force (subset)", f.subset_plans, 1, subset.brute_build, sub_brute,
              subset.peak_mb);
  PrintAllRow("index (full)", f.all_plans, f.threads, full_build, full, full_peak);
  if (f.brute_full) {
    PrintAllRow("brute force (full)", f.all_plans, 1, full_brute_build, full_brute, full_peak);
  }
  const double scale = static_cast<double>(f.all_plans) / static_cast<double>(f.subset_plans);
  std::printf("  subset: index == brute force: %s (%zu vs %zu conflicts); speed-up %.1fx\n",
              sub_index.keys == sub_brute.keys ? "yes" : "NO", sub_index.conflicts,
              sub_brute.conflicts, Median(sub_brute.seconds) / Median(sub_index.seconds));
  if (f.brute_full) {
    std::printf("  full: index == brute force: %s\n", full.keys == full_brute.keys ? "yes" : "NO");
  } else {
    std::printf(
        "  brute force on the full set not run (--brute-full); pairs grow as n², so "
        "it would take about %.0f s (subset median x %.0f, an extrapolation)\n",
        Median(sub_brute.seconds) * scale * scale, scale * scale);
  }
  std::printf("  full set: %zu elements, %zu grid entries, %zu of %zu plans in >= 1 conflict\n",
              stats.elements, stats.grid_entries, full.plans_in_conflict, f.all_plans);
  std::printf(
      "  T2 target: DetectAll of %zu plans <= 5 s with %d threads -> %s (wall %.3f s, "
      "CPU %.3f s)\n\n",
      f.all_plans, f.threads, Median(full.seconds) <= 5 ? "PASS" : "FAIL", Median(full.seconds),
      Median(full.cpu_seconds));
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// memory (T3).

// Where the engine's estimate goes, per plan.
void PrintBreakdown(const ConflictDetector::Stats& s) {
  const auto np = static_cast<double>(s.plans);
  auto per = [&](size_t bytes) { return static_cast<double>(bytes) / np; };
  std::printf(
      "  %-12s B/pl: plans %.0f, compiled %.0f (%.1f elements x %zu B), grid %.0f (%.1f entries "
      "x %zu B = %.0f, the rest capacity and cells), maps %.0f\n",
      "", per(s.plan_bytes), per(s.element_bytes), per(s.elements), sizeof(engine::Element),
      per(s.grid_bytes), per(s.grid_entries), sizeof(engine::GridEntry),
      per(s.grid_entries * sizeof(engine::GridEntry)), per(s.map_bytes));
}

// Removes the plans `ids` (half of them), timing each Remove: the one that takes dead slots
// past DetectorOptions::max_dead_fraction (0.5) of the live ones compacts the detector.
void TimeRemovals(ConflictDetector* d, const std::vector<PlanId>& ids) {
  std::vector<double> us;
  us.reserve(ids.size());
  for (const PlanId& id : ids) {
    const auto t0 = Clock::now();
    if (!d->Remove(id).ok()) std::exit(1);
    us.push_back(Seconds(Clock::now() - t0) * 1e6);
  }
  const auto s = d->stats();
  std::printf(
      "  %-12s Remove of every second plan: median %.1f us, max %.1f ms (the compaction), then "
      "%zu plans, %zu dead slots\n",
      "", Median(us), *std::max_element(us.begin(), us.end()) / 1000, s.plans,
      s.dead_plans + s.dead_elements);
}

void MemoryWorkload(const Flags& f) {
  std::printf("== memory (T3): bytes per indexed plan\n");
  std::printf("  %-12s %7s %9s %9s %12s %12s %12s\n", "variant", "plans", "elem/pl", "grid/pl",
              "stats B/pl", "RSS B/pl", "RSS MB");
  std::fflush(stdout);
  for (size_t n : {f.check_plans, f.all_plans}) {
    for (bool brute : {false, true}) {
      const testing::ScenarioOptions o = ScenarioFor(n, f.seed);
      TrimHeap();
      const double rss0 = RssMb();
      ConflictDetector d(model::Rules{}, {.use_brute_force = brute, .threads = 1});
      std::vector<PlanId> ids;
      {
        std::vector<model::Plan> plans = Generate(o);
        Progress progress("add " + std::to_string(n) + " plans (moved)");
        for (size_t i = 0; i < plans.size(); ++i) {
          if (i % 2 == 0) ids.push_back(plans[i].id);
          if (!d.Add(std::move(plans[i])).ok()) std::exit(1);
          if (i % 1024 == 0) progress(i, plans.size());
        }
        progress.Done();
      }  // the generator's vector is freed; the plans' contents now belong to the detector
      TrimHeap();
      const double delta = (RssMb() - rss0) * 1024 * 1024;
      const auto s = d.stats();
      const auto np = static_cast<double>(s.plans);
      std::printf("  %-12s %7zu %9.1f %9.1f %12.0f %12.0f %12.1f\n",
                  brute ? "brute force" : "index", s.plans, static_cast<double>(s.elements) / np,
                  static_cast<double>(s.grid_entries) / np,
                  static_cast<double>(s.memory_bytes) / np, delta / np, delta / 1048576);
      PrintBreakdown(s);
      if (!brute) TimeRemovals(&d, ids);
      std::fflush(stdout);
    }
  }
  std::printf(
      "  stats B/pl = ConflictDetector::stats().memory_bytes / plans (the engine's "
      "estimate: plans, compiled elements, grid, id map);\n  RSS B/pl = growth of VmRSS "
      "while the plans are generated and moved into the detector, after malloc_trim.\n\n");
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------
// amend (issue 14): memory after amendments, against a fresh detector holding the same plans.
// Uses only Add, Remove and stats(), so that the same driver runs against an older engine.

// Bytes the allocator has handed out and not taken back (glibc: every arena, plus mmapped chunks).
double HeapBytes() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<double>(m.uordblks + m.hblkhd);
}

// Amends *plan in d as the channel does (Remove + Add of the same id): shifted by shift_s, and
// when `shorten`, a route also loses its last waypoint (if it has more than two), so that the new
// version has fewer elements. Returns the wall time of Remove + Add, in microseconds.
double Amend(ConflictDetector* d, model::Plan* plan, double shift_s, bool shorten) {
  model::Plan next = engine::Shifted(*plan, deconflict::Seconds{shift_s});
  if (shorten && next.is_route() && next.route().waypoints.size() > 2) {
    std::get<model::Route>(next.shape).waypoints.pop_back();
  }
  model::Plan copy = next;
  const auto t0 = Clock::now();
  if (!d->Remove(plan->id).ok() || !d->Add(std::move(copy)).ok()) {
    std::fprintf(stderr, "\namendment of %s failed\n", plan->id.value().c_str());
    std::exit(1);
  }
  const double us = Seconds(Clock::now() - t0) * 1e6;
  *plan = std::move(next);
  return us;
}

void PrintAmendRow(const char* variant, const ConflictDetector& d, double heap_bytes) {
  const auto s = d.stats();
  const auto np = static_cast<double>(s.plans);
  std::printf("  %-34s %7zu %9.1f %9.1f %12.0f %12.0f %10.1f\n", variant, s.plans,
              static_cast<double>(s.elements) / np, static_cast<double>(s.grid_entries) / np,
              static_cast<double>(s.memory_bytes) / np, heap_bytes / np, heap_bytes / 1048576);
  std::fflush(stdout);
}

void PrintAmendTimes(const char* what, const std::vector<double>& us) {
  if (us.empty()) return;
  const auto slow = std::count_if(us.begin(), us.end(), [](double x) { return x > 1000; });
  std::printf(
      "  %s: %zu amendments, median %.1f us, p99 %.1f us, p99.99 %.0f us, max %.0f us, %zd over "
      "1 ms\n",
      what, us.size(), Median(us), Percentile(us, 0.99), Percentile(us, 0.9999),
      *std::max_element(us.begin(), us.end()), slow);
}

void AmendWorkload(const Flags& f) {
  std::printf("== amend (issue 14): memory after amendments (Remove + Add of the same id)\n");
  const testing::ScenarioOptions o = ScenarioFor(f.amend_plans, f.seed);
  std::vector<model::Plan> plans = Generate(o);
  std::printf("  scenario: %s\n", Describe(o).c_str());
  std::mt19937_64 rng(f.seed + 2);
  model::Plan one = testing::RandomMovement(rng, o, "AMENDED", "P0", 39);  // 40 vertices
  std::vector<double> one_us, all_us;
  one_us.reserve(static_cast<size_t>(f.amendments));
  all_us.reserve(plans.size() * static_cast<size_t>(f.cycles));
  std::printf("  %-34s %7s %9s %9s %12s %12s %10s\n", "detector", "plans", "elem/pl", "grid/pl",
              "stats B/pl", "heap B/pl", "heap MB");
  TrimHeap();
  const double heap0 = HeapBytes(), rss0 = RssMb();
  double seconds = 0;
  auto d = Build(plans, {.threads = 1}, "amended", &seconds);
  if (!d->Add(one).ok()) std::exit(1);
  PrintAmendRow("built", *d, HeapBytes() - heap0);
  Progress progress("amend one plan");
  for (int i = 0; i < f.amendments; ++i) {
    one_us.push_back(Amend(d.get(), &one, i % 2 == 0 ? 60 : -60, false));
    if (i % 1024 == 0) progress(static_cast<size_t>(i), static_cast<size_t>(f.amendments));
  }
  progress.Done();
  const std::string one_label = "after " + std::to_string(f.amendments) + " x one plan";
  PrintAmendRow(one_label.c_str(), *d, HeapBytes() - heap0);
  Progress cycles("amend every plan");
  for (int c = 0; c < f.cycles; ++c) {
    for (size_t i = 0; i < plans.size(); ++i) {
      all_us.push_back(Amend(d.get(), &plans[i], 60, c % 2 == 1));
      if (i % 1024 == 0)
        cycles(static_cast<size_t>(c) * plans.size() + i,
               plans.size() * static_cast<size_t>(f.cycles));
    }
  }
  cycles.Done();
  const std::string all_label = "then " + std::to_string(f.cycles) + " x every plan";
  const double heap_amended = HeapBytes() - heap0;
  PrintAmendRow(all_label.c_str(), *d, heap_amended);
  TrimHeap();
  const double rss_amended = RssMb() - rss0;
  double rss_fresh = 0;
  {
    const double heap1 = HeapBytes(), rss1 = RssMb();
    auto fresh = Build(plans, {.threads = 1}, "fresh", &seconds);
    if (!fresh->Add(one).ok()) std::exit(1);
    PrintAmendRow("fresh, same live plans", *fresh, HeapBytes() - heap1);
    TrimHeap();
    rss_fresh = RssMb() - rss1;
  }
  std::printf("  RSS growth after malloc_trim: amended detector %.1f MB, fresh detector %.1f MB\n",
              rss_amended, rss_fresh);
  PrintAmendTimes("one plan", one_us);
  PrintAmendTimes("every plan", all_us);
  std::printf(
      "  heap = bytes in use by the allocator (mallinfo2: uordblks + hblkhd) minus before the "
      "build;\n  stats B/pl = ConflictDetector::stats().memory_bytes / plans.\n\n");
  std::fflush(stdout);
}

// The --all-plans scenario (same seed and density as all-100k) written as a plans file.
void PlansFileWorkload(const Flags& f) {
  const testing::ScenarioOptions o = ScenarioFor(f.all_plans, f.seed);
  std::printf("plans-file: %s\n  -> %s\n", Describe(o).c_str(), f.out.c_str());
  const std::string text = testing::PlansGeoJson(Generate(o));
  std::ofstream file(f.out, std::ios::binary);
  file << text;
  file.close();
  if (!file) {
    std::fprintf(stderr, "deconflict_bench: cannot write %s\n", f.out.c_str());
    std::exit(1);
  }
  std::printf("  %zu bytes\n", text.size());
}

}  // namespace
}  // namespace deconflict

// NOLINTNEXTLINE(bugprone-exception-escape): a driver that hits an unexpected exception may abort.
int main(int argc, char** argv) {
  using deconflict::Flags;
  Flags f;
  CLI::App app{"deconflict_bench: named workloads, the index beside its brute-force twin"};
  app.add_option("--workload", f.workload,
                 "check-33k | all-100k | memory | amend | all | plans-file")
      ->check(CLI::IsMember({"check-33k", "all-100k", "memory", "amend", "all", "plans-file"}));
  app.add_option("--runs", f.runs, "repetitions of each timed phase (medians are reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--brute-runs", f.brute_runs,
                 "runs of the brute-force twin (at most --runs; DEFAULT: --runs)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", f.seed, "scenario seed (queries use seed + 1)");
  app.add_option("--queries", f.queries, "check-33k: queries per run, index")
      ->check(CLI::PositiveNumber);
  app.add_option("--brute-queries", f.brute_queries, "check-33k: queries per run, brute force")
      ->check(CLI::PositiveNumber);
  app.add_option("--legs", f.legs, "check-33k: legs of each new movement")
      ->check(CLI::PositiveNumber);
  app.add_option("--check-plans", f.check_plans, "check-33k and memory: indexed plans")
      ->check(CLI::PositiveNumber);
  app.add_option("--all-plans", f.all_plans, "all-100k and memory: plans")
      ->check(CLI::PositiveNumber);
  app.add_option("--subset-plans", f.subset_plans, "all-100k: plans of the brute-force subset")
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", f.threads, "all-100k: DetectAll workers of the index")
      ->check(CLI::PositiveNumber);
  app.add_option("--amend-plans", f.amend_plans, "amend: indexed plans")
      ->check(CLI::PositiveNumber);
  app.add_option("--amendments", f.amendments, "amend: amendments of one 40-vertex movement")
      ->check(CLI::PositiveNumber);
  app.add_option("--cycles", f.cycles,
                 "amend: then amendments of every plan, this many times (odd ones shorten routes)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--out", f.out, "plans-file: the GeoJSON file to write (--all-plans plans)");
  app.add_flag("--brute-full", f.brute_full, "all-100k: brute force on the full set too (slow)");
  CLI11_PARSE(app, argc, argv);
  if (app.count("--brute-runs") == 0 || f.brute_runs > f.runs) f.brute_runs = f.runs;

  deconflict::PrintHeader(argc, argv);
  if (f.workload == "memory" || f.workload == "all") deconflict::MemoryWorkload(f);
  if (f.workload == "amend" || f.workload == "all") deconflict::AmendWorkload(f);
  if (f.workload == "check-33k" || f.workload == "all") deconflict::CheckWorkload(f);
  if (f.workload == "all-100k" || f.workload == "all") deconflict::AllWorkload(f);
  if (f.workload == "plans-file") {
    if (f.out.empty()) {
      std::fprintf(stderr, "deconflict_bench: --workload plans-file needs --out FILE\n");
      return 2;
    }
    deconflict::PlansFileWorkload(f);
  }
  return 0;
}
