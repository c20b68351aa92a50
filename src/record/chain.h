// The audit log's hash chain, checkpoints and receipts (the format is specified in
// docs/record.md).
//
//   entry.hash = EntryHash(entry);                  // over seq, at, kind, parties, body, prev
//   Checkpoint c = MakeCheckpoint(key, entry.seq, entry.hash, NowMillis());
//   ChainReport r = VerifyChain(entries, checkpoints);  // r.ok(), r.problems
//
// Thread-safety: functions are thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "base/time.h"
#include "record/crypto.h"
#include "store/store.h"

namespace deconflict::record {

// 64 zeros: the prev_hash of entry 1.
const std::string& GenesisHash();

// Hex SHA-256 over the canonical bytes:
//   "deconflict-audit-v1\n" seq "\n" ToUnixMillis(at) "\n" kind "\n" parties joined by "," "\n"
//   prev_hash "\n" body_json
std::string EntryHash(const store::AuditEntry& e);
// The canonical bytes above (numbers in decimal, no padding; body_json verbatim, last).
std::string EntryHashInput(const store::AuditEntry& e);
// OK when the hash input is unambiguous: kind is not empty and has no "\n", and every party is
// not empty and has no "," or "\n". InvalidArgument naming the field otherwise. AppendAudit
// rejects entries that fail this; VerifyChain and AuditEntryFromJson report them.
Status ValidateAuditFields(const store::AuditEntry& e);

// The text a checkpoint signs: "deconflict-checkpoint-v1\n" seq "\n" hash "\n" ToUnixMillis(at).
std::string CheckpointMessage(int64_t seq, const std::string& hash, TimePoint at);
store::Checkpoint MakeCheckpoint(const KeyPair& key, int64_t seq, const std::string& hash,
                                 TimePoint at);

struct ChainReport {
  int64_t entries = 0;      // entries checked
  int64_t checkpoints = 0;  // checkpoints whose signature and hash were checked
  int64_t last_seq = 0;     // 0 for an empty log
  // 0: the log starts at entry 1 (genesis). Else the log starts at this entry, after an archive
  // cut, and is proven from the signed checkpoint at it instead of from genesis.
  int64_t anchor_seq = 0;
  std::string last_hash;              // GenesisHash() for an empty log
  std::vector<std::string> problems;  // e.g. "entry 17: hash does not match its content"
  bool ok() const { return problems.empty(); }
};

// Checks a whole log from seq 1: consecutive seqs, each prev_hash equal to the previous hash,
// each hash recomputed, and every checkpoint's signature (with its own public_key, which must
// equal `trusted_public_key_hex` when that is not empty) and that it names an entry's hash.
// Reports every problem found (at most 100). Hashes, keys and signatures must be lower-case hex.
// Checkpoints need not be sorted; a checkpoint naming a seq beyond the entries is a problem.
// A log whose first entry K is not 1 (entries before K moved to an archive: docs/record.md) is
// accepted when a checkpoint at K names entry K's hash (and its signature verifies): the chain is
// then proven from that signed checkpoint instead of genesis (report.anchor_seq = K; K's prev_hash
// is not checked). Without such a checkpoint the missing entries are a problem, as before.
ChainReport VerifyChain(const std::vector<store::AuditEntry>& entries,
                        const std::vector<store::Checkpoint>& checkpoints,
                        const std::string& trusted_public_key_hex = "");

// JSON forms (used by exports, receipts and the HTTP API):
//   entry:      {"seq","at_ms","kind","parties":[...],"body_json":"<text>","prev_hash","hash"}
//   checkpoint: {"seq","hash","at_ms","public_key","signature"}
// body_json is a JSON string holding the body text verbatim (never re-serialized: the hash is
// over those bytes; a body written by Boost's serializer, "4.163E1", stays so and verifies). The
// FromJson functions are strict: InvalidArgument naming the member if one is missing, has the wrong
// type, is not lower-case hex where a hash/key/signature is expected, or if an unknown member is
// present.
boost::json::object AuditEntryToJson(const store::AuditEntry& e);
Result<store::AuditEntry> AuditEntryFromJson(const boost::json::value& v);
boost::json::object CheckpointToJson(const store::Checkpoint& c);
Result<store::Checkpoint> CheckpointFromJson(const boost::json::value& v);

// An export: JSON Lines, one {"entry": {...}} or {"checkpoint": {...}} per line, in seq order.
std::string ExportLog(const std::vector<store::AuditEntry>& entries,
                      const std::vector<store::Checkpoint>& checkpoints);
// Clears and fills *entries and *checkpoints. InvalidArgument naming the line on malformed input,
// including a line that is not byte-for-byte the canonical form ExportLog writes (members in the
// order above, no white space, every line ending in "\n"), so every byte of an export is covered
// by a hash, a signature or this check. Does not verify the chain: call VerifyChain.
Status ParseExport(const std::string& text, std::vector<store::AuditEntry>* entries,
                   std::vector<store::Checkpoint>* checkpoints);

// A receipt: a signed statement by the server of selected audit entries (for instance every
// entry about one conflict visible to one party), each with its chain hash, and the latest
// checkpoint. JSON: {"receipt": {"issued_at", "subject", "party", "entries": [...],
// "checkpoint": {...}|null}, "public_key": hex, "signature": hex}; the signature is over
// "deconflict-receipt-v1\n" + the compact text of receipt as stored in the document (json::Write,
// which for these documents, holding no doubles, is byte for byte boost::json::serialize).
// issued_at is written as ms since the epoch (ToUnixMillis); entries are in the JSON form above, in
// the order given (ascending seq).
boost::json::object MakeReceipt(const KeyPair& key, const std::string& subject,
                                const std::string& party, TimePoint issued_at,
                                const std::vector<store::AuditEntry>& entries,
                                const std::optional<store::Checkpoint>& checkpoint);
// Checks the receipt's signature (against `trusted_public_key_hex` when not empty) and every
// entry's hash. Returns the problems found (empty: valid).
// The signed bytes are recomputed by compact re-serialization of the parsed "receipt" member, so
// a receipt pretty-printed by another tool (members kept in order) still verifies. Entries must be
// in ascending seq; the checkpoint, when present, must be signed by the receipt's key and, if it
// names an included entry, carry that entry's hash. Entries are checked one by one: a receipt does
// not prove that entries between them exist (the checkpoint and the full log do).
std::vector<std::string> VerifyReceipt(const std::string& receipt_json_text,
                                       const std::string& trusted_public_key_hex = "");

}  // namespace deconflict::record
