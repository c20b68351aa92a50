// The archive file of `deconflict admin archive` (format: docs/record.md, "Archives"): closed
// history moved out of the live store, as JSON Lines that verify on their own: the audit entries
// with their hashes and signed checkpoints, the other records, the server's public key, and a
// signed seal over every byte.
//
//   ArchiveWriter w(key, NowMillis(), before, previous_sha256, &file);
//   w.Entry(e);  w.Checkpoint(c);  w.Record("plan", PlanToJson(p));
//   std::string sha = w.Finish();                       // hex SHA-256 of the whole file
//   ArchiveReport r = VerifyArchive(text, trusted_key);  // r.ok(), r.problems
//
// Thread-safety: an ArchiveWriter is used by one thread; the functions are thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "record/chain.h"
#include "record/crypto.h"

namespace deconflict::record {

inline constexpr std::string_view kArchiveFormat = "deconflict-archive-v1";

// The record kinds an archive holds besides "entry" and "checkpoint" (the members of their lines).
inline constexpr std::string_view kArchiveRecordKinds[] = {
    "plan", "conflict", "message", "event", "receipt", "webhook_job", "page"};

// Writes an archive to a stream, line by line (nothing is kept in memory but two hash states).
// Lines, in this order:
//   {"archive":{"format":"deconflict-archive-v1","made_ms":M,"before_ms":B,"public_key":hex,
//               "previous_sha256":hex or ""}}
//   {"entry":{...}} and {"checkpoint":{...}}        the chain.h JSON forms, ascending seq
//   {"plan":{...}}, {"conflict":{...}}, ...         one record per line (kArchiveRecordKinds)
//   {"seal":{"lines":N,"first_seq":F,"last_seq":L,"sha256":hex},"signature":hex}
// N counts the lines before the seal; sha256 is over every byte before the seal line; the
// signature (Ed25519, the header's key) is over "deconflict-archive-v1\n" + the seal's compact text
// as written. Every line is compact JSON (json::Write) ending in "\n".
class ArchiveWriter {
 public:
  // Writes the header. `previous_sha256`: the SHA-256 of the archive before this one ("" if none).
  ArchiveWriter(const KeyPair& key, TimePoint made, TimePoint before,
                const std::string& previous_sha256, std::ostream* out);
  void Entry(const store::AuditEntry& e);
  void Checkpoint(const store::Checkpoint& c);
  // REQUIRES: kind is one of kArchiveRecordKinds.
  void Record(std::string_view kind, const boost::json::object& record);
  // Writes the seal; returns the hex SHA-256 of the whole file. Call once, last.
  std::string Finish();
  bool ok() const { return out_->good(); }  // false once a write failed

 private:
  void Line(const std::string& text);

  const KeyPair& key_;
  std::ostream* out_;
  Sha256 body_;  // every byte before the seal
  int64_t lines_ = 0;
  int64_t first_seq_ = 0, last_seq_ = 0;
};

struct ArchiveReport {
  // From the header and the seal (zero or empty when unreadable).
  std::string public_key, previous_sha256;
  TimePoint made, before;
  int64_t first_seq = 0, last_seq = 0;    // the audit entries held (0, 0: none)
  int64_t anchor_seq = 0;                 // as ChainReport: > 0 when the first entry is not 1
  std::map<std::string, int64_t> counts;  // lines per kind ("entry", "plan", ...)
  std::string sha256;                     // of the whole file, as read
  // e.g. "line 7 (entry 5): hash does not match its content", "entry 5: ...", "seal: ...".
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// Verifies an archive on its own: the structure (every line one object with one known member,
// the header first, the seal last), every audit entry and checkpoint (record::VerifyChain: the
// chain from entry 1 or from the signed checkpoint at the first entry, which must be the cut
// checkpoint of the archive before), a signed checkpoint at the last entry, the seal's counts,
// SHA-256 and signature (with the header's key, which must equal `trusted_public_key_hex` when
// that is not empty). Changing any byte is reported; a change inside an audit entry also names
// the entry. Reports every problem found (at most 100).
ArchiveReport VerifyArchive(std::string_view text, const std::string& trusted_public_key_hex = "");

}  // namespace deconflict::record
