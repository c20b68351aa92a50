// `deconflict admin archive` and `deconflict audit verify --archive`: moving closed history out of
// a channel's live store into a signed, self-verifying archive file (record/archive.h; format and
// rules in docs/record.md and docs/operations.md), and checking such a file on its own.
//
//   ArchiveOptions o{.data_dir = "/var/lib/deconflict", .before = "2026-11-01",
//                    .out_path = "archive-2026-10.jsonl"};
//   int code = RunArchive(o, io);                      // 0 archived (or nothing to archive)
//   int ok = VerifyArchiveFile("archive-2026-10.jsonl", "", io);   // 0 verified, 1 problems
//
// Thread-safety: each call is independent. The server may run on the same store meanwhile: the
// archive is one store transaction (the server's writes wait for it, up to its busy timeout).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "cli/commands.h"

namespace deconflict::cli {

// The kind of the audit entry that records an archive in the live log (docs/security.md §6).
// Written as text: base/vocabulary.h's AuditKind may take it as an enumerator later.
inline constexpr const char* kRecordArchivedKind = "record.archived";

struct ArchiveOptions {
  std::string data_dir;  // REQUIRED: the store's folder (with server.key)
  std::string before;    // REQUIRED: RFC 3339 date-time or YYYY-MM-DD (midnight UTC)
  std::string out_path;  // REQUIRED: the archive file to create; must not exist
  // DEFAULT: the system clock (NowMillis).
  std::function<TimePoint()> now;
};

// Parses --before: "2026-11-01" (00:00:00Z that day) or an RFC 3339 date-time. InvalidArgument
// naming --before and the reason otherwise.
Result<TimePoint> ParseArchiveDate(std::string_view text);

// Writes the archive of the closed history before o.before to o.out_path (fsynced), then in the
// same store transaction deletes it from the live store and appends a "record.archived" audit
// entry and an archive marker. Nothing changes if anything fails (a file already written is
// removed). Prints a summary on io.out. Returns kExitOk (also when there is nothing to archive:
// no file is written then); kExitBadInput for a bad date, a date in the future, an existing
// out_path, a folder without a store or a server key; kExitInternal for store or file errors.
int RunArchive(const ArchiveOptions& o, const Io& io);

// Verifies an archive file on its own (record::VerifyArchive) and prints a summary, or every
// problem on io.err. `key_hex`: the trusted public key (lower-case hex), or empty (the header's
// key, with a warning). kExitOk, kExitConflicts (problems), kExitBadInput (unreadable file).
int VerifyArchiveFile(const std::string& path, const std::string& key_hex, const Io& io);

}  // namespace deconflict::cli
