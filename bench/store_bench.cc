// Micro-benchmark of the SQLite store's write path: one channel-writer batch of 100 submissions
// (100 PutPlan of 8 KB features, 300 AppendEvent, 400 AppendAudit) in one transaction, committed
// with synchronous=FULL on a fresh on-disk store. Was
// SqliteStoreTest.DISABLED_MeasureSubmissionBatch.
//
//   build/release/bench/store_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true        (one command line)
//
// Reports wall time per batch, Commit's share of it (commit_ms) and submissions per second.
// TMPDIR chooses the disk the store is on (DEFAULT: /tmp).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "base/time.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace deconflict::store {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

constexpr int kPlansPerBatch = 100;
constexpr int kParties = 7;

// A fresh folder under the temporary directory, removed with everything in it at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "store_bench_XXXXXX").string();
    if (::mkdtemp(t.data()) != nullptr) path_ = t;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The writes of one batch (batch number `b`) into `txn`: OK, or the first failure.
Status WriteBatch(WriteTxn& txn, int b, const std::string& feature_json) {
  for (int p = 0; p < kPlansPerBatch; ++p) {
    const std::string party = "party" + std::to_string(p % kParties);
    PlanRecord plan{.party = PartyId(party),
                    .id = PlanId("plan-" + std::to_string(b * kPlansPerBatch + p)),
                    .version = 1,
                    .status = PlanStatus::kActive,
                    .feature_json = feature_json,
                    .created = Ms(1)};
    if (Status s = txn.PutPlan(plan); !s.ok()) return s;
    for (int e = 0; e < 3; ++e) {
      Status s =
          txn.AppendEvent({.recipient = PartyId("party" + std::to_string((p + e) % kParties)),
                           .type = EventType::kConflictOpened,
                           .data_json = "{\"plan\":\"" + plan.id + "\"}"})
              .status();
      if (!s.ok()) return s;
    }
    for (int a = 0; a < 4; ++a) {
      Status s =
          txn.AppendAudit({.at = Ms(1),
                           .kind = "plan.submitted",
                           .parties = {PartyId(party),
                                       PartyId("party" + std::to_string((p + 1) % kParties))},
                           .body_json = "{\"plan\":\"" + plan.id + "\"}"})
              .status();
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

void BM_SubmissionBatch(benchmark::State& state) {
  ScratchDir dir;
  if (dir.path().empty()) {
    state.SkipWithError("cannot create a temporary folder");
    return;
  }
  Result<std::unique_ptr<Store>> store = OpenSqliteStore({.dir = dir.path()});
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  const std::string feature_json = "{\"f\":\"" + std::string(8000, 'x') + "\"}";
  double commit_s = 0;
  int b = 0;
  for (auto _ : state) {
    auto txn = (*store)->Begin();
    Status s = txn.ok() ? WriteBatch(**txn, b++, feature_json) : txn.status();
    const auto before_commit = std::chrono::steady_clock::now();
    if (s.ok()) s = (*txn)->Commit();
    commit_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - before_commit).count();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
  }
  state.counters["commit_ms"] =
      benchmark::Counter(1000 * commit_s, benchmark::Counter::kAvgIterations);
  state.counters["submissions/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kPlansPerBatch, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SubmissionBatch)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(30);

}  // namespace
}  // namespace deconflict::store
