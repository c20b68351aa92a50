// `deconflict audit verify`: checks an audit log (a channel's store, or an export made by
// `deconflict admin audit export`) or a receipt, independently of the server that wrote it: every
// entry's hash, the chain from entry 1, and every signed checkpoint (record/chain.h).
//
//   AuditVerifyOptions o{.file = "audit.jsonl", .key_hex = "3b6a27bc..."};
//   int code = RunAuditVerify(o, io);   // 0 verified, 1 problems found, 2 bad usage
//
// Thread-safety: each call is independent.
#pragma once

#include <string>

#include "cli/commands.h"

namespace deconflict::cli {

struct AuditVerifyOptions {
  std::string data_dir;  // a store's folder; exactly one of data_dir and file is set
  std::string file;      // an export (JSON Lines), or with `receipt` a receipt (JSON); "-": stdin
  // DEFAULT: empty: with data_dir, the public key of data_dir/server.key if that file exists;
  // otherwise each checkpoint's (or the receipt's) own key, with a warning. Lower-case or
  // upper-case hex, 32 bytes.
  std::string key_hex;
  bool receipt = false;  // DEFAULT: false. REQUIRES: file set.
  // DEFAULT: false. FILE is an archive (deconflict admin archive; cli/archive.h), verified on its
  // own. REQUIRES: file set, not receipt.
  bool archive = false;
};

// Prints a summary on io.out and returns kExitOk when everything verifies; prints every problem
// ("error: entry 17: hash does not match its content") and returns kExitConflicts (1) otherwise,
// including an export or receipt that cannot be parsed (a changed byte often makes a line
// malformed). kExitBadInput for usage errors (both or neither source, a bad --key, a missing or
// unreadable file or folder), kExitInternal for store errors. Warnings ("warning: ...", e.g.
// entries after the last signed checkpoint) never change the exit code.
int RunAuditVerify(const AuditVerifyOptions& options, const Io& io);

}  // namespace deconflict::cli
