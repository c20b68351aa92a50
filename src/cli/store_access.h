// How the CLI finds a channel's data folder: the SQLite store (store/sqlite_store.h) and the
// server's signing key, both in one folder given with --data.
//
//   Result<std::unique_ptr<store::Store>> s = OpenStore("/var/lib/deconflict", /*create=*/false);
//   std::string key = KeyFilePath("/var/lib/deconflict");   // ".../server.key"
//
// Thread-safety: functions are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace deconflict::cli {

// The server's Ed25519 key file in a data folder (record::LoadOrCreateKeyPair's format).
inline constexpr const char* kKeyFileName = "server.key";
std::string KeyFilePath(const std::string& data_dir);

// Opens the store in `data_dir`. With `create`, creates the folder and the database if missing.
// Without it, NotFound (message naming the folder and how to create it) unless the folder holds a
// database already, so that a mistyped --data never leaves an empty store behind. Otherwise the
// store's errors (IoError, Unavailable, FailedPrecondition), their messages naming the folder.
Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data_dir, bool create);

}  // namespace deconflict::cli
