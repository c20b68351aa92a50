#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "base/time.h"
#include "record/chain.h"
#include "store/store_conformance.h"

namespace deconflict::store {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

std::unique_ptr<Store> OpenOrNull(const std::string& dir) {
  Result<std::unique_ptr<Store>> s = OpenSqliteStore({.dir = dir});
  if (!s.ok()) {
    ADD_FAILURE() << s.status().ToString();
    return nullptr;
  }
  return std::move(*s);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreBackend{"sqlite", OpenOrNull}), StoreBackendName);

std::unique_ptr<Store> MustOpen(const SqliteOptions& o) {
  Result<std::unique_ptr<Store>> s = OpenSqliteStore(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// A raw connection to the database file, as another program would open it.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    EXPECT_EQ(sqlite3_open(SqliteDatabasePath(dir).c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  int Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err != nullptr) {
      last_error_ = err;
      sqlite3_free(err);
    }
    return rc;
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return out;
  }
  const std::string& last_error() const { return last_error_; }

 private:
  sqlite3* db_ = nullptr;
  std::string last_error_;
};

AuditEntry Audit(const std::string& kind, std::vector<std::string> parties = {"alpha"}) {
  AuditEntry e;
  e.at = Ms(1);
  e.kind = kind;
  for (std::string& p : parties) e.parties.emplace_back(std::move(p));
  e.body_json = "{}";
  return e;
}

TEST(SqliteStoreTest, CreatesDirectoryAndSetsPragmas) {
  TempDir tmp;
  const std::string dir = tmp.File("a/b/c");
  std::unique_ptr<Store> s = MustOpen({.dir = dir});
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(std::filesystem::exists(SqliteDatabasePath(dir)));
  EXPECT_EQ(*SqlitePragma(*s, "journal_mode"), "wal");
  EXPECT_EQ(*SqlitePragma(*s, "synchronous"), "2");  // FULL
  EXPECT_EQ(*SqlitePragma(*s, "foreign_keys"), "1");
  EXPECT_EQ(*SqlitePragma(*s, "user_version"), std::to_string(kSqliteSchemaVersion));
  EXPECT_EQ(SqlitePragma(*s, "journal_mode; DROP TABLE plans").status().code(),
            StatusCode::kInvalidArgument);
  // WAL is a property of the file: another program sees it too.
  RawDb raw(dir);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
}

// Commits never checkpoint (wal_autocheckpoint is off on the writer); the background
// checkpointer copies the WAL into the database file soon after, while the store is open.
TEST(SqliteStoreTest, CheckpointsRunInTheBackground) {
  for (const int interval_ms : {0, 20}) {
    TempDir tmp;
    std::unique_ptr<Store> s = MustOpen({.dir = tmp.path(), .checkpoint_interval_ms = interval_ms});
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(*SqlitePragma(*s, "wal_autocheckpoint"), interval_ms > 0 ? "0" : "1000");
    const auto db_size = [&] { return std::filesystem::file_size(SqliteDatabasePath(tmp.path())); };
    const auto before = db_size();
    // About 2 MB of plans, in 40 transactions.
    for (int t = 0; t < 40; ++t) {
      auto txn = s->Begin();
      ASSERT_TRUE(txn.ok());
      if (t == 0) {
        ASSERT_TRUE((*txn)->PutParty({.name = PartyId("alpha"), .role = Role::kParty}).ok());
      }
      for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE((*txn)
                        ->PutPlan({.party = PartyId("alpha"),
                                   .id = PlanId("p" + std::to_string(t * 10 + i)),
                                   .status = PlanStatus::kActive,
                                   .feature_json = std::string(5000, 'x')})
                        .ok());
      }
      ASSERT_TRUE((*txn)->Commit().ok());
    }
    if (interval_ms == 0) continue;  // SQLite's own checkpoints: at 1000 pages, in a commit
    // The main file is written only by checkpoints: it grows once the background one has run.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (db_size() < before + 1'000'000 && std::chrono::steady_clock::now() < deadline) {
      // The poll interval of a wait bounded by the deadline: a checkpoint signals nothing but
      // the file's size.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE(db_size(), before + 1'000'000) << "no background checkpoint within 10 s";
    EXPECT_EQ(s->ListPlans(PartyId("alpha"), std::nullopt)->size(), 400u);
  }
}

// A store in `dir` with party alpha, its plan p and one audit entry, closed again.
void WriteAlphaPlanAndOneEntry(const std::string& dir) {
  std::unique_ptr<Store> s = MustOpen({.dir = dir});
  ASSERT_NE(s, nullptr);
  auto txn = s->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->PutParty({.name = PartyId("alpha"), .role = Role::kParty}).ok());
  ASSERT_TRUE(
      (*txn)->PutPlan({.party = PartyId("alpha"), .id = PlanId("p"), .feature_json = "{}"}).ok());
  ASSERT_TRUE((*txn)->AppendAudit(Audit("k")).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
}

TEST(SqliteStoreTest, ReopeningTheDirectoryKeepsEverything) {
  TempDir tmp;
  WriteAlphaPlanAndOneEntry(tmp.path());
  std::unique_ptr<Store> s = MustOpen({.dir = tmp.path(), .read_connections = 1});
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->GetParty(PartyId("alpha"))->has_value());
  EXPECT_TRUE(s->GetPlan(PartyId("alpha"), PlanId("p"))->has_value());
  EXPECT_EQ(s->LastAudit()->value().seq, 1);
}

// The enums are stored as their names; a column holding text that names none (written by another
// program) is reported, never guessed.
TEST(SqliteStoreTest, UnknownEnumTextInAColumnIsInternal) {
  TempDir tmp;
  WriteAlphaPlanAndOneEntry(tmp.path());
  {
    RawDb raw(tmp.path());
    EXPECT_EQ(raw.Text("SELECT status FROM plans WHERE party = 'alpha' AND id = 'p'"), "active");
    ASSERT_EQ(raw.Exec("UPDATE plans SET status = 'paused' WHERE party = 'alpha'"), SQLITE_OK);
    ASSERT_EQ(raw.Exec("UPDATE parties SET role = 'Coordinator' WHERE name = 'alpha'"), SQLITE_OK);
  }
  std::unique_ptr<Store> s = MustOpen({.dir = tmp.path(), .read_connections = 1});
  ASSERT_NE(s, nullptr);
  Result<std::optional<PlanRecord>> plan = s->GetPlan(PartyId("alpha"), PlanId("p"));
  EXPECT_EQ(plan.status().code(), StatusCode::kInternal);
  EXPECT_NE(plan.status().message().find("\"paused\""), std::string::npos)
      << plan.status().message();
  EXPECT_EQ(s->PlanHistory(PartyId("alpha"), PlanId("p")).status().code(), StatusCode::kInternal);
  EXPECT_EQ(s->GetParty(PartyId("alpha")).status().code(), StatusCode::kInternal);
  EXPECT_EQ(s->ListParties().status().code(), StatusCode::kInternal);
}

// An instant beyond what converts back to the same integer (only an edited file holds one) is
// reported like an unknown enum, never turned into an infinite time that the record would hash.
TEST(SqliteStoreTest, InstantOutOfRangeInAColumnIsInternal) {
  TempDir tmp;
  WriteAlphaPlanAndOneEntry(tmp.path());
  {
    RawDb raw(tmp.path());
    ASSERT_EQ(raw.Exec("UPDATE audit SET at_ms = 9000000000000000000 WHERE seq = 1"), SQLITE_OK);
    ASSERT_EQ(raw.Exec("UPDATE parties SET created_ms = -9000000000000000000"), SQLITE_OK);
  }
  std::unique_ptr<Store> s = MustOpen({.dir = tmp.path(), .read_connections = 1});
  ASSERT_NE(s, nullptr);
  Result<std::optional<AuditEntry>> last = s->LastAudit();
  EXPECT_EQ(last.status().code(), StatusCode::kInternal);
  EXPECT_NE(last.status().message().find("instant out of range"), std::string::npos)
      << last.status().message();
  EXPECT_EQ(s->GetParty(PartyId("alpha")).status().code(), StatusCode::kInternal);
}

// A store with alpha's plan and one entry as an older schema `version` left it (without the
// tables `dropped`), opened by this build (which upgrades it).
std::unique_ptr<Store> OpenOlderStore(const TempDir& tmp, int version,
                                      const std::vector<std::string>& dropped) {
  WriteAlphaPlanAndOneEntry(tmp.path());
  {
    RawDb raw(tmp.path());
    for (const std::string& t : dropped) raw.Exec("DROP TABLE " + t);
    raw.Exec("PRAGMA user_version = " + std::to_string(version));
  }
  return MustOpen({.dir = tmp.path()});
}

TEST(SqliteStoreTest, AVersionOneStoreIsUpgradedKeepingItsData) {
  TempDir tmp;
  // Version 1: before contact pages, probes and archive markers.
  std::unique_ptr<Store> s = OpenOlderStore(tmp, 1, {"contact_pages", "probes", "archive_markers"});
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->GetParty(PartyId("alpha"))->has_value());
  EXPECT_EQ(s->LastAudit()->value().seq, 1);
  auto txn = s->Begin();
  ASSERT_TRUE(txn.ok());
  auto id = (*txn)->PutContactPage(
      {.party = PartyId("alpha"), .url = "http://x/", .state = DeliveryState::kPending});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(s->DueContactPages(TimePoint::InfiniteFuture(), 0)->size(), 1u);
  RawDb raw(tmp.path());
  EXPECT_EQ(raw.Text("PRAGMA user_version"), std::to_string(kSqliteSchemaVersion));
}

TEST(SqliteStoreTest, AVersionTwoStoreGetsTheProbesTable) {
  TempDir tmp;
  std::unique_ptr<Store> s = OpenOlderStore(tmp, 2, {"probes", "archive_markers"});
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->GetParty(PartyId("alpha"))->has_value());
  auto txn = s->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(
      (*txn)
          ->PutProbe({.victim = PartyId("alpha"), .prober = PartyId("b"), .at = NowMillis()})
          .ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(s->ProbeCounts(PartyId("alpha"), TimePoint::InfinitePast())->size(), 1u);
  RawDb raw(tmp.path());
  EXPECT_EQ(raw.Text("PRAGMA user_version"), std::to_string(kSqliteSchemaVersion));
}

TEST(SqliteStoreTest, AVersionThreeStoreGetsTheArchiveMarkersTable) {
  TempDir tmp;
  std::unique_ptr<Store> s = OpenOlderStore(tmp, 3, {"archive_markers"});
  ASSERT_NE(s, nullptr);
  auto txn = s->Begin();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->PutArchiveMarker({.audit_seq = 1, .archive_sha256 = "ab"}).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(s->ListArchiveMarkers()->size(), 1u);
  RawDb raw(tmp.path());
  EXPECT_EQ(raw.Text("PRAGMA user_version"), std::to_string(kSqliteSchemaVersion));
}

TEST(SqliteStoreTest, OpenErrorsAreClear) {
  TempDir tmp;
  // The directory is a file.
  const std::string file = tmp.File("file");
  std::ofstream(file) << "x";
  Result<std::unique_ptr<Store>> r = OpenSqliteStore({.dir = file});
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find(file), std::string::npos) << r.status().message();

  // The database file is not a database.
  const std::string garbage = tmp.File("garbage");
  std::filesystem::create_directories(garbage);
  std::ofstream(SqliteDatabasePath(garbage)) << std::string(4096, 'x');
  r = OpenSqliteStore({.dir = garbage});
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("deconflict.db"), std::string::npos) << r.status().message();

  // Another program's SQLite database.
  const std::string foreign = tmp.File("foreign");
  std::filesystem::create_directories(foreign);
  {
    RawDb raw(foreign);
    raw.Exec("CREATE TABLE t(x)");
  }
  r = OpenSqliteStore({.dir = foreign});
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();

  // A newer schema.
  const std::string newer = tmp.File("newer");
  ASSERT_NE(MustOpen({.dir = newer}), nullptr);
  {
    RawDb raw(newer);
    raw.Exec("PRAGMA user_version = " + std::to_string(kSqliteSchemaVersion + 1));
  }
  r = OpenSqliteStore({.dir = newer});
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
}

TEST(SqliteStoreTest, BeginTimesOutWhileAnotherProgramWrites) {
  TempDir tmp;
  std::unique_ptr<Store> s = MustOpen({.dir = tmp.path(), .busy_timeout_ms = 200});
  ASSERT_NE(s, nullptr);
  RawDb raw(tmp.path());
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<WriteTxn>> txn = s->Begin();
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(txn.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(txn.status().message().find("locked"), std::string::npos) << txn.status().message();
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  // Reads are not blocked by the other writer.
  EXPECT_TRUE(s->ListParties().ok());
  ASSERT_EQ(raw.Exec("ROLLBACK"), SQLITE_OK);
  txn = s->Begin();
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  EXPECT_TRUE((*txn)->Commit().ok());
}

// A failure after an operation has written part of its rows aborts the whole transaction:
// nothing of it is committed and every further call fails. Faults are injected with triggers.
TEST(SqliteStoreTest, StorageFailureAbortsTheWholeTransaction) {
  TempDir tmp;
  std::unique_ptr<Store> s = MustOpen({.dir = tmp.path()});
  ASSERT_NE(s, nullptr);
  {
    RawDb raw(tmp.path());
    ASSERT_EQ(raw.Exec("CREATE TRIGGER boom BEFORE INSERT ON plan_heads WHEN NEW.id = 'boom' "
                       "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"),
              SQLITE_OK)
        << raw.last_error();
    ASSERT_EQ(raw.Exec("CREATE TRIGGER rb BEFORE INSERT ON events WHEN NEW.type = 'message.posted' "
                       "BEGIN SELECT RAISE(ROLLBACK, 'injected rollback'); END"),
              SQLITE_OK)
        << raw.last_error();
  }
  {
    auto txn = s->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(
        (*txn)
            ->PutPlan({.party = PartyId("alpha"), .id = PlanId("fine"), .feature_json = "{}"})
            .ok());
    ASSERT_TRUE((*txn)->AppendAudit(Audit("k")).ok());
    // The plan row of "boom" is written, then its head fails: the transaction is aborted.
    Status st =
        (*txn)->PutPlan({.party = PartyId("alpha"), .id = PlanId("boom"), .feature_json = "{}"});
    EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
    EXPECT_NE(st.message().find("injected fault"), std::string::npos) << st.message();
    EXPECT_EQ((*txn)->PutParty({.name = PartyId("x"), .role = Role::kParty}).code(),
              StatusCode::kUnavailable);
    EXPECT_EQ((*txn)->Commit().code(), StatusCode::kUnavailable);
  }
  EXPECT_TRUE(s->ListPlans(PartyId(), std::nullopt)->empty());
  EXPECT_FALSE(s->GetPlan(PartyId("alpha"), PlanId("boom"))->has_value());
  EXPECT_FALSE(s->LastAudit()->has_value());
  {
    // SQLite itself rolls back the transaction (RAISE(ROLLBACK)): also detected.
    auto txn = s->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(
        (*txn)
            ->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened})
            .ok());
    EXPECT_FALSE(
        (*txn)
            ->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kMessagePosted})
            .ok());
    EXPECT_EQ((*txn)
                  ->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened})
                  .status()
                  .code(),
              StatusCode::kUnavailable);
    EXPECT_FALSE((*txn)->Commit().ok());
  }
  EXPECT_EQ(*s->LastEventSeq(PartyId("alpha")), 0);
  // The store goes on.
  auto txn = s->Begin();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(
      (*txn)->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened})->seq,
      1);
  EXPECT_TRUE((*txn)->Commit().ok());
}

// Two processes (the server and the admin CLI) append to one audit log at the same time: the log
// stays one valid chain and per-recipient event numbers stay dense. First the two take turns
// (pipes), so that each transaction chains onto the other process's last entry; then both run
// freely, contending for the lock.
TEST(SqliteStoreTest, TwoProcessesWritingInterleavedKeepOneChain) {
  TempDir tmp;
  constexpr int kTurns = 15, kFree = 25, kPerTxn = 4;
  int to_child[2], to_parent[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(to_parent), 0);
  auto one_txn = [&](Store* s, const std::string& who) -> bool {
    Result<std::unique_ptr<WriteTxn>> txn = s->Begin();
    if (!txn.ok()) return false;
    for (int i = 0; i < kPerTxn; ++i) {
      if (!(*txn)->AppendAudit(Audit(who)).ok()) return false;
      if (!(*txn)
               ->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened})
               .ok())
        return false;
    }
    return (*txn)->Commit().ok();
  };
  // `first` writes first in each turn; a process waits on `in` for its turn and passes it on `out`.
  auto work = [&](const std::string& who, bool first, int in, int out) -> bool {
    Result<std::unique_ptr<Store>> s = OpenSqliteStore({.dir = tmp.path()});
    if (!s.ok()) {
      std::fprintf(stderr, "%s: cannot open the store: %s\n", who.c_str(),
                   s.status().ToString().c_str());
      return false;
    }
    char token = 't';
    for (int t = 0; t < kTurns; ++t) {
      if ((t > 0 || !first) && read(in, &token, 1) != 1) return false;
      if (!one_txn(s->get(), who)) return false;
      if (write(out, &token, 1) != 1) return false;
    }
    if (first && read(in, &token, 1) != 1) return false;  // the other's last turn
    for (int t = 0; t < kFree; ++t) {
      if (!one_txn(s->get(), who)) return false;
    }
    return true;
  };
  // Fork before this process opens the database (SQLite connections must not cross a fork).
  // Each process closes the pipe ends it does not use: if the other gives up (a failed
  // transaction), its turn never comes and the read sees end-of-file instead of waiting for ever
  // (and a write fails with EPIPE rather than raising SIGPIPE).
  std::signal(SIGPIPE, SIG_IGN);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(to_child[1]);
    close(to_parent[0]);
    _exit(work("child", false, to_child[0], to_parent[1]) ? 0 : 1);
  }
  close(to_child[0]);
  close(to_parent[1]);
  bool parent_ok = work("parent", true, to_parent[0], to_child[1]);
  close(to_child[1]);  // the child, if still waiting for a turn, sees end-of-file
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  close(to_parent[0]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(parent_ok);

  std::unique_ptr<Store> s = MustOpen({.dir = tmp.path()});
  ASSERT_NE(s, nullptr);
  constexpr size_t kTotal = 2 * (kTurns + kFree) * kPerTxn;
  std::vector<AuditEntry> all = *s->AuditAfter(0, 0);
  ASSERT_EQ(all.size(), kTotal);
  record::ChainReport r = record::VerifyChain(all, {});
  EXPECT_TRUE(r.ok()) << r.problems[0];
  int switches = 0;
  for (size_t i = 1; i < all.size(); ++i) switches += all[i].kind != all[i - 1].kind;
  EXPECT_GE(switches, 2 * kTurns - 1);
  std::vector<EventRecord> events = *s->EventsAfter(PartyId("alpha"), 0, 0);
  ASSERT_EQ(events.size(), kTotal);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
}

// Readers run while a writer commits: none waits for the writer, and each sees whole transactions.
TEST(SqliteStoreTest, ConcurrentReadersSeeWholeTransactions) {
  TempDir tmp;
  std::unique_ptr<Store> s = MustOpen({.dir = tmp.path(), .read_connections = 3});
  ASSERT_NE(s, nullptr);
  constexpr int kTxns = 60, kPerTxn = 5;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0}, errors{0};
  std::vector<std::thread> readers;
  readers.reserve(4);
  for (int r = 0; r < 4; ++r) {  // more readers than connections: some wait for a lease
    readers.emplace_back([&] {
      while (!done.load()) {
        Result<std::vector<EventRecord>> ev = s->EventsAfter(PartyId("alpha"), 0, 0);
        Result<std::optional<AuditEntry>> last = s->LastAudit();
        if (!ev.ok() || !last.ok()) {
          ++errors;
          continue;
        }
        if (ev->size() % kPerTxn != 0) ++torn;
        for (size_t i = 0; i < ev->size(); ++i) {
          if ((*ev)[i].seq != static_cast<int64_t>(i + 1)) ++torn;
        }
        if (last->has_value() && (*last)->seq % kPerTxn != 0) ++torn;
        ++reads;
      }
    });
  }
  for (int t = 0; t < kTxns; ++t) {
    auto txn = s->Begin();
    ASSERT_TRUE(txn.ok());
    for (int i = 0; i < kPerTxn; ++i) {
      ASSERT_TRUE(
          (*txn)
              ->AppendEvent({.recipient = PartyId("alpha"), .type = EventType::kConflictOpened})
              .ok());
      ASSERT_TRUE((*txn)->AppendAudit(Audit("k")).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(*s->LastEventSeq(PartyId("alpha")), kTxns * kPerTxn);
}

}  // namespace
}  // namespace deconflict::store
