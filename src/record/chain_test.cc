#include "record/chain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "base/time.h"
#include "testsupport/status_macros.h"

namespace deconflict::record {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }
using store::AuditEntry;
using store::Checkpoint;

// A chain of `n` entries with bodies that exercise JSON escaping (quotes, backslashes, newlines,
// non-ASCII text), signed every `checkpoint_every` entries.
struct Log {
  std::vector<AuditEntry> entries;
  std::vector<Checkpoint> checkpoints;
};

Log MakeLog(const KeyPair& key, int n, int checkpoint_every) {
  static const char* kBodies[] = {
      R"({"plan":"p1","version":1})",
      "{\n  \"text\": \"line one\\nline two\",\n  \"quote\": \"\\\"q\\\" \\\\ /\"\n}",
      R"({"text":"Конфликт маршрутов","lang":"ru"})",
      R"({"text":"تعارض في المسار","lang":"ar"})",
      R"({"conflict":"c-17","deadline_ms":1700000600000})",
  };
  static const char* kKinds[] = {"plan.submitted", "notice.sent", "receipt.delivered",
                                 "conflict.acknowledged"};
  Log log;
  std::string prev = GenesisHash();
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.seq = i;
    e.at = Ms(1700000000000 + 1000 * i);
    e.kind = kKinds[i % 4];
    if (i % 3 == 0) {
      e.parties = {PartyId("alpha")};
    } else if (i % 3 == 1) {
      e.parties = {PartyId("alpha"), PartyId("bravo-2")};
    }  // else: no party (coordinators only)
    e.body_json = kBodies[i % 5];
    e.prev_hash = prev;
    e.hash = EntryHash(e);
    prev = e.hash;
    log.entries.push_back(e);
    if (checkpoint_every > 0 && i % checkpoint_every == 0) {
      log.checkpoints.push_back(MakeCheckpoint(key, e.seq, e.hash, e.at + Seconds(0.005)));
    }
  }
  return log;
}

TEST(RecordEntryHashTest, CanonicalBytesAndKnownValue) {
  EXPECT_EQ(GenesisHash(), std::string(64, '0'));
  AuditEntry e;
  e.seq = 1;
  e.at = Ms(1700000000000);
  e.kind = "plan.submitted";
  e.parties = {PartyId("alpha"), PartyId("bravo")};
  e.body_json = R"({"plan":"p1"})";
  e.prev_hash = GenesisHash();
  EXPECT_EQ(EntryHashInput(e),
            "deconflict-audit-v1\n1\n1700000000000\nplan.submitted\nalpha,bravo\n" + GenesisHash() +
                "\n{\"plan\":\"p1\"}");
  // printf 'deconflict-audit-v1\n1\n1700000000000\nplan.submitted\nalpha,bravo\n000...000\n
  // {"plan":"p1"}' | sha256sum   (docs/record.md)
  EXPECT_EQ(EntryHash(e), "ef88f8ab59b95e835d51805caefbd76360ab117a02c2146ce6696adb12eae1b0");
  e.parties.clear();
  EXPECT_EQ(EntryHashInput(e), "deconflict-audit-v1\n1\n1700000000000\nplan.submitted\n\n" +
                                   GenesisHash() + "\n{\"plan\":\"p1\"}");
}

TEST(RecordEntryHashTest, ValidateAuditFieldsRejectsAmbiguousInput) {
  AuditEntry e;
  e.kind = "plan.submitted";
  e.parties = {PartyId("alpha")};
  EXPECT_TRUE(ValidateAuditFields(e).ok());
  e.kind = "";
  EXPECT_FALSE(ValidateAuditFields(e).ok());
  // kind "a\nb" with no parties would hash like kind "a" with party "b".
  e.kind = "a\nb";
  EXPECT_FALSE(ValidateAuditFields(e).ok());
  e.kind = "a";
  e.parties = {PartyId("x,y")};
  EXPECT_FALSE(ValidateAuditFields(e).ok());
  e.parties = {PartyId("")};
  EXPECT_FALSE(ValidateAuditFields(e).ok());
}

TEST(RecordCheckpointTest, MessageAndSignature) {
  KeyPair key = GenerateKeyPair();
  EXPECT_EQ(CheckpointMessage(7, "ab", Ms(123)), "deconflict-checkpoint-v1\n7\nab\n123");
  Checkpoint c = MakeCheckpoint(key, 7, std::string(64, 'a'), Ms(123));
  EXPECT_EQ(c.public_key, key.public_key_hex);
  EXPECT_TRUE(Verify(key.public_key_hex, CheckpointMessage(7, c.hash, Ms(123)), c.signature));
}

TEST(RecordVerifyChainTest, GoodChain) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 25, 10);
  ChainReport r = VerifyChain(log.entries, log.checkpoints, key.public_key_hex);
  EXPECT_TRUE(r.ok()) << r.problems.front();
  EXPECT_EQ(r.entries, 25);
  EXPECT_EQ(r.checkpoints, 2);
  EXPECT_EQ(r.last_seq, 25);
  EXPECT_EQ(r.last_hash, log.entries.back().hash);

  ChainReport empty = VerifyChain({}, {});
  EXPECT_TRUE(empty.ok());
  EXPECT_EQ(empty.last_seq, 0);
  EXPECT_EQ(empty.last_hash, GenesisHash());
}

TEST(RecordVerifyChainTest, DetectsEditedContent) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 10, 5);
  log.entries[3].body_json = R"({"plan":"p2","version":1})";
  ChainReport r = VerifyChain(log.entries, log.checkpoints);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "entry 4: hash does not match its content");
}

TEST(RecordVerifyChainTest, DetectsRehashedEditByTheNextLinkAndCheckpoint) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 10, 5);
  log.entries[3].parties = {PartyId("bravo-2")};
  log.entries[3].hash = EntryHash(log.entries[3]);
  ChainReport r = VerifyChain(log.entries, log.checkpoints);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problems[0], "entry 5: prev_hash does not match the hash of the entry before it");
}

TEST(RecordVerifyChainTest, DetectsRewrittenTailByCheckpoint) {
  // An attacker rewrites entry 4 and re-chains everything after it: only the signed checkpoints
  // (or a receipt a party holds) reveal it.
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 10, 5);
  log.entries[3].body_json = "{}";
  std::string prev = log.entries[2].hash;
  for (size_t i = 3; i < log.entries.size(); ++i) {
    log.entries[i].prev_hash = prev;
    log.entries[i].hash = EntryHash(log.entries[i]);
    prev = log.entries[i].hash;
  }
  ChainReport r = VerifyChain(log.entries, log.checkpoints);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0], "checkpoint at seq 5: hash differs from entry 5's hash");
  EXPECT_EQ(r.problems[1], "checkpoint at seq 10: hash differs from entry 10's hash");
}

TEST(RecordVerifyChainTest, DetectsMissingAndReorderedEntries) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 10, 0);
  Log missing = log;
  missing.entries.erase(missing.entries.begin() + 4);
  ChainReport r = VerifyChain(missing.entries, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems[0].find("entry 6: expected seq 5"), std::string::npos) << r.problems[0];

  Log swapped = log;
  std::swap(swapped.entries[2], swapped.entries[3]);
  EXPECT_FALSE(VerifyChain(swapped.entries, {}).ok());

  Log first_missing = log;
  first_missing.entries.erase(first_missing.entries.begin());
  EXPECT_FALSE(VerifyChain(first_missing.entries, {}).ok());
}

TEST(RecordVerifyChainTest, CheckpointWithWrongKeyOrForgedSignature) {
  KeyPair key = GenerateKeyPair(), other = GenerateKeyPair();
  Log log = MakeLog(key, 10, 5);
  // Signed by another key: valid on its own, rejected against the trusted key.
  log.checkpoints.push_back(MakeCheckpoint(other, 7, log.entries[6].hash, Ms(1)));
  EXPECT_TRUE(VerifyChain(log.entries, log.checkpoints).ok());
  ChainReport r = VerifyChain(log.entries, log.checkpoints, key.public_key_hex);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("checkpoint at seq 7: signed by key"), std::string::npos);

  // Claims the trusted key but was signed by another.
  log.checkpoints.back().public_key = key.public_key_hex;
  r = VerifyChain(log.entries, log.checkpoints, key.public_key_hex);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "checkpoint at seq 7: signature is not valid");
}

TEST(RecordVerifyChainTest, CheckpointBeyondTheLog) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 10, 5);
  log.entries.resize(7);  // truncated after the checkpoint at 5; the one at 10 remains
  ChainReport r = VerifyChain(log.entries, log.checkpoints);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0], "checkpoint at seq 10: the log has no entry 10");
}

TEST(RecordVerifyChainTest, ReportsAtMost100Problems) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 150, 0);
  for (AuditEntry& e : log.entries) e.body_json += " ";
  ChainReport r = VerifyChain(log.entries, {});
  EXPECT_EQ(r.problems.size(), 100u);
  EXPECT_EQ(r.entries, 150);
}

TEST(RecordJsonTest, EntryAndCheckpointRoundTrip) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 5, 5);
  for (const AuditEntry& e : log.entries) {
    Result<AuditEntry> back = AuditEntryFromJson(AuditEntryToJson(e));
    ASSERT_OK(back);
    EXPECT_EQ(back->seq, e.seq);
    EXPECT_EQ(back->at, e.at);
    EXPECT_EQ(back->kind, e.kind);
    EXPECT_EQ(back->parties, e.parties);
    EXPECT_EQ(back->body_json, e.body_json);
    EXPECT_EQ(back->prev_hash, e.prev_hash);
    EXPECT_EQ(back->hash, e.hash);
  }
  Result<Checkpoint> c = CheckpointFromJson(CheckpointToJson(log.checkpoints[0]));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->seq, 5);
  EXPECT_EQ(c->signature, log.checkpoints[0].signature);
  EXPECT_EQ(c->public_key, key.public_key_hex);
  EXPECT_EQ(c->at, log.checkpoints[0].at);
}

TEST(RecordJsonTest, FromJsonIsStrict) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 1, 1);
  boost::json::object good = AuditEntryToJson(log.entries[0]);

  boost::json::object o = good;
  o.erase("kind");
  EXPECT_EQ(AuditEntryFromJson(o).status().message(), "entry.kind: missing");
  o = good;
  o["seq"] = "1";
  EXPECT_EQ(AuditEntryFromJson(o).status().message(), "entry.seq: not an integer");
  o = good;
  o["extra"] = 1;
  EXPECT_EQ(AuditEntryFromJson(o).status().code(), StatusCode::kInvalidArgument);
  o = good;
  std::string upper = log.entries[0].hash;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  o["hash"] = upper;
  EXPECT_EQ(AuditEntryFromJson(o).status().message(),
            "entry.hash: not 64 lower-case hex characters");
  o = good;
  o["at_ms"] = int64_t{10'000'000'000'000'000};  // beyond what a TimePoint keeps exactly
  EXPECT_EQ(AuditEntryFromJson(o).status().message(),
            "entry.at_ms: out of range (at most 10^15 ms from the epoch)");
  o = good;
  o["parties"] = boost::json::array{"a", 1};
  EXPECT_EQ(AuditEntryFromJson(o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(AuditEntryFromJson(boost::json::value(3)).ok());

  boost::json::object c = CheckpointToJson(log.checkpoints[0]);
  c.erase("signature");
  EXPECT_EQ(CheckpointFromJson(c).status().message(), "checkpoint.signature: missing");
}

TEST(RecordExportTest, RoundTripInSeqOrder) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 12, 4);
  std::string text = ExportLog(log.entries, log.checkpoints);
  // 12 entries + 3 checkpoints, each checkpoint right after its entry.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 15);
  std::vector<AuditEntry> entries;
  std::vector<Checkpoint> checkpoints;
  Status s = ParseExport(text, &entries, &checkpoints);
  ASSERT_OK(s);
  ASSERT_EQ(entries.size(), 12u);
  ASSERT_EQ(checkpoints.size(), 3u);
  EXPECT_EQ(ExportLog(entries, checkpoints), text);
  EXPECT_TRUE(VerifyChain(entries, checkpoints, key.public_key_hex).ok());

  size_t line5 = 0;
  for (int i = 0; i < 4; ++i) line5 = text.find('\n', line5) + 1;
  EXPECT_EQ(text.compare(line5, 15, "{\"checkpoint\":{"), 0);

  EXPECT_TRUE(ParseExport("", &entries, &checkpoints).ok());
  EXPECT_TRUE(entries.empty());
}

TEST(RecordExportTest, MalformedLinesAreNamed) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 3, 0);
  std::string text = ExportLog(log.entries, {});
  std::vector<AuditEntry> entries;
  std::vector<Checkpoint> checkpoints;
  Status s = ParseExport(text + "{\"other\":1}\n", &entries, &checkpoints);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("line 4:", 0), 0u) << s.message();
  s = ParseExport(text.substr(0, text.size() - 1), &entries, &checkpoints);
  EXPECT_EQ(s.message(), "line 3: does not end with a newline");
  // Valid JSON, same values, but not canonical (white space).
  std::string spaced = text;
  spaced.insert(spaced.find(':') + 1, " ");
  s = ParseExport(spaced, &entries, &checkpoints);
  EXPECT_EQ(s.message(), "line 1: not in canonical form");
}

// Every single-byte change anywhere in an export is detected: the modified text either fails to
// parse or fails verification against the trusted key.
TEST(RecordExportTest, EveryFlippedByteIsDetected) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 8, 3);
  const std::string text = ExportLog(log.entries, log.checkpoints);
  ASSERT_GT(text.size(), 3000u);
  int parse_failures = 0, verify_failures = 0;
  for (int mask : {0x01, 0x02, 0x20, 0x80}) {
    for (size_t i = 0; i < text.size(); ++i) {
      std::string bad = text;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ mask);
      std::vector<AuditEntry> entries;
      std::vector<Checkpoint> checkpoints;
      if (!ParseExport(bad, &entries, &checkpoints).ok()) {
        ++parse_failures;
        continue;
      }
      ChainReport r = VerifyChain(entries, checkpoints, key.public_key_hex);
      ASSERT_FALSE(r.ok()) << "undetected: byte " << i << " ^ " << mask << " in\n" << bad;
      ++verify_failures;
    }
  }
  EXPECT_GT(parse_failures, 0);
  EXPECT_GT(verify_failures, 0);
}

// Indented JSON, as a person or another tool would write it.
std::string Pretty(const boost::json::value& v, int depth) {
  const std::string pad(static_cast<size_t>(2 * depth + 2), ' ');
  const std::string close_pad(static_cast<size_t>(2 * depth), ' ');
  std::string out;
  if (const boost::json::object* o = v.if_object()) {
    out += "{\n";
    bool first = true;
    for (const auto& kv : *o) {
      if (!first) out += ",\n";
      first = false;
      out += pad + boost::json::serialize(boost::json::value(kv.key())) + ": " +
             Pretty(kv.value(), depth + 1);
    }
    return out + "\n" + close_pad + "}";
  }
  if (const boost::json::array* a = v.if_array()) {
    out += "[\n";
    for (size_t i = 0; i < a->size(); ++i) {
      if (i > 0) out += ",\n";
      out += pad + Pretty((*a)[i], depth + 1);
    }
    return out + "\n" + close_pad + "]";
  }
  return boost::json::serialize(v);
}

TEST(RecordReceiptTest, GoodReceiptVerifies) {
  KeyPair key = GenerateKeyPair();
  Log log = MakeLog(key, 6, 6);
  std::vector<AuditEntry> selected = {log.entries[0], log.entries[3], log.entries[5]};
  boost::json::object doc = MakeReceipt(key, "conflict c-17", "alpha", Ms(1700000099000), selected,
                                        log.checkpoints.back());
  std::string text = boost::json::serialize(doc);
  EXPECT_TRUE(VerifyReceipt(text).empty());
  EXPECT_TRUE(VerifyReceipt(text, key.public_key_hex).empty());
  EXPECT_EQ(doc.at("receipt").at("issued_at").as_int64(), 1700000099000);
  EXPECT_EQ(doc.at("receipt").at("entries").as_array().size(), 3u);

  // Without a checkpoint.
  std::string bare = boost::json::serialize(
      MakeReceipt(key, "conflict c-17", "alpha", Ms(1700000099000), selected, std::nullopt));
  EXPECT_TRUE(VerifyReceipt(bare, key.public_key_hex).empty());

  // White space added by another tool (members kept in order) does not matter.
  std::string pretty = Pretty(boost::json::parse(text), 0);
  ASSERT_NE(pretty, text);
  EXPECT_TRUE(VerifyReceipt(pretty, key.public_key_hex).empty());
}

// Entries written before the project had its own JSON writer hold bodies in Boost's number
// format ("4.163E1"). Their hash is over those bytes; exports and receipts carry the text verbatim,
// and their canonical lines and signed bytes are what the old code produced, so they still verify.
TEST(RecordOldSerializerTest, BodiesWrittenByBoostStillVerify) {
  KeyPair key = GenerateKeyPair();
  const boost::json::object body{{"conflict", "c-17"},
                                 {"cpa", boost::json::array{41.63, 37.0400113}},
                                 {"min_distance_m", 12.3},
                                 {"required_m", 1150.0}};
  const std::string old_body = boost::json::serialize(body);
  ASSERT_EQ(old_body, R"({"conflict":"c-17","cpa":[4.163E1,3.70400113E1],"min_distance_m":1.23E1,)"
                      R"("required_m":1.15E3})");
  std::vector<AuditEntry> entries;
  std::string prev = GenesisHash();
  for (int i = 1; i <= 3; ++i) {
    AuditEntry e;
    e.seq = i;
    e.at = Ms(1700000000000 + i);
    e.kind = "conflict.opened";
    e.parties = {PartyId("alpha"), PartyId("bravo")};
    e.body_json = i == 3 ? R"({"cpa":[41.63,37.0400113]})" : old_body;  // 3: the new writer
    e.prev_hash = prev;
    e.hash = EntryHash(e);
    prev = e.hash;
    entries.push_back(e);
  }
  const std::vector<Checkpoint> checkpoints = {
      MakeCheckpoint(key, 2, entries[1].hash, Ms(1700000000005))};

  // Export -> verify: the body comes back byte for byte, and the lines are what Boost wrote.
  const std::string text = ExportLog(entries, checkpoints);
  std::string old_text;
  for (const AuditEntry& e : entries) {
    old_text += boost::json::serialize(boost::json::object{{"entry", AuditEntryToJson(e)}}) + "\n";
    if (e.seq == 2) {
      old_text += boost::json::serialize(
                      boost::json::object{{"checkpoint", CheckpointToJson(checkpoints[0])}}) +
                  "\n";
    }
  }
  EXPECT_EQ(text, old_text);
  EXPECT_NE(text.find(R"(\"cpa\":[4.163E1,3.70400113E1])"), std::string::npos) << text;
  std::vector<AuditEntry> parsed;
  std::vector<Checkpoint> parsed_checkpoints;
  ASSERT_TRUE(ParseExport(old_text, &parsed, &parsed_checkpoints).ok());
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0].body_json, old_body);
  const ChainReport report = VerifyChain(parsed, parsed_checkpoints, key.public_key_hex);
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0]);
  EXPECT_EQ(report.last_hash, entries[2].hash);

  // Receipt -> verify: one made now, and one made by the old code (signed over Boost's text).
  const boost::json::object receipt =
      MakeReceipt(key, "conflict c-17", "alpha", Ms(1700000099000), entries, checkpoints[0]);
  EXPECT_TRUE(VerifyReceipt(boost::json::serialize(receipt), key.public_key_hex).empty());
  boost::json::object old_receipt = receipt;
  const std::string old_message =
      "deconflict-receipt-v1\n" + boost::json::serialize(old_receipt.at("receipt"));
  old_receipt["signature"] = Sign(key, old_message);
  EXPECT_EQ(old_receipt, receipt);  // the same bytes were signed
  const std::vector<std::string> problems =
      VerifyReceipt(boost::json::serialize(old_receipt), key.public_key_hex);
  EXPECT_TRUE(problems.empty()) << problems[0];
  EXPECT_EQ(boost::json::parse(boost::json::serialize(receipt))
                .at("receipt")
                .at("entries")
                .at(0)
                .at("body_json")
                .as_string(),
            old_body);
}

TEST(RecordReceiptTest, TamperedReceiptsAreRejected) {
  KeyPair key = GenerateKeyPair(), other = GenerateKeyPair();
  Log log = MakeLog(key, 6, 6);
  std::vector<AuditEntry> selected = {log.entries[1], log.entries[5]};
  boost::json::object doc = MakeReceipt(key, "conflict c-17", "alpha", Ms(1700000099000), selected,
                                        log.checkpoints.back());
  const std::string text = boost::json::serialize(doc);

  // Wrong trusted key.
  EXPECT_FALSE(VerifyReceipt(text, other.public_key_hex).empty());

  // Edited party, with the signature left as it was.
  boost::json::object edited = doc;
  edited["receipt"].as_object()["party"] = "bravo-2";
  std::vector<std::string> p = VerifyReceipt(boost::json::serialize(edited));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "signature is not valid");

  // An entry edited and re-signed by someone else's key: the entry hash and the trusted key fail.
  boost::json::object forged = doc;
  forged["receipt"].as_object()["entries"].as_array()[0].as_object()["body_json"] = "{}";
  std::string message = "deconflict-receipt-v1\n" + boost::json::serialize(forged["receipt"]);
  forged["public_key"] = other.public_key_hex;
  forged["signature"] = Sign(other, message);
  p = VerifyReceipt(boost::json::serialize(forged));
  ASSERT_EQ(p.size(), 2u) << p[0];
  EXPECT_EQ(p[0], "entries[0] (seq 2): hash does not match its content");
  EXPECT_NE(p[1].find("checkpoint at seq 6: signed by key"), std::string::npos) << p[1];
  EXPECT_FALSE(VerifyReceipt(boost::json::serialize(forged), key.public_key_hex).empty());

  EXPECT_FALSE(VerifyReceipt("not json").empty());
  EXPECT_FALSE(VerifyReceipt("{}").empty());

  // Every flipped byte.
  for (size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(VerifyReceipt(bad, key.public_key_hex).empty()) << "byte " << i;
  }
}

}  // namespace
}  // namespace deconflict::record
