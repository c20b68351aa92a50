// The embedded SQLite backend of Store (store.h): one database file in a directory, WAL journal,
// synchronous=FULL (a committed transaction survives power loss), foreign keys on.
//
//   Result<std::unique_ptr<Store>> s = OpenSqliteStore({.dir = "/var/lib/deconflict"});
//   if (!s.ok()) return s.status();   // IoError: cannot create or open; Unavailable: locked
//
// Writes go through one write connection guarded by a mutex (Begin takes it, then BEGIN
// IMMEDIATE, which waits up to busy_timeout_ms for another process such as the admin CLI); reads
// use a pool of read connections, each statement reading the last committed snapshot (WAL), so
// readers never wait for a writer. Prepared statements are cached per connection.
//
// Thread-safety: the returned Store is thread-safe (store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace deconflict::store {

// The schema version this build writes, kept in PRAGMA user_version.
inline constexpr int kSqliteSchemaVersion = 4;  // 2: contact_pages; 3: probes; 4: archives

struct SqliteOptions {
  // Correctness.
  // REQUIRED. Created if missing (mkdir -p); the database is dir/deconflict.db (with the
  // -wal and -shm files SQLite keeps beside it).
  std::string dir;
  // How long Begin and reads wait for another process's lock before failing with Unavailable.
  // DEFAULT: 10000 ms.
  int busy_timeout_ms = 10000;

  // Speed only.
  // Read connections: at most this many reads run at once; more wait. DEFAULT: 4 (at least 1).
  int read_connections = 4;
  // WAL checkpoints (copying committed pages from the -wal file into the database) run on a
  // background thread with its own connection every this many ms, so that commits never pay
  // for them. 0: SQLite's automatic checkpoints, inside the committing transaction.
  // DEFAULT: 100 ms.
  int checkpoint_interval_ms = 100;

  // Called with one line ("PATH: mode 0755 -> 0700") for each mode SecureDataFolder tightened,
  // for the caller to log as a warning. DEFAULT: none.
  std::function<void(const std::string&)> on_mode_tightened;
};

// Makes the data folder private (docs/security.md §12): creates `dir` with mode 0700 if missing
// (its parents with the usual mode), and tightens `dir` to 0700 and each regular file directly in
// it (the database and its -wal and -shm, server.key, demo tokens) to 0600 where they grant more
// (group or other bits). Returns one line per change. IoError naming the path on failure.
// OpenSqliteStore calls it first.
Result<std::vector<std::string>> SecureDataFolder(const std::string& dir);

// Opens (creating if needed) the store in o.dir and creates or checks the schema. The folder is
// made private first (SecureDataFolder) and a new database file is created with mode 0600 (SQLite
// gives its -wal and -shm files the database file's mode).
// IoError with the path and SQLite's message if the directory or database cannot be created or
// opened, or is not a database; Unavailable if another process holds a lock past the busy
// timeout; FailedPrecondition if the database's schema version is newer than this build's.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& o);

// dir + "/deconflict.db".
std::string SqliteDatabasePath(const std::string& dir);

// Diagnostics: the first value of `PRAGMA <name>` on the write connection, as text (e.g.
// "journal_mode" -> "wal", "synchronous" -> "2" (FULL), "foreign_keys" -> "1",
// "user_version" -> "1"). Waits for an open WriteTxn to finish. InvalidArgument if `store` was
// not made by OpenSqliteStore or `name` is not [a-z_]+.
Result<std::string> SqlitePragma(Store& store, const std::string& name);

// Diagnostics: the heap SQLite holds now in this process, bytes (sqlite3_memory_used: page caches,
// prepared statements, schemas of every connection). Bounded by the connections' cache_size
// settings as the database grows; the soak test subtracts it from the RSS (bench/soak_verdict.h).
int64_t SqliteHeapBytes();

}  // namespace deconflict::store
