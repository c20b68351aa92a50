// The service layer: one typed function per use case of the deconfliction channel. Every edge
// (the HTTP API, the admin CLI, later the TAK gateway) calls these and nothing below them, so that
// authorization (policy.h, the table of docs/security.md §7) and disclosure (channel/disclosure.h:
// every view of another party's data) happen here and only here.
//
//   service::Service svc(channel.get());
//   Status s = svc.StartSubmitPlan(caller, std::move(*ParsePlanInput(body, caller)), done);
//   Result<boost::json::object> c = svc.GetConflict(caller, ConflictId("c-5b0e2f4a9c1d3e77"));
//
// Each function takes the caller (from its token) and a validated input (inputs.h) and returns a
// Result: the value, or a Status whose code says what went wrong (NotFound for another party's
// resources, PermissionDenied for what the caller's role may never do, InvalidArgument naming the
// field, PreconditionFailed for a stale If-Match, Unavailable for storage errors or shutdown).
// Views are JSON objects as the API and the events show them, already cut to what the caller may
// see.
//
// Blocking: functions read the store and wait for the channel's writer to commit; call them off
// the network threads (the HTTP layer runs them on a worker pool).
// Thread-safety: thread-safe; a Service's only mutable state is its dry-run rate limiter, which
// is internally synchronized.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "channel/channel.h"
#include "service/inputs.h"
#include "service/policy.h"
#include "service/probing.h"
#include "store/store.h"

namespace deconflict::service {

// A plan after a change, with the conflicts the change opened, resolved or left unchanged, as the
// caller sees them.
struct PlanChange {
  store::PlanRecord plan;
  boost::json::object plan_view;
  boost::json::array opened, resolved, unchanged;
  std::vector<Issue> warnings;
};

// A time budget for work that may be long (dry runs, suggestions); 0 = none.
using Budget = std::chrono::milliseconds;

struct DryRunResult {
  boost::json::array conflicts;  // as the caller may see them; no ids, nothing stored
  std::vector<Issue> warnings;
};

struct PlanQuery {
  PartyId party;  // empty: the caller's (parties) or every party's (coordinators, observers)
  std::optional<PlanStatus> status;  // nullopt = any
};

struct ConflictQuery {
  std::vector<ConflictStatus> statuses;  // empty = any
  // nullopt: any plan; a plan with an empty party (ParsePlanRef("id")): the caller's.
  std::optional<channel::PlanRef> plan;
  int limit = 0;  // 0 = no limit
};

struct ConflictPage {
  boost::json::array conflicts;
  bool truncated = false;  // more than `limit` matched
};

struct SuggestionView {
  std::string outcome;  // "no_conflict" | "delay" | "advance" | "impossible"
  double shift_s = 0;
  PlanId plan;  // the caller's plan id
  int64_t conflicts_now = 0;
  std::string explanation;  // one sentence a person reads
};

// Other parties' dry runs that touched one party's plans (GET /v1/probes).
struct ProbeView {
  TimePoint since;  // the start of the last 24 h
  std::vector<store::ProbeCount> counts;
};

// What a reviewer decides about a pending restricting zone.
struct ReviewInput {
  bool approve = false;
  std::string reason;  // rejection: 1..1000 characters; approval: empty
};

struct ServiceOptions {
  ProbeLimits dry_runs;  // DEFAULT: burst 30, 30 a minute per party (dry runs and suggestions)
  // DEFAULT: 10,000 km². Zones, sites and flight volumes enclosing more are refused (submit,
  // amend, dry run).
  double max_area_km2 = 10000;
  // DEFAULT: the channel's clock (Channel::Now).
  std::function<TimePoint()> now;
};

struct AuditPage {
  std::vector<store::AuditEntry> entries;
  std::vector<store::Checkpoint> checkpoints;
};

class Service {
 public:
  explicit Service(channel::Channel* channel, ServiceOptions options = {});

  // Token -> caller. Unauthenticated for a missing, unknown or revoked token.
  Result<Caller> Authenticate(std::string_view token) const;
  // The caller of a token authenticated within the last few seconds, without blocking (no store
  // access; callable from a network thread); nullopt when Authenticate must decide.
  std::optional<Caller> CachedCaller(std::string_view token) const;

  // ----- Identity and parties.
  Result<boost::json::object> Me(const Caller& caller) const;
  Result<boost::json::array> ListParties(const Caller& caller) const;

  // ----- Plans. `ref` names a plan as ParsePlanRef (inputs.h) reads "id" (the caller's own; for
  // coordinators and observers, the one plan of any party with that id) or "PARTY:id".
  //
  // Submit, amend and cancel come in two halves, so that a caller need not block (the HTTP API
  // runs them on its network threads). Start* checks and authorizes at once and returns why it
  // refuses (then `done` is never called); otherwise it queues the write, and `done` runs on the
  // channel's writer thread once the write is committed or refused. `done` must only hand the
  // outcome on: FinishPlanChange, on the caller's thread, makes the caller's view of it.
  using PlanDone = channel::Channel::Done<channel::PlanOutcome>;
  Status StartSubmitPlan(const Caller& caller, PlanInput in, PlanDone done) const;
  // REQUIRES: if_match >= 0. InvalidArgument when the Feature's id differs from `ref`.
  Status StartAmendPlan(const Caller& caller, const channel::PlanRef& ref, int64_t if_match,
                        PlanInput in, PlanDone done) const;
  Status StartCancelPlan(const Caller& caller, const channel::PlanRef& ref,
                         std::optional<int64_t> if_match, PlanDone done) const;
  // `feature`: the submitted PlanInput::feature, which is what was stored (the answer then needs
  // no second parse of it); null after a cancellation.
  Result<PlanChange> FinishPlanChange(Result<channel::PlanOutcome> out, const Caller& caller,
                                      std::vector<Issue> warnings,
                                      boost::json::value feature = nullptr) const;
  // `ref` as the id of a plan the caller may change (its own party's): PermissionDenied for roles
  // that change no plans, NotFound for another party's.
  Result<PlanId> OwnPlanId(const Caller& caller, const channel::PlanRef& ref) const;
  Result<store::PlanRecord> GetPlan(const Caller& caller, const channel::PlanRef& ref) const;
  // GetPlan from memory, for a network thread: the plan's newest version from the channel
  // (Channel::CurrentPlan), or the refusal; nullopt when only the store can answer (a plan the
  // channel does not hold, or "id" alone for a caller who reads every party's plans) — then call
  // GetPlan off the network thread. Never blocks; same authorization as GetPlan.
  std::optional<Result<std::shared_ptr<const store::PlanRecord>>> GetPlanNow(
      const Caller& caller, const channel::PlanRef& ref) const;
  Result<std::vector<store::PlanRecord>> PlanVersions(const Caller& caller,
                                                      const channel::PlanRef& ref) const;
  Result<std::vector<store::PlanRecord>> ListPlans(const Caller& caller, PlanQuery q) const;
  // The conflicts the plan would have now with other parties' active plans; no plan is stored, but
  // the dry run is: a "dryrun.checked" record entry (coordinators and observers) and a probe for
  // each party whose plans it touched (Probes). TooManyRequests over the party's rate limit;
  // InvalidArgument for an area over max_area_km2, or ("plan too complex to check in the time
  // budget") when the work takes longer than `budget` (it never holds up the channel's writer
  // meanwhile: channel.h DryRun); Unavailable if the record cannot be written.
  Result<DryRunResult> DryRun(const Caller& caller, PlanInput in, Budget budget = Budget(0)) const;
  // A coordinator approves or rejects the pending version `if_match` of a restricting zone
  // (Channel::ReviewPlan): PermissionDenied for other roles, then NotFound, FailedPrecondition
  // (not pending), PreconditionFailed (another version).
  Result<PlanChange> ReviewPlan(const Caller& caller, const channel::PlanRef& ref, int64_t if_match,
                                ReviewInput in) const;
  // Counts of other parties' dry runs that touched `party`'s plans (empty: the caller's; a
  // coordinator or observer: empty means every party's).
  Result<ProbeView> Probes(const Caller& caller, PartyId party) const;

  // ----- Conflicts and their threads.
  Result<ConflictPage> ListConflicts(const Caller& caller, const ConflictQuery& q) const;
  Result<boost::json::object> GetConflict(const Caller& caller, const ConflictId& id) const;
  // GetConflict as a person reads it (GET /v1/conflicts/{id}): also leaves a read receipt
  // (channel api) for each of the caller's events about the conflict that was delivered to it
  // and not yet read.
  Result<boost::json::object> ReadConflict(const Caller& caller, const ConflictId& id) const;
  Result<boost::json::object> Acknowledge(const Caller& caller, const ConflictId& id) const;
  Result<boost::json::object> Accept(const Caller& caller, const ConflictId& id) const;
  Result<boost::json::array> ListMessages(const Caller& caller, const ConflictId& id) const;
  Result<boost::json::object> PostMessage(const Caller& caller, const ConflictId& id,
                                          MessageInput in) const;
  // InvalidArgument when the work takes longer than `budget`, as DryRun.
  Result<SuggestionView> Suggest(const Caller& caller, const ConflictId& id,
                                 Budget budget = Budget(0)) const;
  // A signed receipt of the conflict's record entries the caller may read.
  Result<boost::json::object> Receipt(const Caller& caller, const ConflictId& id) const;

  // ----- The caller's own event stream.
  Result<std::vector<store::EventRecord>> EventsAfter(const Caller& caller, int64_t after_seq,
                                                      int limit) const;
  // Records that the caller's events up to and including these were delivered on `channel`
  // (kSse, kWs). Fire and forget.
  void RecordDelivered(const Caller& caller, const std::vector<int64_t>& seqs,
                       ReceiptChannel channel) const;
  // A read receipt. NotFound unless the caller's stream has event `seq` and it has been delivered
  // to the caller (a `delivered` receipt on any channel: sse, ws, webhook, or api when the history
  // returned it); nothing is recorded then. Waits for the writer when the delivery receipt may
  // still be queued.
  Status MarkRead(const Caller& caller, int64_t seq, ReceiptChannel channel) const;
  // Wakes `wake` whenever new events are committed for the caller (channel/hub.h), and ends
  // the subscription (ended(), then `wake`) within about a second of `token` (the one the caller
  // authenticated with) being revoked or its party removed. TooManyRequests (429) when the
  // caller's party already has its maximum of open streams (ChannelOptions).
  [[nodiscard]] Result<channel::Hub::Subscription> Subscribe(const Caller& caller,
                                                             std::string_view token,
                                                             std::function<void()> wake) const;

  // ----- The record.
  Result<AuditPage> Audit(const Caller& caller, int64_t after_seq, int limit) const;
  // The whole log as NDJSON (record::ExportLog).
  Result<std::string> ExportRecord(const Caller& caller) const;
  const std::string& RecordKey() const;  // hex Ed25519 public key

  // ----- Settings of the caller's party.
  Result<std::vector<store::WebhookRecord>> ListWebhooks(const Caller& caller) const;
  Result<store::WebhookRecord> AddWebhook(const Caller& caller, WebhookInput in) const;
  Status DeleteWebhook(const Caller& caller, int64_t id) const;
  Result<std::vector<store::ContactRecord>> ListContacts(const Caller& caller) const;
  Result<store::ContactRecord> AddContact(const Caller& caller, ContactInput in) const;
  Status DeleteContact(const Caller& caller, int64_t id) const;

  // ----- Operations. Ready: OK, or Unavailable while loading or when the store does not
  // answer. It says nothing about the parties' data (no counts: docs/security.md §12).
  Status Ready() const;
  channel::Channel::Stats stats() const;
  size_t subscribers() const;  // open event streams

 private:
  Result<store::PlanRecord> FindPlan(const Caller& caller, const channel::PlanRef& ref) const;
  // The party whose plan `ref` names for the caller, once the caller may read it; nullopt for
  // "id" alone when the caller reads every party's plans (FindPlanOfAnyParty decides).
  Result<std::optional<PartyId>> PlanOwner(const Caller& caller, const channel::PlanRef& ref) const;
  // Whether the caller's event `seq` has a delivered receipt.
  Result<bool> Delivered(const Caller& caller, int64_t seq) const;
  // Read receipts (channel api) for the caller's delivered, unread events about conflict `id`
  // (ReadConflict). Fire and forget; best effort.
  void MarkConflictRead(const Caller& caller, const ConflictId& id) const;
  // The seqs of the caller's delivered, unread events about conflict `id`; *undelivered tells
  // whether some event about it has no delivery receipt (yet).
  std::vector<int64_t> UnreadAbout(const Caller& caller, const ConflictId& id,
                                   bool* undelivered) const;
  // "id" alone, for a caller who reads every party's plans: the one party that has it.
  Result<store::PlanRecord> FindPlanOfAnyParty(const PlanId& id) const;
  // The conflict, if the caller may do `action` on it (NotFound / PermissionDenied otherwise).
  Result<store::ConflictRecord> FindConflict(const Caller& caller, const ConflictId& id,
                                             Action action) const;
  boost::json::array Views(const std::vector<store::ConflictRecord>& cs,
                           const Caller& caller) const;
  PlanChange ChangeView(channel::PlanOutcome out, const Caller& caller, std::vector<Issue> warnings,
                        boost::json::value feature) const;

  Status CheckArea(const model::Plan& p) const;
  TimePoint Now() const;

  channel::Channel* ch_;
  store::Store* store_;
  ServiceOptions options_;
  mutable ProbeLimiter limiter_;
};

}  // namespace deconflict::service
