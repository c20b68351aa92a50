#include "record/archive.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/time.h"

namespace deconflict::record {
namespace {

TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }
using store::AuditEntry;
using store::Checkpoint;

// Entries 1..n chained, with a checkpoint at every seq in `signed_at`.
struct Log {
  std::vector<AuditEntry> entries;
  std::vector<Checkpoint> checkpoints;
};

Log MakeLog(const KeyPair& key, int n, const std::vector<int64_t>& signed_at) {
  Log log;
  std::string prev = GenesisHash();
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.seq = i;
    e.at = Ms(1000 * i);
    e.kind = "plan.submitted";
    e.parties = {PartyId("US")};
    e.body_json = R"({"plan":"p)" + std::to_string(i) + R"(","text":"Конвой \"q\""})";
    e.prev_hash = prev;
    e.hash = EntryHash(e);
    prev = e.hash;
    log.entries.push_back(e);
    for (int64_t s : signed_at) {
      if (s == i) log.checkpoints.push_back(MakeCheckpoint(key, i, e.hash, Ms(1000 * i + 1)));
    }
  }
  return log;
}

// An archive of entries [from, to] of `log` (and the checkpoints among them) and two records.
std::string WriteArchive(const KeyPair& key, const Log& log, int64_t from, int64_t to,
                         const std::string& previous = "", std::string* sha = nullptr) {
  std::ostringstream out;
  ArchiveWriter w(key, Ms(99000), Ms(50000), previous, &out);
  for (const AuditEntry& e : log.entries) {
    if (e.seq >= from && e.seq <= to) w.Entry(e);
  }
  for (const Checkpoint& c : log.checkpoints) {
    if (c.seq >= from && c.seq <= to) w.Checkpoint(c);
  }
  w.Record("plan", {{"party", "US"}, {"id", "p1"}, {"version", 1}, {"feature_json", "{}"}});
  w.Record("event", {{"recipient", "RU"}, {"seq", 3}, {"data_json", "{\"n\":1}"}});
  const std::string s = w.Finish();
  if (sha != nullptr) *sha = s;
  EXPECT_TRUE(w.ok());
  return out.str();
}

std::string Joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += p + "\n";
  return out;
}

TEST(ArchiveTest, RoundTripVerifies) {
  const KeyPair key = GenerateKeyPair();
  const Log log = MakeLog(key, 6, {3, 6});
  std::string sha;
  const std::string text = WriteArchive(key, log, 1, 6, "", &sha);
  const ArchiveReport r = VerifyArchive(text, key.public_key_hex);
  EXPECT_TRUE(r.ok()) << Joined(r.problems);
  EXPECT_EQ(r.sha256, sha);
  EXPECT_EQ(r.sha256, Sha256Hex(text));
  EXPECT_EQ(r.first_seq, 1);
  EXPECT_EQ(r.last_seq, 6);
  EXPECT_EQ(r.anchor_seq, 0);
  EXPECT_EQ(r.public_key, key.public_key_hex);
  EXPECT_EQ(r.before, Ms(50000));
  EXPECT_EQ(r.made, Ms(99000));
  EXPECT_EQ(r.counts.at("entry"), 6);
  EXPECT_EQ(r.counts.at("checkpoint"), 2);
  EXPECT_EQ(r.counts.at("plan"), 1);
  EXPECT_EQ(r.counts.at("event"), 1);
  // Without a trusted key the header's key is used.
  EXPECT_TRUE(VerifyArchive(text).ok());
}

TEST(ArchiveTest, AnArchiveFromACutStartsAtItsSignedCheckpoint) {
  const KeyPair key = GenerateKeyPair();
  const Log log = MakeLog(key, 8, {3, 8});
  std::string first_sha;
  (void)WriteArchive(key, log, 1, 3, "", &first_sha);
  const std::string second = WriteArchive(key, log, 3, 8, first_sha);
  const ArchiveReport r = VerifyArchive(second, key.public_key_hex);
  EXPECT_TRUE(r.ok()) << Joined(r.problems);
  EXPECT_EQ(r.anchor_seq, 3);
  EXPECT_EQ(r.first_seq, 3);
  EXPECT_EQ(r.previous_sha256, first_sha);
  // Entries after the anchor but without it are a gap.
  const ArchiveReport gap = VerifyArchive(WriteArchive(key, log, 4, 8), key.public_key_hex);
  EXPECT_FALSE(gap.ok());
}

TEST(ArchiveTest, EveryFlippedByteIsFound) {
  const KeyPair key = GenerateKeyPair();
  const std::string text = WriteArchive(key, MakeLog(key, 3, {3}), 1, 3);
  // Every byte of the header and the seal, every fifth one in between (test time under ASan).
  const size_t header_end = text.find('\n');
  const size_t seal_start = text.rfind("{\"seal\"");
  for (size_t i = 0; i < text.size(); i += (i <= header_end || i >= seal_start) ? 1 : 5) {
    std::string changed = text;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_FALSE(VerifyArchive(changed, key.public_key_hex).ok()) << "byte " << i;
  }
}

TEST(ArchiveTest, AChangedEntryIsNamed) {
  const KeyPair key = GenerateKeyPair();
  const std::string text = WriteArchive(key, MakeLog(key, 3, {3}), 1, 3);
  std::string changed = text;
  const size_t at = changed.find("p2");
  ASSERT_NE(at, std::string::npos);
  changed[at + 1] = '7';  // entry 2's body: "p7"
  const ArchiveReport r = VerifyArchive(changed, key.public_key_hex);
  const std::string all = Joined(r.problems);
  EXPECT_NE(all.find("entry 2: hash does not match its content"), std::string::npos) << all;
  EXPECT_NE(all.find("seal: "), std::string::npos) << all;
}

TEST(ArchiveTest, OtherKeysAndMissingCutCheckpointAreProblems) {
  const KeyPair key = GenerateKeyPair();
  const KeyPair other = GenerateKeyPair();
  const Log log = MakeLog(key, 4, {2});
  const std::string text = WriteArchive(key, log, 1, 2);
  EXPECT_FALSE(VerifyArchive(text, other.public_key_hex).ok());
  // Signed by another key than the checkpoints'.
  EXPECT_FALSE(VerifyArchive(WriteArchive(other, log, 1, 2)).ok());
  // The last entry must be the signed cut.
  const ArchiveReport r = VerifyArchive(WriteArchive(key, log, 1, 4));
  EXPECT_NE(Joined(r.problems).find("entry 4: the last entry of an archive"), std::string::npos)
      << Joined(r.problems);
  // Truncated: the seal is gone.
  EXPECT_FALSE(VerifyArchive(text.substr(0, text.rfind("{\"seal\""))).ok());
  EXPECT_FALSE(VerifyArchive("").ok());
}

}  // namespace
}  // namespace deconflict::record
