// Tests of `deconflict audit verify` and `deconflict admin audit export` through the real binary:
// intact logs verify, and any changed byte (in an export or in the database) is found.
#include "cli/audit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <regex>

#include "base/time.h"
#include "cli/tool_runner.h"
#include "record/chain.h"
#include "record/crypto.h"
#include "store/sqlite_store.h"
#include "testsupport/status_macros.h"

namespace deconflict::cli {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

namespace fs = std::filesystem;

class AuditVerifyTest : public ToolTest {
 protected:
  void SetUp() override {
    ToolTest::SetUp();
    data_ = (dir() / "data").string();
  }
  ToolOutput Admin(std::vector<std::string> args) {
    args.insert(args.begin(), {"admin", "--data", data_});
    return RunTool(args);
  }
  // A store with a few changes of every kind (7 audit entries).
  void MakeChanges() {
    ASSERT_EQ(Admin({"init"}).code, 0);
    ASSERT_EQ(Admin({"party", "add", "US"}).code, 0);  // 2 entries
    ASSERT_EQ(Admin({"party", "add", "RU"}).code, 0);  // 2
    ASSERT_EQ(Admin({"contact", "add", "RU", "--name", "Дежурный", "--language", "ru"}).code,
              0);                                                                   // 1
    ASSERT_EQ(Admin({"webhook", "add", "US", "https://us.example/hook"}).code, 0);  // 1
    ASSERT_EQ(Admin({"token", "add", "US"}).code, 0);                               // 1
  }
  // Signs a checkpoint over the last entry with the store's key, as the server does.
  void Checkpoint() {
    Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore({.dir = data_});
    ASSERT_OK(s);
    Result<record::KeyPair> key = record::LoadOrCreateKeyPair(data_ + "/server.key");
    ASSERT_TRUE(key.ok());
    Result<std::optional<store::AuditEntry>> last = (*s)->LastAudit();
    ASSERT_TRUE(last.ok() && last->has_value());
    auto txn = (*s)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)
                    ->PutCheckpoint(record::MakeCheckpoint(*key, (*last)->seq, (*last)->hash,
                                                           (*last)->at + Seconds(0.001)))
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
    public_key_ = key->public_key_hex;
  }
  // Runs one SQL statement on the store's database behind its back.
  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((data_ + "/deconflict.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    EXPECT_EQ(sqlite3_changes(db), 1) << sql;
    sqlite3_close(db);
  }

  std::string data_;
  std::string public_key_;
};

TEST_F(AuditVerifyTest, StoreVerifiesAfterAdminChanges) {
  MakeChanges();
  const ToolOutput o = RunTool({"audit", "verify", "--data", data_});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(std::regex_match(
      o.out,
      std::regex("verified 7 entries, 0 signed checkpoints, last entry 7 hash [0-9a-f]{64}\n")))
      << o.out;
  EXPECT_CONTAINS(o.err, "warning: 7 entries after the last signed checkpoint (there is none yet)");
}

TEST_F(AuditVerifyTest, StoreWithCheckpointIsSignedByTheServerKey) {
  MakeChanges();
  Checkpoint();
  ASSERT_EQ(Admin({"token", "add", "RU"}).code, 0);  // entry 8, after the checkpoint
  const ToolOutput o = RunTool({"audit", "verify", "--data", data_});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.out, "verified 8 entries, 1 signed checkpoint, last entry 8 hash ");
  EXPECT_CONTAINS(o.out, "; signed by " + public_key_ + " (" + data_ + "/server.key)\n");
  EXPECT_CONTAINS(o.err, "warning: 1 entry after the last signed checkpoint (entry 7)");
  EXPECT_EQ(o.err.find("no --key"), std::string::npos) << o.err;

  // Another key: the checkpoint's signature is not the trusted one.
  const std::string other = record::GenerateKeyPair().public_key_hex;
  const ToolOutput wrong = RunTool({"audit", "verify", "--data", data_, "--key", other});
  EXPECT_EQ(wrong.code, 1) << wrong.out;
  EXPECT_CONTAINS(wrong.err, "checkpoint");
}

TEST_F(AuditVerifyTest, VerifyingNeverCreatesAKeyOrAStore) {
  MakeChanges();
  fs::remove(dir() / "data" / "server.key");
  const ToolOutput o = RunTool({"audit", "verify", "--data", data_});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_FALSE(fs::exists(dir() / "data" / "server.key"));
  const std::string missing = (dir() / "nothing").string();
  const ToolOutput none = RunTool({"audit", "verify", "--data", missing});
  EXPECT_EQ(none.code, 2);
  EXPECT_FALSE(fs::exists(missing));
}

TEST_F(AuditVerifyTest, ExportVerifies) {
  MakeChanges();
  Checkpoint();
  const std::string file = (dir() / "audit.jsonl").string();
  ASSERT_EQ(Admin({"audit", "export", "--out", file}).code, 0);
  const ToolOutput o = RunTool({"audit", "verify", file, "--key", public_key_});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.out, "verified 7 entries, 1 signed checkpoint, last entry 7 hash ");
  EXPECT_CONTAINS(o.out, "; signed by " + public_key_ + "\n");
  EXPECT_EQ(o.err, "");

  // Without --key: verified, with a warning about whose key that is.
  const ToolOutput untrusted = RunTool({"audit", "verify", file});
  EXPECT_EQ(untrusted.code, 0);
  EXPECT_CONTAINS(untrusted.err, "warning: no --key given");
  // Upper-case hex is accepted for --key; another key is not.
  std::string upper = public_key_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(RunTool({"audit", "verify", file, "--key", upper}).code, 0);
  EXPECT_EQ(
      RunTool({"audit", "verify", file, "--key", record::GenerateKeyPair().public_key_hex}).code,
      1);
  // Standard input.
  EXPECT_EQ(RunTool({"audit", "verify", "-"}, ReadFile(file)).code, 0);
}

// Every byte of an export is covered by a hash, a signature or the canonical-form check: flipping
// any one of them is found (exit 1, whether the line still parses or not).
TEST_F(AuditVerifyTest, AnyFlippedByteInAnExportIsFound) {
  MakeChanges();
  Checkpoint();
  const std::string file = (dir() / "audit.jsonl").string();
  ASSERT_EQ(Admin({"audit", "export", "--out", file}).code, 0);
  const std::string original = ReadFile(file);
  ASSERT_GT(original.size(), 1000u);
  const std::vector<size_t> positions = {
      0,                              // the first "{"
      original.size() / 7,            // somewhere in entry 1 or 2
      original.size() / 3,            //
      original.size() / 2,            // the middle
      original.find("Дежурный") + 1,  // inside a UTF-8 character of a body
      original.find("\"prev_hash\":\"", original.size() / 2) + 14,  // a hex digit
      original.find("\"signature\":\"") + 20,                       // the checkpoint's signature
      original.find('\n'),                                          // a line end
      original.size() - 2,                                          // the last "}"
  };
  for (size_t pos : positions) {
    ASSERT_LT(pos, original.size());
    for (const int flip : {0x01, 0x20}) {
      std::string changed = original;
      changed[pos] = static_cast<char>(static_cast<unsigned char>(changed[pos]) ^ flip);
      const std::string path = Write("changed.jsonl", changed);
      const ToolOutput o = RunTool({"audit", "verify", path, "--key", public_key_});
      EXPECT_EQ(o.code, 1) << "byte " << pos << " ^ " << flip << ": " << o.out << o.err;
      EXPECT_CONTAINS(o.err, "error: ");
      EXPECT_EQ(o.out, "");
    }
  }
  // A line removed or two lines swapped are found too.
  const size_t first_end = original.find('\n') + 1;
  const size_t second_end = original.find('\n', first_end) + 1;
  EXPECT_EQ(RunTool({"audit", "verify", Write("cut.jsonl", original.substr(first_end))}).code, 1);
  const std::string swapped = original.substr(first_end, second_end - first_end) +
                              original.substr(0, first_end) + original.substr(second_end);
  EXPECT_EQ(RunTool({"audit", "verify", Write("swapped.jsonl", swapped)}).code, 1);
}

TEST_F(AuditVerifyTest, ChangedBodyInTheDatabaseIsFound) {
  MakeChanges();
  ASSERT_EQ(RunTool({"audit", "verify", "--data", data_}).code, 0);
  Sql(R"(UPDATE audit SET body_json = replace(body_json, '"RU"', '"XX"') WHERE seq = 3)");
  const ToolOutput o = RunTool({"audit", "verify", "--data", data_});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  EXPECT_CONTAINS(o.err, "error: entry 3");
  EXPECT_CONTAINS(o.err, "does not verify");
  EXPECT_EQ(o.out, "");
}

TEST_F(AuditVerifyTest, RewrittenChainInTheDatabaseFailsTheCheckpoint) {
  MakeChanges();
  Checkpoint();
  // Change entry 7's body and recompute its hash: the chain is consistent again, but the signed
  // checkpoint names the old hash.
  Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore({.dir = data_});
  ASSERT_TRUE(s.ok());
  Result<std::optional<store::AuditEntry>> last = (*s)->LastAudit();
  ASSERT_TRUE(last.ok() && last->has_value());
  store::AuditEntry e = **last;
  s->reset();
  e.body_json = R"({"party":"US","webhook":1,"url":"https://evil.example/hook","by":"admin"})";
  Sql("UPDATE audit SET body_json = '" + e.body_json + "', hash = '" + record::EntryHash(e) +
      "' WHERE seq = 7");
  const ToolOutput o = RunTool({"audit", "verify", "--data", data_});
  EXPECT_EQ(o.code, 1) << o.out << o.err;
  EXPECT_CONTAINS(o.err, "checkpoint");
}

TEST_F(AuditVerifyTest, ReceiptsVerify) {
  MakeChanges();
  Result<record::KeyPair> key = record::LoadOrCreateKeyPair(data_ + "/server.key");
  ASSERT_TRUE(key.ok());
  Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore({.dir = data_});
  ASSERT_TRUE(s.ok());
  Result<std::vector<store::AuditEntry>> entries = (*s)->AuditAfter(0, 0, PartyId("RU"));
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  const std::string receipt = boost::json::serialize(
      record::MakeReceipt(*key, "party RU", "RU", Ms(1'800'000'000'000), *entries, std::nullopt));
  const std::string path = Write("receipt.json", receipt);
  const ToolOutput o =
      RunTool({"audit", "verify", "--receipt", path, "--key", key->public_key_hex});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.out, "verified receipt about party RU for RU: 3 entries (3–5)");
  EXPECT_CONTAINS(o.out, "signed by " + key->public_key_hex);

  std::string changed = receipt;
  const size_t at = changed.find("Дежурный");
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, std::string("Дежурный").size(), "Someone");
  const ToolOutput bad = RunTool({"audit", "verify", "--receipt", Write("bad.json", changed)});
  EXPECT_EQ(bad.code, 1);
  EXPECT_CONTAINS(bad.err, "does not verify");
}

// An entry whose body was written by Boost's default serializer ("4.163E1"), as the channel wrote
// bodies before json::Write, still verifies in the store, in an export and in a receipt: nothing
// re-serializes a stored body.
TEST_F(AuditVerifyTest, BodiesWrittenByTheOldSerializerStillVerify) {
  MakeChanges();
  const std::string old_body = boost::json::serialize(boost::json::object{
      {"conflict", "c-17"}, {"cpa", boost::json::array{41.63, 37.0400113}}, {"min_m", 12.3}});
  ASSERT_EQ(old_body, R"({"conflict":"c-17","cpa":[4.163E1,3.70400113E1],"min_m":1.23E1})");
  {
    Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore({.dir = data_});
    ASSERT_OK(s);
    auto txn = (*s)->Begin();
    ASSERT_TRUE(txn.ok());
    store::AuditEntry e;
    e.at = Ms(1'700'000'000'000);
    e.kind = "conflict.opened";
    e.parties = {PartyId("RU"), PartyId("US")};
    e.body_json = old_body;
    ASSERT_TRUE((*txn)->AppendAudit(e).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  ASSERT_EQ(Admin({"token", "add", "RU"}).code, 0);  // entry 9, body by json::Write
  Checkpoint();

  // The store.
  const ToolOutput store = RunTool({"audit", "verify", "--data", data_});
  ASSERT_EQ(store.code, 0) << store.err;
  EXPECT_CONTAINS(store.out, "verified 9 entries, 1 signed checkpoint, last entry 9 hash ");

  // Export -> verify: the body is carried verbatim.
  const std::string file = (dir() / "audit.jsonl").string();
  ASSERT_EQ(Admin({"audit", "export", "--out", file}).code, 0);
  EXPECT_CONTAINS(ReadFile(file), R"(\"cpa\":[4.163E1,3.70400113E1])");
  const ToolOutput exported = RunTool({"audit", "verify", file, "--key", public_key_});
  ASSERT_EQ(exported.code, 0) << exported.err;
  EXPECT_CONTAINS(exported.out, "verified 9 entries, 1 signed checkpoint, last entry 9 hash ");

  // Receipt -> verify.
  Result<record::KeyPair> key = record::LoadOrCreateKeyPair(data_ + "/server.key");
  ASSERT_TRUE(key.ok());
  Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore({.dir = data_});
  ASSERT_TRUE(s.ok());
  Result<std::vector<store::AuditEntry>> entries = (*s)->AuditAfter(7, 0, PartyId("RU"));
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].body_json, old_body);
  const std::string receipt = boost::json::serialize(record::MakeReceipt(
      *key, "conflict c-17", "RU", Ms(1'800'000'000'000), *entries, std::nullopt));
  const ToolOutput r = RunTool(
      {"audit", "verify", "--receipt", Write("receipt.json", receipt), "--key", public_key_});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "verified receipt about conflict c-17 for RU: 2 entries (8–9)");
}

TEST_F(AuditVerifyTest, UsageErrorsExitTwo) {
  MakeChanges();
  const std::string file = Write("x.jsonl", "");
  EXPECT_EQ(RunTool({"audit", "verify"}).code, 2);
  EXPECT_EQ(RunTool({"audit", "verify", file, "--data", data_}).code, 2);
  EXPECT_EQ(RunTool({"audit", "verify", "--data", data_, "--receipt"}).code, 2);
  const ToolOutput key = RunTool({"audit", "verify", file, "--key", "abc"});
  EXPECT_EQ(key.code, 2);
  EXPECT_CONTAINS(key.err, "--key");
  const ToolOutput missing = RunTool({"audit", "verify", (dir() / "none.jsonl").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_CONTAINS(missing.err, "cannot read");
  // An empty export is an empty log.
  const ToolOutput empty = RunTool({"audit", "verify", file});
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_CONTAINS(empty.out, "verified 0 entries");
}

// ----- deconflict admin archive and audit verify --archive.

class ArchiveTest : public AuditVerifyTest {
 protected:
  // An archive --before "now" (after every entry so far, to the millisecond).
  ToolOutput ArchiveNow(const std::string& file) {
    Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore({.dir = data_});
    EXPECT_TRUE(s.ok());
    const TimePoint last = (*(*s)->ListCheckpoints()).back().at;
    s->reset();
    while (NowMillis() <= last) {  // the cut must be after the last checkpoint: at most 2 ms
    }
    return Admin({"archive", "--before", FormatRfc3339Millis(NowMillis()), "--out", file});
  }
  std::string File(const std::string& name) const { return (dir() / name).string(); }
};

TEST_F(ArchiveTest, DatesAreValidated) {
  MakeChanges();
  for (const char* bad : {"2026-13-01", "yesterday", "2026-11-01T10:00:00", ""}) {
    const ToolOutput o = Admin({"archive", "--before", bad, "--out", File("a")});
    EXPECT_EQ(o.code, 2) << bad;
    EXPECT_CONTAINS(o.err, "--before");
  }
  const ToolOutput future = Admin({"archive", "--before", "2999-01-01", "--out", File("a")});
  EXPECT_EQ(future.code, 2);
  EXPECT_CONTAINS(future.err, "--before: 2999-01-01 is in the future");
  // Nothing signed yet: nothing to archive, no file.
  const ToolOutput none =
      Admin({"archive", "--before", "2020-01-01T00:00:00Z", "--out", File("a")});
  EXPECT_EQ(none.code, 0) << none.err;
  EXPECT_CONTAINS(none.out, "nothing to archive");
  EXPECT_FALSE(fs::exists(File("a")));
}

TEST_F(ArchiveTest, RoundTripAcrossTheCutAndChained) {
  MakeChanges();
  Checkpoint();  // entry 7
  const ToolOutput first = ArchiveNow(File("one.archive"));
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_CONTAINS(first.out, "archived 7 audit entries (1-7), 1 checkpoints");
  EXPECT_CONTAINS(first.out, "the live audit log now starts at entry 7");
  EXPECT_EQ(ArchiveNow(File("one.archive")).code, 2);  // never overwritten
  EXPECT_EQ(fs::status(File("one.archive")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  const ToolOutput live = RunTool({"audit", "verify", "--data", data_});
  ASSERT_EQ(live.code, 0) << live.err;
  EXPECT_CONTAINS(live.out,
                  "verified 2 entries from the signed checkpoint at entry 7 instead of genesis");
  EXPECT_CONTAINS(live.out, "1 archive made");
  const ToolOutput one =
      RunTool({"audit", "verify", "--archive", File("one.archive"), "--key", public_key_});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_CONTAINS(one.out, "audit entries 1-7 (from genesis)");
  const std::string one_sha = record::Sha256Hex(ReadFile(File("one.archive")));
  EXPECT_CONTAINS(one.out, one_sha);

  // More history, a later cut: the second archive starts at the first one's cut.
  ASSERT_EQ(Admin({"token", "add", "RU"}).code, 0);
  Checkpoint();
  const ToolOutput second = ArchiveNow(File("two.archive"));
  ASSERT_EQ(second.code, 0) << second.err;
  const ToolOutput two = RunTool({"audit", "verify", "--archive", File("two.archive")});
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_CONTAINS(two.out, "audit entries 7-9 (from the signed checkpoint at entry 7");
  EXPECT_CONTAINS(two.out, "follows the archive with sha256 " + one_sha);
  EXPECT_CONTAINS(two.err, "warning: no --key given");
  const ToolOutput after = RunTool({"audit", "verify", "--data", data_});
  EXPECT_EQ(after.code, 0) << after.err;
  EXPECT_CONTAINS(after.out, "from the signed checkpoint at entry 9");
  EXPECT_CONTAINS(after.out, "2 archives made");

  // The live log must start where the last archive cut it.
  Sql("DELETE FROM archive_markers WHERE id = 2");
  const ToolOutput unrecorded = RunTool({"audit", "verify", "--data", data_});
  EXPECT_EQ(unrecorded.code, 1);
  EXPECT_CONTAINS(unrecorded.err, "entry 9: the log starts here, but no archive marker");
}

TEST_F(ArchiveTest, AChangedByteInTheArchiveIsFound) {
  MakeChanges();
  Checkpoint();
  ASSERT_EQ(ArchiveNow(File("a.archive")).code, 0);
  const std::string text = ReadFile(File("a.archive"));
  // A changed letter in entry 3's body (the party RU's creation: "RU" -> "RV").
  const size_t line = text.find("{\"entry\":{\"seq\":3,");
  ASSERT_NE(line, std::string::npos);
  const size_t at = text.find("RU", line);
  ASSERT_NE(at, std::string::npos);
  std::string changed = text;
  changed[at + 1] = 'V';
  const std::string file = Write("changed.archive", changed);
  const ToolOutput o = RunTool({"audit", "verify", "--archive", file});
  EXPECT_EQ(o.code, 1);
  EXPECT_CONTAINS(o.err, "entry 3: hash does not match its content");
  EXPECT_CONTAINS(o.err, "seal: the bytes before the seal have SHA-256");
  // A byte of the seal's signature.
  changed = text;
  const size_t sig = changed.rfind("\"signature\":\"") + 14;
  changed[sig] = changed[sig] == '0' ? '1' : '0';
  const ToolOutput seal = RunTool({"audit", "verify", "--archive", Write("sig.archive", changed)});
  EXPECT_EQ(seal.code, 1);
  EXPECT_CONTAINS(seal.err, "seal: the signature does not verify");
}

}  // namespace
}  // namespace deconflict::cli
