#include "channel/channel.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <limits>

#include "channel/views.h"
#include "model/json_util.h"
#include "model/plan_parser.h"
#include "record/chain.h"

namespace deconflict::channel {

namespace json = boost::json;

const char* RoleName(Role r) {
  switch (r) {
    case Role::kParty:
      return "party";
    case Role::kCoordinator:
      return "coordinator";
    case Role::kObserver:
      return "observer";
  }
  return "party";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "party") return Role::kParty;
  if (name == "coordinator") return Role::kCoordinator;
  if (name == "observer") return Role::kObserver;
  return std::nullopt;
}

std::string PlanKey(const std::string& party, const std::string& id) { return party + ":" + id; }

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ToMs(TimePoint t) {
  double s = t.unix_seconds();
  if (!std::isfinite(s)) {
    return s < 0 ? std::numeric_limits<int64_t>::min() / 2
                 : std::numeric_limits<int64_t>::max() / 2;
  }
  return static_cast<int64_t>(std::llround(s * 1000.0));
}

// For intervals that do not depend on the (possibly simulated) clock of the record.
int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Quote(const std::string& s) { return json::serialize(json::string(s)); }

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  size_t colon = key.find(':');
  return {key.substr(0, colon), key.substr(colon + 1)};
}

}  // namespace

// One queued operation.
struct Channel::Op {
  enum Kind {
    kSubmit,
    kCancel,
    kAck,
    kAccept,
    kMessage,
    kReceipts,
    kAddWebhook,
    kDeleteWebhook,
    kAddContact,
    kDeleteContact,
  };
  Kind kind = kSubmit;
  Caller caller;
  std::optional<model::Plan> plan;
  std::string feature_json;
  std::optional<int64_t> if_match;
  Write mode = Write::kCreate;
  std::string id;  // plan id or conflict id
  int64_t number = 0;
  store::MessageRecord message;
  std::vector<store::ReceiptRecord> receipts;
  store::WebhookRecord webhook;
  store::ContactRecord contact;

  // Outcome.
  Status status;
  PlanOutcome plan_out;
  store::ConflictRecord conflict_out;
  store::MessageRecord message_out;
  std::function<void(Op&)> finish;
};

struct Channel::Batch {
  std::unique_ptr<store::WriteTxn> txn;
  int64_t now = 0;
  std::map<std::string, int64_t> published;  // recipient -> last event seq
  int64_t last_audit_seq = 0;
  std::string last_audit_hash;
  std::set<std::tuple<std::string, int64_t, std::string, std::string>> receipts;
  int64_t escalations = 0;
  bool webhooks_changed = false;
};

Channel::Channel(store::Store* store, ChannelOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
}

Result<std::unique_ptr<Channel>> Channel::Open(store::Store* store, ChannelOptions options) {
  if (options.key_file.empty()) return Status::InvalidArgument("channel: key_file is required");
  Result<record::KeyPair> key = record::LoadOrCreateKeyPair(options.key_file);
  if (!key.ok()) return key.status();
  std::unique_ptr<Channel> ch(new Channel(store, std::move(options)));
  ch->key_ = std::move(*key);
  if (Status s = ch->Load(); !s.ok()) return s;
  ch->writer_ = std::thread([c = ch.get()] { c->WriterLoop(); });
  return ch;
}

Channel::~Channel() { Stop(); }

void Channel::Stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  hub_.WakeAll();
}

Status Channel::Load() {
  std::unique_lock<std::shared_mutex> lock(detector_mu_);
  plans_.clear();
  live_.clear();
  live_by_plan_.clear();
  next_due_ms_ = 0;  // the first sweep looks at every live conflict
  detector_ = std::make_unique<engine::ConflictDetector>(options_.rules);

  auto plans = store_->ListPlans("", "");
  if (!plans.ok()) return plans.status();
  for (store::PlanRecord& r : *plans) {
    std::string key = PlanKey(r.party, r.id);
    PlanState st;
    if (r.status == "active") {
      json::value v;
      if (auto issue = model::internal::ParseJson(r.feature_json, &v)) {
        return Status::Internal("stored plan " + key + " is not JSON: " + issue->ToString());
      }
      Result<model::Plan> p = model::ParsePlanFeature(v, "", nullptr);
      if (!p.ok()) {
        return Status::Internal("stored plan " + key +
                                " no longer validates: " + p.status().ToString());
      }
      p->id = PlanId(key);
      p->party = PartyId(r.party);
      if (Status s = detector_->Add(*p); !s.ok()) return s;
      st.plan = std::move(*p);
    }
    st.record = std::move(r);
    plans_.emplace(key, std::move(st));
  }
  auto conflicts = store_->ListConflicts({.statuses = {"open", "acknowledged"}});
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
  last_checkpoint_ms_ = options_.now_ms();
  RefreshParties();
  {
    std::lock_guard<std::mutex> s(stats_mu_);
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
  auto hooks = store_->ListWebhooks("");
  if (hooks.ok()) {
    webhooks_.clear();
    for (const auto& w : *hooks) {
      if (w.active) webhooks_[w.party].push_back(w.id);
    }
  }
  last_party_refresh_ms_ = SteadyMs();
}

std::vector<std::string> Channel::Watchers() const {
  std::vector<std::string> out;
  for (const auto& [name, role] : roles_) {
    if (role == "coordinator" || role == "observer") out.push_back(name);
  }
  return out;
}

// ----- Public operations: queue them. -----

void Channel::Enqueue(std::unique_ptr<Op> op) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      op = nullptr;
    }
  }
  if (op) {
    op->status = Status::Unavailable("the server is shutting down; nothing was saved");
    op->finish(*op);
    return;
  }
  queue_cv_.notify_one();
}

void Channel::SubmitPlan(const Caller& caller, model::Plan plan, std::string feature_json,
                         std::optional<int64_t> if_match, Write mode, Done<PlanOutcome> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kSubmit;
  op->caller = caller;
  op->id = plan.id.value();
  op->plan = std::move(plan);
  op->feature_json = std::move(feature_json);
  op->if_match = if_match;
  op->mode = mode;
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(std::move(o.plan_out));
  };
  Enqueue(std::move(op));
}

void Channel::CancelPlan(const Caller& caller, const std::string& id,
                         std::optional<int64_t> if_match, Done<PlanOutcome> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kCancel;
  op->caller = caller;
  op->id = id;
  op->if_match = if_match;
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(std::move(o.plan_out));
  };
  Enqueue(std::move(op));
}

void Channel::Acknowledge(const Caller& caller, const std::string& conflict_id,
                          Done<store::ConflictRecord> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kAck;
  op->caller = caller;
  op->id = conflict_id;
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(std::move(o.conflict_out));
  };
  Enqueue(std::move(op));
}

void Channel::Accept(const Caller& caller, const std::string& conflict_id,
                     Done<store::ConflictRecord> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kAccept;
  op->caller = caller;
  op->id = conflict_id;
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(std::move(o.conflict_out));
  };
  Enqueue(std::move(op));
}

void Channel::PostMessage(const Caller& caller, const std::string& conflict_id,
                          store::MessageRecord message, Done<store::MessageRecord> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kMessage;
  op->caller = caller;
  op->id = conflict_id;
  op->message = std::move(message);
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(std::move(o.message_out));
  };
  Enqueue(std::move(op));
}

void Channel::RecordReceipts(std::vector<store::ReceiptRecord> receipts) {
  if (receipts.empty()) return;
  auto op = std::make_unique<Op>();
  op->kind = Op::kReceipts;
  op->receipts = std::move(receipts);
  op->finish = [](Op& o) {
    if (!o.status.ok()) spdlog::warn("receipts not recorded: {}", o.status.ToString());
  };
  Enqueue(std::move(op));
}

void Channel::AddWebhook(const Caller& caller, store::WebhookRecord w,
                         Done<store::WebhookRecord> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kAddWebhook;
  op->caller = caller;
  op->webhook = std::move(w);
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(std::move(o.webhook));
  };
  Enqueue(std::move(op));
}

void Channel::DeleteWebhook(const Caller& caller, int64_t id, Done<bool> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kDeleteWebhook;
  op->caller = caller;
  op->number = id;
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(true);
  };
  Enqueue(std::move(op));
}

void Channel::AddContact(const Caller& caller, store::ContactRecord c,
                         Done<store::ContactRecord> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kAddContact;
  op->caller = caller;
  op->contact = std::move(c);
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(std::move(o.contact));
  };
  Enqueue(std::move(op));
}

void Channel::DeleteContact(const Caller& caller, int64_t id, Done<bool> done) {
  auto op = std::make_unique<Op>();
  op->kind = Op::kDeleteContact;
  op->caller = caller;
  op->number = id;
  op->finish = [done = std::move(done)](Op& o) {
    if (!o.status.ok()) return done(o.status);
    done(true);
  };
  Enqueue(std::move(op));
}

// ----- Reads. -----

std::vector<engine::Conflict> Channel::DryRun(const model::Plan& plan_with_key) const {
  std::shared_lock<std::shared_mutex> lock(detector_mu_);
  return detector_->Check(plan_with_key);
}

Result<engine::Suggestion> Channel::Suggest(const Caller& caller,
                                            const std::string& conflict_id) const {
  auto c = store_->GetConflict(conflict_id);
  if (!c.ok()) return c.status();
  if (!*c || !CanSee(**c, caller)) return Status::NotFound("no conflict " + conflict_id);
  int side = SideOf(**c, caller.party);
  if (side < 0) {
    return Status::PermissionDenied(
        "only the two parties of a conflict can ask for a shift of "
        "their own plan");
  }
  std::string key =
      side == 0 ? PlanKey((*c)->party_a, (*c)->plan_a) : PlanKey((*c)->party_b, (*c)->plan_b);
  std::shared_lock<std::shared_mutex> lock(detector_mu_);
  if (detector_->Find(PlanId(key)) == nullptr) {
    return Status::FailedPrecondition("the plan of this conflict is no longer active");
  }
  return engine::Suggest(*detector_, PlanId(key), {});
}

Result<Caller> Channel::Authenticate(std::string_view token) {
  if (token.empty()) return Status::Unauthenticated("missing bearer token");
  std::string hash = record::Sha256Hex(token);
  int64_t now = options_.now_ms();
  {
    std::lock_guard<std::mutex> lock(auth_mu_);
    auto it = auth_cache_.find(hash);
    if (it != auth_cache_.end() && it->second.until_ms > now) return it->second.caller;
  }
  auto t = store_->FindToken(hash);
  if (!t.ok()) return t.status();
  if (!*t) return Status::Unauthenticated("unknown or revoked token");
  auto p = store_->GetParty((*t)->party);
  if (!p.ok()) return p.status();
  if (!*p) return Status::Unauthenticated("the token's party no longer exists");
  std::optional<Role> role = ParseRole((*p)->role);
  if (!role) return Status::Internal("party " + (*p)->name + " has an unknown role");
  Caller caller{(*p)->name, *role};
  std::lock_guard<std::mutex> lock(auth_mu_);
  if (auth_cache_.size() > 10000) auth_cache_.clear();
  auth_cache_[hash] = {caller, now + 2000};
  return caller;
}

Channel::Stats Channel::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

// ----- The writer. -----

void Channel::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Op>> ops;
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait_for(lock, std::chrono::milliseconds(options_.sweep_interval_ms),
                         [&] { return !queue_.empty() || stopping_; });
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

bool Channel::SweepDue(int64_t now) const {
  if (SteadyMs() - last_party_refresh_ms_ >= 1000) return true;
  if (last_audit_seq_ > last_checkpoint_seq_ &&
      now - last_checkpoint_ms_ >= options_.checkpoint_interval_ms) {
    return true;
  }
  return now >= next_due_ms_;
}

int64_t Channel::NextDue(const store::ConflictRecord& c) const {
  int64_t due = c.window_end_ms + 1;  // expires once the window has passed
  for (int side = 0; side < 2; ++side) {
    int64_t ack = side == 0 ? c.ack_a_ms : c.ack_b_ms;
    int level = side == 0 ? c.escalated_a : c.escalated_b;
    if (ack != 0 || level >= 2) continue;
    due = std::min(
        due, c.deadline_ms +
                 (level == 0 ? 0 : static_cast<int64_t>(options_.deadlines.reescalate_s * 1000.0)));
  }
  return due;
}

void Channel::RunBatch(std::vector<std::unique_ptr<Op>>* ops, bool final_checkpoint) {
  int64_t now = options_.now_ms();
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
      Status s;
      switch (op->kind) {
        case Op::kSubmit:
          s = ApplySubmit(b, *op);
          break;
        case Op::kCancel:
          s = ApplyCancel(b, *op);
          break;
        case Op::kAck:
        case Op::kAccept:
          s = ApplyConflictAction(b, *op);
          break;
        case Op::kMessage:
          s = ApplyMessage(b, *op);
          break;
        case Op::kReceipts:
          s = ApplyReceipts(b, *op);
          break;
        default:
          s = ApplySettings(b, *op);
          break;
      }
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
    for (auto& op : *ops) {
      if (op->status.ok()) {
        op->status = Status::Unavailable("storage error, nothing was saved: " + fatal.message());
      }
    }
    if (Status s = Load(); !s.ok()) {
      spdlog::critical("cannot reload the state after a failed batch: {}", s.ToString());
    }
  } else {
    last_audit_seq_ = b.last_audit_seq;
    last_audit_hash_ = b.last_audit_hash;
    for (const auto& [recipient, seq] : b.published) hub_.Publish(recipient, seq);
    if (b.webhooks_changed) RefreshParties();
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.batches += 1;
    stats_.operations += static_cast<int64_t>(ops->size());
    stats_.escalations += b.escalations;
    stats_.plans_active = static_cast<int64_t>(detector_->size());
    stats_.conflicts_open = static_cast<int64_t>(live_.size());
    // A walk over every live conflict: at most every 250 ms (a gauge for /metrics), not per batch.
    if (SteadyMs() - last_unacked_count_ms_ >= 250 || live_.size() < 256) {
      int64_t unacked = 0;
      for (const auto& [id, c] : live_) unacked += (c.ack_a_ms == 0) + (c.ack_b_ms == 0);
      stats_.notices_unacknowledged = unacked;
      last_unacked_count_ms_ = SteadyMs();
    }
  }
  for (auto& op : *ops) op->finish(*op);
}

// ----- Writer helpers. -----

Status Channel::Audit(Batch& b, const std::string& kind, std::vector<std::string> parties,
                      std::string body_json) {
  store::AuditEntry e;
  e.at_ms = b.now;
  e.kind = kind;
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

Status Channel::Emit(Batch& b, const std::string& recipient, const std::string& type,
                     std::string data_json, store::EventRecord* out) {
  store::EventRecord e;
  e.recipient = recipient;
  e.type = type;
  e.data_json = std::move(data_json);
  e.at_ms = b.now;
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
      job.next_attempt_ms = b.now;
      job.state = "pending";
      if (Status s = b.txn->PutWebhookJob(job); !s.ok()) return s;
    }
  }
  if (out) *out = std::move(*r);
  return Status::Ok();
}

Status Channel::Notify(Batch& b, const store::ConflictRecord& c, const std::string& type,
                       const json::object& extra, const std::string& private_to,
                       const json::object& private_extra) {
  std::vector<std::string> recipients = {c.party_a, c.party_b};
  for (const std::string& w : Watchers()) recipients.push_back(w);
  const json::value detail = json::parse(c.detail_json);
  for (const std::string& r : recipients) {
    auto role_it = roles_.find(r);
    Role role = Role::kParty;
    if (role_it != roles_.end()) role = ParseRole(role_it->second).value_or(Role::kParty);
    Caller as{r, role};
    json::object data = extra;
    if (!private_to.empty() && (r == private_to || as.sees_all())) {
      for (const auto& [k, v] : private_extra) data[k] = v;
    }
    data["conflict"] = ConflictView(c, as, detail.as_object());
    store::EventRecord ev;
    if (Status s = Emit(b, r, type, json::serialize(data), &ev); !s.ok()) return s;
    if (r == c.party_a || r == c.party_b) {
      json::object body{{"recipient", r},     {"event_seq", ev.seq},
                        {"type", type},       {"conflict", c.id},
                        {"status", c.status}, {"deadline", TimeOrNull(c.deadline_ms)}};
      if (Status s = Audit(b, "notice.sent", {r}, json::serialize(body)); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status Channel::ApplySubmit(Batch& b, Op& op) {
  const std::string key = PlanKey(op.caller.party, op.id);
  auto it = plans_.find(key);
  bool active = it != plans_.end() && it->second.record.status == "active";
  if (op.mode == Write::kCreate && active) {
    op.status = Status::AlreadyExists(
        "plan " + op.id + " already exists (version " + std::to_string(it->second.record.version) +
        "); amend it with PUT /v1/plans/" + op.id + " and If-Match: \"" +
        std::to_string(it->second.record.version) + "\"");
    return Status::Ok();
  }
  if (op.mode == Write::kAmend) {
    if (!active) {
      op.status = Status::NotFound("no active plan " + op.id);
      return Status::Ok();
    }
    if (op.if_match && *op.if_match != it->second.record.version) {
      op.status = Status::PreconditionFailed(
          "plan " + op.id + " is at version " + std::to_string(it->second.record.version) +
          ", not " + std::to_string(*op.if_match) + "; fetch it again and reapply your change");
      return Status::Ok();
    }
  }
  PlanState next;
  next.record.party = op.caller.party;
  next.record.id = op.id;
  next.record.version = it == plans_.end() ? 1 : it->second.record.version + 1;
  next.record.status = "active";
  next.record.feature_json = std::move(op.feature_json);
  next.record.created_ms = b.now;
  model::Plan plan = std::move(*op.plan);
  plan.id = PlanId(key);
  plan.party = PartyId(op.caller.party);
  next.plan = std::move(plan);
  return ReplacePlan(b, key, std::move(next), &op.plan_out,
                     op.mode == Write::kCreate ? "plan.submitted" : "plan.amended");
}

Status Channel::ApplyCancel(Batch& b, Op& op) {
  const std::string key = PlanKey(op.caller.party, op.id);
  auto it = plans_.find(key);
  if (it == plans_.end() || it->second.record.status != "active") {
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
  next.record.status = "cancelled";
  next.record.created_ms = b.now;
  return ReplacePlan(b, key, std::move(next), &op.plan_out, "plan.cancelled");
}

Status Channel::ReplacePlan(Batch& b, const std::string& key, PlanState next, PlanOutcome* out,
                            const std::string& why) {
  std::vector<engine::Conflict> found;
  if (next.plan) found = detector_->Check(*next.plan);  // the writer is the only mutator
  {
    std::unique_lock<std::shared_mutex> lock(detector_mu_);
    if (detector_->Find(PlanId(key)) != nullptr) {
      if (Status s = detector_->Remove(PlanId(key)); !s.ok()) return s;
    }
    if (next.plan) {
      if (Status s = detector_->Add(*next.plan); !s.ok()) return s;
    }
  }
  if (Status s = b.txn->PutPlan(next.record); !s.ok()) return s;
  const store::PlanRecord& rec = next.record;
  std::string body = "{\"party\":" + Quote(rec.party) + ",\"id\":" + Quote(rec.id) +
                     ",\"version\":" + std::to_string(rec.version) +
                     ",\"status\":" + Quote(rec.status) + ",\"feature\":" + rec.feature_json + "}";
  if (Status s = Audit(b, why, {rec.party}, std::move(body)); !s.ok()) return s;
  bool still_active = next.plan.has_value();
  out->plan = rec;
  plans_[key] = std::move(next);  // `rec` referred into `next`: use out->plan from here on

  // Pair the conflicts found now with the live ones, per other plan.
  std::map<std::string, std::vector<const engine::Conflict*>> now_by_other;
  for (const engine::Conflict& c : found) {
    const std::string& other = c.plan_a.value() == key ? c.plan_b.value() : c.plan_a.value();
    now_by_other[other].push_back(&c);
  }
  std::map<std::string, std::vector<std::string>> live_by_other;
  auto lit = live_by_plan_.find(key);
  if (lit != live_by_plan_.end()) {
    for (const std::string& id : lit->second) {
      const store::ConflictRecord& c = live_.at(id);
      std::string a = PlanKey(c.party_a, c.plan_a), bk = PlanKey(c.party_b, c.plan_b);
      live_by_other[a == key ? bk : a].push_back(id);
    }
  }
  std::set<std::string> others;
  for (const auto& [o, v] : now_by_other) others.insert(o);
  for (const auto& [o, v] : live_by_other) others.insert(o);
  for (const std::string& other : others) {
    const auto& fresh = now_by_other[other];
    auto& old = live_by_other[other];
    std::sort(old.begin(), old.end(), [&](const std::string& x, const std::string& y) {
      const auto &cx = live_.at(x), &cy = live_.at(y);
      return std::tie(cx.window_start_ms, cx.id) < std::tie(cy.window_start_ms, cy.id);
    });
    bool same = fresh.size() == old.size();
    for (size_t i = 0; same && i < fresh.size(); ++i) {
      same = DisclosureJson(*fresh[i]) == live_.at(old[i]).detail_json;
    }
    if (same) {
      for (const std::string& id : old) {
        store::ConflictRecord& c = live_.at(id);
        int64_t& v = PlanKey(c.party_a, c.plan_a) == key ? c.version_a : c.version_b;
        v = out->plan.version;
        c.updated_ms = b.now;
        if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
        out->unchanged.push_back(c);
      }
      continue;
    }
    std::string resolution = !still_active ? "cancelled" : fresh.empty() ? "amended" : "superseded";
    for (const std::string& id : old) {
      store::ConflictRecord c = live_.at(id);
      if (Status s = CloseConflict(b, &c, "resolved", resolution, out->plan.party); !s.ok())
        return s;
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
  r.id = "c-" + record::RandomHex(8);
  auto [pa, ia] = SplitKey(c.plan_a.value());
  auto [pb, ib] = SplitKey(c.plan_b.value());
  r.party_a = pa;
  r.plan_a = ia;
  r.party_b = pb;
  r.plan_b = ib;
  r.version_a = plans_.at(c.plan_a.value()).record.version;
  r.version_b = plans_.at(c.plan_b.value()).record.version;
  r.status = "open";
  r.detail_json = DisclosureJson(c);
  r.window_start_ms = ToMs(c.window.start);
  r.window_end_ms = ToMs(c.window.end);
  r.deadline_ms = options_.deadlines.DeadlineFor(b.now, r.window_start_ms);
  r.created_ms = r.updated_ms = b.now;
  if (Status s = b.txn->PutConflict(r); !s.ok()) return s;
  live_by_plan_[c.plan_a.value()].insert(r.id);
  live_by_plan_[c.plan_b.value()].insert(r.id);
  live_[r.id] = r;
  next_due_ms_ = std::min(next_due_ms_, NextDue(r));
  // Both parties read this entry: the plans are named by commitments (SHA-256 of
  // "party:id:version"), which a coordinator or either owner can check, but which do not disclose
  // the other party's plan id.
  std::string ref_a = record::Sha256Hex(PlanKey(pa, ia) + ":" + std::to_string(r.version_a));
  std::string ref_b = record::Sha256Hex(PlanKey(pb, ib) + ":" + std::to_string(r.version_b));
  std::string body = "{\"conflict\":" + Quote(r.id) + ",\"plan_refs\":[" + Quote(ref_a) + "," +
                     Quote(ref_b) + "],\"deadline\":" + Quote(FormatMs(r.deadline_ms)) +
                     ",\"detail\":" + r.detail_json + "}";
  if (Status s = Audit(b, "conflict.opened", {pa, pb}, std::move(body)); !s.ok()) return s;
  if (Status s = Notify(b, r, "conflict.opened", {}); !s.ok()) return s;
  *out = std::move(r);
  return Status::Ok();
}

Status Channel::CloseConflict(Batch& b, store::ConflictRecord* c, const std::string& status,
                              const std::string& resolution, const std::string& actor) {
  c->status = status;
  c->resolution = resolution;
  c->resolved_ms = c->updated_ms = b.now;
  if (Status s = b.txn->PutConflict(*c); !s.ok()) return s;
  live_.erase(c->id);
  for (const std::string& k : {PlanKey(c->party_a, c->plan_a), PlanKey(c->party_b, c->plan_b)}) {
    auto it = live_by_plan_.find(k);
    if (it == live_by_plan_.end()) continue;
    it->second.erase(c->id);
    if (it->second.empty()) live_by_plan_.erase(it);
  }
  json::object body{
      {"conflict", c->id}, {"status", status}, {"resolution", resolution}, {"by", actor}};
  if (Status s = Audit(b, "conflict." + status, {c->party_a, c->party_b}, json::serialize(body));
      !s.ok()) {
    return s;
  }
  return Notify(b, *c, "conflict." + status, {});
}

Status Channel::ApplyConflictAction(Batch& b, Op& op) {
  auto it = live_.find(op.id);
  if (it == live_.end()) {
    auto stored = store_->GetConflict(op.id);
    if (!stored.ok()) return stored.status();
    if (!*stored || !CanSee(**stored, op.caller)) {
      op.status = Status::NotFound("no conflict " + op.id);
    } else {
      op.status =
          Status::FailedPrecondition("conflict " + op.id + " is already " + (*stored)->status);
    }
    return Status::Ok();
  }
  store::ConflictRecord c = it->second;
  if (!CanSee(c, op.caller)) {
    op.status = Status::NotFound("no conflict " + op.id);
    return Status::Ok();
  }
  int side = SideOf(c, op.caller.party);
  if (side < 0) {
    op.status =
        Status::PermissionDenied("only the two parties of a conflict can acknowledge or accept it");
    return Status::Ok();
  }
  const std::string& party = op.caller.party;
  if (op.kind == Op::kAck) {
    int64_t& ack = side == 0 ? c.ack_a_ms : c.ack_b_ms;
    if (ack != 0) {  // idempotent
      op.conflict_out = c;
      return Status::Ok();
    }
    ack = b.now;
    if (c.ack_a_ms != 0 && c.ack_b_ms != 0 && c.status == "open") c.status = "acknowledged";
    c.updated_ms = b.now;
    if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
    it->second = c;
    json::object body{{"conflict", c.id}, {"party", party}, {"status", c.status}};
    if (Status s = Audit(b, "conflict.acknowledged", {c.party_a, c.party_b}, json::serialize(body));
        !s.ok()) {
      return s;
    }
    if (Status s = Notify(b, c, "conflict.acknowledged", {{"by", party}}); !s.ok()) return s;
    op.conflict_out = c;
    return Status::Ok();
  }
  // Accept as coordinated.
  int64_t& acc = side == 0 ? c.accept_a_ms : c.accept_b_ms;
  if (acc != 0) {
    op.conflict_out = c;
    return Status::Ok();
  }
  acc = b.now;
  // Accepting implies having seen it.
  int64_t& ack = side == 0 ? c.ack_a_ms : c.ack_b_ms;
  if (ack == 0) ack = b.now;
  if (c.ack_a_ms != 0 && c.ack_b_ms != 0 && c.status == "open") c.status = "acknowledged";
  c.updated_ms = b.now;
  json::object body{{"conflict", c.id}, {"party", party}};
  if (Status s = Audit(b, "conflict.accepted", {c.party_a, c.party_b}, json::serialize(body));
      !s.ok()) {
    return s;
  }
  if (c.accept_a_ms != 0 && c.accept_b_ms != 0) {
    if (Status s = CloseConflict(b, &c, "resolved", "coordinated", party); !s.ok()) return s;
  } else {
    if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
    it->second = c;
    if (Status s = Notify(b, c, "conflict.accepted", {{"by", party}}); !s.ok()) return s;
  }
  op.conflict_out = c;
  return Status::Ok();
}

Status Channel::ApplyMessage(Batch& b, Op& op) {
  std::optional<store::ConflictRecord> c;
  auto it = live_.find(op.id);
  if (it != live_.end()) {
    c = it->second;
  } else {
    auto stored = store_->GetConflict(op.id);
    if (!stored.ok()) return stored.status();
    c = std::move(*stored);
  }
  if (!c || !CanSee(*c, op.caller)) {
    op.status = Status::NotFound("no conflict " + op.id);
    return Status::Ok();
  }
  if (op.caller.role == Role::kObserver) {
    op.status = Status::PermissionDenied("observers cannot post to a conflict's thread");
    return Status::Ok();
  }
  if (op.message.kind != "text" && SideOf(*c, op.caller.party) < 0) {
    op.status = Status::PermissionDenied(
        "only the two parties can propose, accept or reject; coordinators may post text");
    return Status::Ok();
  }
  store::MessageRecord m = std::move(op.message);
  m.conflict_id = c->id;
  m.party = op.caller.party;
  m.at_ms = b.now;
  auto r = b.txn->AppendMessage(std::move(m));
  if (!r.ok()) return r.status();
  json::object view = MessageView(*r);
  if (Status s = Audit(b, "message.posted", {c->party_a, c->party_b}, json::serialize(view));
      !s.ok()) {
    return s;
  }
  if (Status s = Notify(b, *c, "message.posted", {{"message", view}}); !s.ok()) return s;
  op.message_out = std::move(*r);
  return Status::Ok();
}

Status Channel::ApplyReceipts(Batch& b, Op& op) {
  for (store::ReceiptRecord& r : op.receipts) {
    auto k = std::make_tuple(r.recipient, r.event_seq, r.channel, r.kind);
    if (b.receipts.count(k)) continue;
    auto existing = store_->ListReceipts(r.recipient, r.event_seq);
    if (!existing.ok()) return existing.status();
    bool dup = false;
    for (const auto& e : *existing) dup |= e.channel == r.channel && e.kind == r.kind;
    if (dup) continue;
    b.receipts.insert(k);
    if (r.at_ms == 0) r.at_ms = b.now;
    if (Status s = b.txn->PutReceipt(r); !s.ok()) return s;
    json::object body{{"recipient", r.recipient},
                      {"event_seq", r.event_seq},
                      {"channel", r.channel},
                      {"at", FormatMs(r.at_ms)}};
    if (Status s = Audit(b, "receipt." + r.kind, {r.recipient}, json::serialize(body)); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status Channel::ApplySettings(Batch& b, Op& op) {
  const std::string& party = op.caller.party;
  switch (op.kind) {
    case Op::kAddWebhook: {
      op.webhook.party = party;
      op.webhook.created_ms = b.now;
      op.webhook.active = true;
      auto id = b.txn->PutWebhook(op.webhook);
      if (!id.ok()) return id.status();
      op.webhook.id = *id;
      json::object body{{"party", party}, {"webhook", *id}, {"url", op.webhook.url}};
      b.webhooks_changed = true;
      return Audit(b, "webhook.added", {party}, json::serialize(body));
    }
    case Op::kDeleteWebhook: {
      Status s = b.txn->DeleteWebhook(party, op.number);
      if (s.code() == StatusCode::kNotFound) {
        op.status = s;
        return Status::Ok();
      }
      if (!s.ok()) return s;
      b.webhooks_changed = true;
      json::object body{{"party", party}, {"webhook", op.number}};
      return Audit(b, "webhook.deleted", {party}, json::serialize(body));
    }
    case Op::kAddContact: {
      op.contact.party = party;
      op.contact.created_ms = b.now;
      auto id = b.txn->PutContact(op.contact);
      if (!id.ok()) return id.status();
      op.contact.id = *id;
      json::object body{{"party", party},
                        {"contact", *id},
                        {"name", op.contact.name},
                        {"role", op.contact.role},
                        {"language", op.contact.language}};
      return Audit(b, "contact.added", {party}, json::serialize(body));
    }
    case Op::kDeleteContact: {
      Status s = b.txn->DeleteContact(party, op.number);
      if (s.code() == StatusCode::kNotFound) {
        op.status = s;
        return Status::Ok();
      }
      if (!s.ok()) return s;
      json::object body{{"party", party}, {"contact", op.number}};
      return Audit(b, "contact.deleted", {party}, json::serialize(body));
    }
    default:
      return Status::Internal("unknown operation");
  }
}

Status Channel::Sweep(Batch& b, bool force_checkpoint) {
  // Only conflicts with something due: most batches look at none (next_due_ms_ is a lower bound
  // of every live conflict's NextDue; acknowledgements only move those later).
  std::vector<std::string> ids;
  if (b.now >= next_due_ms_) {
    for (const auto& [id, c] : live_) {
      if (b.now >= NextDue(c)) ids.push_back(id);
    }
  }
  for (const std::string& id : ids) {
    auto it = live_.find(id);
    if (it == live_.end()) continue;
    store::ConflictRecord c = it->second;
    if (c.window_end_ms < b.now) {
      if (Status s = CloseConflict(b, &c, "expired", "expired", "server"); !s.ok()) return s;
      continue;
    }
    bool changed = false;
    for (int side = 0; side < 2; ++side) {
      int64_t ack = side == 0 ? c.ack_a_ms : c.ack_b_ms;
      int& level = side == 0 ? c.escalated_a : c.escalated_b;
      if (ack != 0 || level >= 2) continue;
      int64_t due =
          c.deadline_ms +
          (level == 0 ? 0 : static_cast<int64_t>(options_.deadlines.reescalate_s * 1000.0));
      if (b.now < due) continue;
      level += 1;
      changed = true;
      b.escalations += 1;
      const std::string& party = side == 0 ? c.party_a : c.party_b;
      json::array contacts;
      std::vector<const store::ContactRecord*> paged;
      auto list = store_->ListContacts(party);
      if (!list.ok()) return list.status();
      for (const auto& k : *list) {
        if (k.role == "backup" || level >= 2) {
          contacts.push_back(json::object{{"name", k.name},
                                          {"role", k.role},
                                          {"language", k.language},
                                          {"roster", k.roster},
                                          {"paged", !k.webhook_url.empty()}});
          if (!k.webhook_url.empty()) paged.push_back(&k);
        }
      }
      c.updated_ms = b.now;
      if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
      // Each alerted contact with a webhook of its own is paged directly: the escalation must
      // reach a person, not only the desk that missed the deadline. The page carries what the
      // party itself sees of the conflict.
      if (!paged.empty()) {
        const json::value detail = json::parse(c.detail_json);
        const json::value view = ConflictView(c, Caller{party, Role::kParty}, detail.as_object());
        for (const store::ContactRecord* k : paged) {
          store::ContactPage page;
          page.party = party;
          page.contact_id = k->id;
          page.url = k->webhook_url;
          page.event = "conflict.escalated";
          page.conflict = c.id;
          page.level = level;
          page.body_json = json::serialize(json::object{
              {"type", "conflict.escalated"},
              {"party", party},
              {"level", level},
              {"deadline", FormatMs(c.deadline_ms)},
              {"contact",
               json::object{
                   {"id", k->id}, {"name", k->name}, {"role", k->role}, {"language", k->language}}},
              {"conflict", view}});
          page.next_attempt_ms = b.now;
          page.state = "pending";
          page.created_ms = b.now;
          if (auto r = b.txn->PutContactPage(page); !r.ok()) return r.status();
        }
      }
      // Both sides and the record learn that the side escalated; the names of the escalating
      // party's contacts go only to that party (and to coordinators, who see every entry).
      json::object body{{"conflict", c.id},
                        {"party", party},
                        {"level", level},
                        {"deadline", FormatMs(c.deadline_ms)},
                        {"coordinators", json::value_from(Watchers())}};
      if (Status s = Audit(b, "escalation", {c.party_a, c.party_b}, json::serialize(body));
          !s.ok()) {
        return s;
      }
      json::object private_body{
          {"conflict", c.id}, {"party", party}, {"level", level}, {"contacts", contacts}};
      if (Status s = Audit(b, "escalation.contacts", {party}, json::serialize(private_body));
          !s.ok()) {
        return s;
      }
      if (Status s = Notify(b, c, "conflict.escalated", {{"party", party}, {"level", level}}, party,
                            {{"contacts", contacts}});
          !s.ok()) {
        return s;
      }
    }
    if (changed) it->second = c;
  }
  if (b.now >= next_due_ms_) {
    next_due_ms_ = std::numeric_limits<int64_t>::max();
    for (const auto& [id, c] : live_) next_due_ms_ = std::min(next_due_ms_, NextDue(c));
  }
  bool checkpoint_due =
      b.last_audit_seq > last_checkpoint_seq_ &&
      (force_checkpoint || b.now - last_checkpoint_ms_ >= options_.checkpoint_interval_ms);
  if (checkpoint_due) {
    store::Checkpoint cp = record::MakeCheckpoint(key_, b.last_audit_seq, b.last_audit_hash, b.now);
    if (Status s = b.txn->PutCheckpoint(cp); !s.ok()) return s;
    last_checkpoint_seq_ = b.last_audit_seq;
    last_checkpoint_ms_ = b.now;
  }
  return Status::Ok();
}

}  // namespace deconflict::channel
