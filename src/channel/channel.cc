#include "channel/channel.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <variant>

#include "base/time.h"
#include "channel/disclosure.h"
#include "channel/lifecycle.h"
#include "channel/settings.h"
#include "json/parse.h"
#include "json/write.h"
#include "model/plan_parser.h"
#include "record/chain.h"

namespace deconflict::channel {

namespace json = boost::json;

PlanId EngineId(const PlanRef& ref) { return PlanId(ref.party + ":" + ref.id); }

PlanRef FromEngineId(const PlanId& engine_id) {
  const std::string& key = engine_id.value();
  size_t colon = key.find(':');
  return {PartyId(key.substr(0, colon)), PlanId(key.substr(colon + 1))};
}

namespace {

// For intervals that do not depend on the (possibly simulated) clock of the record.
int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Quote(const std::string& s) { return deconflict::json::Write(json::string(s)); }

// The engine id of a stored plan, as the key of plans_ and live_by_plan_.
PlanId PlanKey(const PartyId& party, const PlanId& id) { return EngineId({party, id}); }

// Party ids as a JSON array of their names.
json::array NameArray(const std::vector<PartyId>& parties) {
  json::array a;
  for (const PartyId& p : parties) a.emplace_back(p.value());
  return a;
}

}  // namespace

// One queued operation: a value of one of these kinds, with the callback that gets its outcome.
namespace op {
template <typename T>
struct Outcome {
  Channel::Done<T> done;
  Status status;         // a refusal (NotFound, PreconditionFailed, ...); the batch goes on
  std::optional<T> out;  // the result when status is OK
};
struct Submit : Outcome<PlanOutcome> {
  Caller caller;
  model::Plan plan;
  std::string feature_json;
  std::optional<int64_t> if_match;
  Write mode = Write::kCreate;
};
struct Cancel : Outcome<PlanOutcome> {
  Caller caller;
  PlanId id;
  std::optional<int64_t> if_match;
};
struct ConflictAction : Outcome<store::ConflictRecord> {
  Caller caller;
  ConflictId id;
  Event::Kind kind = Event::kAcknowledge;  // kAcknowledge or kAccept
};
struct Message : Outcome<store::MessageRecord> {
  Caller caller;
  ConflictId conflict_id;
  store::MessageRecord message;
};
struct Receipts : Outcome<bool> {
  std::vector<store::ReceiptRecord> receipts;
};
struct AddWebhook : Outcome<store::WebhookRecord> {
  Caller caller;
  store::WebhookRecord webhook;
};
struct DeleteWebhook : Outcome<bool> {
  Caller caller;
  int64_t id = 0;
};
struct AddContact : Outcome<store::ContactRecord> {
  Caller caller;
  store::ContactRecord contact;
};
struct DeleteContact : Outcome<bool> {
  Caller caller;
  int64_t id = 0;
};
}  // namespace op

struct Channel::Op {
  std::variant<op::Submit, op::Cancel, op::ConflictAction, op::Message, op::Receipts,
               op::AddWebhook, op::DeleteWebhook, op::AddContact, op::DeleteContact>
      v;
  // Calls the operation's callback: `fatal` (the batch failed: nothing was saved), its refusal,
  // or its result.
  void Finish(const Status& fatal) {
    std::visit(
        [&](auto& o) {
          if (!o.done) return;
          if (!fatal.ok())
            return o.done(
                Status::Unavailable("storage error, nothing was saved: " + fatal.message()));
          if (!o.status.ok() || !o.out) {
            return o.done(o.status.ok() ? Status::Internal("no outcome") : o.status);
          }
          o.done(std::move(*o.out));
        },
        v);
  }
};

struct Channel::Batch {
  std::unique_ptr<store::WriteTxn> txn;
  TimePoint now;
  std::map<PartyId, int64_t> published;  // recipient -> last event seq
  int64_t last_audit_seq = 0;
  std::string last_audit_hash;
  std::set<std::tuple<PartyId, int64_t, ReceiptChannel, ReceiptKind>> receipts;
  int64_t escalations = 0;
  bool webhooks_changed = false;
};

Channel::Channel(store::Store* store, ChannelOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.now) options_.now = NowMillis;
}

Result<std::unique_ptr<Channel>> Channel::Open(store::Store* store, ChannelOptions options) {
  if (options.key_file.empty()) return Status::InvalidArgument("channel: key_file is required");
  Result<record::KeyPair> key = record::LoadOrCreateKeyPair(options.key_file);
  if (!key.ok()) return key.status();
  std::unique_ptr<Channel> ch(new Channel(store, std::move(options)));
  ch->key_ = std::move(*key);
  if (Status s = ch->Load(); !s.ok()) return s;
  ch->writer_ = std::thread([c = ch.get()] { c->WriterLoop(); });
  if (ch->options_.session_check_ms > 0) {
    ch->sessions_ = std::thread([c = ch.get()] { c->SessionLoop(); });
  }
  return ch;
}

Channel::~Channel() { Stop(); }

void Channel::Stop() {
  {
    MutexLock lock(queue_mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  queue_cv_.NotifyAll();
  if (writer_.joinable()) writer_.join();
  {
    MutexLock lock(sessions_mu_);
    sessions_stop_ = true;
  }
  sessions_cv_.NotifyAll();
  if (sessions_.joinable()) sessions_.join();
  hub_.WakeAll();
}

Status Channel::Load() {
  WriterLock lock(detector_mu_);
  plans_.clear();
  live_.clear();
  live_by_plan_.clear();
  next_due_ = TimePoint::InfinitePast();  // the first sweep looks at every live conflict
  detector_ = std::make_unique<engine::ConflictDetector>(options_.rules);

  auto plans = store_->ListPlans(PartyId(), std::nullopt);
  if (!plans.ok()) return plans.status();
  for (store::PlanRecord& r : *plans) {
    PlanId key = PlanKey(r.party, r.id);
    PlanState st;
    if (r.status == PlanStatus::kActive) {
      json::value v;
      if (auto issue = deconflict::json::Parse(r.feature_json, &v)) {
        return Status::Internal("stored plan " + key + " is not JSON: " + issue->ToString());
      }
      Result<model::Plan> p = model::ParsePlanFeature(v, "", nullptr);
      if (!p.ok()) {
        return Status::Internal("stored plan " + key +
                                " no longer validates: " + p.status().ToString());
      }
      p->id = key;
      p->party = r.party;
      if (Status s = detector_->Add(*p); !s.ok()) return s;
      st.plan = std::move(*p);
    }
    st.record = std::move(r);
    plans_.emplace(key, std::move(st));
  }
  auto conflicts =
      store_->ListConflicts({.statuses = {ConflictStatus::kOpen, ConflictStatus::kAcknowledged}});
  if (!conflicts.ok()) return conflicts.status();
  for (store::ConflictRecord& c : *conflicts) {
    live_by_plan_[PlanKey(c.party_a, c.plan_a)].insert(c.id);
    live_by_plan_[PlanKey(c.party_b, c.plan_b)].insert(c.id);
    live_.emplace(c.id, std::move(c));
  }
  auto last = store_->LastAudit();
  if (!last.ok()) return last.status();
  last_audit_seq_ = *last ? (*last)->seq : 0;
  last_audit_hash_ = *last ? (*last)->hash : record::GenesisHash();
  auto cps = store_->ListCheckpoints();
  if (!cps.ok()) return cps.status();
  last_checkpoint_seq_ = cps->empty() ? 0 : cps->back().seq;
  last_checkpoint_ = options_.now();
  RefreshParties();
  {
    MutexLock s(stats_mu_);
    stats_.plans_active = static_cast<int64_t>(detector_->size());
    stats_.ready = true;
  }
  return Status::Ok();
}

void Channel::RefreshParties() {
  auto parties = store_->ListParties();
  if (parties.ok()) {
    roles_.clear();
    for (const auto& p : *parties) roles_[p.name] = p.role;
  }
  auto hooks = store_->ListWebhooks(PartyId());
  if (hooks.ok()) {
    webhooks_.clear();
    for (const auto& w : *hooks) {
      if (w.active) webhooks_[w.party].push_back(w.id);
    }
  }
  last_party_refresh_ms_ = SteadyMs();
}

std::vector<PartyId> Channel::Watchers() const {
  std::vector<PartyId> out;
  for (const auto& [name, role] : roles_) {
    if (role != Role::kParty) out.push_back(name);
  }
  return out;
}

// ----- Public operations: queue them. -----

void Channel::Enqueue(std::unique_ptr<Op> op) {
  {
    MutexLock lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      op = nullptr;
    }
  }
  if (op) {
    std::visit(
        [](auto& o) {
          if (o.done) o.done(Status::Unavailable("the server is shutting down; nothing was saved"));
        },
        op->v);
    return;
  }
  queue_cv_.NotifyOne();
}

void Channel::SubmitPlan(const Caller& caller, model::Plan plan, std::string feature_json,
                         std::optional<int64_t> if_match, Write mode, Done<PlanOutcome> done) {
  op::Submit o;
  o.done = std::move(done);
  o.caller = caller;
  o.plan = std::move(plan);
  o.feature_json = std::move(feature_json);
  o.if_match = if_match;
  o.mode = mode;
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::CancelPlan(const Caller& caller, const PlanId& id, std::optional<int64_t> if_match,
                         Done<PlanOutcome> done) {
  op::Cancel o;
  o.done = std::move(done);
  o.caller = caller;
  o.id = id;
  o.if_match = if_match;
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::Acknowledge(const Caller& caller, const ConflictId& conflict_id,
                          Done<store::ConflictRecord> done) {
  op::ConflictAction o;
  o.done = std::move(done);
  o.caller = caller;
  o.id = conflict_id;
  o.kind = Event::kAcknowledge;
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::Accept(const Caller& caller, const ConflictId& conflict_id,
                     Done<store::ConflictRecord> done) {
  op::ConflictAction o;
  o.done = std::move(done);
  o.caller = caller;
  o.id = conflict_id;
  o.kind = Event::kAccept;
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::PostMessage(const Caller& caller, const ConflictId& conflict_id,
                          store::MessageRecord message, Done<store::MessageRecord> done) {
  op::Message o;
  o.done = std::move(done);
  o.caller = caller;
  o.conflict_id = conflict_id;
  o.message = std::move(message);
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::RecordReceipts(std::vector<store::ReceiptRecord> receipts) {
  if (receipts.empty()) return;
  op::Receipts o;
  o.receipts = std::move(receipts);
  o.done = [](const Result<bool>& r) {
    if (!r.ok()) spdlog::warn("receipts not recorded: {}", r.status().ToString());
  };
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::Flush(Done<bool> done) {
  op::Receipts o;  // with no receipts: a no-op that rides the queue, so after everything before it
  o.done = std::move(done);
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::AddWebhook(const Caller& caller, store::WebhookRecord w,
                         Done<store::WebhookRecord> done) {
  op::AddWebhook o;
  o.done = std::move(done);
  o.caller = caller;
  o.webhook = std::move(w);
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::DeleteWebhook(const Caller& caller, int64_t id, Done<bool> done) {
  op::DeleteWebhook o;
  o.done = std::move(done);
  o.caller = caller;
  o.id = id;
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::AddContact(const Caller& caller, store::ContactRecord c,
                         Done<store::ContactRecord> done) {
  op::AddContact o;
  o.done = std::move(done);
  o.caller = caller;
  o.contact = std::move(c);
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::DeleteContact(const Caller& caller, int64_t id, Done<bool> done) {
  op::DeleteContact o;
  o.done = std::move(done);
  o.caller = caller;
  o.id = id;
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

// ----- Reads. -----

std::vector<engine::Conflict> Channel::DryRun(const model::Plan& plan_with_key) const {
  ReaderLock lock(detector_mu_);
  return detector_->Check(plan_with_key);
}

Result<engine::Suggestion> Channel::Suggest(const Caller& caller,
                                            const store::ConflictRecord& c) const {
  int side = SideOf(c, caller.party);
  if (side < 0) return Status::PermissionDenied("not a side of conflict " + c.id);
  PlanId key = side == 0 ? PlanKey(c.party_a, c.plan_a) : PlanKey(c.party_b, c.plan_b);
  ReaderLock lock(detector_mu_);
  if (detector_->Find(key) == nullptr) {
    return Status::FailedPrecondition("the plan of this conflict is no longer active");
  }
  return engine::Suggest(*detector_, key, {});
}

std::optional<Caller> Channel::CachedCaller(std::string_view token) {
  if (token.empty()) return std::nullopt;
  const std::string hash = record::Sha256Hex(token);
  const TimePoint now = options_.now();
  MutexLock lock(auth_mu_);
  auto it = auth_cache_.find(hash);
  if (it != auth_cache_.end() && it->second.until > now) return it->second.caller;
  return std::nullopt;
}

Result<Caller> Channel::Authenticate(std::string_view token) {
  if (token.empty()) return Status::Unauthenticated("missing bearer token");
  if (std::optional<Caller> cached = CachedCaller(token)) return *cached;
  std::string hash = record::Sha256Hex(token);
  TimePoint now = options_.now();
  auto t = store_->FindToken(hash);
  if (!t.ok()) return t.status();
  if (!*t) return Status::Unauthenticated("unknown or revoked token");
  auto p = store_->GetParty((*t)->party);
  if (!p.ok()) return p.status();
  if (!*p) return Status::Unauthenticated("the token's party no longer exists");
  Caller caller{(*p)->name, (*p)->role};
  MutexLock lock(auth_mu_);
  if (auth_cache_.size() > 10000) auth_cache_.clear();
  auth_cache_[hash] = {caller, now + Seconds(2)};
  return caller;
}

Result<Hub::Subscription> Channel::Subscribe(const Caller& caller, std::string_view token,
                                             std::function<void()> wake) {
  return hub_.Subscribe(caller.party, record::Sha256Hex(token), std::move(wake),
                        options_.max_streams_per_party);
}

void Channel::SessionLoop() {
  const auto period = std::chrono::milliseconds(options_.session_check_ms);
  for (;;) {
    {
      MutexLock lock(sessions_mu_);
      if (!sessions_stop_) sessions_cv_.WaitFor(lock, period);
      if (sessions_stop_) return;
    }
    CheckSessions();
  }
}

size_t Channel::CheckSessions() {
  std::vector<std::string> open = hub_.TokenHashes();
  if (open.empty()) return 0;
  Result<std::vector<std::string>> active = store_->ActiveTokenHashes(open);
  if (!active.ok()) {  // the streams stay open; the next check tries again
    spdlog::warn("msg=\"stream tokens not checked\" error=\"{}\"", active.status().ToString());
    return 0;
  }
  std::sort(active->begin(), active->end());
  size_t ended = 0;
  for (const std::string& hash : open) {
    if (std::binary_search(active->begin(), active->end(), hash)) continue;
    {
      MutexLock lock(auth_mu_);
      auth_cache_.erase(hash);
    }
    ended += hub_.EndToken(hash);
  }
  if (ended > 0) spdlog::info("msg=\"streams of revoked tokens ended\" streams={}", ended);
  return ended;
}

Channel::Stats Channel::stats() const {
  MutexLock lock(stats_mu_);
  return stats_;
}

// ----- The writer. -----

void Channel::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Op>> ops;
    bool stopping = false;
    {
      MutexLock lock(queue_mu_);
      if (queue_.empty() && !stopping_) {
        queue_cv_.WaitFor(lock, std::chrono::milliseconds(options_.sweep_interval_ms));
      }
      while (!queue_.empty() && ops.size() < options_.max_batch) {
        ops.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stopping = stopping_ && queue_.empty();
    }
    RunBatch(&ops, stopping);
    if (stopping) break;
  }
}

bool Channel::SweepDue(TimePoint now) const {
  if (SteadyMs() - last_party_refresh_ms_ >= 1000) return true;
  if (last_audit_seq_ > last_checkpoint_seq_ &&
      now - last_checkpoint_ >= options_.checkpoint_interval) {
    return true;
  }
  return now >= next_due_;
}

TimePoint Channel::NextDue(const store::ConflictRecord& c) const {
  return channel::NextDue(c, options_.deadlines);
}

void Channel::RunBatch(std::vector<std::unique_ptr<Op>>* ops, bool final_checkpoint) {
  TimePoint now = options_.now();
  if (ops->empty() && !final_checkpoint && !SweepDue(now)) return;
  // Parties and webhooks may change outside the writer (the admin CLI): read them for every
  // batch (two small queries), so that a new coordinator gets every notice after its creation.
  if (!ops->empty() || SteadyMs() - last_party_refresh_ms_ >= 1000) RefreshParties();

  Batch b;
  b.now = now;
  b.last_audit_seq = last_audit_seq_;
  b.last_audit_hash = last_audit_hash_;
  Status fatal;
  auto txn = store_->Begin();
  if (!txn.ok()) {
    fatal = txn.status();
  } else {
    b.txn = std::move(*txn);
    for (auto& op : *ops) {
      Status s = std::visit([&](auto& o) { return Apply(b, o); }, op->v);
      if (!s.ok()) {
        fatal = s;
        break;
      }
    }
    if (fatal.ok()) fatal = Sweep(b, final_checkpoint);
    if (fatal.ok()) fatal = b.txn->Commit();
  }

  if (!fatal.ok()) {
    spdlog::error("batch of {} operations failed and was rolled back: {}", ops->size(),
                  fatal.ToString());
    b.txn.reset();
    if (Status s = Load(); !s.ok()) {
      spdlog::critical("cannot reload the state after a failed batch: {}", s.ToString());
    }
  } else {
    last_audit_seq_ = b.last_audit_seq;
    last_audit_hash_ = b.last_audit_hash;
    for (const auto& [recipient, seq] : b.published) hub_.Publish(recipient, seq);
    if (b.webhooks_changed) RefreshParties();
    int64_t active = 0;
    {
      ReaderLock detector(detector_mu_);
      active = static_cast<int64_t>(detector_->size());
    }
    MutexLock lock(stats_mu_);
    stats_.batches += 1;
    stats_.operations += static_cast<int64_t>(ops->size());
    stats_.escalations += b.escalations;
    stats_.plans_active = active;
    stats_.conflicts_open = static_cast<int64_t>(live_.size());
    // A walk over every live conflict: at most every 250 ms (a gauge for /metrics), not per batch.
    if (SteadyMs() - last_unacked_count_ms_ >= 250 || live_.size() < 256) {
      int64_t unacked = 0;
      for (const auto& [id, c] : live_)
        unacked += static_cast<int>(!c.ack_a.has_value()) + static_cast<int>(!c.ack_b.has_value());
      stats_.notices_unacknowledged = unacked;
      last_unacked_count_ms_ = SteadyMs();
    }
  }
  for (auto& op : *ops) op->Finish(fatal);
}

// ----- Writer helpers. -----

Status Channel::Audit(Batch& b, AuditKind kind, std::vector<PartyId> parties,
                      std::string body_json) {
  store::AuditEntry e;
  e.at = b.now;
  e.kind = std::string(Name(kind));  // the log keeps the kind as text
  std::sort(parties.begin(), parties.end());
  parties.erase(std::unique(parties.begin(), parties.end()), parties.end());
  e.parties = std::move(parties);
  e.body_json = std::move(body_json);
  auto r = b.txn->AppendAudit(std::move(e));
  if (!r.ok()) return r.status();
  b.last_audit_seq = r->seq;
  b.last_audit_hash = r->hash;
  return Status::Ok();
}

Status Channel::Emit(Batch& b, const PartyId& recipient, EventType type, std::string data_json,
                     store::EventRecord* out) {
  store::EventRecord e;
  e.recipient = recipient;
  e.type = type;
  e.data_json = std::move(data_json);
  e.at = b.now;
  auto r = b.txn->AppendEvent(std::move(e));
  if (!r.ok()) return r.status();
  b.published[recipient] = r->seq;
  auto hooks = webhooks_.find(recipient);
  if (hooks != webhooks_.end()) {
    for (int64_t hook : hooks->second) {
      store::WebhookJob job;
      job.webhook_id = hook;
      job.recipient = recipient;
      job.event_seq = r->seq;
      job.next_attempt = b.now;
      job.state = DeliveryState::kPending;
      if (Status s = b.txn->PutWebhookJob(job); !s.ok()) return s;
    }
  }
  if (out) *out = std::move(*r);
  return Status::Ok();
}

Status Channel::Notify(Batch& b, const store::ConflictRecord& c, EventType type,
                       const json::object& extra, const PartyId& private_to,
                       const json::object& private_extra) {
  std::vector<PartyId> recipients = {c.party_a, c.party_b};
  for (PartyId& w : Watchers()) recipients.push_back(std::move(w));
  const json::value detail = json::parse(c.detail_json);
  for (const PartyId& r : recipients) {
    auto role_it = roles_.find(r);
    Role role = role_it != roles_.end() ? role_it->second : Role::kParty;
    Caller as{r, role};
    json::object data = extra;
    if (!private_to.empty() && (r == private_to || as.sees_all())) {
      for (const auto& [k, v] : private_extra) data[k] = v;
    }
    data["conflict"] = ConflictView(c, as, detail.as_object());
    store::EventRecord ev;
    if (Status s = Emit(b, r, type, deconflict::json::Write(data), &ev); !s.ok()) return s;
    if (r == c.party_a || r == c.party_b) {
      json::object body{{"recipient", r.value()},   {"event_seq", ev.seq},
                        {"type", Name(type)},       {"conflict", c.id.value()},
                        {"status", Name(c.status)}, {"deadline", FormatRfc3339Millis(c.deadline)}};
      if (Status s = Audit(b, AuditKind::kNoticeSent, {r}, deconflict::json::Write(body)); !s.ok())
        return s;
    }
  }
  return Status::Ok();
}

Status Channel::Apply(Batch& b, op::Submit& op) {
  const PlanId id = op.plan.id;
  const PlanId key = PlanKey(op.caller.party, id);
  auto it = plans_.find(key);
  bool active = it != plans_.end() && it->second.record.status == PlanStatus::kActive;
  if (op.mode == Write::kCreate && active) {
    op.status = Status::AlreadyExists("plan " + id + " already exists (version " +
                                      std::to_string(it->second.record.version) +
                                      "); amend it with PUT /v1/plans/" + id + " and If-Match: \"" +
                                      std::to_string(it->second.record.version) + "\"");
    return Status::Ok();
  }
  if (op.mode == Write::kAmend) {
    if (!active) {
      op.status = Status::NotFound("no active plan " + id);
      return Status::Ok();
    }
    if (op.if_match && *op.if_match != it->second.record.version) {
      op.status = Status::PreconditionFailed(
          "plan " + id + " is at version " + std::to_string(it->second.record.version) + ", not " +
          std::to_string(*op.if_match) + "; fetch it again and reapply your change");
      return Status::Ok();
    }
  }
  PlanState next;
  next.record.party = op.caller.party;
  next.record.id = id;
  next.record.version = it == plans_.end() ? 1 : it->second.record.version + 1;
  next.record.status = PlanStatus::kActive;
  next.record.feature_json = std::move(op.feature_json);
  next.record.created = b.now;
  model::Plan plan = std::move(op.plan);
  plan.id = key;
  plan.party = op.caller.party;
  next.plan = std::move(plan);
  op.out.emplace();
  return ReplacePlan(
      b, key, std::move(next), &*op.out,
      op.mode == Write::kCreate ? AuditKind::kPlanSubmitted : AuditKind::kPlanAmended);
}

Status Channel::Apply(Batch& b, op::Cancel& op) {
  const PlanId key = PlanKey(op.caller.party, op.id);
  auto it = plans_.find(key);
  if (it == plans_.end() || it->second.record.status != PlanStatus::kActive) {
    op.status = Status::NotFound("no active plan " + op.id);
    return Status::Ok();
  }
  if (op.if_match && *op.if_match != it->second.record.version) {
    op.status = Status::PreconditionFailed("plan " + op.id + " is at version " +
                                           std::to_string(it->second.record.version) + ", not " +
                                           std::to_string(*op.if_match));
    return Status::Ok();
  }
  PlanState next;
  next.record = it->second.record;
  next.record.version += 1;
  next.record.status = PlanStatus::kCancelled;
  next.record.created = b.now;
  op.out.emplace();
  return ReplacePlan(b, key, std::move(next), &*op.out, AuditKind::kPlanCancelled);
}

Status Channel::ReplacePlan(Batch& b, const PlanId& key, PlanState next, PlanOutcome* out,
                            AuditKind why) {
  std::vector<engine::Conflict> found;
  if (next.plan) {
    ReaderLock lock(detector_mu_);
    found = detector_->Check(*next.plan);
  }
  {
    WriterLock lock(detector_mu_);
    if (detector_->Find(key) != nullptr) {
      if (Status s = detector_->Remove(key); !s.ok()) return s;
    }
    if (next.plan) {
      if (Status s = detector_->Add(*next.plan); !s.ok()) return s;
    }
  }
  if (Status s = b.txn->PutPlan(next.record); !s.ok()) return s;
  const store::PlanRecord& rec = next.record;
  std::string body = "{\"party\":" + Quote(rec.party.value()) + ",\"id\":" + Quote(rec.id.value()) +
                     ",\"version\":" + std::to_string(rec.version) +
                     ",\"status\":" + Quote(std::string(Name(rec.status))) +
                     ",\"feature\":" + rec.feature_json + "}";
  if (Status s = Audit(b, why, {rec.party}, std::move(body)); !s.ok()) return s;
  const bool still_active = next.plan.has_value();
  out->plan = rec;
  plans_[key] = std::move(next);  // `rec` referred into `next`: use out->plan from here on
  return Reconcile(b, key, found, still_active, out);
}

Status Channel::Reconcile(Batch& b, const PlanId& key, const std::vector<engine::Conflict>& found,
                          bool still_active, PlanOutcome* out) {
  // Pair the conflicts found now with the live ones, per other plan.
  std::map<PlanId, std::vector<const engine::Conflict*>> now_by_other;
  for (const engine::Conflict& c : found) {
    const PlanId& other = c.plan_a == key ? c.plan_b : c.plan_a;
    now_by_other[other].push_back(&c);
  }
  std::map<PlanId, std::vector<ConflictId>> live_by_other;
  auto lit = live_by_plan_.find(key);
  if (lit != live_by_plan_.end()) {
    for (const ConflictId& id : lit->second) {
      const store::ConflictRecord& c = live_.at(id);
      PlanId a = PlanKey(c.party_a, c.plan_a), bk = PlanKey(c.party_b, c.plan_b);
      live_by_other[a == key ? bk : a].push_back(id);
    }
  }
  std::set<PlanId> others;
  for (const auto& [o, v] : now_by_other) others.insert(o);
  for (const auto& [o, v] : live_by_other) others.insert(o);
  for (const PlanId& other : others) {
    const auto& fresh = now_by_other[other];
    auto& old = live_by_other[other];
    std::sort(old.begin(), old.end(), [&](const ConflictId& x, const ConflictId& y) {
      const auto &cx = live_.at(x), &cy = live_.at(y);
      return std::tie(cx.window_start, cx.id) < std::tie(cy.window_start, cy.id);
    });
    bool same = fresh.size() == old.size();
    for (size_t i = 0; same && i < fresh.size(); ++i) {
      same = DisclosureJson(*fresh[i]) == live_.at(old[i]).detail_json;
    }
    if (same) {
      for (const ConflictId& id : old) {
        store::ConflictRecord& c = live_.at(id);
        int64_t& v = PlanKey(c.party_a, c.plan_a) == key ? c.version_a : c.version_b;
        v = out->plan.version;
        c.updated = b.now;
        if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
        out->unchanged.push_back(c);
      }
      continue;
    }
    Resolution resolution = !still_active   ? Resolution::kCancelled
                            : fresh.empty() ? Resolution::kAmended
                                            : Resolution::kSuperseded;
    for (const ConflictId& id : old) {
      store::ConflictRecord c = live_.at(id);
      if (Status s = CloseConflict(b, &c, Event::Resolve(resolution), out->plan.party); !s.ok()) {
        return s;
      }
      out->closed.push_back(std::move(c));
    }
    for (const engine::Conflict* c : fresh) {
      store::ConflictRecord opened;
      if (Status s = OpenConflict(b, *c, &opened); !s.ok()) return s;
      out->opened.push_back(std::move(opened));
    }
  }
  return Status::Ok();
}

Status Channel::OpenConflict(Batch& b, const engine::Conflict& c, store::ConflictRecord* out) {
  store::ConflictRecord r;
  r.id = ConflictId("c-" + record::RandomHex(8));
  PlanRef side_a = FromEngineId(c.plan_a), side_b = FromEngineId(c.plan_b);
  r.party_a = std::move(side_a.party);
  r.plan_a = std::move(side_a.id);
  r.party_b = std::move(side_b.party);
  r.plan_b = std::move(side_b.id);
  r.version_a = plans_.at(c.plan_a).record.version;
  r.version_b = plans_.at(c.plan_b).record.version;
  r.status = ConflictStatus::kOpen;
  r.detail_json = DisclosureJson(c);
  r.window_start = WholeMillis(c.window.start);  // as the store keeps them
  r.window_end = WholeMillis(c.window.end);
  r.deadline = options_.deadlines.DeadlineFor(b.now, r.window_start);
  r.created = r.updated = b.now;
  if (Status s = b.txn->PutConflict(r); !s.ok()) return s;
  live_by_plan_[c.plan_a].insert(r.id);
  live_by_plan_[c.plan_b].insert(r.id);
  live_[r.id] = r;
  next_due_ = std::min(next_due_, NextDue(r));
  // Both parties read this entry: the plans are named by commitments (SHA-256 of
  // "party:id:version"), which a coordinator or either owner can check, but which do not disclose
  // the other party's plan id.
  std::string ref_a = record::Sha256Hex(c.plan_a + ":" + std::to_string(r.version_a));
  std::string ref_b = record::Sha256Hex(c.plan_b + ":" + std::to_string(r.version_b));
  std::string body = "{\"conflict\":" + Quote(r.id.value()) + ",\"plan_refs\":[" + Quote(ref_a) +
                     "," + Quote(ref_b) +
                     "],\"deadline\":" + Quote(FormatRfc3339Millis(r.deadline)) +
                     ",\"detail\":" + r.detail_json + "}";
  if (Status s = Audit(b, AuditKind::kConflictOpened, {r.party_a, r.party_b}, std::move(body));
      !s.ok())
    return s;
  if (Status s = Notify(b, r, EventType::kConflictOpened, {}); !s.ok()) return s;
  *out = std::move(r);
  return Status::Ok();
}

Status Channel::CloseConflict(Batch& b, store::ConflictRecord* c, const Event& e,
                              const PartyId& actor) {
  Result<Transition> t = channel::Apply(c, e, b.now, options_.deadlines);
  if (!t.ok()) return Status::Internal("closing a live conflict: " + t.status().message());
  return Closed(b, *c, actor);
}

Status Channel::Closed(Batch& b, const store::ConflictRecord& c, const PartyId& actor) {
  if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
  live_.erase(c.id);
  for (const PlanId& k : {PlanKey(c.party_a, c.plan_a), PlanKey(c.party_b, c.plan_b)}) {
    auto it = live_by_plan_.find(k);
    if (it == live_by_plan_.end()) continue;
    it->second.erase(c.id);
    if (it->second.empty()) live_by_plan_.erase(it);
  }
  // "conflict." + the closing status: resolved or expired.
  const bool expired = c.status == ConflictStatus::kExpired;
  json::object body{{"conflict", c.id.value()},
                    {"status", Name(c.status)},
                    {"resolution", Name(c.resolution)},
                    {"by", actor.value()}};
  if (Status s = Audit(b, expired ? AuditKind::kConflictExpired : AuditKind::kConflictResolved,
                       {c.party_a, c.party_b}, deconflict::json::Write(body));
      !s.ok())
    return s;
  return Notify(b, c, expired ? EventType::kConflictExpired : EventType::kConflictResolved, {});
}

Status Channel::Apply(Batch& b, op::ConflictAction& op) {
  // The service has authorized the caller (service/policy.h); the writer re-checks only that the
  // actor is a side (defence in depth: a conflict one is not a side of does not exist).
  auto it = live_.find(op.id);
  if (it == live_.end()) {
    auto stored = store_->GetConflict(op.id);
    if (!stored.ok()) return stored.status();
    op.status = *stored ? Status::FailedPrecondition("conflict " + op.id + " is already " +
                                                     std::string(Name((*stored)->status)))
                        : Status::NotFound("no conflict " + op.id);
    return Status::Ok();
  }
  store::ConflictRecord c = it->second;
  const int side = SideOf(c, op.caller.party);
  if (side < 0) {
    op.status = Status::NotFound("no conflict " + op.id);
    return Status::Ok();
  }
  const PartyId& party = op.caller.party;
  Result<Transition> t =
      channel::Apply(&c, op.kind == Event::kAccept ? Event::Accept(side) : Event::Acknowledge(side),
                     b.now, options_.deadlines);
  if (!t.ok()) {
    op.status = t.status();
    return Status::Ok();
  }
  if (!t->changed) {  // idempotent
    op.out = std::move(c);
    return Status::Ok();
  }
  if (op.kind == Event::kAccept) {
    json::object body{{"conflict", c.id.value()}, {"party", party.value()}};
    if (Status s = Audit(b, AuditKind::kConflictAccepted, {c.party_a, c.party_b},
                         deconflict::json::Write(body));
        !s.ok()) {
      return s;
    }
    if (t->closed) {
      if (Status s = Closed(b, c, party); !s.ok()) return s;
      op.out = std::move(c);
      return Status::Ok();
    }
  } else {
    json::object body{
        {"conflict", c.id.value()}, {"party", party.value()}, {"status", Name(c.status)}};
    if (Status s = Audit(b, AuditKind::kConflictAcknowledged, {c.party_a, c.party_b},
                         deconflict::json::Write(body));
        !s.ok()) {
      return s;
    }
  }
  if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
  it->second = c;
  if (Status s = Notify(b, c, t->kind, {{"by", party.value()}}); !s.ok()) return s;
  op.out = std::move(c);
  return Status::Ok();
}

Status Channel::Apply(Batch& b, op::Message& op) {
  std::optional<store::ConflictRecord> c;
  if (auto it = live_.find(op.conflict_id); it != live_.end()) {
    c = it->second;
  } else {
    auto stored = store_->GetConflict(op.conflict_id);
    if (!stored.ok()) return stored.status();
    c = std::move(*stored);
  }
  if (!c || !CanSee(*c, op.caller)) {  // defence in depth, as for acknowledgements
    op.status = Status::NotFound("no conflict " + op.conflict_id);
    return Status::Ok();
  }
  store::MessageRecord m = std::move(op.message);
  m.conflict_id = c->id;
  m.party = op.caller.party;
  m.at = b.now;
  auto r = b.txn->AppendMessage(std::move(m));
  if (!r.ok()) return r.status();
  json::object view = MessageView(*r);
  if (Status s = Audit(b, AuditKind::kMessagePosted, {c->party_a, c->party_b},
                       deconflict::json::Write(view));
      !s.ok()) {
    return s;
  }
  if (Status s = Notify(b, *c, EventType::kMessagePosted, {{"message", view}}); !s.ok()) return s;
  op.out = std::move(*r);
  return Status::Ok();
}

Status Channel::Apply(Batch& b, op::Receipts& op) {
  for (store::ReceiptRecord& r : op.receipts) {
    auto k = std::make_tuple(r.recipient, r.event_seq, r.channel, r.kind);
    if (b.receipts.count(k)) continue;
    auto existing = store_->ListReceipts(r.recipient, r.event_seq);
    if (!existing.ok()) return existing.status();
    bool dup = false;
    for (const auto& e : *existing) dup |= e.channel == r.channel && e.kind == r.kind;
    if (dup) continue;
    b.receipts.insert(k);
    if (r.at == TimePoint()) r.at = b.now;  // unset: now
    if (Status s = b.txn->PutReceipt(r); !s.ok()) return s;
    json::object body{{"recipient", r.recipient.value()},
                      {"event_seq", r.event_seq},
                      {"channel", Name(r.channel)},
                      {"at", FormatRfc3339Millis(r.at)}};
    if (Status s = Audit(
            b,
            r.kind == ReceiptKind::kRead ? AuditKind::kReceiptRead : AuditKind::kReceiptDelivered,
            {r.recipient}, deconflict::json::Write(body));
        !s.ok()) {
      return s;
    }
  }
  op.out = true;
  return Status::Ok();
}

AuditAppender Channel::Appender(Batch& b) {
  return [this, &b](AuditKind kind, std::vector<PartyId> parties, std::string body) {
    return Audit(b, kind, std::move(parties), std::move(body));
  };
}

namespace {

// A settings change's outcome: a refusal (NotFound, AlreadyExists, InvalidArgument) goes to the
// caller and the batch goes on; anything else fails the batch.
template <typename O, typename T>
Status Settle(O& op, Result<T> r) {
  if (r.ok()) {
    op.out = std::move(*r);
    return Status::Ok();
  }
  const StatusCode code = r.status().code();
  if (code == StatusCode::kNotFound || code == StatusCode::kAlreadyExists ||
      code == StatusCode::kInvalidArgument) {
    op.status = r.status();
    return Status::Ok();
  }
  return r.status();
}

}  // namespace

Status Channel::Apply(Batch& b, op::AddWebhook& op) {
  op.webhook.party = op.caller.party;
  b.webhooks_changed = true;
  return Settle(
      op, channel::AddWebhook(*b.txn, Appender(b), std::move(op.webhook), b.now, op.caller.party));
}

Status Channel::Apply(Batch& b, op::DeleteWebhook& op) {
  b.webhooks_changed = true;
  Status s = channel::DeleteWebhook(*b.txn, Appender(b), op.caller.party, op.id, op.caller.party);
  return Settle(op, s.ok() ? Result<bool>(true) : Result<bool>(s));
}

Status Channel::Apply(Batch& b, op::AddContact& op) {
  op.contact.party = op.caller.party;
  return Settle(
      op, channel::AddContact(*b.txn, Appender(b), std::move(op.contact), b.now, op.caller.party));
}

Status Channel::Apply(Batch& b, op::DeleteContact& op) {
  Status s = channel::DeleteContact(*b.txn, Appender(b), op.caller.party, op.id, op.caller.party);
  return Settle(op, s.ok() ? Result<bool>(true) : Result<bool>(s));
}

// The sweep, in steps: conflicts with something due expire or escalate (paging the contacts an
// escalation names), then a checkpoint is signed when one is due.
Status Channel::Sweep(Batch& b, bool force_checkpoint) {
  // Only conflicts with something due: most batches look at none (next_due_ is a lower bound
  // of every live conflict's NextDue; acknowledgements only move those later).
  if (b.now >= next_due_) {
    std::vector<ConflictId> due;
    for (const auto& [id, c] : live_) {
      if (b.now >= NextDue(c)) due.push_back(id);
    }
    for (const ConflictId& id : due) {
      auto it = live_.find(id);
      if (it == live_.end()) continue;
      Status s = it->second.window_end < b.now ? ExpireStep(b, it->second) : EscalateStep(b, id);
      if (!s.ok()) return s;
    }
    next_due_ = TimePoint::InfiniteFuture();
    for (const auto& [id, c] : live_) next_due_ = std::min(next_due_, NextDue(c));
  }
  return CheckpointStep(b, force_checkpoint);
}

Status Channel::ExpireStep(Batch& b, store::ConflictRecord c) {
  return CloseConflict(b, &c, Event::Expire(), PartyId("server"));
}

Status Channel::EscalateStep(Batch& b, const ConflictId& id) {
  store::ConflictRecord c = live_.at(id);
  for (int side = 0; side < 2; ++side) {
    Result<Transition> t = channel::Apply(&c, Event::Escalate(side), b.now, options_.deadlines);
    if (!t.ok()) continue;  // nothing due for this side
    b.escalations += 1;
    if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
    live_[id] = c;
    const PartyId& party = side == 0 ? c.party_a : c.party_b;
    auto list = store_->ListContacts(party);
    if (!list.ok()) return list.status();
    // Level 1 alerts the backup contacts; level 2 every contact.
    std::vector<store::ContactRecord> alerted;
    json::array contacts;
    for (const auto& k : *list) {
      if (k.role != ContactRole::kBackup && t->level < 2) continue;
      contacts.push_back(json::object{{"name", k.name},
                                      {"role", Name(k.role)},
                                      {"language", k.language},
                                      {"roster", k.roster},
                                      {"paged", !k.webhook_url.empty()}});
      alerted.push_back(k);
    }
    if (Status s = PageStep(b, c, party, t->level, alerted); !s.ok()) return s;
    // Both sides and the record learn that the side escalated; the names of the escalating
    // party's contacts go only to that party (and to coordinators, who see every entry).
    json::object body{{"conflict", c.id.value()},
                      {"party", party.value()},
                      {"level", t->level},
                      {"deadline", FormatRfc3339Millis(c.deadline)},
                      {"coordinators", NameArray(Watchers())}};
    if (Status s =
            Audit(b, AuditKind::kEscalation, {c.party_a, c.party_b}, deconflict::json::Write(body));
        !s.ok()) {
      return s;
    }
    json::object private_body{{"conflict", c.id.value()},
                              {"party", party.value()},
                              {"level", t->level},
                              {"contacts", contacts}};
    if (Status s = Audit(b, AuditKind::kEscalationContacts, {party},
                         deconflict::json::Write(private_body));
        !s.ok()) {
      return s;
    }
    if (Status s = Notify(b, c, EventType::kConflictEscalated,
                          {{"party", party.value()}, {"level", t->level}}, party,
                          {{"contacts", contacts}});
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

// Each alerted contact with a webhook of its own is paged directly: the escalation must reach a
// person, not only the desk that missed the deadline. The page carries what the party itself sees
// of the conflict.
Status Channel::PageStep(Batch& b, const store::ConflictRecord& c, const PartyId& party, int level,
                         const std::vector<store::ContactRecord>& alerted) {
  std::optional<json::value> view;
  for (const store::ContactRecord& k : alerted) {
    if (k.webhook_url.empty()) continue;
    if (!view) {
      const json::value detail = json::parse(c.detail_json);
      view = ConflictView(c, Caller{party, Role::kParty}, detail.as_object());
    }
    store::ContactPage page;
    page.party = party;
    page.contact_id = k.id;
    page.url = k.webhook_url;
    page.event = EventType::kConflictEscalated;
    page.conflict = c.id;
    page.level = level;
    page.body_json = deconflict::json::Write(json::object{
        {"type", Name(EventType::kConflictEscalated)},
        {"party", party.value()},
        {"level", level},
        {"deadline", FormatRfc3339Millis(c.deadline)},
        {"contact",
         json::object{
             {"id", k.id}, {"name", k.name}, {"role", Name(k.role)}, {"language", k.language}}},
        {"conflict", *view}});
    page.next_attempt = b.now;
    page.state = DeliveryState::kPending;
    page.created = b.now;
    if (auto r = b.txn->PutContactPage(page); !r.ok()) return r.status();
  }
  return Status::Ok();
}

Status Channel::CheckpointStep(Batch& b, bool force) {
  const bool due = b.last_audit_seq > last_checkpoint_seq_ &&
                   (force || b.now - last_checkpoint_ >= options_.checkpoint_interval);
  if (!due) return Status::Ok();
  store::Checkpoint cp = record::MakeCheckpoint(key_, b.last_audit_seq, b.last_audit_hash, b.now);
  if (Status s = b.txn->PutCheckpoint(cp); !s.ok()) return s;
  last_checkpoint_seq_ = b.last_audit_seq;
  last_checkpoint_ = b.now;
  return Status::Ok();
}

}  // namespace deconflict::channel
