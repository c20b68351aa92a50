// The channel's durable state behind one interface: parties, tokens, contacts, webhooks, plans
// (every version), conflicts, conflict threads, per-recipient event streams, delivery receipts and
// the hash-chained audit log with its signed checkpoints. SQLite (sqlite_store.h) is the embedded
// default; a PostgreSQL backend will implement the same interface and pass the same conformance
// suite (store_conformance.h).
//
//   std::unique_ptr<Store> s = *OpenSqliteStore({.dir = "/var/lib/deconflict"});
//   auto txn = *s->Begin();
//   txn->PutPlan(plan);  txn->AppendAudit({...});  CHECK(txn->Commit().ok());
//
// Writes happen only inside a WriteTxn: all of a transaction's writes become durable together
// at Commit (synchronous=FULL), or none of them. Reads outside a transaction see the last
// committed state.
//
// Times are TimePoints (a backend keeps whole milliseconds: base/time.h NowMillis gives such
// instants); an optional time is absent until it happens.
// JSON fields hold serialized JSON text exactly as written (the store never re-serializes them,
// so hashes over them stay valid).
//
// Errors (every backend, checked by store_conformance.h): a write that fails with AlreadyExists,
// NotFound or InvalidArgument changes nothing and leaves its transaction usable (the caller may
// go on and Commit the other writes); any other failure (Unavailable: storage error, lock
// timeout; Internal) aborts the transaction: it is rolled back at once, and every further call and
// Commit fail with Unavailable. Reads return Unavailable on storage errors.
// References are checked: a token, contact or webhook needs its party (NotFound otherwise), a
// message its conflict, a webhook job its webhook, a checkpoint its audit entry. Plans, conflicts,
// events, receipts and audit entries name parties without that check.
//
// Thread-safety: a Store is thread-safe. At most one WriteTxn is open at a time per Store (Begin
// blocks until the previous one is committed or destroyed); another process (the admin CLI) may
// write the same SQLite file, and Begin then waits for its lock (busy timeout). A WriteTxn is used
// by one thread; it must not outlive its Store, and a thread must not call Begin while it holds an
// open WriteTxn of the same Store (that would wait for itself).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/units.h"
#include "base/vocabulary.h"

namespace deconflict::store {

// Roles: docs/security.md. Enums (base/vocabulary.h) are stored as their Name(); a row whose
// text names no enumerator is reported as Internal by the read that meets it.
struct PartyRecord {
  PartyId name;  // [A-Za-z0-9][A-Za-z0-9_-]{0,63} (checked at the edge)
  Role role = Role::kParty;
  std::string display_name;  // free text; may be empty
  TimePoint created;
};

struct TokenRecord {
  std::string id;    // short public id (e.g. "tok_3f9a..."), shown in listings
  PartyId party;     // owner
  std::string hash;  // hex SHA-256 of the secret token; the secret itself is never stored
  TimePoint created;
  std::optional<TimePoint> revoked;  // absent: active
};

struct ContactRecord {
  int64_t id = 0;  // assigned by PutContact when 0
  PartyId party;
  std::string name;
  std::string language;  // BCP 47 tag, e.g. "en", "ru", "ar"
  ContactRole role = ContactRole::kPrimary;
  std::string roster;       // free text duty roster, e.g. "Mon-Fri 06:00-18:00Z"
  std::string webhook_url;  // optional; escalations are posted here too
  TimePoint created;
};

struct WebhookRecord {
  int64_t id = 0;  // assigned by PutWebhook when 0
  PartyId party;
  std::string url;     // http:// or https://
  std::string secret;  // HMAC-SHA256 key (stored: the server must sign with it)
  bool active = true;
  TimePoint created;
};

// One version of one plan. (party, id) is unique per version; the newest version is current.
struct PlanRecord {
  PartyId party;
  PlanId id;            // the feature id, unique within the party
  int64_t version = 1;  // 1, 2, ...
  PlanStatus status = PlanStatus::kActive;
  std::string feature_json;  // the plan Feature as submitted (party property set to `party`)
  TimePoint created;         // when this version was stored
};

struct ConflictRecord {
  ConflictId id;
  // Side a and side b (a = the engine's plan_a).
  PartyId party_a;
  PlanId plan_a;
  PartyId party_b;
  PlanId plan_b;
  int64_t version_a = 0, version_b = 0;           // plan versions the conflict was found between
  ConflictStatus status = ConflictStatus::kOpen;  // kAcknowledged: both sides acked
  Resolution resolution = Resolution::kNone;      // set when resolved/expired; else kNone
  std::string detail_json;  // the disclosure both parties may see (channel/disclosure.h)
  TimePoint window_start, window_end;
  TimePoint deadline;                           // acknowledgement deadline
  std::optional<TimePoint> ack_a, ack_b;        // absent: not acknowledged
  std::optional<TimePoint> accept_a, accept_b;  // absent: not accepted as coordinated
  int escalated_a = 0, escalated_b = 0;         // escalation level reached per side (0: none)
  TimePoint created, updated;
  std::optional<TimePoint> resolved;  // absent: not resolved
};

struct MessageRecord {
  int64_t seq = 0;  // assigned by AppendMessage: 1, 2, ... per conflict
  ConflictId conflict_id;
  PartyId party;  // author
  MessageKind kind = MessageKind::kText;
  std::string body_json;
  std::string language;  // BCP 47, may be empty
  TimePoint at;
};

// One event in one recipient's stream (SSE/WebSocket/webhook).
struct EventRecord {
  PartyId recipient;
  int64_t seq = 0;  // assigned by AppendEvent: 1, 2, ... per recipient (the SSE event id)
  EventType type = EventType::kConflictOpened;  // stored as its Name, e.g. "conflict.opened"
  std::string data_json;
  TimePoint at;
};

// A delivery receipt: one recipient's event was delivered or read on one channel.
struct ReceiptRecord {
  PartyId recipient;
  int64_t event_seq = 0;
  ReceiptChannel channel = ReceiptChannel::kSse;
  ReceiptKind kind = ReceiptKind::kDelivered;
  TimePoint at;
};

// A webhook delivery job (one event to one webhook), kept until delivered or given up.
struct WebhookJob {
  int64_t webhook_id = 0;
  PartyId recipient;
  int64_t event_seq = 0;
  int attempts = 0;
  TimePoint next_attempt;
  DeliveryState state = DeliveryState::kPending;
  std::string last_error;
};

// A page to one contact's own webhook: an escalation that names the contact (backup contacts at
// level 1, every contact at level 2) is POSTed to ContactRecord::webhook_url, so that it reaches
// the person and not only the desk that missed the deadline. URL and body are fixed when the page
// is made; the page is kept until delivered or given up.
struct ContactPage {
  int64_t id = 0;  // assigned by PutContactPage when 0
  PartyId party;
  int64_t contact_id = 0;
  std::string url;
  EventType event = EventType::kConflictEscalated;  // stored as its Name
  ConflictId conflict;
  int level = 0;          // escalation level
  std::string body_json;  // what is POSTed
  int attempts = 0;
  TimePoint next_attempt;
  DeliveryState state = DeliveryState::kPending;
  std::string last_error;
  TimePoint created;
};

// One entry of the append-only audit log. hash = record::EntryHash(entry) (record/chain.h) over
// seq, at, kind, parties, body_json and prev_hash.
struct AuditEntry {
  int64_t seq = 0;  // 1, 2, ... (assigned by AppendAudit)
  TimePoint at;
  std::string kind;  // Name(AuditKind), e.g. "plan.submitted"; text: the hash covers it as written
  std::vector<PartyId> parties;  // parties that may read this entry (coordinators and
                                 // observers read every entry)
  std::string body_json;
  std::string prev_hash;  // hex; 64 zeros for seq 1
  std::string hash;       // hex SHA-256
};

// A signed statement "the log up to `seq` ends with `hash`" (record/chain.h).
struct Checkpoint {
  int64_t seq = 0;
  std::string hash;
  TimePoint at;
  std::string public_key;  // hex Ed25519 public key
  std::string signature;   // hex Ed25519 signature over record::CheckpointMessage(...)
};

// A dry run of `prober` that found a conflict with a plan of `victim` (docs/security.md §11).
struct ProbeRecord {
  PartyId victim;
  PartyId prober;
  TimePoint at;
};

// How many dry runs of `prober` touched plans of `victim`: in all, and since a given instant.
struct ProbeCount {
  PartyId victim;
  PartyId prober;
  int64_t total = 0;
  int64_t recent = 0;  // at or after the `since` of ProbeCounts
};

// ----- Archiving (`deconflict admin archive`, docs/operations.md).
//
// WriteTxn::TakeArchive moves closed history older than a date out of the live store. What is
// closed (every backend, checked by store_conformance.h); "older" means strictly before `before`:
//  - audit: with S the greatest checkpoint whose `at` is before `before`, every live entry up to
//    and including S and every checkpoint up to S. Entries and checkpoints before S are deleted;
//    entry S and its checkpoint stay as the live log's anchor (record::VerifyChain proves the live
//    log from it). Nothing if there is no such checkpoint or S is already the first live entry.
//  - plans: a version created before `before` that is not its plan's newest version, except that
//    when the newest is pending, the newest version that is not pending stays (the version in
//    force: channel Load and approvals read it); and every version of a plan whose newest version
//    is closed (cancelled, rejected or completed) and was created before `before` (the plan then
//    leaves the store: ListPlans no longer names it).
//  - conflicts resolved or expired and last updated before `before`, with their messages.
//  - events at before `before`, except each recipient's newest event (it carries the stream's seq
//    forward) and events with a pending webhook job; with their receipts and their finished
//    (delivered or failed) webhook jobs.
//  - contact pages delivered or failed and created before `before`.
// Never anything live: open or acknowledged conflicts, the current and in-force versions of
// active and pending plans, pending deliveries, parties, tokens, contacts, webhooks, probes.

// The receiver of what TakeArchive moves, row by row, in this order: audit entries (ascending
// seq), checkpoints (ascending seq), plans (by party, id, version), conflicts (by id), messages
// (by conflict, seq), events (by recipient, seq), receipts, webhook jobs, contact pages (by id).
// A non-OK status from a call stops TakeArchive, which returns it and aborts the transaction.
class ArchiveSink {
 public:
  virtual ~ArchiveSink() = default;
  virtual Status Entry(const AuditEntry& e) = 0;
  virtual Status CheckpointRow(const Checkpoint& c) = 0;
  virtual Status Plan(const PlanRecord& p) = 0;
  virtual Status Conflict(const ConflictRecord& c) = 0;
  virtual Status Message(const MessageRecord& m) = 0;
  virtual Status Event(const EventRecord& e) = 0;
  virtual Status Receipt(const ReceiptRecord& r) = 0;
  virtual Status Job(const WebhookJob& j) = 0;
  virtual Status Page(const ContactPage& p) = 0;
};

// What one TakeArchive moved (entries and checkpoints include the anchor S, which stays live).
struct ArchiveCounts {
  int64_t first_seq = 0, last_seq = 0;  // audit entries first_seq..last_seq (0, 0: none)
  int64_t entries = 0, checkpoints = 0, plans = 0, conflicts = 0, messages = 0, events = 0,
          receipts = 0, jobs = 0, pages = 0;
};

// One archive cut, kept in the live store (WriteTxn::PutArchiveMarker, Store::ListArchiveMarkers).
struct ArchiveMarker {
  int64_t id = 0;              // assigned by PutArchiveMarker: 1, 2, ...
  int64_t audit_seq = 0;       // the live log starts at this entry (0: nothing archived yet)
  std::string audit_hash;      // its hash (hex), as signed by the checkpoint at it
  TimePoint before;            // the cut: closed history before this instant was moved
  TimePoint at;                // when the archive was made
  std::string archive_sha256;  // hex SHA-256 of the archive file, as written
};

struct ConflictFilter {
  PartyId party;       // empty = any; else party_a or party_b equals it
  PartyId plan_party;  // both set: conflicts involving that plan
  PlanId plan;
  std::vector<ConflictStatus> statuses;  // empty = any
  int limit = 0;                         // 0 = no limit
};

class WriteTxn {
 public:
  virtual ~WriteTxn() = default;  // rolls back if not committed

  virtual Status PutParty(const PartyRecord& p) = 0;  // AlreadyExists if name taken
  // Inserts. AlreadyExists if the id is taken; NotFound if the party does not exist.
  virtual Status PutToken(const TokenRecord& t) = 0;
  // NotFound if no token has this id. Revoking a revoked token keeps the first revoked.
  virtual Status RevokeToken(const std::string& id, TimePoint at) = 0;
  // Insert (id 0: a new id is assigned) or update by id; returns the id. NotFound if the party
  // does not exist, or if the id belongs to another party's contact (never moved or overwritten).
  virtual Result<int64_t> PutContact(const ContactRecord& c) = 0;
  virtual Status DeleteContact(const PartyId& party, int64_t id) = 0;  // NotFound
  // As PutContact. Deleting a webhook deletes its webhook jobs.
  virtual Result<int64_t> PutWebhook(const WebhookRecord& w) = 0;
  virtual Status DeleteWebhook(const PartyId& party, int64_t id) = 0;  // NotFound
  // Inserts a plan version. AlreadyExists if (party, id, version) exists.
  virtual Status PutPlan(const PlanRecord& p) = 0;
  // Inserts or replaces a conflict by id.
  virtual Status PutConflict(const ConflictRecord& c) = 0;
  // Appends to the conflict's thread; returns the message with seq set. NotFound if the conflict
  // does not exist.
  virtual Result<MessageRecord> AppendMessage(MessageRecord m) = 0;
  // Appends to the recipient's stream; returns the event with seq set.
  virtual Result<EventRecord> AppendEvent(EventRecord e) = 0;
  // Inserts a receipt; a duplicate (recipient, event_seq, channel, kind) is ignored (OK).
  virtual Status PutReceipt(const ReceiptRecord& r) = 0;
  // Insert or replace by (webhook_id, recipient, event_seq). NotFound if the webhook does not
  // exist.
  virtual Status PutWebhookJob(const WebhookJob& j) = 0;
  // Insert (id 0: a new id is assigned) or update by id; returns the id. NotFound when updating
  // an id that does not exist.
  virtual Result<int64_t> PutContactPage(const ContactPage& p) = 0;
  // Appends to the audit log: assigns seq, prev_hash (the current last hash, read inside this
  // transaction, so concurrent writers from other processes chain correctly) and hash. The
  // parties' order is kept. InvalidArgument if record::ValidateAuditFields rejects the entry.
  virtual Result<AuditEntry> AppendAudit(AuditEntry e) = 0;
  // Inserts a probe (several identical ones may exist: each is one dry run).
  virtual Status PutProbe(const ProbeRecord& p) = 0;
  // Inserts. AlreadyExists if a checkpoint at c.seq exists; NotFound if there is no entry c.seq.
  virtual Status PutCheckpoint(const Checkpoint& c) = 0;
  // Streams the closed history older than `before` (see ArchiveSink above) to `sink` and deletes
  // it, in this transaction: nothing is deleted unless Commit succeeds. Returns what was moved.
  virtual Result<ArchiveCounts> TakeArchive(TimePoint before, ArchiveSink& sink) = 0;
  // Inserts an archive marker; returns its id.
  virtual Result<int64_t> PutArchiveMarker(const ArchiveMarker& m) = 0;
  // Makes every write durable. After Commit the transaction is finished: further calls, and a
  // second Commit, fail with FailedPrecondition. Unavailable (nothing written) if the commit fails.
  virtual Status Commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Starts a write transaction; waits for other writers (of this Store, then of other processes
  // up to the backend's busy timeout). Unavailable on storage errors or when the wait times out.
  virtual Result<std::unique_ptr<WriteTxn>> Begin() = 0;

  virtual Result<std::optional<PartyRecord>> GetParty(const PartyId& name) = 0;
  virtual Result<std::vector<PartyRecord>> ListParties() = 0;  // ordered by name
  // The active (not revoked) token with this hash, if any.
  virtual Result<std::optional<TokenRecord>> FindToken(const std::string& hash) = 0;
  // Of `hashes`, those of an active (not revoked) token whose party still exists, in one query
  // (open streams re-check their tokens with it: docs/security.md §12). Order unspecified.
  virtual Result<std::vector<std::string>> ActiveTokenHashes(
      const std::vector<std::string>& hashes) = 0;
  // Revoked ones included. Ordered by created, then id. An empty party = all parties.
  virtual Result<std::vector<TokenRecord>> ListTokens(const PartyId& party) = 0;
  // Ordered by id. An empty party = all parties.
  virtual Result<std::vector<ContactRecord>> ListContacts(const PartyId& party) = 0;
  virtual Result<std::vector<WebhookRecord>> ListWebhooks(const PartyId& party) = 0;  // empty = all

  // The newest version of a plan, or a given version.
  virtual Result<std::optional<PlanRecord>> GetPlan(const PartyId& party, const PlanId& id,
                                                    int64_t version = 0) = 0;
  // Newest version of every plan of `party` (empty = all parties), optionally only those whose
  // newest version has `status` (nullopt = any). Ordered by party, id.
  virtual Result<std::vector<PlanRecord>> ListPlans(const PartyId& party,
                                                    std::optional<PlanStatus> status) = 0;
  // Every version, ascending.
  virtual Result<std::vector<PlanRecord>> PlanHistory(const PartyId& party, const PlanId& id) = 0;

  virtual Result<std::optional<ConflictRecord>> GetConflict(const ConflictId& id) = 0;
  // Ordered by window_start, then id. InvalidArgument if only one of plan_party, plan is set.
  virtual Result<std::vector<ConflictRecord>> ListConflicts(const ConflictFilter& f) = 0;
  // Ascending seq.
  virtual Result<std::vector<MessageRecord>> ListMessages(const ConflictId& conflict_id) = 0;

  // Events of `recipient` with seq > after_seq, ascending, at most `limit` (0 = all).
  virtual Result<std::vector<EventRecord>> EventsAfter(const PartyId& recipient, int64_t after_seq,
                                                       int limit) = 0;
  virtual Result<int64_t> LastEventSeq(const PartyId& recipient) = 0;  // 0 if none
  // Ordered by event_seq, channel, kind.
  virtual Result<std::vector<ReceiptRecord>> ListReceipts(const PartyId& recipient,
                                                          int64_t event_seq) = 0;  // 0 = all
  // Pending jobs with next_attempt <= now, oldest first (by next_attempt, then webhook_id,
  // recipient, event_seq), at most `limit` (0 = all).
  virtual Result<std::vector<WebhookJob>> DueWebhookJobs(TimePoint now, int limit) = 0;
  // Pending pages with next_attempt <= now, by next_attempt then id, at most `limit` (0 = all).
  virtual Result<std::vector<ContactPage>> DueContactPages(TimePoint now, int limit) = 0;
  // Every page of `party` (empty = all), by id.
  virtual Result<std::vector<ContactPage>> ListContactPages(const PartyId& party) = 0;

  // Audit entries with seq > after_seq, ascending, at most `limit` (0 = all). When `party` is not
  // empty, only entries whose parties include it.
  virtual Result<std::vector<AuditEntry>> AuditAfter(int64_t after_seq, int limit,
                                                     const PartyId& party = PartyId()) = 0;
  virtual Result<std::optional<AuditEntry>> LastAudit() = 0;
  // Per (victim, prober): the probes in all and those at or after `since`. An empty victim = every
  // victim. Ordered by victim, then prober; pairs without a probe are absent.
  virtual Result<std::vector<ProbeCount>> ProbeCounts(const PartyId& victim, TimePoint since) = 0;
  virtual Result<std::vector<Checkpoint>> ListCheckpoints() = 0;        // ascending seq
  virtual Result<std::vector<ArchiveMarker>> ListArchiveMarkers() = 0;  // ascending id
};

}  // namespace deconflict::store
