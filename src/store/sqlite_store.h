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

#include <memory>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace deconflict::store {

// The schema version this build writes, kept in PRAGMA user_version.
inline constexpr int kSqliteSchemaVersion = 3;  // 2: contact_pages; 3: probes

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
};

// Opens (creating if needed) the store in o.dir and creates or checks the schema.
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

}  // namespace deconflict::store
