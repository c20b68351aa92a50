#include "record/chain.h"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/time.h"
#include "json/write.h"

namespace deconflict::record {
namespace json = boost::json;
using store::AuditEntry;
using store::Checkpoint;

namespace {

constexpr size_t kMaxProblems = 100;
constexpr std::string_view kReceiptPrefix = "deconflict-receipt-v1\n";

class Problems {
 public:
  explicit Problems(std::vector<std::string>* out) : out_(out) {}
  void Add(std::string p) {
    if (out_->size() < kMaxProblems) out_->push_back(std::move(p));
  }

 private:
  std::vector<std::string>* out_;
};

// Reads the members of a JSON object strictly: every expected key present with the right type and
// no other key. Collects the first error.
class ObjectReader {
 public:
  ObjectReader(const json::value& v, std::string what) : what_(std::move(what)) {
    obj_ = v.if_object();
    if (obj_ == nullptr) Fail("", "not an object");
  }

  int64_t Int(const char* key) {
    const json::value* v = Find(key);
    if (v == nullptr) return 0;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      return static_cast<int64_t>(v->get_uint64());
    }
    Fail(key, "not an integer");
    return 0;
  }

  // An instant in integer milliseconds. |ms| <= 10^15 (year 33658): the range in which
  // FromUnixMillis and ToUnixMillis give back the same integer, so the hash input is unchanged.
  TimePoint Millis(const char* key) {
    constexpr int64_t kMaxMillis = 1'000'000'000'000'000;
    const int64_t ms = Int(key);
    if (ms < -kMaxMillis || ms > kMaxMillis) {
      Fail(key, "out of range (at most 10^15 ms from the epoch)");
      return TimePoint();
    }
    return FromUnixMillis(ms);
  }

  std::string String(const char* key) {
    const json::value* v = Find(key);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      Fail(key, "not a string");
      return {};
    }
    return std::string(v->get_string());
  }

  std::string Hex(const char* key, size_t bytes) {
    std::string s = String(key);
    if (ok() && !IsLowerHex(s, bytes)) {
      Fail(key, "not " + std::to_string(2 * bytes) + " lower-case hex characters");
    }
    return s;
  }

  std::vector<std::string> StringArray(const char* key) {
    std::vector<std::string> out;
    const json::value* v = Find(key);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      Fail(key, "not an array");
      return out;
    }
    for (const json::value& item : v->get_array()) {
      if (!item.is_string()) {
        Fail(key, "not an array of strings");
        return {};
      }
      out.emplace_back(item.get_string());
    }
    return out;
  }

  // The value of `key` (any type), or nullptr after recording an error.
  const json::value* Find(const char* key) {
    if (obj_ == nullptr) return nullptr;
    ++expected_keys_;
    const json::value* v = obj_->if_contains(key);
    if (v == nullptr) Fail(key, "missing");
    return v;
  }

  // Call after reading every key: rejects unknown keys.
  Status Finish() {
    if (ok() && obj_->size() != expected_keys_) {
      Fail("", "has unexpected members");
    }
    return status_;
  }
  bool ok() const { return status_.ok(); }

 private:
  void Fail(std::string_view key, std::string_view reason) {
    if (!status_.ok()) return;
    std::string path = what_;
    if (!key.empty()) path += "." + std::string(key);
    status_ = Status::InvalidArgument(path + ": " + std::string(reason));
  }

  const json::object* obj_ = nullptr;
  std::string what_;
  size_t expected_keys_ = 0;
  Status status_;
};

// The canonical compact text of an export line or a receipt. These documents hold only integers,
// strings, arrays of strings and null, for which deconflict::json::Write gives exactly the bytes
// boost::json::serialize gives (json/write.h), so exports and receipts written before the project
// had its own writer keep their canonical form. body_json is a string here: the audit body's text
// is copied verbatim, never re-serialized (its hash covers those bytes).
std::string Canonical(const json::value& v) { return deconflict::json::Write(v); }

std::string EntryLine(const AuditEntry& e) {
  json::value line(json::object_kind);
  line.get_object()["entry"] = AuditEntryToJson(e);
  return Canonical(line) + "\n";
}

std::string CheckpointLine(const Checkpoint& c) {
  json::value line(json::object_kind);
  line.get_object()["checkpoint"] = CheckpointToJson(c);
  return Canonical(line) + "\n";
}

// Problems of one checkpoint on its own: canonical fields, key, signature.
void CheckCheckpoint(const Checkpoint& c, const std::string& trusted, const std::string& label,
                     Problems* problems) {
  if (!IsLowerHex(c.public_key, 32)) {
    problems->Add(label + ": public_key is not 64 lower-case hex characters");
    return;
  }
  if (!trusted.empty() && c.public_key != trusted) {
    problems->Add(label + ": signed by key " + c.public_key + ", not by the trusted key");
  }
  if (!IsLowerHex(c.hash, 32) || !IsLowerHex(c.signature, 64) ||
      !Verify(c.public_key, CheckpointMessage(c.seq, c.hash, c.at), c.signature)) {
    problems->Add(label + ": signature is not valid");
  }
}

}  // namespace

const std::string& GenesisHash() {
  static const std::string kGenesis(64, '0');
  return kGenesis;
}

std::string EntryHashInput(const AuditEntry& e) {
  std::string s;
  size_t n = 64 + e.kind.size() + e.body_json.size() + e.prev_hash.size();
  for (const PartyId& p : e.parties) n += p.value().size() + 1;
  s.reserve(n);
  s += "deconflict-audit-v1\n";
  s += std::to_string(e.seq);
  s += '\n';
  s += std::to_string(ToUnixMillis(e.at));
  s += '\n';
  s += e.kind;
  s += '\n';
  for (size_t i = 0; i < e.parties.size(); ++i) {
    if (i > 0) s += ',';
    s += e.parties[i].value();
  }
  s += '\n';
  s += e.prev_hash;
  s += '\n';
  s += e.body_json;
  return s;
}

std::string EntryHash(const AuditEntry& e) { return Sha256Hex(EntryHashInput(e)); }

Status ValidateAuditFields(const AuditEntry& e) {
  if (e.kind.empty()) return Status::InvalidArgument("audit entry kind is empty");
  if (e.kind.find('\n') != std::string::npos) {
    return Status::InvalidArgument("audit entry kind contains a newline");
  }
  for (const PartyId& p : e.parties) {
    if (p.empty()) return Status::InvalidArgument("audit entry names an empty party");
    if (p.value().find_first_of(",\n") != std::string::npos) {
      return Status::InvalidArgument("audit entry party \"" + p +
                                     "\" contains a comma or a newline");
    }
  }
  return Status::Ok();
}

std::string CheckpointMessage(int64_t seq, const std::string& hash, TimePoint at) {
  return "deconflict-checkpoint-v1\n" + std::to_string(seq) + "\n" + hash + "\n" +
         std::to_string(ToUnixMillis(at));
}

Checkpoint MakeCheckpoint(const KeyPair& key, int64_t seq, const std::string& hash, TimePoint at) {
  Checkpoint c;
  c.seq = seq;
  c.hash = hash;
  c.at = at;
  c.public_key = key.public_key_hex;
  c.signature = Sign(key, CheckpointMessage(seq, hash, at));
  return c;
}

namespace {
// The checkpoint at the first entry of a log that does not start at entry 1, or nullptr (the
// log starts at 1, or nothing anchors it: the seq check then reports the gap).
const Checkpoint* FindAnchor(const std::vector<AuditEntry>& entries,
                             const std::vector<Checkpoint>& checkpoints) {
  if (entries.empty() || entries.front().seq <= 1) return nullptr;
  for (const Checkpoint& c : checkpoints) {
    if (c.seq == entries.front().seq) return &c;
  }
  return nullptr;
}
}  // namespace

ChainReport VerifyChain(const std::vector<AuditEntry>& entries,
                        const std::vector<Checkpoint>& checkpoints,
                        const std::string& trusted_public_key_hex) {
  ChainReport r;
  Problems problems(&r.problems);
  std::unordered_map<int64_t, const std::string*> hash_by_seq;
  hash_by_seq.reserve(entries.size());
  std::string prev = GenesisHash();
  int64_t expected_seq = 1;
  // A log that starts after entry 1 (the rest archived: docs/record.md) is anchored by a signed
  // checkpoint at its first entry: that entry's prev_hash cannot be checked, its hash is signed.
  const Checkpoint* anchor = FindAnchor(entries, checkpoints);
  if (anchor != nullptr) {
    r.anchor_seq = anchor->seq;
    expected_seq = anchor->seq;
    prev = entries.front().prev_hash;
  }
  for (const AuditEntry& e : entries) {
    ++r.entries;
    const std::string label = "entry " + std::to_string(e.seq);
    if (e.seq != expected_seq) {
      problems.Add(label + ": expected seq " + std::to_string(expected_seq) +
                   " (entries missing, duplicated or out of order)");
    }
    if (Status v = ValidateAuditFields(e); !v.ok()) problems.Add(label + ": " + v.message());
    if (!IsLowerHex(e.prev_hash, 32)) {
      problems.Add(label + ": prev_hash is not 64 lower-case hex characters");
    }
    if (!IsLowerHex(e.hash, 32)) {
      problems.Add(label + ": hash is not 64 lower-case hex characters");
    }
    if (e.prev_hash != prev) {
      problems.Add(label + (e.seq == 1 && expected_seq == 1
                                ? std::string(": prev_hash is not the genesis hash")
                                : ": prev_hash does not match the hash of the entry before it"));
    }
    if (EntryHash(e) != e.hash) problems.Add(label + ": hash does not match its content");
    hash_by_seq.emplace(e.seq, &e.hash);
    prev = e.hash;
    expected_seq = e.seq + 1;
  }
  if (entries.empty()) {
    r.last_hash = GenesisHash();
  } else {
    r.last_seq = entries.back().seq;
    r.last_hash = entries.back().hash;
  }
  for (const Checkpoint& c : checkpoints) {
    ++r.checkpoints;
    const std::string label = "checkpoint at seq " + std::to_string(c.seq);
    CheckCheckpoint(c, trusted_public_key_hex, label, &problems);
    auto it = hash_by_seq.find(c.seq);
    if (it == hash_by_seq.end()) {
      problems.Add(label + ": the log has no entry " + std::to_string(c.seq));
    } else if (*it->second != c.hash) {
      problems.Add(label + ": hash differs from entry " + std::to_string(c.seq) + "'s hash");
    }
  }
  return r;
}

json::object AuditEntryToJson(const AuditEntry& e) {
  json::object o;
  o.reserve(7);
  o["seq"] = e.seq;
  o["at_ms"] = ToUnixMillis(e.at);
  o["kind"] = e.kind;
  json::array parties;
  parties.reserve(e.parties.size());
  for (const PartyId& p : e.parties) parties.emplace_back(p.value());
  o["parties"] = std::move(parties);
  o["body_json"] = e.body_json;
  o["prev_hash"] = e.prev_hash;
  o["hash"] = e.hash;
  return o;
}

Result<AuditEntry> AuditEntryFromJson(const json::value& v) {
  ObjectReader r(v, "entry");
  AuditEntry e;
  e.seq = r.Int("seq");
  e.at = r.Millis("at_ms");
  e.kind = r.String("kind");
  for (std::string& p : r.StringArray("parties")) e.parties.emplace_back(std::move(p));
  e.body_json = r.String("body_json");
  e.prev_hash = r.Hex("prev_hash", 32);
  e.hash = r.Hex("hash", 32);
  if (Status s = r.Finish(); !s.ok()) return s;
  if (Status s = ValidateAuditFields(e); !s.ok()) {
    return Status::InvalidArgument("entry: " + s.message());
  }
  return e;
}

json::object CheckpointToJson(const Checkpoint& c) {
  json::object o;
  o.reserve(5);
  o["seq"] = c.seq;
  o["hash"] = c.hash;
  o["at_ms"] = ToUnixMillis(c.at);
  o["public_key"] = c.public_key;
  o["signature"] = c.signature;
  return o;
}

Result<Checkpoint> CheckpointFromJson(const json::value& v) {
  ObjectReader r(v, "checkpoint");
  Checkpoint c;
  c.seq = r.Int("seq");
  c.hash = r.Hex("hash", 32);
  c.at = r.Millis("at_ms");
  c.public_key = r.Hex("public_key", 32);
  c.signature = r.Hex("signature", 64);
  if (Status s = r.Finish(); !s.ok()) return s;
  return c;
}

std::string ExportLog(const std::vector<AuditEntry>& entries,
                      const std::vector<Checkpoint>& checkpoints) {
  std::vector<const Checkpoint*> sorted;
  sorted.reserve(checkpoints.size());
  for (const Checkpoint& c : checkpoints) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Checkpoint* a, const Checkpoint* b) { return a->seq < b->seq; });
  std::string out;
  size_t next = 0;
  for (const AuditEntry& e : entries) {
    while (next < sorted.size() && sorted[next]->seq < e.seq)
      out += CheckpointLine(*sorted[next++]);
    out += EntryLine(e);
    while (next < sorted.size() && sorted[next]->seq == e.seq) {
      out += CheckpointLine(*sorted[next++]);
    }
  }
  while (next < sorted.size()) out += CheckpointLine(*sorted[next++]);
  return out;
}

Status ParseExport(const std::string& text, std::vector<AuditEntry>* entries,
                   std::vector<Checkpoint>* checkpoints) {
  entries->clear();
  checkpoints->clear();
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const std::string where = "line " + std::to_string(line_no);
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      return Status::InvalidArgument(where + ": does not end with a newline");
    }
    std::string_view line(text.data() + pos, end - pos + 1);  // with its newline
    pos = end + 1;
    boost::system::error_code ec;
    json::value v = json::parse(line.substr(0, line.size() - 1), ec);
    if (ec) return Status::InvalidArgument(where + ": malformed JSON: " + ec.message());
    const json::object* o = v.if_object();
    if (o == nullptr || o->size() != 1) {
      return Status::InvalidArgument(where +
                                     ": expected {\"entry\": ...} or {\"checkpoint\": ...}");
    }
    std::string canonical;
    if (const json::value* ev = o->if_contains("entry")) {
      Result<AuditEntry> e = AuditEntryFromJson(*ev);
      if (!e.ok()) return Status::InvalidArgument(where + ": " + e.status().message());
      canonical = EntryLine(*e);
      entries->push_back(std::move(*e));
    } else if (const json::value* cv = o->if_contains("checkpoint")) {
      Result<Checkpoint> c = CheckpointFromJson(*cv);
      if (!c.ok()) return Status::InvalidArgument(where + ": " + c.status().message());
      canonical = CheckpointLine(*c);
      checkpoints->push_back(std::move(*c));
    } else {
      return Status::InvalidArgument(where +
                                     ": expected {\"entry\": ...} or {\"checkpoint\": ...}");
    }
    // Every byte of an export is covered: a line must be exactly the canonical serialization of
    // what it holds (key order, no white space, Boost.JSON escaping).
    if (line != canonical) {
      return Status::InvalidArgument(where + ": not in canonical form");
    }
  }
  return Status::Ok();
}

json::object MakeReceipt(const KeyPair& key, const std::string& subject, const std::string& party,
                         TimePoint issued_at, const std::vector<AuditEntry>& entries,
                         const std::optional<Checkpoint>& checkpoint) {
  json::object receipt;
  receipt["issued_at"] = ToUnixMillis(issued_at);
  receipt["subject"] = subject;
  receipt["party"] = party;
  json::array list;
  list.reserve(entries.size());
  for (const AuditEntry& e : entries) list.emplace_back(AuditEntryToJson(e));
  receipt["entries"] = std::move(list);
  if (checkpoint) {
    receipt["checkpoint"] = CheckpointToJson(*checkpoint);
  } else {
    receipt["checkpoint"] = nullptr;
  }
  std::string message = std::string(kReceiptPrefix) + Canonical(receipt);
  json::object doc;
  doc["receipt"] = std::move(receipt);
  doc["public_key"] = key.public_key_hex;
  doc["signature"] = Sign(key, message);
  return doc;
}

std::vector<std::string> VerifyReceipt(const std::string& receipt_json_text,
                                       const std::string& trusted_public_key_hex) {
  std::vector<std::string> out;
  Problems problems(&out);
  boost::system::error_code ec;
  json::value doc = json::parse(receipt_json_text, ec);
  if (ec) {
    problems.Add("malformed JSON: " + ec.message());
    return out;
  }
  ObjectReader top(doc, "document");
  const json::value* receipt = top.Find("receipt");
  std::string public_key = top.Hex("public_key", 32);
  std::string signature = top.Hex("signature", 64);
  if (Status s = top.Finish(); !s.ok()) {
    problems.Add(s.message());
    return out;
  }
  if (!trusted_public_key_hex.empty() && public_key != trusted_public_key_hex) {
    problems.Add("signed by key " + public_key + ", not by the trusted key");
  }
  if (!Verify(public_key, std::string(kReceiptPrefix) + Canonical(*receipt), signature)) {
    problems.Add("signature is not valid");
  }

  ObjectReader r(*receipt, "receipt");
  r.Int("issued_at");
  r.String("subject");
  r.String("party");
  const json::value* entries = r.Find("entries");
  const json::value* checkpoint = r.Find("checkpoint");
  if (Status s = r.Finish(); !s.ok()) {
    problems.Add(s.message());
    return out;
  }
  if (!entries->is_array()) {
    problems.Add("receipt.entries: not an array");
    return out;
  }
  std::unordered_map<int64_t, std::string> hash_by_seq;
  int64_t last_seq = 0;
  size_t index = 0;
  for (const json::value& ev : entries->get_array()) {
    const std::string label = "entries[" + std::to_string(index++) + "]";
    Result<AuditEntry> e = AuditEntryFromJson(ev);
    if (!e.ok()) {
      problems.Add(label + ": " + e.status().message());
      continue;
    }
    if (e->seq <= last_seq) problems.Add(label + ": seq not in ascending order");
    last_seq = e->seq;
    if (EntryHash(*e) != e->hash) {
      problems.Add(label + " (seq " + std::to_string(e->seq) +
                   "): hash does not match its content");
    }
    hash_by_seq[e->seq] = e->hash;
  }
  if (!checkpoint->is_null()) {
    Result<Checkpoint> c = CheckpointFromJson(*checkpoint);
    if (!c.ok()) {
      problems.Add("receipt." + c.status().message());
      return out;
    }
    CheckCheckpoint(*c, public_key, "checkpoint at seq " + std::to_string(c->seq), &problems);
    auto it = hash_by_seq.find(c->seq);
    if (it != hash_by_seq.end() && it->second != c->hash) {
      problems.Add("checkpoint at seq " + std::to_string(c->seq) + ": hash differs from entry " +
                   std::to_string(c->seq) + "'s hash");
    }
  }
  return out;
}

}  // namespace deconflict::record
