// The deconfliction channel: the one writer that turns plan submissions into conflicts, notices,
// events and audit entries, atomically and durably, and drives each conflict's lifecycle
// (acknowledgement deadlines, escalation, expiry). docs/channel.md describes the behaviour.
//
//   auto ch = *Channel::Open(store.get(), options);
//   ch->SubmitPlan(caller, std::move(plan), feature_json, std::nullopt, Write::kCreate,
//                  [](Result<PlanOutcome> r) { ... });   // called on the writer thread
//
// All changes go through a single writer thread, which takes every queued operation, applies them
// in order against the in-memory conflict detector, and commits them in one store transaction
// (group commit). Two submissions that conflict with each other are therefore serialized: the
// second always sees the first, so the conflict is always found. Completion callbacks run on the
// writer thread after the commit is durable; they must be short (post to an executor).
//
// Thread-safety: every public method is thread-safe.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/vocabulary.h"
#include "channel/hub.h"
#include "channel/lifecycle.h"
#include "channel/policy.h"
#include "channel/settings.h"
#include "engine/detector.h"
#include "engine/suggest.h"
#include "model/plan.h"
#include "model/rules.h"
#include "record/crypto.h"
#include "store/store.h"

namespace deconflict::channel {

namespace op {
struct Submit;
struct Cancel;
struct ConflictAction;
struct Message;
struct Receipts;
struct AddWebhook;
struct DeleteWebhook;
struct AddContact;
struct DeleteContact;
struct Review;
struct DryRunRecord;
}  // namespace op

using deconflict::Role;  // base/vocabulary.h: Name(role), Parse<Role>(text)

// The conflict of a plan with one other plan, its episodes merged (channel.cc).
struct PairConflict;

// Who is calling (from the API token).
struct Caller {
  PartyId party;
  Role role = Role::kParty;
  bool sees_all() const { return role != Role::kParty; }
};

// A party's plan. The engine, which knows no parties' namespaces, names it by one PlanId,
// "PARTY:id" (party names contain no ':'); EngineId and FromEngineId are the only conversions.
struct PlanRef {
  PartyId party;
  PlanId id;
  auto operator<=>(const PlanRef&) const = default;
};
PlanId EngineId(const PlanRef& ref);  // "PARTY:id"
// The reference an engine id names. REQUIRES: `engine_id` was made by EngineId.
PlanRef FromEngineId(const PlanId& engine_id);

enum class Write { kCreate, kAmend };

struct PlanOutcome {
  store::PlanRecord plan;                        // the stored version
  std::vector<store::ConflictRecord> opened;     // conflicts opened by this change
  std::vector<store::ConflictRecord> closed;     // conflicts this change resolved
  std::vector<store::ConflictRecord> unchanged;  // conflicts still open, details unchanged
};

// How coarse a party's view of another party's plan is (docs/security.md §2; disclosure.h).
struct DisclosureOptions {
  double cell_m = 2000;  // DEFAULT: 2 km. Smallest size of a disclosure grid cell, metres.
  int64_t time_s = 60;   // DEFAULT: 1 min. Times are rounded to multiples of this, seconds.
};

struct ChannelOptions {
  model::Rules rules;
  DisclosureOptions disclosure;
  DeadlinePolicy deadlines;
  // DEFAULT: the system clock (NowMillis). Must return whole milliseconds, as the store keeps
  // instants (FromUnixMillis, NowMillis).
  std::function<TimePoint()> now;
  std::string key_file;             // Ed25519 key; created if missing. REQUIRED.
  size_t max_batch = 512;           // DEFAULT: operations per transaction
  Seconds checkpoint_interval{10};  // DEFAULT: sign a checkpoint every 10 s if new entries
  int64_t sweep_interval_ms = 500;  // DEFAULT: deadline / expiry checks
  // A zone that restricts other parties (NeedsApproval) takes effect only once a coordinator
  // approves it (ReviewPlan); until then its newest version is pending (docs/security.md §11).
  // DEFAULT: true. false: every zone takes effect when submitted.
  bool zones_need_approval = true;
  // Bounded work (docs/security.md §13). DEFAULT: 100. A plan write that would open more
  // conflicts (one per other plan) is refused (InvalidArgument); nothing is stored.
  int max_conflicts_per_submission = 100;
  // DEFAULT: 60. conflict.opened events one recipient gets per minute; the conflicts opened for
  // it beyond that are held and announced in one summary event when its minute ends.
  int max_notices_per_party_per_minute = 60;
  // Webhooks and pagers (docs/security.md §14). Caps on what one party registers over the API
  // (the admin CLI is not capped): AddWebhook/AddContact beyond them fail FailedPrecondition.
  int max_webhooks_per_party = 10;  // DEFAULT: active webhooks
  int max_contacts_per_party = 50;  // DEFAULT
  // DEFAULT: false: webhooks and pagers may not be on loopback, private, link-local, ... addresses
  // (http/destination.h), neither as registered (an IP literal) nor as resolved at delivery.
  bool allow_private_destinations = false;
  // DEFAULT: every 1,000 ms the tokens of the open event streams are checked against the store
  // (one query, bypassing the authentication cache); the streams of a revoked token, or of a
  // removed party, end (docs/security.md §12). 0: never.
  int64_t session_check_ms = 1000;
  // DEFAULT: 16 open event streams (SSE and WebSocket together) per party; 0: no limit.
  size_t max_streams_per_party = 16;
};

// True if `p` is a zone that restricts at least one other party (restricted_parties absent, i.e.
// every other party, or non-empty): such a zone waits for a coordinator's approval.
bool NeedsApproval(const model::Plan& p);

class Channel {
 public:
  // Loads the active plans and open conflicts from the store and starts the writer thread.
  static Result<std::unique_ptr<Channel>> Open(store::Store* store, ChannelOptions options);
  ~Channel();  // Stop()
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Finishes every queued operation, writes a final checkpoint and stops the writer. Operations
  // queued afterwards fail with Unavailable.
  void Stop();

  template <typename T>
  using Done = std::function<void(Result<T>)>;

  // Creates (kCreate: AlreadyExists if an active plan has this id) or amends (kAmend: NotFound if
  // absent or cancelled; PreconditionFailed unless if_match is the current version) a plan of
  // caller.party.value(). REQUIRES: plan validated, plan.party == caller.party.value(), plan.id =
  // the feature id (unprefixed); feature_json is the Feature with properties.party set.
  // A zone that NeedsApproval (with options().zones_need_approval) is stored as a pending version
  // and changes nothing else: the version in force before it (if any) stays in force until a
  // coordinator approves the new one. `pre_approved` (the operator's seed) skips the approval.
  void SubmitPlan(const Caller& caller, model::Plan plan, std::string feature_json,
                  std::optional<int64_t> if_match, Write mode, Done<PlanOutcome> done,
                  bool pre_approved = false);
  // A coordinator's decision on plan `ref`'s pending version (FailedPrecondition unless the newest
  // version is pending; PreconditionFailed unless if_match is its version; NotFound if there is no
  // such plan). Approving stores a new active version with the same Feature and puts it in force;
  // rejecting stores a new version that restores the version in force before (active), or, if
  // there was none, a "rejected" one. Both are record entries and events to the owner.
  // REQUIRES: the caller may review plans (service/policy.h); `reason` validated.
  void ReviewPlan(const Caller& caller, const PlanRef& ref, int64_t if_match, bool approve,
                  std::string reason, Done<PlanOutcome> done);
  // Records a dry run (a "dryrun.checked" entry that only coordinators and observers read, with
  // `body_json`) and one probe per party in `touched` (store::ProbeRecord). `done` gets true once
  // committed.
  void RecordDryRun(const Caller& caller, std::string body_json, std::vector<PartyId> touched,
                    Done<bool> done);
  // Cancels a plan (a new version with status "cancelled"); resolves its conflicts.
  void CancelPlan(const Caller& caller, const PlanId& id, std::optional<int64_t> if_match,
                  Done<PlanOutcome> done);
  // Acknowledges the caller's side of a conflict. NotFound unless the caller is a side.
  void Acknowledge(const Caller& caller, const ConflictId& conflict_id,
                   Done<store::ConflictRecord> done);
  // Accepts the conflict as coordinated (e.g. a planned meeting); resolves it when both sides
  // have accepted.
  void Accept(const Caller& caller, const ConflictId& conflict_id,
              Done<store::ConflictRecord> done);
  // Appends to the conflict's thread (sides and coordinators). REQUIRES: message validated
  // (kind, body_json, language); conflict_id, party and at are set here.
  void PostMessage(const Caller& caller, const ConflictId& conflict_id,
                   store::MessageRecord message, Done<store::MessageRecord> done);
  // Records delivery receipts (and their audit entries). Fire and forget; duplicates ignored.
  void RecordReceipts(std::vector<store::ReceiptRecord> receipts);
  // A barrier: `done` gets true once every operation queued before this call has been applied
  // and committed, together with a sweep (deadlines, escalation, expiry) at the channel's now;
  // Unavailable if that batch failed or the channel is stopping.
  void Flush(Done<bool> done);
  // Adds a webhook or contact for the caller's party (through the writer, on the record).
  void AddWebhook(const Caller& caller, store::WebhookRecord w, Done<store::WebhookRecord> done);
  void DeleteWebhook(const Caller& caller, int64_t id, Done<bool> done);
  void AddContact(const Caller& caller, store::ContactRecord c, Done<store::ContactRecord> done);
  void DeleteContact(const Caller& caller, int64_t id, Done<bool> done);

  // Dry run: the conflicts `plan` would have with every active plan of other parties now
  // (an active plan with the same key is ignored, as for an amendment).
  //
  // Budgeted reads (DryRun, Suggest) stop at `deadline` (steady clock; max() = never) with
  // Unavailable("stopped"). They never make the writer wait: when it wants the detector, they
  // stop, step aside until it is done, and start again (within the same deadline).
  using Deadline = std::chrono::steady_clock::time_point;
  Result<std::vector<engine::Conflict>> DryRun(const model::Plan& plan_with_key,
                                               Deadline deadline = Deadline::max()) const;
  // The engine's shift suggestion for the caller's plan in conflict `c`. REQUIRES: the caller's
  // party is a side of `c`. FailedPrecondition when that plan is no longer active.
  Result<engine::Suggestion> Suggest(const Caller& caller, const store::ConflictRecord& c,
                                     Deadline deadline = Deadline::max()) const;

  // Wakes `wake` whenever new events are committed for caller.party, and ends (ended(), then
  // `wake`) once `token` no longer authenticates. TooManyRequests when the party already has
  // max_streams_per_party streams.
  Result<Hub::Subscription> Subscribe(const Caller& caller, std::string_view token,
                                      std::function<void()> wake);
  // Checks the tokens of the open streams against the store now and ends the streams of those
  // that no longer authenticate (also dropping them from the authentication cache); returns
  // how many streams it ended. The channel calls it every session_check_ms.
  size_t CheckSessions();

  // The newest version of plan `id` of `party` as of the last committed batch, from memory: never
  // touches the store, so callable from a network thread. Null when the channel holds no such
  // plan (the store may still: ask it). A write's outcome is published here before the writer
  // answers it, so a client reads its own writes.
  std::shared_ptr<const store::PlanRecord> CurrentPlan(const PartyId& party,
                                                       const PlanId& id) const;

  // Token -> caller; Unauthenticated if unknown or revoked. Cached for a few seconds.
  Result<Caller> Authenticate(std::string_view token);
  // The caller of `token` if Authenticate cached it within the last few seconds, without touching
  // the store (so callable from a network thread); nullopt otherwise.
  std::optional<Caller> CachedCaller(std::string_view token);

  store::Store* store() const { return store_; }
  Hub& hub() { return hub_; }
  const record::KeyPair& key() const { return key_; }
  TimePoint Now() const { return options_.now(); }
  const ChannelOptions& options() const { return options_; }

  struct Stats {
    int64_t plans_active = 0;
    int64_t conflicts_open = 0;          // open or acknowledged
    int64_t notices_unacknowledged = 0;  // sides of open conflicts without an ack
    int64_t batches = 0, operations = 0;
    int64_t escalations = 0;
    bool ready = false;
  };
  Stats stats() const;

 private:
  struct Op;
  struct Batch;
  struct PlanState {
    std::shared_ptr<const store::PlanRecord> record;  // newest version (shared with current_)
    std::optional<model::Plan> plan;  // the version in force, if any (id = key): in the detector
    int64_t plan_version = 0;         // its version (record.version unless record is pending)
    // When it can no longer conflict: the latest end (model::ActiveInterval) of the version in
    // force and a pending one; the sweep retires it after that (RetireStep).
    TimePoint end = TimePoint::InfiniteFuture();
  };
  Channel(store::Store* store, ChannelOptions options);
  Status Load();
  void Enqueue(std::unique_ptr<Op> op);
  void WriterLoop();
  void SessionLoop();  // the session checker's thread
  void RunBatch(std::vector<std::unique_ptr<Op>>* ops, bool final_checkpoint);
  bool SweepDue(TimePoint now) const;
  // When `c` next needs the sweep: its expiry or its next escalation, whichever is first.
  TimePoint NextDue(const store::ConflictRecord& c) const;
  // Writer-thread helpers (REQUIRE: writer thread, inside a batch). Each Apply returns a
  // non-OK Status only for a failure that must roll the batch back; a refusal of the operation
  // itself goes into the operation's own status.
  Status Apply(Batch& b, op::Submit& op);
  Status Apply(Batch& b, op::Cancel& op);
  Status Apply(Batch& b, op::ConflictAction& op);
  Status Apply(Batch& b, op::Message& op);
  Status Apply(Batch& b, op::Receipts& op);
  // OK when `party` may register one more webhook (`webhooks`) or contact; FailedPrecondition
  // at the cap; storage errors as they come.
  Status SettingsCap(Batch& b, const PartyId& party, bool webhooks);
  Status Apply(Batch& b, op::AddWebhook& op);
  Status Apply(Batch& b, op::DeleteWebhook& op);
  Status Apply(Batch& b, op::AddContact& op);
  Status Apply(Batch& b, op::DeleteContact& op);
  Status Apply(Batch& b, op::Review& op);
  Status Apply(Batch& b, op::DryRunRecord& op);
  // Stores `rec` as a pending version of plan `key`; the version in force stays.
  // `end`: the pending version's (model::ActiveInterval).
  Status StorePending(Batch& b, const PlanId& key, store::PlanRecord rec, TimePoint end,
                      PlanOutcome* out, AuditKind why);
  // Emits `type` with {"plan": view of `rec`, ...extra} to the plan's owner (unless
  // `watchers_only`) and to every coordinator and observer.
  Status AnnouncePlan(Batch& b, const store::PlanRecord& rec, EventType type,
                      const boost::json::object& extra, bool watchers_only);
  AuditAppender Appender(Batch& b);
  // The sweep and its steps.
  Status Sweep(Batch& b, bool force_checkpoint);
  Status ExpireStep(Batch& b, store::ConflictRecord c);
  // Retires the plans whose end has passed (at most a bounded number per batch): each becomes a
  // new version with status completed, leaves the detector, and its live conflicts expire.
  Status RetireStep(Batch& b);
  Status Retire(Batch& b, const PlanId& key);
  // plans_[key] = st, keeping ends_ in step.
  void SetPlan(const PlanId& key, PlanState st);
  Status EscalateStep(Batch& b, const ConflictId& id);
  Status PageStep(Batch& b, const store::ConflictRecord& c, const PartyId& party, int level,
                  const std::vector<store::ContactRecord>& alerted);
  Status CheckpointStep(Batch& b, bool force);
  // `found`: the conflicts of next.plan (none when cancelled) by other plan, found before the
  // change. `extra`: fields added to the audit entry's body (a review's "by" and "reason").
  Status ReplacePlan(Batch& b, const PlanId& key, PlanState next,
                     const std::map<PlanId, PairConflict>& found, PlanOutcome* out, AuditKind why,
                     const boost::json::object& extra = {}, bool with_feature = true);
  // After plan `key` changed to out->plan: the conflicts `found` now, paired with its live ones
  // per other plan, are kept (unchanged details), or close the old and open the new.
  Status Reconcile(Batch& b, const PlanId& key, const std::map<PlanId, PairConflict>& found,
                   bool still_active, PlanOutcome* out);
  // Plan `key`'s live conflicts by the other plan.
  std::map<PlanId, std::vector<ConflictId>> LiveByOtherPlan(const PlanId& key) const;
  // How many conflicts Reconcile would open for plan `key` with `found`.
  size_t Opening(const PlanId& key, const std::map<PlanId, PairConflict>& found) const;
  // `detail_json`: c's disclosure (MergeEpisodes).
  Status OpenConflict(Batch& b, const engine::Conflict& c, std::string detail_json,
                      store::ConflictRecord* out);
  // Applies `e` (kResolve or kExpire) to the live conflict *c and records its closing.
  Status CloseConflict(Batch& b, store::ConflictRecord* c, const Event& e, const PartyId& actor);
  // Persists a conflict that has just closed, removes it from the live set, records and
  // announces it.
  Status Closed(Batch& b, const store::ConflictRecord& c, const PartyId& actor);
  // Emits `type` with {"conflict": view, ...extra} to both sides and every watcher, and audits
  // a notice.sent entry per side.
  // `private_extra` goes only to `private_to` and the watchers.
  Status Notify(Batch& b, const store::ConflictRecord& c, EventType type,
                const boost::json::object& extra, const PartyId& private_to = PartyId(),
                const boost::json::object& private_extra = {});
  Status Audit(Batch& b, AuditKind kind, std::vector<PartyId> parties, std::string body_json);
  // Notice.sent for side `r` of `c`, announced in its event `seq`.
  Status AuditNotice(Batch& b, const store::ConflictRecord& c, const PartyId& r, EventType type,
                     int64_t seq);
  // True when the conflict.opened notice of `id` to `r` must wait for `r`'s minute to end
  // (max_notices_per_party_per_minute); it is then held.
  bool HoldNotice(Batch& b, const PartyId& r, const ConflictId& id);
  // Sends each recipient whose minute has ended one summary conflict.opened event of the live
  // conflicts held for it, and gives their sides at least the usual time to acknowledge from now.
  Status FlushHeldNotices(Batch& b);
  Status Emit(Batch& b, const PartyId& recipient, EventType type, std::string data_json,
              store::EventRecord* out = nullptr);
  std::vector<PartyId> Watchers() const;      // coordinators and observers
  std::vector<PartyId> Coordinators() const;  // coordinators only (parties may learn them)
  // Runs `work(detector, stop)` under a ReaderLock of the detector until it finishes, or until
  // `deadline` (Unavailable "stopped"); `stop` turns true when the writer wants the detector, and
  // the work then starts again once the writer is done.
  template <typename T, typename Work>
  Result<T> BudgetedRead(Deadline deadline, Work work) const;
  void RefreshParties();
  // Publishes the records of plans_[key] for each key to current_ (erased when gone).
  void PublishPlans(const std::set<PlanId>& keys);

  store::Store* store_;
  ChannelOptions options_;
  record::KeyPair key_;
  Hub hub_;

  // Queue.
  Mutex queue_mu_;
  CondVar queue_cv_;
  std::deque<std::unique_ptr<Op>> queue_ GUARDED_BY(queue_mu_);
  bool stopping_ GUARDED_BY(queue_mu_) = false;
  std::thread writer_;

  // The session checker (CheckSessions every session_check_ms).
  Mutex sessions_mu_;
  CondVar sessions_cv_;
  bool sessions_stop_ GUARDED_BY(sessions_mu_) = false;
  std::thread sessions_;

  // The detector is changed by the writer (under a WriterLock) and read by DryRun/Suggest and the
  // writer itself (under a ReaderLock). The rest below is owned by the writer thread.
  mutable SharedMutex detector_mu_;
  // > 0 while the writer waits for detector_mu_ exclusively: budgeted reads then step aside.
  mutable std::atomic<int> writer_waiting_{0};
  std::unique_ptr<engine::ConflictDetector> detector_ GUARDED_BY(detector_mu_)
      PT_GUARDED_BY(detector_mu_);
  // The live plans (newest version active or pending), by key (EngineId). A plan that closes
  // (cancelled, rejected, completed) leaves at the end of its batch: memory follows the live plans.
  std::map<PlanId, PlanState> plans_;
  std::set<std::pair<TimePoint, PlanId>> ends_;  // (end, key) of each live plan with a finite end
  // What readers see of plans_ (CurrentPlan): its records as of the last commit, by key.
  mutable SharedMutex current_mu_;
  std::map<PlanId, std::shared_ptr<const store::PlanRecord>> current_ GUARDED_BY(current_mu_);
  std::map<ConflictId, store::ConflictRecord> live_;     // open/acknowledged, by id
  std::map<PlanId, std::set<ConflictId>> live_by_plan_;  // plan key -> conflict ids
  TimePoint next_due_;             // <= NextDue of every live conflict: Sweep scans from then
  std::map<PartyId, Role> roles_;  // party -> role
  struct NoticeMinute {
    TimePoint start;               // of the recipient's current minute
    int sent = 0;                  // conflict.opened events in it
    std::vector<ConflictId> held;  // opened beyond the limit, for the summary
  };
  std::map<PartyId, NoticeMinute> notice_minutes_;    // by recipient
  TimePoint held_due_ = TimePoint::InfiniteFuture();  // the first held minute's end
  std::map<PartyId, std::vector<int64_t>> webhooks_;  // party -> active webhook ids
  int64_t last_party_refresh_ms_ = 0;
  int64_t last_unacked_count_ms_ = 0;  // SteadyMs of the last count of unacknowledged notices
  int64_t last_checkpoint_seq_ = 0;
  TimePoint last_checkpoint_;
  int64_t last_audit_seq_ = 0;
  std::string last_audit_hash_;

  mutable Mutex stats_mu_;
  Stats stats_ GUARDED_BY(stats_mu_);

  // Token cache.
  Mutex auth_mu_;
  struct AuthEntry {
    Caller caller;
    TimePoint until;
  };
  std::map<std::string, AuthEntry> auth_cache_ GUARDED_BY(auth_mu_);  // token hash -> caller
};

}  // namespace deconflict::channel
