#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/thread_annotations.h"
#include "base/time.h"
#include "base/vocabulary.h"
#include "record/chain.h"

namespace deconflict::store {
namespace {

// ---------------------------------------------------------------------------------------------
// Schema. Every query below is served by a primary key or one of these indexes.

// The version-1 schema; kMigrations bring it to kSqliteSchemaVersion.
constexpr const char* kSchema = R"sql(
CREATE TABLE parties(
  name TEXT NOT NULL PRIMARY KEY,
  role TEXT NOT NULL,
  display_name TEXT NOT NULL,
  created_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tokens(
  id TEXT NOT NULL PRIMARY KEY,
  party TEXT NOT NULL REFERENCES parties(name),
  hash TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_by_hash ON tokens(hash);
CREATE INDEX tokens_by_party ON tokens(party, created_ms);

CREATE TABLE contacts(
  id INTEGER PRIMARY KEY,
  party TEXT NOT NULL REFERENCES parties(name),
  name TEXT NOT NULL,
  language TEXT NOT NULL,
  role TEXT NOT NULL,
  roster TEXT NOT NULL,
  webhook_url TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX contacts_by_party ON contacts(party, id);

CREATE TABLE webhooks(
  id INTEGER PRIMARY KEY,
  party TEXT NOT NULL REFERENCES parties(name),
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX webhooks_by_party ON webhooks(party, id);

-- Every version of every plan; rows are never updated.
CREATE TABLE plans(
  party TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  feature_json TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY(party, id, version)
);
-- The newest version of each plan and its status (ListPlans).
CREATE TABLE plan_heads(
  party TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY(party, id)
) WITHOUT ROWID;
CREATE INDEX plan_heads_by_status ON plan_heads(status, party, id);

CREATE TABLE conflicts(
  id TEXT NOT NULL PRIMARY KEY,
  party_a TEXT NOT NULL, plan_a TEXT NOT NULL,
  party_b TEXT NOT NULL, plan_b TEXT NOT NULL,
  version_a INTEGER NOT NULL, version_b INTEGER NOT NULL,
  status TEXT NOT NULL,
  resolution TEXT NOT NULL,
  detail_json TEXT NOT NULL,
  window_start_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL,
  deadline_ms INTEGER NOT NULL,
  ack_a_ms INTEGER NOT NULL, ack_b_ms INTEGER NOT NULL,
  accept_a_ms INTEGER NOT NULL, accept_b_ms INTEGER NOT NULL,
  escalated_a INTEGER NOT NULL, escalated_b INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, resolved_ms INTEGER NOT NULL
);
CREATE INDEX conflicts_by_a ON conflicts(party_a, plan_a);
CREATE INDEX conflicts_by_b ON conflicts(party_b, plan_b);
CREATE INDEX conflicts_by_status ON conflicts(status, window_start_ms);
CREATE INDEX conflicts_by_window ON conflicts(window_start_ms, id);

CREATE TABLE messages(
  conflict_id TEXT NOT NULL REFERENCES conflicts(id),
  seq INTEGER NOT NULL,
  party TEXT NOT NULL,
  kind TEXT NOT NULL,
  body_json TEXT NOT NULL,
  language TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY(conflict_id, seq)
);

CREATE TABLE events(
  recipient TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data_json TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY(recipient, seq)
);

CREATE TABLE receipts(
  recipient TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY(recipient, event_seq, channel, kind)
) WITHOUT ROWID;

CREATE TABLE webhook_jobs(
  webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  recipient TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT NOT NULL,
  PRIMARY KEY(webhook_id, recipient, event_seq)
);
CREATE INDEX webhook_jobs_due ON webhook_jobs(state, next_attempt_ms);

-- The audit log; parties joined by "," (names never contain one: record::ValidateAuditFields),
-- kept in their order for the hash. audit_party indexes them for AuditAfter(party).
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  parties TEXT NOT NULL,
  body_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE audit_party(
  party TEXT NOT NULL,
  seq INTEGER NOT NULL REFERENCES audit(seq),
  PRIMARY KEY(party, seq)
) WITHOUT ROWID;

CREATE TABLE checkpoints(
  seq INTEGER PRIMARY KEY REFERENCES audit(seq),
  hash TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  public_key TEXT NOT NULL,
  signature TEXT NOT NULL
);
)sql";

// Upgrades, one per version: kMigrations[v - 1] takes a version-v store to v + 1.
constexpr const char* kMigrations[] = {
    // 1 -> 2: pages to contacts' own webhooks.
    R"sql(
CREATE TABLE contact_pages(
  id INTEGER PRIMARY KEY,
  party TEXT NOT NULL,
  contact_id INTEGER NOT NULL,
  url TEXT NOT NULL,
  event TEXT NOT NULL,
  conflict TEXT NOT NULL,
  level INTEGER NOT NULL,
  body_json TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX contact_pages_due ON contact_pages(state, next_attempt_ms);
)sql",
    // 2 -> 3: dry runs that touched another party's plans (GET /v1/probes).
    R"sql(
CREATE TABLE probes(
  victim TEXT NOT NULL,
  prober TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX probes_by_victim ON probes(victim, prober, at_ms);
)sql",
    // 3 -> 4: archive cuts (deconflict admin archive).
    R"sql(
CREATE TABLE archive_markers(
  id INTEGER PRIMARY KEY,
  audit_seq INTEGER NOT NULL,
  audit_hash TEXT NOT NULL,
  before_ms INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  archive_sha256 TEXT NOT NULL
);
)sql",
};
static_assert(std::size(kMigrations) == kSqliteSchemaVersion - 1);

// Column lists, in the order the Read* functions below expect.
// How an infinite instant (a window of an always-active plan) is stored, as it always was.
constexpr int64_t kInfinitePastMs = std::numeric_limits<int64_t>::min() / 2;
constexpr int64_t kInfiniteFutureMs = std::numeric_limits<int64_t>::max() / 2;

#define PARTY_COLS "name, role, display_name, created_ms"
#define TOKEN_COLS "id, party, hash, created_ms, revoked_ms"
#define CONTACT_COLS "id, party, name, language, role, roster, webhook_url, created_ms"
#define WEBHOOK_COLS "id, party, url, secret, active, created_ms"
#define PLAN_COLS "party, id, version, status, feature_json, created_ms"
#define CONFLICT_COLS                                                                           \
  "id, party_a, plan_a, party_b, plan_b, version_a, version_b, status, resolution, "            \
  "detail_json, window_start_ms, window_end_ms, deadline_ms, ack_a_ms, ack_b_ms, accept_a_ms, " \
  "accept_b_ms, escalated_a, escalated_b, created_ms, updated_ms, resolved_ms"
#define MESSAGE_COLS "conflict_id, seq, party, kind, body_json, language, at_ms"
#define EVENT_COLS "recipient, seq, type, data_json, at_ms"
#define RECEIPT_COLS "recipient, event_seq, channel, kind, at_ms"
#define JOB_COLS "webhook_id, recipient, event_seq, attempts, next_attempt_ms, state, last_error"
#define PAGE_COLS                                                                              \
  "id, party, contact_id, url, event, conflict, level, body_json, attempts, next_attempt_ms, " \
  "state, last_error, created_ms"
#define AUDIT_COLS "seq, at_ms, kind, parties, body_json, prev_hash, hash"
#define CHECKPOINT_COLS "seq, hash, at_ms, public_key, signature"
#define MARKER_COLS "id, audit_seq, audit_hash, before_ms, at_ms, archive_sha256"

// What TakeArchive moves (store.h), as SQL: each predicate selects the rows, first streamed out,
// then deleted by the same predicate (a subquery is evaluated before any row is deleted). ?1 is
// the cut (integer ms).
// Plan versions: superseded ones (except the version in force under a pending head) and every
// version of a plan closed before the cut.
#define ARCHIVE_PLANS                                                                         \
  " FROM plans p JOIN plan_heads h ON h.party = p.party AND h.id = p.id "                     \
  "WHERE p.created_ms < ?1 AND ((p.version < h.version AND NOT (h.status = 'pending' AND "    \
  "p.version = (SELECT COALESCE(MAX(y.version), 0) FROM plans y WHERE y.party = p.party AND " \
  "y.id = p.id AND y.status != 'pending'))) OR (h.status IN ('cancelled', 'rejected', "       \
  "'completed') AND "                                                                         \
  "(SELECT x.created_ms FROM plans x WHERE x.party = h.party AND x.id = h.id AND "            \
  "x.version = h.version) < ?1))"
#define ARCHIVE_CONFLICTS \
  " FROM conflicts WHERE status IN ('resolved', 'expired') AND updated_ms < ?1"
// Events before the cut but each recipient's newest and those a pending webhook job still needs.
#define ARCHIVE_EVENTS                                                                      \
  " FROM events e WHERE e.at_ms < ?1 AND "                                                  \
  "e.seq < (SELECT MAX(x.seq) FROM events x WHERE x.recipient = e.recipient) AND "          \
  "(e.recipient, e.seq) NOT IN (SELECT recipient, event_seq FROM webhook_jobs WHERE state " \
  "= 'pending')"
#define ARCHIVE_PAGES " FROM contact_pages WHERE state != 'pending' AND created_ms < ?1"

// ---------------------------------------------------------------------------------------------
// Errors.

bool IsConstraintCode(StatusCode c) {
  return c == StatusCode::kAlreadyExists || c == StatusCode::kNotFound ||
         c == StatusCode::kInvalidArgument;
}

// Maps a SQLite result code to a Status carrying `what` and SQLite's message.
Status SqliteStatus(int rc, sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return Status::AlreadyExists(std::move(msg));
      }
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return Status::NotFound(std::move(msg));
      return Status::InvalidArgument(std::move(msg));
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_INTERNAL:
      return Status::Internal(std::move(msg));
    default:  // BUSY, LOCKED, IOERR, FULL, CORRUPT, NOTADB, CANTOPEN, READONLY, NOMEM, ...
      return Status::Unavailable(std::move(msg));
  }
}

// ---------------------------------------------------------------------------------------------
// Statements and connections.

// A cached prepared statement in use: binds, steps, reads columns; resets itself when destroyed
// so the connection is left with no statement running.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)), next_(o.next_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }

  // Binds the next parameters (?1, ?2, ... over successive calls) in order. Text is copied
  // (SQLITE_TRANSIENT).
  template <typename... Args>
  Stmt& Bind(const Args&... args) {
    (BindOne(next_++, args), ...);
    return *this;
  }

  int Step() { return sqlite3_step(s_); }
  Status Error(int rc, std::string_view what) const { return SqliteStatus(rc, db_, what); }

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  int Int32(int col) const { return sqlite3_column_int(s_, col); }
  // An instant column (integer milliseconds since the epoch). A value beyond 10^15 ms (year
  // 33658; only an edited file holds one) marks the row bad (bad_value()) rather than becoming an
  // instant that does not convert back to the same integer (the record's hashes use it).
  TimePoint Time(int col) const {
    const int64_t ms = Int(col);
    constexpr int64_t kMaxMillis = 1'000'000'000'000'000;
    if (ms > kMaxMillis || ms < -kMaxMillis) {
      bad_value_ = "column " + std::to_string(col) + ": instant out of range";
      return TimePoint();
    }
    return FromUnixMillis(ms);
  }
  // A conflict window's end: an instant, or kInfinitePastMs/kInfiniteFutureMs for the open end of
  // an always-active plan's window.
  TimePoint WindowTime(int col) const {
    const int64_t ms = Int(col);
    if (ms <= kInfinitePastMs) return TimePoint::InfinitePast();
    if (ms >= kInfiniteFutureMs) return TimePoint::InfiniteFuture();
    return Time(col);
  }
  // An instant column where 0 means "not yet".
  std::optional<TimePoint> OptionalTime(int col) const {
    if (Int(col) == 0) return std::nullopt;
    return Time(col);
  }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    if (p == nullptr) return std::string();
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(s_, col)));
  }
  // A text column as an id (PartyId, PlanId, ConflictId).
  template <typename Id>
  Id TextAs(int col) const {
    return Id(Text(col));
  }
  // The enumerator a text column names. Text that names none gives E{} and marks the row bad
  // (bad_value(), checked by CollectRows and OptionalRow).
  template <NamedEnum E>
  E Enum(int col) const {
    std::string text = Text(col);
    std::optional<E> e = Parse<E>(text);
    if (!e.has_value()) {
      bad_value_ = "column " + std::to_string(col) + ": unknown value \"" + text + "\"";
      return E{};
    }
    return *e;
  }
  const std::string& bad_value() const { return bad_value_; }

 private:
  void BindOne(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void BindOne(int i, int v) { sqlite3_bind_int(s_, i, v); }
  void BindOne(int i, bool v) { sqlite3_bind_int(s_, i, v ? 1 : 0); }
  // Instants are stored as integer milliseconds; an absent one as 0.
  void BindOne(int i, TimePoint t) {
    if (!t.is_finite()) {
      BindOne(i, t < TimePoint() ? kInfinitePastMs : kInfiniteFutureMs);
      return;
    }
    BindOne(i, ToUnixMillis(t));
  }
  void BindOne(int i, const std::optional<TimePoint>& t) {
    BindOne(i, t.has_value() ? ToUnixMillis(*t) : int64_t{0});
  }
  void BindOne(int i, const std::string& v) {
    sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  template <typename Tag>
  void BindOne(int i, const NamedType<std::string, Tag>& v) {
    BindOne(i, v.value());
  }
  template <NamedEnum E>
  void BindOne(int i, E e) {
    std::string_view v = Name(e);
    sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }

  sqlite3* db_;
  sqlite3_stmt* s_;
  int next_ = 1;                   // the next parameter Bind binds
  mutable std::string bad_value_;  // set by Enum() and Time() on a value out of their domain
};

// One SQLite connection and its statement cache. Used by one thread at a time (the owner
// serializes: the write mutex or a read lease).
class Connection {
 public:
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    // Keeps the planner's statistics current (SQLite's advice for long-lived connections).
    if (writer_) sqlite3_exec(db_, "PRAGMA optimize", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }

  // Opens `path` read-write (creating it if `create`), sets the busy timeout and the pragmas.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool create, bool writer,
                                                  int busy_timeout_ms) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    std::unique_ptr<Connection> c(new Connection(db, writer));
    if (rc != SQLITE_OK) {
      return Status::IoError("cannot open " + path + ": " +
                             (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    std::vector<std::string> pragmas = {"PRAGMA foreign_keys = ON"};
    if (writer) {
      pragmas.push_back("PRAGMA journal_mode = WAL");
      pragmas.push_back("PRAGMA synchronous = FULL");
      pragmas.push_back("PRAGMA cache_size = -32768");  // 32 MiB
    } else {
      pragmas.push_back("PRAGMA query_only = ON");
      pragmas.push_back("PRAGMA cache_size = -8192");  // 8 MiB
    }
    for (const std::string& p : pragmas) {
      Result<std::string> v = c->QueryText(p);
      // Switching a new database to WAL needs an exclusive lock, and SQLite answers "database is
      // locked" at once, without the busy handler, while another process (the server and the
      // admin CLI opening one new folder together) holds one: retry within the busy timeout.
      const auto give_up = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(std::max(busy_timeout_ms, 0));
      while (!v.ok() && v.status().code() == StatusCode::kUnavailable &&
             std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // backoff, not synchronisation
        v = c->QueryText(p);
      }
      if (!v.ok()) return OpenError(v.status(), path);
      if (p == "PRAGMA journal_mode = WAL" && *v != "wal") {
        return Status::IoError("cannot open " + path + ": journal_mode is " + *v +
                               ", WAL could not be enabled");
      }
    }
    return c;
  }

  sqlite3* db() const { return db_; }

  // The cached statement for `sql`, prepared on first use.
  Result<Stmt> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                  SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) return SqliteStatus(rc, db_, "prepare \"" + sql + "\"");
      it = cache_.emplace(sql, s).first;
    }
    return Stmt(db_, it->second);
  }

  // Runs one uncached statement with no parameters; returns the first column of its first row as
  // text ("" if none).
  Result<std::string> QueryText(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(rc, db_, sql);
    std::string out;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const unsigned char* p = sqlite3_column_text(s, 0);
      if (p != nullptr) out = reinterpret_cast<const char*>(p);
      while (rc == SQLITE_ROW) rc = sqlite3_step(s);
    }
    Status st = rc == SQLITE_DONE ? Status::Ok() : SqliteStatus(rc, db_, sql);
    sqlite3_finalize(s);
    if (!st.ok()) return st;
    return out;
  }

  // Runs statements with no parameters and no results.
  Status Exec(const char* sql, std::string_view what) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(rc, db_, what);
    return Status::Ok();
  }

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  Connection(sqlite3* db, bool writer) : db_(db), writer_(writer) {}

  static Status OpenError(const Status& s, const std::string& path) {
    std::string msg = "cannot open " + path + ": " + s.message();
    if (s.code() == StatusCode::kUnavailable && msg.find("locked") != std::string::npos) {
      return Status::Unavailable(msg);
    }
    return Status::IoError(msg);
  }

  sqlite3* db_;
  bool writer_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Read connections, lent to one reader at a time.
class ReadPool {
 public:
  class Lease {
   public:
    Lease(ReadPool* pool, Connection* c) : pool_(pool), c_(c) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(c_); }
    Connection* operator->() const { return c_; }

   private:
    ReadPool* pool_;
    Connection* c_;
  };

  // REQUIRES: no Acquire yet (the pool is being filled).
  void Add(std::unique_ptr<Connection> c) {
    MutexLock lock(mu_);
    free_.push_back(c.get());
    all_.push_back(std::move(c));
  }

  Lease Acquire() {
    MutexLock lock(mu_);
    while (free_.empty()) cv_.Wait(lock);
    Connection* c = free_.back();
    free_.pop_back();
    return Lease(this, c);
  }

 private:
  void Release(Connection* c) {
    {
      MutexLock lock(mu_);
      free_.push_back(c);
    }
    cv_.NotifyOne();
  }

  Mutex mu_;
  CondVar cv_;  // free_ is no longer empty
  std::vector<Connection*> free_ GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Connection>> all_ GUARDED_BY(mu_);  // owns every connection
};

// ---------------------------------------------------------------------------------------------
// Rows.

PartyRecord ReadParty(const Stmt& s) {
  return PartyRecord{.name = s.TextAs<PartyId>(0),
                     .role = s.Enum<Role>(1),
                     .display_name = s.Text(2),
                     .created = s.Time(3)};
}

TokenRecord ReadToken(const Stmt& s) {
  return TokenRecord{.id = s.Text(0),
                     .party = s.TextAs<PartyId>(1),
                     .hash = s.Text(2),
                     .created = s.Time(3),
                     .revoked = s.OptionalTime(4)};
}

ContactRecord ReadContact(const Stmt& s) {
  return ContactRecord{.id = s.Int(0),
                       .party = s.TextAs<PartyId>(1),
                       .name = s.Text(2),
                       .language = s.Text(3),
                       .role = s.Enum<ContactRole>(4),
                       .roster = s.Text(5),
                       .webhook_url = s.Text(6),
                       .created = s.Time(7)};
}

WebhookRecord ReadWebhook(const Stmt& s) {
  return WebhookRecord{.id = s.Int(0),
                       .party = s.TextAs<PartyId>(1),
                       .url = s.Text(2),
                       .secret = s.Text(3),
                       .active = s.Int(4) != 0,
                       .created = s.Time(5)};
}

PlanRecord ReadPlan(const Stmt& s) {
  return PlanRecord{.party = s.TextAs<PartyId>(0),
                    .id = s.TextAs<PlanId>(1),
                    .version = s.Int(2),
                    .status = s.Enum<PlanStatus>(3),
                    .feature_json = s.Text(4),
                    .created = s.Time(5)};
}

ConflictRecord ReadConflict(const Stmt& s) {
  ConflictRecord c;
  c.id = s.TextAs<ConflictId>(0);
  c.party_a = s.TextAs<PartyId>(1);
  c.plan_a = s.TextAs<PlanId>(2);
  c.party_b = s.TextAs<PartyId>(3);
  c.plan_b = s.TextAs<PlanId>(4);
  c.version_a = s.Int(5);
  c.version_b = s.Int(6);
  c.status = s.Enum<ConflictStatus>(7);
  c.resolution = s.Enum<Resolution>(8);
  c.detail_json = s.Text(9);
  c.window_start = s.WindowTime(10);
  c.window_end = s.WindowTime(11);
  c.deadline = s.Time(12);
  c.ack_a = s.OptionalTime(13);
  c.ack_b = s.OptionalTime(14);
  c.accept_a = s.OptionalTime(15);
  c.accept_b = s.OptionalTime(16);
  c.escalated_a = s.Int32(17);
  c.escalated_b = s.Int32(18);
  c.created = s.Time(19);
  c.updated = s.Time(20);
  c.resolved = s.OptionalTime(21);
  return c;
}

MessageRecord ReadMessage(const Stmt& s) {
  return MessageRecord{.seq = s.Int(1),
                       .conflict_id = s.TextAs<ConflictId>(0),
                       .party = s.TextAs<PartyId>(2),
                       .kind = s.Enum<MessageKind>(3),
                       .body_json = s.Text(4),
                       .language = s.Text(5),
                       .at = s.Time(6)};
}

EventRecord ReadEvent(const Stmt& s) {
  return EventRecord{.recipient = s.TextAs<PartyId>(0),
                     .seq = s.Int(1),
                     .type = s.Enum<EventType>(2),
                     .data_json = s.Text(3),
                     .at = s.Time(4)};
}

ReceiptRecord ReadReceipt(const Stmt& s) {
  return ReceiptRecord{.recipient = s.TextAs<PartyId>(0),
                       .event_seq = s.Int(1),
                       .channel = s.Enum<ReceiptChannel>(2),
                       .kind = s.Enum<ReceiptKind>(3),
                       .at = s.Time(4)};
}

WebhookJob ReadJob(const Stmt& s) {
  return WebhookJob{.webhook_id = s.Int(0),
                    .recipient = s.TextAs<PartyId>(1),
                    .event_seq = s.Int(2),
                    .attempts = s.Int32(3),
                    .next_attempt = s.Time(4),
                    .state = s.Enum<DeliveryState>(5),
                    .last_error = s.Text(6)};
}

ContactPage ReadPage(const Stmt& s) {
  return ContactPage{.id = s.Int(0),
                     .party = s.TextAs<PartyId>(1),
                     .contact_id = s.Int(2),
                     .url = s.Text(3),
                     .event = s.Enum<EventType>(4),
                     .conflict = s.TextAs<ConflictId>(5),
                     .level = s.Int32(6),
                     .body_json = s.Text(7),
                     .attempts = s.Int32(8),
                     .next_attempt = s.Time(9),
                     .state = s.Enum<DeliveryState>(10),
                     .last_error = s.Text(11),
                     .created = s.Time(12)};
}

std::string JoinParties(const std::vector<PartyId>& parties) {
  std::string out;
  for (size_t i = 0; i < parties.size(); ++i) {
    if (i > 0) out += ',';
    out += parties[i].value();
  }
  return out;
}

std::vector<PartyId> SplitParties(const std::string& joined) {
  std::vector<PartyId> out;
  if (joined.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t comma = joined.find(',', start);
    if (comma == std::string::npos) {
      out.emplace_back(joined.substr(start));
      return out;
    }
    out.emplace_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
}

AuditEntry ReadAudit(const Stmt& s) {
  return AuditEntry{.seq = s.Int(0),
                    .at = s.Time(1),
                    .kind = s.Text(2),
                    .parties = SplitParties(s.Text(3)),
                    .body_json = s.Text(4),
                    .prev_hash = s.Text(5),
                    .hash = s.Text(6)};
}

Checkpoint ReadCheckpoint(const Stmt& s) {
  return Checkpoint{.seq = s.Int(0),
                    .hash = s.Text(1),
                    .at = s.Time(2),
                    .public_key = s.Text(3),
                    .signature = s.Text(4)};
}

// Steps `s` to the end, appending read(s) for each row.
template <typename T, typename ReadFn>
Result<std::vector<T>> CollectRows(Stmt& s, ReadFn read, std::string_view what) {
  std::vector<T> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back(read(s));
    if (!s.bad_value().empty()) return Status::Internal(std::string(what) + ": " + s.bad_value());
  }
  if (rc != SQLITE_DONE) return s.Error(rc, what);
  return out;
}

// Steps `s` once: the row read(s), nullopt if none.
template <typename T, typename ReadFn>
Result<std::optional<T>> OptionalRow(Stmt& s, ReadFn read, std::string_view what) {
  int rc = s.Step();
  if (rc == SQLITE_ROW) {
    T row = read(s);
    if (!s.bad_value().empty()) return Status::Internal(std::string(what) + ": " + s.bad_value());
    return std::optional<T>(std::move(row));
  }
  if (rc != SQLITE_DONE) return s.Error(rc, what);
  return std::optional<T>();
}

// SQLite's LIMIT: a negative value means no limit.
int64_t SqlLimit(int limit) { return limit > 0 ? limit : -1; }

// `var` names the declared variable: it cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_STMT_OR_RETURN(var, conn, sql)   \
  Result<Stmt> var##_or = (conn)->Prepare(sql); \
  if (!var##_or.ok()) return var##_or.status(); \
  Stmt& var = *var##_or
// NOLINTEND(bugprone-macro-parentheses)

class SqliteStore;

// ---------------------------------------------------------------------------------------------
// The write transaction.

class SqliteTxn final : public WriteTxn {
 public:
  // Waits for and takes the store's write mutex, which the transaction holds until Commit, an
  // abort or its destruction; then call Start.
  SqliteTxn(Connection* c, Mutex& write_mu) : c_(c), lock_(write_mu.native()) {}

  // BEGIN IMMEDIATE. Unavailable (and rolled back) on failure, e.g. another process's lock held
  // past the busy timeout.
  Status Start() {
    if (Status s = c_->Exec("BEGIN IMMEDIATE", "begin write transaction"); !s.ok()) {
      if (c_->InTransaction()) (void)c_->Exec("ROLLBACK", "rollback");
      return Status::Unavailable(s.message());
    }
    return Status::Ok();
  }

  ~SqliteTxn() override {
    if (lock_.owns_lock() && c_->InTransaction()) {
      (void)c_->Exec("ROLLBACK", "rollback");
    }
  }

  Status PutParty(const PartyRecord& p) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_, "INSERT INTO parties(" PARTY_COLS ") VALUES(?1, ?2, ?3, ?4)");
    s.Bind(p.name, p.role, p.display_name, p.created);
    return Done(s, s.Step(), "put party " + p.name);
  }

  Status PutToken(const TokenRecord& t) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_, "INSERT INTO tokens(" TOKEN_COLS ") VALUES(?1, ?2, ?3, ?4, ?5)");
    s.Bind(t.id, t.party, t.hash, t.created, t.revoked);
    return Done(s, s.Step(), "put token " + t.id + " of party " + t.party);
  }

  Status RevokeToken(const std::string& id, TimePoint at) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_,
                          "UPDATE tokens SET revoked_ms = CASE revoked_ms WHEN 0 THEN ?2 ELSE "
                          "revoked_ms END WHERE id = ?1");
    s.Bind(id, at);
    if (Status st = Done(s, s.Step(), "revoke token " + id); !st.ok()) return st;
    if (Changes() == 0) return Status::NotFound("token " + id + " does not exist");
    return Status::Ok();
  }

  Result<int64_t> PutContact(const ContactRecord& c) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    const std::string what = "put contact " + std::to_string(c.id) + " of party " + c.party;
    if (c.id == 0) {
      ASSIGN_STMT_OR_RETURN(s, c_,
                            "INSERT INTO contacts(party, name, language, role, roster, "
                            "webhook_url, created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
      s.Bind(c.party, c.name, c.language, c.role, c.roster, c.webhook_url, c.created);
      if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
      return sqlite3_last_insert_rowid(c_->db());
    }
    ASSIGN_STMT_OR_RETURN(
        s, c_,
        "INSERT INTO contacts(" CONTACT_COLS
        ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT(id) DO UPDATE SET name = excluded.name, language = excluded.language, "
        "role = excluded.role, roster = excluded.roster, webhook_url = excluded.webhook_url, "
        "created_ms = excluded.created_ms WHERE contacts.party = excluded.party");
    s.Bind(c.id, c.party, c.name, c.language, c.role, c.roster, c.webhook_url, c.created);
    if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
    if (Changes() == 0) {
      return Status::NotFound("contact " + std::to_string(c.id) + " is not a contact of party " +
                              c.party);
    }
    return c.id;
  }

  Status DeleteContact(const PartyId& party, int64_t id) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_, "DELETE FROM contacts WHERE id = ?1 AND party = ?2");
    s.Bind(id, party);
    const std::string what = "delete contact " + std::to_string(id) + " of party " + party;
    if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
    if (Changes() == 0) return Status::NotFound(what + ": no such contact");
    return Status::Ok();
  }

  Result<int64_t> PutWebhook(const WebhookRecord& w) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    const std::string what = "put webhook " + std::to_string(w.id) + " of party " + w.party;
    if (w.id == 0) {
      ASSIGN_STMT_OR_RETURN(s, c_,
                            "INSERT INTO webhooks(party, url, secret, active, created_ms) "
                            "VALUES(?1, ?2, ?3, ?4, ?5)");
      s.Bind(w.party, w.url, w.secret, w.active, w.created);
      if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
      return sqlite3_last_insert_rowid(c_->db());
    }
    ASSIGN_STMT_OR_RETURN(
        s, c_,
        "INSERT INTO webhooks(" WEBHOOK_COLS
        ") VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT(id) DO UPDATE SET url = excluded.url, secret = excluded.secret, "
        "active = excluded.active, created_ms = excluded.created_ms "
        "WHERE webhooks.party = excluded.party");
    s.Bind(w.id, w.party, w.url, w.secret, w.active, w.created);
    if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
    if (Changes() == 0) {
      return Status::NotFound("webhook " + std::to_string(w.id) + " is not a webhook of party " +
                              w.party);
    }
    return w.id;
  }

  Status DeleteWebhook(const PartyId& party, int64_t id) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_, "DELETE FROM webhooks WHERE id = ?1 AND party = ?2");
    s.Bind(id, party);
    const std::string what = "delete webhook " + std::to_string(id) + " of party " + party;
    if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
    if (Changes() == 0) return Status::NotFound(what + ": no such webhook");
    return Status::Ok();
  }

  Status PutPlan(const PlanRecord& p) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    const std::string what =
        "put plan " + p.party + "/" + p.id + " version " + std::to_string(p.version);
    {
      ASSIGN_STMT_OR_RETURN(s, c_,
                            "INSERT INTO plans(" PLAN_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
      s.Bind(p.party, p.id, p.version, p.status, p.feature_json, p.created);
      if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
    }
    // The plan row is written: from here on any failure aborts the transaction.
    Result<Stmt> h = c_->Prepare(
        "INSERT INTO plan_heads(party, id, version, status) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(party, id) DO UPDATE SET version = excluded.version, status = "
        "excluded.status WHERE excluded.version > plan_heads.version");
    if (!h.ok()) return Abort(h.status());
    h->Bind(p.party, p.id, p.version, p.status);
    return DoneOrAbort(*h, h->Step(), what);
  }

  Status PutConflict(const ConflictRecord& c) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(
        s, c_,
        "INSERT INTO conflicts(" CONFLICT_COLS
        ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22) "
        "ON CONFLICT(id) DO UPDATE SET party_a = excluded.party_a, plan_a = excluded.plan_a, "
        "party_b = excluded.party_b, plan_b = excluded.plan_b, version_a = excluded.version_a, "
        "version_b = excluded.version_b, status = excluded.status, "
        "resolution = excluded.resolution, detail_json = excluded.detail_json, "
        "window_start_ms = excluded.window_start_ms, window_end_ms = excluded.window_end_ms, "
        "deadline_ms = excluded.deadline_ms, ack_a_ms = excluded.ack_a_ms, "
        "ack_b_ms = excluded.ack_b_ms, accept_a_ms = excluded.accept_a_ms, "
        "accept_b_ms = excluded.accept_b_ms, escalated_a = excluded.escalated_a, "
        "escalated_b = excluded.escalated_b, created_ms = excluded.created_ms, "
        "updated_ms = excluded.updated_ms, resolved_ms = excluded.resolved_ms");
    s.Bind(c.id, c.party_a, c.plan_a, c.party_b, c.plan_b, c.version_a, c.version_b, c.status,
           c.resolution, c.detail_json, c.window_start, c.window_end, c.deadline, c.ack_a, c.ack_b,
           c.accept_a, c.accept_b, c.escalated_a, c.escalated_b, c.created, c.updated, c.resolved);
    return Done(s, s.Step(), "put conflict " + c.id);
  }

  Result<MessageRecord> AppendMessage(MessageRecord m) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    const std::string what = "append message to conflict " + m.conflict_id;
    {
      ASSIGN_STMT_OR_RETURN(q, c_,
                            "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conflict_id = ?1");
      q.Bind(m.conflict_id);
      int rc = q.Step();
      if (rc != SQLITE_ROW) return Abort(q.Error(rc, what));
      m.seq = q.Int(0) + 1;
    }
    ASSIGN_STMT_OR_RETURN(
        s, c_, "INSERT INTO messages(" MESSAGE_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.Bind(m.conflict_id, m.seq, m.party, m.kind, m.body_json, m.language, m.at);
    if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
    return m;
  }

  Result<EventRecord> AppendEvent(EventRecord e) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    const std::string what = "append event for " + e.recipient;
    // The last seq of each recipient is read once per transaction (the write lock keeps it
    // valid), then counted here.
    auto it = last_event_seq_.find(e.recipient);
    if (it == last_event_seq_.end()) {
      ASSIGN_STMT_OR_RETURN(q, c_, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE recipient = ?1");
      q.Bind(e.recipient);
      int rc = q.Step();
      if (rc != SQLITE_ROW) return Abort(q.Error(rc, what));
      it = last_event_seq_.emplace(e.recipient, q.Int(0)).first;
    }
    e.seq = it->second + 1;
    ASSIGN_STMT_OR_RETURN(s, c_, "INSERT INTO events(" EVENT_COLS ") VALUES(?1, ?2, ?3, ?4, ?5)");
    s.Bind(e.recipient, e.seq, e.type, e.data_json, e.at);
    if (Status st = DoneOrAbort(s, s.Step(), what); !st.ok()) return st;
    it->second = e.seq;
    return e;
  }

  Status PutReceipt(const ReceiptRecord& r) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_,
                          "INSERT INTO receipts(" RECEIPT_COLS
                          ") VALUES(?1, ?2, ?3, ?4, ?5) "
                          "ON CONFLICT DO NOTHING");
    s.Bind(r.recipient, r.event_seq, r.channel, r.kind, r.at);
    return Done(s, s.Step(),
                "put receipt for " + r.recipient + " event " + std::to_string(r.event_seq));
  }

  Status PutProbe(const ProbeRecord& p) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_, "INSERT INTO probes(victim, prober, at_ms) VALUES(?1, ?2, ?3)");
    s.Bind(p.victim, p.prober, p.at);
    return Done(s, s.Step(), "put probe of " + p.victim + " by " + p.prober);
  }

  Status PutWebhookJob(const WebhookJob& j) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(
        s, c_,
        "INSERT INTO webhook_jobs(" JOB_COLS
        ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT(webhook_id, recipient, event_seq) DO UPDATE SET "
        "attempts = excluded.attempts, next_attempt_ms = excluded.next_attempt_ms, "
        "state = excluded.state, last_error = excluded.last_error");
    s.Bind(j.webhook_id, j.recipient, j.event_seq, j.attempts, j.next_attempt, j.state,
           j.last_error);
    return Done(s, s.Step(),
                "put webhook job (webhook " + std::to_string(j.webhook_id) + ", " + j.recipient +
                    " event " + std::to_string(j.event_seq) + ")");
  }

  Result<int64_t> PutContactPage(const ContactPage& p) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    const std::string what = "put contact page " + std::to_string(p.id) + " of party " + p.party;
    if (p.id == 0) {
      ASSIGN_STMT_OR_RETURN(
          s, c_,
          "INSERT INTO contact_pages(party, contact_id, url, event, conflict, "
          "level, body_json, attempts, next_attempt_ms, state, last_error, "
          "created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
      s.Bind(p.party, p.contact_id, p.url, p.event, p.conflict, p.level, p.body_json, p.attempts,
             p.next_attempt, p.state, p.last_error, p.created);
      if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
      return sqlite3_last_insert_rowid(c_->db());
    }
    ASSIGN_STMT_OR_RETURN(s, c_,
                          "UPDATE contact_pages SET attempts = ?2, next_attempt_ms = ?3, "
                          "state = ?4, last_error = ?5 WHERE id = ?1");
    s.Bind(p.id, p.attempts, p.next_attempt, p.state, p.last_error);
    if (Status st = Done(s, s.Step(), what); !st.ok()) return st;
    if (Changes() == 0) return Status::NotFound("no contact page " + std::to_string(p.id));
    return p.id;
  }

  Result<AuditEntry> AppendAudit(AuditEntry e) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    if (Status v = record::ValidateAuditFields(e); !v.ok()) return v;
    const std::string what = "append audit entry " + e.kind;
    // The tail is read inside this transaction (other processes cannot write until it ends),
    // once, then carried forward.
    if (!audit_tail_) {
      ASSIGN_STMT_OR_RETURN(q, c_, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
      int rc = q.Step();
      if (rc == SQLITE_ROW) {
        audit_tail_.emplace(q.Int(0), q.Text(1));
      } else if (rc == SQLITE_DONE) {
        audit_tail_.emplace(0, record::GenesisHash());
      } else {
        return Abort(q.Error(rc, what));
      }
    }
    e.seq = audit_tail_->first + 1;
    e.prev_hash = audit_tail_->second;
    e.hash = record::EntryHash(e);
    {
      ASSIGN_STMT_OR_RETURN(s, c_,
                            "INSERT INTO audit(" AUDIT_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
      s.Bind(e.seq, e.at, e.kind, JoinParties(e.parties), e.body_json, e.prev_hash, e.hash);
      if (Status st = DoneOrAbort(s, s.Step(), what); !st.ok()) return st;
    }
    for (const PartyId& party : e.parties) {
      Result<Stmt> p =
          c_->Prepare("INSERT INTO audit_party(party, seq) VALUES(?1, ?2) ON CONFLICT DO NOTHING");
      if (!p.ok()) return Abort(p.status());
      p->Bind(party, e.seq);
      if (Status st = DoneOrAbort(*p, p->Step(), what); !st.ok()) return st;
    }
    audit_tail_.emplace(e.seq, e.hash);
    return e;
  }

  Status PutCheckpoint(const Checkpoint& c) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(
        s, c_, "INSERT INTO checkpoints(" CHECKPOINT_COLS ") VALUES(?1, ?2, ?3, ?4, ?5)");
    s.Bind(c.seq, c.hash, c.at, c.public_key, c.signature);
    return Done(s, s.Step(), "put checkpoint at seq " + std::to_string(c.seq));
  }

  Result<ArchiveCounts> TakeArchive(TimePoint before, ArchiveSink& sink) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ArchiveCounts n;
    if (Status s = TakeAudit(before, sink, &n); !s.ok()) return s;
    if (Status s = Stream<PlanRecord>(
            "SELECT p.party, p.id, p.version, p.status, p.feature_json, "
            "p.created_ms" ARCHIVE_PLANS " ORDER BY p.party, p.id, p.version",
            before, ReadPlan, [&](auto& r) { return sink.Plan(r); }, &n.plans);
        !s.ok()) {
      return s;
    }
    if (Status s =
            Delete("DELETE FROM plans WHERE rowid IN (SELECT p.rowid" ARCHIVE_PLANS ")", before);
        !s.ok()) {
      return s;
    }
    if (Status s = Delete("DELETE FROM plan_heads WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE "
                          "p.party = plan_heads.party AND p.id = plan_heads.id AND p.version = "
                          "plan_heads.version)");
        !s.ok()) {
      return s;
    }
    if (Status s = TakeConflicts(before, sink, &n); !s.ok()) return s;
    if (Status s = TakeEvents(before, sink, &n); !s.ok()) return s;
    if (Status s = Stream<ContactPage>(
            "SELECT " PAGE_COLS ARCHIVE_PAGES " ORDER BY id", before, ReadPage,
            [&](auto& r) { return sink.Page(r); }, &n.pages);
        !s.ok()) {
      return s;
    }
    if (Status s = Delete("DELETE" ARCHIVE_PAGES, before); !s.ok()) return s;
    return n;
  }

  Result<int64_t> PutArchiveMarker(const ArchiveMarker& m) override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    ASSIGN_STMT_OR_RETURN(s, c_,
                          "INSERT INTO archive_markers(audit_seq, audit_hash, before_ms, at_ms, "
                          "archive_sha256) VALUES(?1, ?2, ?3, ?4, ?5)");
    s.Bind(m.audit_seq, m.audit_hash, m.before, m.at, m.archive_sha256);
    if (Status st = Done(s, s.Step(), "put archive marker"); !st.ok()) return st;
    return sqlite3_last_insert_rowid(c_->db());
  }

  Status Commit() override {
    if (Status s = CheckOpen(); !s.ok()) return s;
    if (Status s = c_->Exec("COMMIT", "commit"); !s.ok()) {
      return Abort(Status::Unavailable(s.message()));
    }
    state_ = State::kCommitted;
    lock_.unlock();
    return Status::Ok();
  }

 private:
  enum class State { kOpen, kCommitted, kAborted };

  Status CheckOpen() const {
    switch (state_) {
      case State::kOpen:
        return Status::Ok();
      case State::kCommitted:
        return Status::FailedPrecondition("the transaction is already committed");
      case State::kAborted:
        return Status::Unavailable("the transaction was aborted by an earlier error: " +
                                   abort_reason_);
    }
    return Status::Internal("bad transaction state");
  }

  int64_t Changes() const { return sqlite3_changes64(c_->db()); }

  // Rolls the whole transaction back and makes every further call fail. Returns `s`.
  Status Abort(Status s) {
    if (state_ != State::kOpen) return s;
    if (c_->InTransaction()) (void)c_->Exec("ROLLBACK", "rollback");
    state_ = State::kAborted;
    abort_reason_ = s.ToString();
    lock_.unlock();
    if (s.code() != StatusCode::kUnavailable && s.code() != StatusCode::kInternal) {
      return Status::Unavailable(s.message());
    }
    return s;
  }

  // The outcome of the first (and only, so far) write statement of an operation: a constraint
  // error changed nothing and keeps the transaction; anything else aborts it.
  Status Done(const Stmt& s, int rc, std::string_view what) {
    if (rc == SQLITE_DONE) return Status::Ok();
    Status st = s.Error(rc, what);
    if (IsConstraintCode(st.code()) && c_->InTransaction()) return st;
    return Abort(std::move(st));
  }

  // The outcome of a later write statement of an operation that has already written: any error
  // aborts the transaction, so that no operation is ever half done.
  Status DoneOrAbort(const Stmt& s, int rc, std::string_view what) {
    if (rc == SQLITE_DONE) return Status::Ok();
    return Abort(s.Error(rc, what));
  }

  // TakeArchive's parts. Every failure aborts the transaction (a sink's status is returned as
  // it is).
  // Runs `sql` bound to `arg`, passing each row to `emit` and counting it in *count.
  template <typename T, typename Arg, typename ReadFn, typename EmitFn>
  Status Stream(const char* sql, const Arg& arg, ReadFn read, EmitFn emit, int64_t* count) {
    Status failure;
    {  // the statement is reset before a rollback
      Result<Stmt> q = c_->Prepare(sql);
      if (!q.ok()) return Abort(q.status());
      q->Bind(arg);
      int rc;
      while ((rc = q->Step()) == SQLITE_ROW) {
        T row = read(*q);
        failure =
            q->bad_value().empty() ? emit(row) : Status::Internal("archive: " + q->bad_value());
        if (!failure.ok()) break;
        ++*count;
      }
      if (failure.ok() && rc != SQLITE_DONE) failure = q->Error(rc, "archive: read");
    }
    if (!failure.ok()) (void)Abort(failure);
    return failure;
  }

  template <typename... Args>
  Status Delete(const char* sql, const Args&... args) {
    Result<Stmt> d = c_->Prepare(sql);
    if (!d.ok()) return Abort(d.status());
    d->Bind(args...);
    return DoneOrAbort(*d, d->Step(), "archive: delete");
  }

  // Reads one integer (`sql` bound to `args`) into *out.
  template <typename... Args>
  Status Scalar(const char* sql, int64_t* out, const Args&... args) {
    Result<Stmt> q = c_->Prepare(sql);
    if (!q.ok()) return Abort(q.status());
    q->Bind(args...);
    const int rc = q->Step();
    if (rc != SQLITE_ROW) return Abort(q->Error(rc, "archive: read"));
    *out = q->Int(0);
    return Status::Ok();
  }

  // Audit entries and checkpoints up to the last checkpoint before the cut (S); S stays.
  Status TakeAudit(TimePoint before, ArchiveSink& sink, ArchiveCounts* n) {
    int64_t cut = 0, first = 0;
    if (Status s =
            Scalar("SELECT COALESCE(MAX(seq), 0) FROM checkpoints WHERE at_ms < ?1", &cut, before);
        !s.ok()) {
      return s;
    }
    if (Status s = Scalar("SELECT COALESCE(MIN(seq), 0) FROM audit", &first); !s.ok()) return s;
    if (cut == 0 || cut <= first) return Status::Ok();
    n->first_seq = first;
    n->last_seq = cut;
    const auto entry = [&](const AuditEntry& e) { return sink.Entry(e); };
    const auto checkpoint = [&](const Checkpoint& c) { return sink.CheckpointRow(c); };
    if (Status s =
            Stream<AuditEntry>("SELECT " AUDIT_COLS " FROM audit WHERE seq <= ?1 ORDER BY seq", cut,
                               ReadAudit, entry, &n->entries);
        !s.ok()) {
      return s;
    }
    if (Status s = Stream<Checkpoint>("SELECT " CHECKPOINT_COLS
                                      " FROM checkpoints WHERE seq <= ?1 ORDER BY seq",
                                      cut, ReadCheckpoint, checkpoint, &n->checkpoints);
        !s.ok()) {
      return s;
    }
    for (const char* sql :
         {"DELETE FROM audit_party WHERE seq < ?1", "DELETE FROM checkpoints WHERE seq < ?1",
          "DELETE FROM audit WHERE seq < ?1"}) {
      if (Status s = Delete(sql, cut); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status TakeConflicts(TimePoint before, ArchiveSink& sink, ArchiveCounts* n) {
    if (Status s = Stream<ConflictRecord>(
            "SELECT " CONFLICT_COLS ARCHIVE_CONFLICTS " ORDER BY id", before, ReadConflict,
            [&](auto& r) { return sink.Conflict(r); }, &n->conflicts);
        !s.ok()) {
      return s;
    }
    if (Status s = Stream<MessageRecord>(
            "SELECT " MESSAGE_COLS
            " FROM messages WHERE conflict_id IN (SELECT id" ARCHIVE_CONFLICTS
            ") ORDER BY conflict_id, seq",
            before, ReadMessage, [&](auto& r) { return sink.Message(r); }, &n->messages);
        !s.ok()) {
      return s;
    }
    if (Status s = Delete(
            "DELETE FROM messages WHERE conflict_id IN (SELECT id" ARCHIVE_CONFLICTS ")", before);
        !s.ok()) {
      return s;
    }
    return Delete("DELETE" ARCHIVE_CONFLICTS, before);
  }

  Status TakeEvents(TimePoint before, ArchiveSink& sink, ArchiveCounts* n) {
    if (Status s = Stream<EventRecord>(
            "SELECT e.recipient, e.seq, e.type, e.data_json, e.at_ms" ARCHIVE_EVENTS
            " ORDER BY e.recipient, e.seq",
            before, ReadEvent, [&](auto& r) { return sink.Event(r); }, &n->events);
        !s.ok()) {
      return s;
    }
    if (Status s = Stream<ReceiptRecord>(
            "SELECT " RECEIPT_COLS " FROM receipts WHERE (recipient, event_seq) IN (SELECT "
            "e.recipient, e.seq" ARCHIVE_EVENTS ") ORDER BY recipient, event_seq, channel, kind",
            before, ReadReceipt, [&](auto& r) { return sink.Receipt(r); }, &n->receipts);
        !s.ok()) {
      return s;
    }
    if (Status s = Stream<WebhookJob>(
            "SELECT " JOB_COLS " FROM webhook_jobs WHERE state != 'pending' AND (recipient, "
            "event_seq) IN (SELECT e.recipient, e.seq" ARCHIVE_EVENTS
            ") ORDER BY webhook_id, recipient, event_seq",
            before, ReadJob, [&](auto& r) { return sink.Job(r); }, &n->jobs);
        !s.ok()) {
      return s;
    }
    for (const char* sql :
         {"DELETE FROM receipts WHERE (recipient, event_seq) IN (SELECT e.recipient, "
          "e.seq" ARCHIVE_EVENTS ")",
          "DELETE FROM webhook_jobs WHERE state != 'pending' AND (recipient, event_seq) IN "
          "(SELECT e.recipient, e.seq" ARCHIVE_EVENTS ")",
          "DELETE FROM events WHERE rowid IN (SELECT e.rowid" ARCHIVE_EVENTS ")"}) {
      if (Status s = Delete(sql, before); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Connection* c_;
  // The store's write mutex (SqliteStore::write_mu_), held while open. A std::unique_lock: the
  // lock outlives SqliteStore::Begin, which the thread-safety analysis cannot follow.
  std::unique_lock<std::mutex> lock_;
  State state_ = State::kOpen;
  std::string abort_reason_;
  std::optional<std::pair<int64_t, std::string>> audit_tail_;  // (seq, hash) of the last entry
  std::unordered_map<PartyId, int64_t> last_event_seq_;        // by recipient
};

// ---------------------------------------------------------------------------------------------
// The store.

// Copies committed WAL frames into the database file from its own connection and thread, so
// that the writer's commits never run a checkpoint (SQLite's automatic checkpoint runs inside the
// commit that crosses wal_autocheckpoint pages, and takes a few ms: the tail of commit latency).
// PASSIVE: never blocks the writer or readers; frames still read by an open read transaction are
// left for the next round. The WAL file is rewound by the first commit after a complete round.
class Checkpointer {
 public:
  Checkpointer(std::unique_ptr<Connection> c, int interval_ms)
      : c_(std::move(c)), interval_(interval_ms), thread_([this] { Run(); }) {}
  ~Checkpointer() {
    {
      MutexLock lock(mu_);
      stop_ = true;
    }
    cv_.NotifyAll();
    thread_.join();
  }

 private:
  void Run() {
    while (!WaitForStop(interval_)) {
      int wal_frames = 0, copied = 0;
      int rc = sqlite3_wal_checkpoint_v2(c_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                         &copied);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY && !warned_) {
        warned_ = true;  // the writer's commits stay durable; the WAL only grows. Say it once.
        std::fprintf(stderr, "sqlite store: background checkpoint failed: %s\n",
                     sqlite3_errmsg(c_->db()));
      }
    }
  }

  // Waits up to `d` for the destructor's stop request: true once it came, false after `d`.
  bool WaitForStop(std::chrono::milliseconds d) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    MutexLock lock(mu_);
    while (!stop_) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      cv_.WaitFor(lock, deadline - now);
    }
    return true;
  }

  std::unique_ptr<Connection> c_;  // used by thread_ only
  std::chrono::milliseconds interval_;
  Mutex mu_;
  CondVar cv_;  // stop_ was set
  bool stop_ GUARDED_BY(mu_) = false;
  bool warned_ = false;  // used by thread_ only
  std::thread thread_;   // last: starts after the members above exist
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Connection> writer, std::unique_ptr<ReadPool> readers,
              std::unique_ptr<Checkpointer> checkpointer)
      : writer_(std::move(writer)),
        readers_(std::move(readers)),
        checkpointer_(std::move(checkpointer)) {}
  ~SqliteStore() override { checkpointer_.reset(); }  // before the connections close

  Result<std::unique_ptr<WriteTxn>> Begin() override {
    auto txn = std::make_unique<SqliteTxn>(writer_.get(), write_mu_);
    if (Status s = txn->Start(); !s.ok()) return s;  // txn's end releases write_mu_
    return std::unique_ptr<WriteTxn>(std::move(txn));
  }

  Result<std::string> Pragma(const std::string& name) {
    MutexLock lock(write_mu_);
    return writer_->QueryText("PRAGMA " + name);
  }

  Result<std::optional<PartyRecord>> GetParty(const PartyId& name) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, "SELECT " PARTY_COLS " FROM parties WHERE name = ?1");
    s.Bind(name);
    return OptionalRow<PartyRecord>(s, ReadParty, "get party");
  }

  Result<std::vector<PartyRecord>> ListParties() override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, "SELECT " PARTY_COLS " FROM parties ORDER BY name");
    return CollectRows<PartyRecord>(s, ReadParty, "list parties");
  }

  Result<std::optional<TokenRecord>> FindToken(const std::string& hash) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(
        s, c, "SELECT " TOKEN_COLS " FROM tokens WHERE hash = ?1 AND revoked_ms = 0 LIMIT 1");
    s.Bind(hash);
    return OptionalRow<TokenRecord>(s, ReadToken, "find token");
  }

  Result<std::vector<std::string>> ActiveTokenHashes(
      const std::vector<std::string>& hashes) override {
    std::vector<std::string> out;
    if (hashes.empty()) return out;
    std::string list = "[";
    for (const std::string& h : hashes) {
      // A JSON string without escapes: a hash never holds quotes, backslashes or controls.
      if (std::any_of(h.begin(), h.end(), [](char ch) {
            return ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20;
          })) {
        continue;
      }
      list += (list.size() > 1 ? ",\"" : "\"") + h + "\"";
    }
    list += "]";
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT DISTINCT t.hash FROM tokens t JOIN parties p ON p.name = t.party "
                          "WHERE t.revoked_ms = 0 AND t.hash IN (SELECT value FROM json_each(?1))");
    s.Bind(list);
    return CollectRows<std::string>(
        s, [](const Stmt& row) { return row.Text(0); }, "active token hashes");
  }

  Result<std::vector<TokenRecord>> ListTokens(const PartyId& party) override {
    ReadPool::Lease c = readers_->Acquire();
    if (party.empty()) {
      ASSIGN_STMT_OR_RETURN(s, c, "SELECT " TOKEN_COLS " FROM tokens ORDER BY created_ms, id");
      return CollectRows<TokenRecord>(s, ReadToken, "list tokens");
    }
    ASSIGN_STMT_OR_RETURN(
        s, c, "SELECT " TOKEN_COLS " FROM tokens WHERE party = ?1 ORDER BY created_ms, id");
    s.Bind(party);
    return CollectRows<TokenRecord>(s, ReadToken, "list tokens");
  }

  Result<std::vector<ContactRecord>> ListContacts(const PartyId& party) override {
    ReadPool::Lease c = readers_->Acquire();
    if (party.empty()) {
      ASSIGN_STMT_OR_RETURN(s, c, "SELECT " CONTACT_COLS " FROM contacts ORDER BY id");
      return CollectRows<ContactRecord>(s, ReadContact, "list contacts");
    }
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT " CONTACT_COLS " FROM contacts WHERE party = ?1 ORDER BY id");
    s.Bind(party);
    return CollectRows<ContactRecord>(s, ReadContact, "list contacts");
  }

  Result<std::vector<WebhookRecord>> ListWebhooks(const PartyId& party) override {
    ReadPool::Lease c = readers_->Acquire();
    if (party.empty()) {
      ASSIGN_STMT_OR_RETURN(s, c, "SELECT " WEBHOOK_COLS " FROM webhooks ORDER BY id");
      return CollectRows<WebhookRecord>(s, ReadWebhook, "list webhooks");
    }
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT " WEBHOOK_COLS " FROM webhooks WHERE party = ?1 ORDER BY id");
    s.Bind(party);
    return CollectRows<WebhookRecord>(s, ReadWebhook, "list webhooks");
  }

  Result<std::optional<PlanRecord>> GetPlan(const PartyId& party, const PlanId& id,
                                            int64_t version) override {
    ReadPool::Lease c = readers_->Acquire();
    if (version == 0) {
      ASSIGN_STMT_OR_RETURN(s, c,
                            "SELECT " PLAN_COLS
                            " FROM plans WHERE party = ?1 AND id = ?2 "
                            "ORDER BY version DESC LIMIT 1");
      s.Bind(party, id);
      return OptionalRow<PlanRecord>(s, ReadPlan, "get plan");
    }
    ASSIGN_STMT_OR_RETURN(
        s, c, "SELECT " PLAN_COLS " FROM plans WHERE party = ?1 AND id = ?2 AND version = ?3");
    s.Bind(party, id, version);
    return OptionalRow<PlanRecord>(s, ReadPlan, "get plan");
  }

  Result<std::vector<PlanRecord>> ListPlans(const PartyId& party,
                                            std::optional<PlanStatus> status) override {
    std::string sql =
        "SELECT p.party, p.id, p.version, p.status, p.feature_json, p.created_ms "
        "FROM plan_heads h JOIN plans p "
        "ON p.party = h.party AND p.id = h.id AND p.version = h.version";
    if (!party.empty() && status.has_value()) {
      sql += " WHERE h.party = ?1 AND h.status = ?2";
    } else if (!party.empty()) {
      sql += " WHERE h.party = ?1";
    } else if (status.has_value()) {
      sql += " WHERE h.status = ?1";
    }
    sql += " ORDER BY h.party, h.id";
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, sql);
    if (!party.empty() && status.has_value()) {
      s.Bind(party, *status);
    } else if (!party.empty()) {
      s.Bind(party);
    } else if (status.has_value()) {
      s.Bind(*status);
    }
    return CollectRows<PlanRecord>(s, ReadPlan, "list plans");
  }

  Result<std::vector<PlanRecord>> PlanHistory(const PartyId& party, const PlanId& id) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(
        s, c, "SELECT " PLAN_COLS " FROM plans WHERE party = ?1 AND id = ?2 ORDER BY version");
    s.Bind(party, id);
    return CollectRows<PlanRecord>(s, ReadPlan, "plan history");
  }

  Result<std::optional<ConflictRecord>> GetConflict(const ConflictId& id) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, "SELECT " CONFLICT_COLS " FROM conflicts WHERE id = ?1");
    s.Bind(id);
    return OptionalRow<ConflictRecord>(s, ReadConflict, "get conflict");
  }

  Result<std::vector<ConflictRecord>> ListConflicts(const ConflictFilter& f) override {
    if (f.plan_party.empty() != f.plan.empty()) {
      return Status::InvalidArgument("conflict filter: plan_party and plan must be set together");
    }
    // The SQL depends on which filters are set (so that each can use its index) and on the
    // number of statuses; each variant is prepared once per connection.
    std::string sql = "SELECT " CONFLICT_COLS " FROM conflicts";
    std::vector<std::string> conditions;
    int next = 1;
    auto param = [&next] { return "?" + std::to_string(next++); };
    if (!f.party.empty()) {
      std::string p = param();
      conditions.push_back("(party_a = " + p + " OR party_b = " + p + ")");
    }
    if (!f.plan.empty()) {
      std::string pp = param(), p = param();
      conditions.push_back("((party_a = " + pp + " AND plan_a = " + p + ") OR (party_b = " + pp +
                           " AND plan_b = " + p + "))");
    }
    if (!f.statuses.empty()) {
      std::string in = "status IN (";
      for (size_t i = 0; i < f.statuses.size(); ++i) in += (i > 0 ? ", " : "") + param();
      conditions.push_back(in + ")");
    }
    for (size_t i = 0; i < conditions.size(); ++i) {
      sql += (i == 0 ? " WHERE " : " AND ") + conditions[i];
    }
    sql += " ORDER BY window_start_ms, id LIMIT " + param();

    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, sql);
    // Bind in the order the parameters were numbered.
    std::vector<std::string> texts;
    if (!f.party.empty()) texts.push_back(f.party.value());
    if (!f.plan.empty()) {
      texts.push_back(f.plan_party.value());
      texts.push_back(f.plan.value());
    }
    for (const std::string& t : texts) s.Bind(t);
    for (ConflictStatus status : f.statuses) s.Bind(status);
    s.Bind(SqlLimit(f.limit));
    return CollectRows<ConflictRecord>(s, ReadConflict, "list conflicts");
  }

  Result<std::vector<MessageRecord>> ListMessages(const ConflictId& conflict_id) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(
        s, c, "SELECT " MESSAGE_COLS " FROM messages WHERE conflict_id = ?1 ORDER BY seq");
    s.Bind(conflict_id);
    return CollectRows<MessageRecord>(s, ReadMessage, "list messages");
  }

  Result<std::vector<EventRecord>> EventsAfter(const PartyId& recipient, int64_t after_seq,
                                               int limit) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT " EVENT_COLS
                          " FROM events WHERE recipient = ?1 AND seq > ?2 "
                          "ORDER BY seq LIMIT ?3");
    s.Bind(recipient, after_seq, SqlLimit(limit));
    return CollectRows<EventRecord>(s, ReadEvent, "events after");
  }

  Result<int64_t> LastEventSeq(const PartyId& recipient) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE recipient = ?1");
    s.Bind(recipient);
    int rc = s.Step();
    if (rc != SQLITE_ROW) return s.Error(rc, "last event seq");
    return s.Int(0);
  }

  Result<std::vector<ReceiptRecord>> ListReceipts(const PartyId& recipient,
                                                  int64_t event_seq) override {
    ReadPool::Lease c = readers_->Acquire();
    if (event_seq == 0) {
      ASSIGN_STMT_OR_RETURN(s, c,
                            "SELECT " RECEIPT_COLS
                            " FROM receipts WHERE recipient = ?1 "
                            "ORDER BY event_seq, channel, kind");
      s.Bind(recipient);
      return CollectRows<ReceiptRecord>(s, ReadReceipt, "list receipts");
    }
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT " RECEIPT_COLS
                          " FROM receipts WHERE recipient = ?1 AND "
                          "event_seq = ?2 ORDER BY channel, kind");
    s.Bind(recipient, event_seq);
    return CollectRows<ReceiptRecord>(s, ReadReceipt, "list receipts");
  }

  Result<std::vector<WebhookJob>> DueWebhookJobs(TimePoint now, int limit) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT " JOB_COLS
                          " FROM webhook_jobs WHERE state = 'pending' AND "
                          "next_attempt_ms <= ?1 ORDER BY next_attempt_ms, webhook_id, "
                          "recipient, event_seq LIMIT ?2");
    s.Bind(now, SqlLimit(limit));
    return CollectRows<WebhookJob>(s, ReadJob, "due webhook jobs");
  }

  Result<std::vector<ContactPage>> DueContactPages(TimePoint now, int limit) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT " PAGE_COLS
                          " FROM contact_pages WHERE state = 'pending' AND "
                          "next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2");
    s.Bind(now, SqlLimit(limit));
    return CollectRows<ContactPage>(s, ReadPage, "due contact pages");
  }

  Result<std::vector<ContactPage>> ListContactPages(const PartyId& party) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(
        s, c, "SELECT " PAGE_COLS " FROM contact_pages WHERE ?1 = '' OR party = ?1 ORDER BY id");
    s.Bind(party);
    return CollectRows<ContactPage>(s, ReadPage, "list contact pages");
  }

  Result<std::vector<AuditEntry>> AuditAfter(int64_t after_seq, int limit,
                                             const PartyId& party) override {
    ReadPool::Lease c = readers_->Acquire();
    if (party.empty()) {
      ASSIGN_STMT_OR_RETURN(
          s, c, "SELECT " AUDIT_COLS " FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2");
      s.Bind(after_seq, SqlLimit(limit));
      return CollectRows<AuditEntry>(s, ReadAudit, "audit after");
    }
    ASSIGN_STMT_OR_RETURN(
        s, c,
        "SELECT a.seq, a.at_ms, a.kind, a.parties, a.body_json, a.prev_hash, a.hash "
        "FROM audit_party p JOIN audit a ON a.seq = p.seq "
        "WHERE p.party = ?1 AND p.seq > ?2 ORDER BY p.seq LIMIT ?3");
    s.Bind(party, after_seq, SqlLimit(limit));
    return CollectRows<AuditEntry>(s, ReadAudit, "audit after");
  }

  Result<std::optional<AuditEntry>> LastAudit() override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, "SELECT " AUDIT_COLS " FROM audit ORDER BY seq DESC LIMIT 1");
    return OptionalRow<AuditEntry>(s, ReadAudit, "last audit entry");
  }

  Result<std::vector<ProbeCount>> ProbeCounts(const PartyId& victim, TimePoint since) override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c,
                          "SELECT victim, prober, COUNT(*), SUM(at_ms >= ?2) FROM probes "
                          "WHERE ?1 = '' OR victim = ?1 GROUP BY victim, prober "
                          "ORDER BY victim, prober");
    s.Bind(victim, since);
    return CollectRows<ProbeCount>(
        s,
        [](const Stmt& r) {
          return ProbeCount{.victim = r.TextAs<PartyId>(0),
                            .prober = r.TextAs<PartyId>(1),
                            .total = r.Int(2),
                            .recent = r.Int(3)};
        },
        "probe counts");
  }

  Result<std::vector<Checkpoint>> ListCheckpoints() override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, "SELECT " CHECKPOINT_COLS " FROM checkpoints ORDER BY seq");
    return CollectRows<Checkpoint>(s, ReadCheckpoint, "list checkpoints");
  }

  Result<std::vector<ArchiveMarker>> ListArchiveMarkers() override {
    ReadPool::Lease c = readers_->Acquire();
    ASSIGN_STMT_OR_RETURN(s, c, "SELECT " MARKER_COLS " FROM archive_markers ORDER BY id");
    return CollectRows<ArchiveMarker>(
        s,
        [](const Stmt& r) {
          return ArchiveMarker{.id = r.Int(0),
                               .audit_seq = r.Int(1),
                               .audit_hash = r.Text(2),
                               .before = r.Time(3),
                               .at = r.Time(4),
                               .archive_sha256 = r.Text(5)};
        },
        "list archive markers");
  }

 private:
  Mutex write_mu_;  // held by the open SqliteTxn
  std::unique_ptr<Connection> writer_ PT_GUARDED_BY(write_mu_);
  std::unique_ptr<ReadPool> readers_;           // internally synchronized
  std::unique_ptr<Checkpointer> checkpointer_;  // may be null
};

// Creates the schema in a new database, or checks an existing one's version.
Status EnsureSchema(Connection* c, const std::string& path) {
  if (Status s = c->Exec("BEGIN IMMEDIATE", "begin"); !s.ok()) {
    return Status::Unavailable("cannot open " + path + ": " + s.message());
  }
  Status result = [&]() -> Status {
    Result<std::string> v = c->QueryText("PRAGMA user_version");
    if (!v.ok()) return v.status();
    int version = std::atoi(v->c_str());
    if (version == kSqliteSchemaVersion) return Status::Ok();
    if (version > kSqliteSchemaVersion) {
      return Status::FailedPrecondition(path + " has schema version " + *v +
                                        ", newer than this build's " +
                                        std::to_string(kSqliteSchemaVersion));
    }
    if (version == 0) {
      // A new database (SQLite's default user_version): create version 1.
      Result<std::string> tables = c->QueryText("SELECT COUNT(*) FROM sqlite_schema");
      if (!tables.ok()) return tables.status();
      if (*tables != "0") {
        return Status::FailedPrecondition(path +
                                          " is a SQLite database but not a deconflict store");
      }
      if (Status s = c->Exec(kSchema, "create schema"); !s.ok()) return s;
      version = 1;
    }
    // Upgrade in this transaction (all or nothing).
    for (int from = version; from < kSqliteSchemaVersion; ++from) {
      if (Status s = c->Exec(kMigrations[from - 1], "upgrade schema"); !s.ok()) return s;
    }
    return c->Exec(("PRAGMA user_version = " + std::to_string(kSqliteSchemaVersion)).c_str(),
                   "set schema version");
  }();
  if (!result.ok()) {
    (void)c->Exec("ROLLBACK", "rollback");
    if (result.code() == StatusCode::kFailedPrecondition) return result;
    if (result.code() == StatusCode::kUnavailable) {
      return Status::Unavailable("cannot open " + path + ": " + result.message());
    }
    return Status::IoError("cannot open " + path + ": " + result.message());
  }
  if (Status s = c->Exec("COMMIT", "commit schema"); !s.ok()) {
    (void)c->Exec("ROLLBACK", "rollback");
    return Status::Unavailable("cannot open " + path + ": " + s.message());
  }
  return Status::Ok();
}

}  // namespace

std::string SqliteDatabasePath(const std::string& dir) { return dir + "/deconflict.db"; }

namespace {

std::string OctalMode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

// Removes the bits of `path`'s mode outside `allowed`; appends the change to *changes.
Status Tighten(const std::string& path, const struct stat& st, mode_t allowed,
               std::vector<std::string>* changes) {
  const mode_t mode = st.st_mode & 07777;
  if ((mode & ~allowed) == 0) return Status::Ok();
  const mode_t tight = mode & allowed;
  if (::chmod(path.c_str(), tight) != 0) {
    // Gone since it was listed: another process's SQLite journal, created and removed while this
    // one opens the same folder (the server and the admin CLI at once). Nothing to restrict.
    if (errno == ENOENT) return Status::Ok();
    return Status::IoError("cannot restrict the mode of " + path + ": " + std::strerror(errno));
  }
  changes->push_back(path + ": mode " + OctalMode(mode) + " -> " + OctalMode(tight));
  return Status::Ok();
}

// Creates an empty database file with mode 0600 if there is none, so that SQLite (which would
// create it with 0644 less the umask) opens it with that mode and gives -wal and -shm the same.
Status CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) return ::close(fd) == 0 ? Status::Ok() : Status::IoError("cannot create " + path);
  if (errno == EEXIST) return Status::Ok();
  return Status::IoError("cannot create " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::vector<std::string>> SecureDataFolder(const std::string& dir) {
  std::vector<std::string> changes;
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec)
    return Status::IoError("cannot create directory " + parent.string() + ": " + ec.message());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError("cannot create directory " + dir + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::IoError("cannot create directory " + dir + ": not a directory");
  }
  if (Status s = Tighten(dir, st, 0700, &changes); !s.ok()) return s;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string path = entry.path().string();
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (Status s = Tighten(path, st, 0600, &changes); !s.ok()) return s;
  }
  if (ec) return Status::IoError("cannot list " + dir + ": " + ec.message());
  return changes;
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& o) {
  if (o.dir.empty()) return Status::InvalidArgument("sqlite store: dir is empty");
  Result<std::vector<std::string>> tightened = SecureDataFolder(o.dir);
  if (!tightened.ok()) return tightened.status();
  if (o.on_mode_tightened) {
    for (const std::string& line : *tightened) o.on_mode_tightened(line);
  }
  const std::string path = SqliteDatabasePath(o.dir);
  if (Status s = CreatePrivateFile(path); !s.ok()) return s;

  Result<std::unique_ptr<Connection>> writer =
      Connection::Open(path, /*create=*/true, /*writer=*/true, o.busy_timeout_ms);
  if (!writer.ok()) return writer.status();
  if (Status s = EnsureSchema(writer->get(), path); !s.ok()) return s;

  auto readers = std::make_unique<ReadPool>();
  for (int i = 0; i < std::max(1, o.read_connections); ++i) {
    Result<std::unique_ptr<Connection>> r =
        Connection::Open(path, /*create=*/false, /*writer=*/false, o.busy_timeout_ms);
    if (!r.ok()) return r.status();
    readers->Add(std::move(*r));
  }
  std::unique_ptr<Checkpointer> checkpointer;
  if (o.checkpoint_interval_ms > 0) {
    if (Status s = (*writer)->Exec("PRAGMA wal_autocheckpoint = 0", "disable autocheckpoint");
        !s.ok()) {
      return s;
    }
    Result<std::unique_ptr<Connection>> c =
        Connection::Open(path, /*create=*/false, /*writer=*/false, o.busy_timeout_ms);
    if (!c.ok()) return c.status();
    checkpointer = std::make_unique<Checkpointer>(std::move(*c), o.checkpoint_interval_ms);
  }
  return std::unique_ptr<Store>(
      new SqliteStore(std::move(*writer), std::move(readers), std::move(checkpointer)));
}

Result<std::string> SqlitePragma(Store& store, const std::string& name) {
  auto* s = dynamic_cast<SqliteStore*>(&store);
  if (s == nullptr) return Status::InvalidArgument("not a SQLite store");
  if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
    return Status::InvalidArgument("bad pragma name \"" + name + "\"");
  }
  return s->Pragma(name);
}

int64_t SqliteHeapBytes() { return static_cast<int64_t>(sqlite3_memory_used()); }

}  // namespace deconflict::store
