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

bool NeedsApproval(const model::Plan& p) {
  return p.kind == model::PlanKind::kZone &&
         (p.restricts_all_others || !p.restricted_parties.empty());
}

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

// The plan a stored version holds (its Feature validated again), named `key` in the engine.
bool IsLive(PlanStatus s) { return s == PlanStatus::kActive || s == PlanStatus::kPending; }

// At most this many plans retire in one batch (the rest in the next ones), so that a backlog (a
// restart after a long stop) does not make one long batch.
constexpr int kMaxRetirementsPerBatch = 500;

Result<model::Plan> PlanFromRecord(const store::PlanRecord& r, const PlanId& key) {
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
  return p;
}

// The most episode windows one conflict's disclosure lists (`windows`); `windows_count` has them
// all.
constexpr size_t kMaxListedWindows = 100;

// Notices to one recipient are counted per minute.
constexpr Seconds kNoticeMinute{60};

}  // namespace

struct PairConflict {
  engine::Conflict merged;
  std::string detail_json;  // its disclosure
};

namespace {

// The conflicts found between one plan and one other plan (one per episode, engine/pair_eval.h)
// as one conflict: the hull of their windows, the closest approach of the closest episode
// (earliest among equals), and when there are several, `windows`: each episode's window as
// disclosed (DisclosureJson), in time order. REQUIRES: episodes non-empty, by window start.
PairConflict MergeEpisodes(const std::vector<const engine::Conflict*>& episodes) {
  const engine::Conflict* best = episodes.front();
  TimeInterval hull = best->window;
  for (const engine::Conflict* e : episodes) {
    if (e->min_distance < best->min_distance) best = e;
    hull.start = std::min(hull.start, e->window.start);
    hull.end = std::max(hull.end, e->window.end);
  }
  PairConflict out{*best, ""};
  out.merged.window = hull;
  out.detail_json = DisclosureJson(out.merged);
  if (episodes.size() == 1) return out;
  json::value detail = json::parse(out.detail_json);
  json::array windows;
  for (size_t i = 0; i < episodes.size() && i < kMaxListedWindows; ++i) {
    windows.push_back(json::parse(DisclosureJson(*episodes[i])).as_object().at("window"));
  }
  detail.as_object()["windows"] = std::move(windows);
  detail.as_object()["windows_count"] = episodes.size();
  out.detail_json = deconflict::json::Write(detail);
  return out;
}

// The conflicts `found` for plan `key`, one per other plan (episodes merged).
std::map<PlanId, PairConflict> ByOtherPlan(const PlanId& key,
                                           const std::vector<engine::Conflict>& found) {
  std::map<PlanId, std::vector<const engine::Conflict*>> episodes;
  for (const engine::Conflict& c : found) {
    episodes[c.plan_a == key ? c.plan_b : c.plan_a].push_back(&c);
  }
  std::map<PlanId, PairConflict> out;
  for (const auto& [other, v] : episodes) out.emplace(other, MergeEpisodes(v));
  return out;
}

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
  bool pre_approved = false;
};
struct Review : Outcome<PlanOutcome> {
  Caller caller;
  PlanRef ref;
  int64_t if_match = 0;
  bool approve = false;
  std::string reason;
};
struct DryRunRecord : Outcome<bool> {
  Caller caller;
  std::string body_json;
  std::vector<PartyId> touched;
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
               op::AddWebhook, op::DeleteWebhook, op::AddContact, op::DeleteContact, op::Review,
               op::DryRunRecord>
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
  std::map<PartyId, int> webhooks_added, contacts_added;  // in this batch, not yet committed
  std::set<PlanId> plans_changed;  // keys of plans_ changed: published (current_) after commit
  std::set<PlanId> plans_closed;   // keys of plans_ closed: they leave plans_ after commit
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
  writer_waiting_.fetch_add(1);  // budgeted reads step aside (BudgetedRead)
  WriterLock lock(detector_mu_);
  writer_waiting_.fetch_sub(1);
  plans_.clear();
  ends_.clear();
  live_.clear();
  live_by_plan_.clear();
  next_due_ = TimePoint::InfinitePast();  // the first sweep looks at every live conflict
  detector_ = std::make_unique<engine::ConflictDetector>(options_.rules);

  // Only the live plans: closed ones can conflict no more (a plan whose end passed while the server
  // was down is loaded and retired by the first sweep, on the record).
  auto plans = store_->ListPlans(PartyId(), PlanStatus::kActive);
  if (!plans.ok()) return plans.status();
  auto pending = store_->ListPlans(PartyId(), PlanStatus::kPending);
  if (!pending.ok()) return pending.status();
  for (store::PlanRecord& r : *pending) plans->push_back(std::move(r));
  for (store::PlanRecord& r : *plans) {
    PlanId key = PlanKey(r.party, r.id);
    PlanState st;
    // The version in force: the newest, or for a pending one the newest before it that is not
    // pending, if that one is active.
    std::optional<store::PlanRecord> in_force;
    if (r.status == PlanStatus::kActive) {
      in_force = r;
    } else if (r.status == PlanStatus::kPending) {
      auto history = store_->PlanHistory(r.party, r.id);
      if (!history.ok()) return history.status();
      for (auto it = history->rbegin(); it != history->rend(); ++it) {
        if (it->status == PlanStatus::kPending) continue;
        if (it->status == PlanStatus::kActive) in_force = std::move(*it);
        break;
      }
    }
    if (in_force) {
      Result<model::Plan> p = PlanFromRecord(*in_force, key);
      if (!p.ok()) return p.status();
      if (Status s = detector_->Add(*p); !s.ok()) return s;
      st.end = model::ActiveInterval(*p).end;
      st.plan = std::move(*p);
      st.plan_version = in_force->version;
    }
    if (r.status == PlanStatus::kPending) {
      Result<model::Plan> p = PlanFromRecord(r, key);
      if (!p.ok()) return p.status();
      const TimePoint pending_end = model::ActiveInterval(*p).end;
      st.end = st.plan ? std::max(st.end, pending_end) : pending_end;
    }
    st.record = std::make_shared<const store::PlanRecord>(std::move(r));
    SetPlan(key, std::move(st));
  }
  {
    WriterLock current(current_mu_);
    current_.clear();
    for (const auto& [key, st] : plans_) current_.emplace(key, st.record);
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

std::vector<PartyId> Channel::Coordinators() const {
  std::vector<PartyId> out;
  for (const auto& [name, role] : roles_) {
    if (role == Role::kCoordinator) out.push_back(name);
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
                         std::optional<int64_t> if_match, Write mode, Done<PlanOutcome> done,
                         bool pre_approved) {
  op::Submit o;
  o.done = std::move(done);
  o.caller = caller;
  o.plan = std::move(plan);
  o.feature_json = std::move(feature_json);
  o.if_match = if_match;
  o.mode = mode;
  o.pre_approved = pre_approved;
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::ReviewPlan(const Caller& caller, const PlanRef& ref, int64_t if_match, bool approve,
                         std::string reason, Done<PlanOutcome> done) {
  op::Review o;
  o.done = std::move(done);
  o.caller = caller;
  o.ref = ref;
  o.if_match = if_match;
  o.approve = approve;
  o.reason = std::move(reason);
  Enqueue(std::make_unique<Op>(Op{std::move(o)}));
}

void Channel::RecordDryRun(const Caller& caller, std::string body_json,
                           std::vector<PartyId> touched, Done<bool> done) {
  op::DryRunRecord o;
  o.done = std::move(done);
  o.caller = caller;
  o.body_json = std::move(body_json);
  o.touched = std::move(touched);
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

template <typename T, typename Work>
Result<T> Channel::BudgetedRead(Deadline deadline, Work work) const {
  const Status stopped = Status::Unavailable("stopped");
  for (;;) {
    while (writer_waiting_.load() > 0) {  // the writer first (it holds the lock for short steps)
      if (std::chrono::steady_clock::now() >= deadline) return stopped;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    bool yielded = false;
    const engine::StopFn stop = [&] {
      yielded = writer_waiting_.load(std::memory_order_relaxed) > 0;
      return yielded || std::chrono::steady_clock::now() >= deadline;
    };
    Result<T> r = [&]() -> Result<T> {
      ReaderLock lock(detector_mu_);
      return work(*detector_, stop);
    }();
    if (r.ok() || !yielded || std::chrono::steady_clock::now() >= deadline) return r;
  }
}

Result<std::vector<engine::Conflict>> Channel::DryRun(const model::Plan& plan_with_key,
                                                      Deadline deadline) const {
  return BudgetedRead<std::vector<engine::Conflict>>(
      deadline, [&](const engine::ConflictDetector& d, const engine::StopFn& stop) {
        return d.Check(plan_with_key, stop);
      });
}

Result<engine::Suggestion> Channel::Suggest(const Caller& caller, const store::ConflictRecord& c,
                                            Deadline deadline) const {
  int side = SideOf(c, caller.party);
  if (side < 0) return Status::PermissionDenied("not a side of conflict " + c.id);
  PlanId key = side == 0 ? PlanKey(c.party_a, c.plan_a) : PlanKey(c.party_b, c.plan_b);
  return BudgetedRead<engine::Suggestion>(
      deadline,
      [&](const engine::ConflictDetector& d,
          const engine::StopFn& stop) -> Result<engine::Suggestion> {
        if (d.Find(key) == nullptr) {
          return Status::FailedPrecondition("the plan of this conflict is no longer active");
        }
        engine::SuggestOptions options;
        options.stop = stop;
        // No finer time than the views (docs/security.md §2).
        options.step = Seconds(static_cast<double>(options_.disclosure.time_s));
        return engine::Suggest(d, key, options);
      });
}

std::shared_ptr<const store::PlanRecord> Channel::CurrentPlan(const PartyId& party,
                                                              const PlanId& id) const {
  const PlanId key = PlanKey(party, id);
  ReaderLock lock(current_mu_);
  auto it = current_.find(key);
  return it == current_.end() ? nullptr : it->second;
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
  if (now >= held_due_) return true;
  if (!ends_.empty() && ends_.begin()->first < now) return true;
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
    for (const PlanId& key : b.plans_closed) {
      auto it = plans_.find(key);
      if (it != plans_.end() && !IsLive(it->second.record->status)) plans_.erase(it);
    }
    PublishPlans(b.plans_changed);  // before the writes are answered: a client reads its writes
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

void Channel::PublishPlans(const std::set<PlanId>& keys) {
  if (keys.empty()) return;
  WriterLock lock(current_mu_);
  for (const PlanId& key : keys) {
    auto it = plans_.find(key);
    if (it == plans_.end()) {
      current_.erase(key);
    } else {
      current_[key] = it->second.record;
    }
  }
}

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

Status Channel::AuditNotice(Batch& b, const store::ConflictRecord& c, const PartyId& r,
                            EventType type, int64_t seq) {
  json::object body{{"recipient", r.value()},   {"event_seq", seq},
                    {"type", Name(type)},       {"conflict", c.id.value()},
                    {"status", Name(c.status)}, {"deadline", FormatRfc3339Millis(c.deadline)}};
  return Audit(b, AuditKind::kNoticeSent, {r}, deconflict::json::Write(body));
}

Status Channel::Notify(Batch& b, const store::ConflictRecord& c, EventType type,
                       const json::object& extra, const PartyId& private_to,
                       const json::object& private_extra) {
  std::vector<PartyId> recipients = {c.party_a, c.party_b};
  for (PartyId& w : Watchers()) recipients.push_back(std::move(w));
  const json::value detail = json::parse(c.detail_json);
  for (const PartyId& r : recipients) {
    if (type == EventType::kConflictOpened && HoldNotice(b, r, c.id)) continue;
    auto role_it = roles_.find(r);
    Role role = role_it != roles_.end() ? role_it->second : Role::kParty;
    Caller as{r, role};
    json::object data = extra;
    if (!private_to.empty() && (r == private_to || as.sees_all())) {
      for (const auto& [k, v] : private_extra) data[k] = v;
    }
    data["conflict"] = ConflictView(c, as, detail.as_object(), options_.disclosure);
    store::EventRecord ev;
    if (Status s = Emit(b, r, type, deconflict::json::Write(data), &ev); !s.ok()) return s;
    if (r == c.party_a || r == c.party_b) {
      if (Status s = AuditNotice(b, c, r, type, ev.seq); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

bool Channel::HoldNotice(Batch& b, const PartyId& r, const ConflictId& id) {
  NoticeMinute& m = notice_minutes_[r];
  if (m.held.empty() && b.now - m.start >= kNoticeMinute) {
    m.start = b.now;
    m.sent = 0;
  }
  if (m.held.empty() && m.sent < options_.max_notices_per_party_per_minute) {
    ++m.sent;
    return false;
  }
  m.held.push_back(id);
  held_due_ = std::min(held_due_, m.start + kNoticeMinute);
  return true;
}

Status Channel::FlushHeldNotices(Batch& b) {
  held_due_ = TimePoint::InfiniteFuture();
  for (auto& [r, m] : notice_minutes_) {
    if (m.held.empty()) continue;
    if (b.now - m.start < kNoticeMinute) {
      held_due_ = std::min(held_due_, m.start + kNoticeMinute);
      continue;
    }
    std::vector<store::ConflictRecord*> cs;  // the held conflicts still live
    for (const ConflictId& id : m.held) {
      if (auto it = live_.find(id); it != live_.end()) cs.push_back(&it->second);
    }
    m.held.clear();
    m.start = b.now;
    m.sent = cs.empty() ? 0 : 1;
    if (cs.empty()) continue;
    auto role_it = roles_.find(r);
    const Caller as{r, role_it != roles_.end() ? role_it->second : Role::kParty};
    json::array views;
    for (store::ConflictRecord* c : cs) {
      // Time to acknowledge counts from this notice, not from the conflict's opening.
      TimePoint deadline = options_.deadlines.DeadlineFor(b.now, c->window_start);
      if ((r == c->party_a || r == c->party_b) && deadline > c->deadline) {
        c->deadline = deadline;
        c->updated = b.now;
        if (Status s = b.txn->PutConflict(*c); !s.ok()) return s;
      }
      views.push_back(ConflictView(*c, as, options_.disclosure));
    }
    json::object data{{"conflict", views.front()},
                      {"conflicts", views},
                      {"merged", static_cast<int64_t>(views.size())}};
    store::EventRecord ev;
    if (Status s = Emit(b, r, EventType::kConflictOpened, deconflict::json::Write(data), &ev);
        !s.ok())
      return s;
    for (store::ConflictRecord* c : cs) {
      if (r != c->party_a && r != c->party_b) continue;
      if (Status s = AuditNotice(b, *c, r, EventType::kConflictOpened, ev.seq); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status Channel::Apply(Batch& b, op::Submit& op) {
  const PlanId id = op.plan.id;
  const PlanId key = PlanKey(op.caller.party, id);
  auto it = plans_.find(key);
  // A pending version is current too: it is amended or cancelled like an active one.
  bool active = it != plans_.end() && (it->second.record->status == PlanStatus::kActive ||
                                       it->second.record->status == PlanStatus::kPending);
  if (op.mode == Write::kCreate && active) {
    op.status = Status::AlreadyExists("plan " + id + " already exists (version " +
                                      std::to_string(it->second.record->version) +
                                      "); amend it with PUT /v1/plans/" + id + " and If-Match: \"" +
                                      std::to_string(it->second.record->version) + "\"");
    return Status::Ok();
  }
  if (op.mode == Write::kAmend) {
    if (!active) {
      op.status = Status::NotFound("no active plan " + id);
      return Status::Ok();
    }
    if (op.if_match && *op.if_match != it->second.record->version) {
      op.status = Status::PreconditionFailed(
          "plan " + id + " is at version " + std::to_string(it->second.record->version) + ", not " +
          std::to_string(*op.if_match) + "; fetch it again and reapply your change");
      return Status::Ok();
    }
  }
  model::Plan plan = std::move(op.plan);
  plan.id = key;
  plan.party = op.caller.party;
  // A zone restricting others waits for a coordinator: it is not checked (it opens nothing yet).
  const bool pending = options_.zones_need_approval && !op.pre_approved && NeedsApproval(plan);
  std::vector<engine::Conflict> found;
  if (!pending) {
    ReaderLock lock(detector_mu_);
    found = detector_->Check(plan);
  }
  const std::map<PlanId, PairConflict> by_other = ByOtherPlan(key, found);
  const size_t opening = Opening(key, by_other);
  if (opening > static_cast<size_t>(options_.max_conflicts_per_submission)) {
    op.status = Status::Invalid(
        {{"geometry", "this plan would open " + std::to_string(opening) +
                          " conflicts with other parties' plans, more than the " +
                          std::to_string(options_.max_conflicts_per_submission) +
                          " one submission may open (max_conflicts_per_submission); split it or "
                          "coordinate it first"}});
    return Status::Ok();
  }
  // A plan that is not live may have closed versions in the store: the new one follows them.
  int64_t last_version = 0;
  if (it != plans_.end()) {
    last_version = it->second.record->version;
  } else {
    auto stored = store_->GetPlan(op.caller.party, id);
    if (!stored.ok()) return stored.status();
    if (*stored) last_version = (*stored)->version;
  }
  store::PlanRecord rec;
  rec.party = op.caller.party;
  rec.id = id;
  rec.version = last_version + 1;
  rec.status = PlanStatus::kActive;
  rec.feature_json = std::move(op.feature_json);
  rec.created = b.now;
  const AuditKind why =
      op.mode == Write::kCreate ? AuditKind::kPlanSubmitted : AuditKind::kPlanAmended;
  op.out.emplace();
  if (pending) {
    rec.status = PlanStatus::kPending;
    return StorePending(b, key, std::move(rec), model::ActiveInterval(plan).end, &*op.out, why);
  }
  PlanState next;
  next.plan = std::move(plan);
  next.plan_version = rec.version;
  next.record = std::make_shared<const store::PlanRecord>(std::move(rec));
  return ReplacePlan(b, key, std::move(next), by_other, &*op.out, why);
}

Status Channel::StorePending(Batch& b, const PlanId& key, store::PlanRecord rec, TimePoint end,
                             PlanOutcome* out, AuditKind why) {
  if (Status s = b.txn->PutPlan(rec); !s.ok()) return s;
  std::string body = "{\"party\":" + Quote(rec.party.value()) + ",\"id\":" + Quote(rec.id.value()) +
                     ",\"version\":" + std::to_string(rec.version) +
                     ",\"status\":" + Quote(std::string(Name(rec.status))) +
                     ",\"feature\":" + rec.feature_json + "}";
  if (Status s = Audit(b, why, {rec.party}, std::move(body)); !s.ok()) return s;
  if (Status s = AnnouncePlan(b, rec, EventType::kPlanPending, {}, true); !s.ok()) return s;
  out->plan = rec;
  // The version in force (plan, plan_version) stays; the plan ends when both have ended.
  PlanState st;
  if (auto it = plans_.find(key); it != plans_.end() && it->second.plan) {
    st.plan = std::move(it->second.plan);
    st.plan_version = it->second.plan_version;
    end = std::max(end, model::ActiveInterval(*st.plan).end);
  }
  st.end = end;
  st.record = std::make_shared<const store::PlanRecord>(std::move(rec));
  SetPlan(key, std::move(st));
  b.plans_changed.insert(key);
  return Status::Ok();
}

Status Channel::AnnouncePlan(Batch& b, const store::PlanRecord& rec, EventType type,
                             const json::object& extra, bool watchers_only) {
  std::vector<PartyId> recipients = Watchers();
  if (!watchers_only) recipients.push_back(rec.party);
  json::object data = extra;
  data["plan"] = PlanView(rec);
  const std::string text = deconflict::json::Write(data);
  for (const PartyId& r : recipients) {
    if (Status s = Emit(b, r, type, text); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Channel::Apply(Batch& b, op::Review& op) {
  const PlanId key = PlanKey(op.ref.party, op.ref.id);
  const std::string name = op.ref.party + ":" + op.ref.id;
  auto it = plans_.find(key);
  if (it == plans_.end()) {  // not live: closed (in the store), or no such plan
    auto stored = store_->GetPlan(op.ref.party, op.ref.id);
    if (!stored.ok()) return stored.status();
    op.status = *stored ? Status::FailedPrecondition(
                              "plan " + name + " is " + std::string(Name((*stored)->status)) +
                              ", not pending: there is nothing to approve or reject")
                        : Status::NotFound("plan " + name + " does not exist");
    return Status::Ok();
  }
  const store::PlanRecord& pending = *it->second.record;
  if (pending.status != PlanStatus::kPending) {
    op.status =
        Status::FailedPrecondition("plan " + name + " is " + std::string(Name(pending.status)) +
                                   ", not pending: there is nothing to approve or reject");
    return Status::Ok();
  }
  if (op.if_match != pending.version) {
    op.status = Status::PreconditionFailed(
        "plan " + name + " is at version " + std::to_string(pending.version) + ", not " +
        std::to_string(op.if_match) + "; review the version the owner submitted last");
    return Status::Ok();
  }
  PlanState next;
  store::PlanRecord rec = pending;
  rec.version = pending.version + 1;
  rec.created = b.now;
  if (op.approve) {
    Result<model::Plan> p = PlanFromRecord(pending, key);
    if (!p.ok()) return p.status();
    rec.status = PlanStatus::kActive;
    next.plan = std::move(*p);
    next.plan_version = rec.version;
  } else if (it->second.plan) {
    // The version in force before the pending one stays in force, as a new version.
    auto before = store_->GetPlan(op.ref.party, op.ref.id, it->second.plan_version);
    if (!before.ok()) return before.status();
    if (!*before) return Status::Internal("the version in force of " + name + " is missing");
    rec.feature_json = (*before)->feature_json;
    rec.status = PlanStatus::kActive;
    next.plan = it->second.plan;
    next.plan_version = rec.version;
  } else {
    rec.status = PlanStatus::kRejected;
  }
  next.record = std::make_shared<const store::PlanRecord>(std::move(rec));
  json::object extra{{"by", op.caller.party.value()}};
  if (!op.approve) extra["reason"] = op.reason;
  op.out.emplace();
  // The conflicts of the version that takes effect (none when the zone is rejected outright).
  std::map<PlanId, PairConflict> by_other;
  if (next.plan) {
    std::vector<engine::Conflict> found;
    {
      ReaderLock lock(detector_mu_);
      found = detector_->Check(*next.plan);
    }
    by_other = ByOtherPlan(key, found);
  }
  const AuditKind why = op.approve ? AuditKind::kPlanApproved : AuditKind::kPlanRejected;
  if (Status s = ReplacePlan(b, key, std::move(next), by_other, &*op.out, why, extra); !s.ok()) {
    return s;
  }
  return AnnouncePlan(b, op.out->plan,
                      op.approve ? EventType::kPlanApproved : EventType::kPlanRejected, extra,
                      false);
}

Status Channel::Apply(Batch& b, op::DryRunRecord& op) {
  if (Status s = Audit(b, AuditKind::kDryRunChecked, {}, std::move(op.body_json)); !s.ok()) {
    return s;
  }
  for (const PartyId& victim : op.touched) {
    if (Status s = b.txn->PutProbe({victim, op.caller.party, b.now}); !s.ok()) return s;
  }
  op.out = true;
  return Status::Ok();
}

Status Channel::Apply(Batch& b, op::Cancel& op) {
  const PlanId key = PlanKey(op.caller.party, op.id);
  auto it = plans_.find(key);
  if (it == plans_.end() || (it->second.record->status != PlanStatus::kActive &&
                             it->second.record->status != PlanStatus::kPending)) {
    op.status = Status::NotFound("no active plan " + op.id);
    return Status::Ok();
  }
  if (op.if_match && *op.if_match != it->second.record->version) {
    op.status = Status::PreconditionFailed("plan " + op.id + " is at version " +
                                           std::to_string(it->second.record->version) + ", not " +
                                           std::to_string(*op.if_match));
    return Status::Ok();
  }
  store::PlanRecord rec = *it->second.record;
  rec.version += 1;
  rec.status = PlanStatus::kCancelled;
  rec.created = b.now;
  PlanState next;
  next.record = std::make_shared<const store::PlanRecord>(std::move(rec));
  op.out.emplace();
  return ReplacePlan(b, key, std::move(next), {}, &*op.out, AuditKind::kPlanCancelled);
}

Status Channel::ReplacePlan(Batch& b, const PlanId& key, PlanState next,
                            const std::map<PlanId, PairConflict>& found, PlanOutcome* out,
                            AuditKind why, const json::object& extra, bool with_feature) {
  {
    writer_waiting_.fetch_add(1);  // budgeted reads step aside (BudgetedRead)
    WriterLock lock(detector_mu_);
    writer_waiting_.fetch_sub(1);
    if (detector_->Find(key) != nullptr) {
      if (Status s = detector_->Remove(key); !s.ok()) return s;
    }
    if (next.plan) {
      if (Status s = detector_->Add(*next.plan); !s.ok()) return s;
    }
  }
  if (Status s = b.txn->PutPlan(*next.record); !s.ok()) return s;
  const store::PlanRecord& rec = *next.record;  // shared: it outlives the move of `next` below
  std::string body = "{\"party\":" + Quote(rec.party.value()) + ",\"id\":" + Quote(rec.id.value()) +
                     ",\"version\":" + std::to_string(rec.version) +
                     ",\"status\":" + Quote(std::string(Name(rec.status)));
  if (with_feature) body += ",\"feature\":" + rec.feature_json;
  for (const auto& [k, v] : extra)
    body += "," + Quote(std::string(k)) + ":" + deconflict::json::Write(v);
  body += "}";
  if (Status s = Audit(b, why, {rec.party}, std::move(body)); !s.ok()) return s;
  const bool still_active = next.plan.has_value();
  out->plan = rec;
  if (next.plan) next.end = model::ActiveInterval(*next.plan).end;
  if (!IsLive(rec.status)) b.plans_closed.insert(key);
  SetPlan(key, std::move(next));
  b.plans_changed.insert(key);
  return Reconcile(b, key, found, still_active, out);
}

std::map<PlanId, std::vector<ConflictId>> Channel::LiveByOtherPlan(const PlanId& key) const {
  std::map<PlanId, std::vector<ConflictId>> out;
  auto lit = live_by_plan_.find(key);
  if (lit == live_by_plan_.end()) return out;
  for (const ConflictId& id : lit->second) {
    const store::ConflictRecord& c = live_.at(id);
    PlanId a = PlanKey(c.party_a, c.plan_a), bk = PlanKey(c.party_b, c.plan_b);
    out[a == key ? bk : a].push_back(id);
  }
  return out;
}

size_t Channel::Opening(const PlanId& key, const std::map<PlanId, PairConflict>& found) const {
  auto live = LiveByOtherPlan(key);
  size_t n = 0;
  for (const auto& [other, pc] : found) {
    const auto& old = live[other];
    n += !(old.size() == 1 && live_.at(old[0]).detail_json == pc.detail_json);
  }
  return n;
}

Status Channel::Reconcile(Batch& b, const PlanId& key,
                          const std::map<PlanId, PairConflict>& now_by_other, bool still_active,
                          PlanOutcome* out) {
  // Pair the conflict found now with the live ones, per other plan (one per plan pair: its
  // episodes merged, MergeEpisodes).
  std::map<PlanId, std::vector<ConflictId>> live_by_other = LiveByOtherPlan(key);
  std::set<PlanId> others;
  for (const auto& [o, v] : now_by_other) others.insert(o);
  for (const auto& [o, v] : live_by_other) others.insert(o);
  for (const PlanId& other : others) {
    auto fresh = now_by_other.find(other);
    auto& old = live_by_other[other];
    const bool same = fresh != now_by_other.end() && old.size() == 1 &&
                      live_.at(old[0]).detail_json == fresh->second.detail_json;
    if (same) {
      store::ConflictRecord& c = live_.at(old[0]);
      int64_t& v = PlanKey(c.party_a, c.plan_a) == key ? c.version_a : c.version_b;
      v = out->plan.version;
      c.updated = b.now;
      if (Status s = b.txn->PutConflict(c); !s.ok()) return s;
      out->unchanged.push_back(c);
      continue;
    }
    Resolution resolution = !still_active                 ? Resolution::kCancelled
                            : fresh == now_by_other.end() ? Resolution::kAmended
                                                          : Resolution::kSuperseded;
    for (const ConflictId& id : old) {
      store::ConflictRecord c = live_.at(id);
      if (Status s = CloseConflict(b, &c, Event::Resolve(resolution), out->plan.party); !s.ok()) {
        return s;
      }
      out->closed.push_back(std::move(c));
    }
    if (fresh != now_by_other.end()) {
      store::ConflictRecord opened;
      if (Status s = OpenConflict(b, fresh->second.merged, fresh->second.detail_json, &opened);
          !s.ok())
        return s;
      out->opened.push_back(std::move(opened));
    }
  }
  return Status::Ok();
}

Status Channel::OpenConflict(Batch& b, const engine::Conflict& c, std::string detail_json,
                             store::ConflictRecord* out) {
  store::ConflictRecord r;
  r.id = ConflictId("c-" + record::RandomHex(8));
  PlanRef side_a = FromEngineId(c.plan_a), side_b = FromEngineId(c.plan_b);
  r.party_a = std::move(side_a.party);
  r.plan_a = std::move(side_a.id);
  r.party_b = std::move(side_b.party);
  r.plan_b = std::move(side_b.id);
  r.version_a = plans_.at(c.plan_a).plan_version;  // the versions in force
  r.version_b = plans_.at(c.plan_b).plan_version;
  r.status = ConflictStatus::kOpen;
  // Exact (DisclosureJson, with the episodes' windows): coordinators' view; parties' views derive
  // from it. The columns hold the window as a party may see it (rounded outward to
  // disclosure.time_s), so that the deadline, expiry and list order disclose no finer time than
  // the views.
  r.detail_json = std::move(detail_json);
  const int64_t step_s = options_.disclosure.time_s;
  r.window_start = WholeMillis(SnapTime(c.window.start, step_s, false));
  r.window_end = WholeMillis(SnapTime(c.window.end, step_s, true));
  r.deadline = options_.deadlines.DeadlineFor(b.now, r.window_start);
  r.created = r.updated = b.now;
  if (Status s = b.txn->PutConflict(r); !s.ok()) return s;
  live_by_plan_[c.plan_a].insert(r.id);
  live_by_plan_[c.plan_b].insert(r.id);
  live_[r.id] = r;
  next_due_ = std::min(next_due_, NextDue(r));
  // Both parties read this entry: the plans are named by commitments (SHA-256 of
  // "party:id:version"), which a coordinator or either owner can check, but which do not disclose
  // the other party's plan id; the detail is the coarse view both sides share (no point).
  const json::value exact = json::parse(r.detail_json);
  std::string ref_a = record::Sha256Hex(c.plan_a + ":" + std::to_string(r.version_a));
  std::string ref_b = record::Sha256Hex(c.plan_b + ":" + std::to_string(r.version_b));
  std::string body =
      "{\"conflict\":" + Quote(r.id.value()) + ",\"plan_refs\":[" + Quote(ref_a) + "," +
      Quote(ref_b) + "],\"deadline\":" + Quote(FormatRfc3339Millis(r.deadline)) +
      ",\"detail\":" + deconflict::json::Write(SharedView(exact.as_object(), options_.disclosure)) +
      "}";
  if (Status s = Audit(b, AuditKind::kConflictOpened, {r.party_a, r.party_b}, std::move(body));
      !s.ok())
    return s;
  // The exact detail, for coordinators and observers (who read every entry): listed for no party.
  std::string exact_body =
      "{\"conflict\":" + Quote(r.id.value()) + ",\"detail\":" + r.detail_json + "}";
  if (Status s = Audit(b, AuditKind::kConflictDetail, {}, std::move(exact_body)); !s.ok()) return s;
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
      code == StatusCode::kInvalidArgument || code == StatusCode::kFailedPrecondition) {
    op.status = r.status();
    return Status::Ok();
  }
  return r.status();
}

}  // namespace

Status Channel::SettingsCap(Batch& b, const PartyId& party, bool webhooks) {
  int have = 0;
  if (webhooks) {
    auto list = store_->ListWebhooks(party);
    if (!list.ok()) return list.status();
    for (const store::WebhookRecord& w : *list) have += w.active ? 1 : 0;
    have += b.webhooks_added[party];
  } else {
    auto list = store_->ListContacts(party);
    if (!list.ok()) return list.status();
    have = static_cast<int>(list->size()) + b.contacts_added[party];
  }
  const int cap = webhooks ? options_.max_webhooks_per_party : options_.max_contacts_per_party;
  if (have < cap) return Status::Ok();
  return Status::FailedPrecondition("at most " + std::to_string(cap) + " " +
                                    (webhooks ? "webhooks" : "contacts") +
                                    " per party; delete one first");
}

Status Channel::Apply(Batch& b, op::AddWebhook& op) {
  op.webhook.party = op.caller.party;
  if (Status s = SettingsCap(b, op.caller.party, /*webhooks=*/true); !s.ok()) {
    return Settle(op, Result<store::WebhookRecord>(s));
  }
  b.webhooks_added[op.caller.party] += 1;
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
  if (Status s = SettingsCap(b, op.caller.party, /*webhooks=*/false); !s.ok()) {
    return Settle(op, Result<store::ContactRecord>(s));
  }
  b.contacts_added[op.caller.party] += 1;
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
  // Held notices first: their sides' deadlines count from the summary, before any escalation.
  if (b.now >= held_due_) {
    if (Status s = FlushHeldNotices(b); !s.ok()) return s;
  }
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
  if (Status s = RetireStep(b); !s.ok()) return s;
  return CheckpointStep(b, force_checkpoint);
}

void Channel::SetPlan(const PlanId& key, PlanState st) {
  auto it = plans_.find(key);
  if (it != plans_.end()) ends_.erase({it->second.end, key});
  if (IsLive(st.record->status) && st.end < TimePoint::InfiniteFuture()) {
    ends_.insert({st.end, key});
  }
  plans_[key] = std::move(st);
}

Status Channel::RetireStep(Batch& b) {
  for (int n = 0; n < kMaxRetirementsPerBatch; ++n) {
    if (ends_.empty() || !(ends_.begin()->first < b.now)) break;
    const PlanId key = ends_.begin()->second;  // a copy: Retire erases that entry
    if (Status s = Retire(b, key); !s.ok()) return s;
  }
  return Status::Ok();
}

Status Channel::Retire(Batch& b, const PlanId& key) {
  const PlanState& st = plans_.at(key);
  const TimePoint ended = st.end;
  // Its conflicts' windows lie within its time, so they have expired already; expire any left.
  if (auto lit = live_by_plan_.find(key); lit != live_by_plan_.end()) {
    const std::vector<ConflictId> ids(lit->second.begin(), lit->second.end());
    for (const ConflictId& id : ids) {
      auto c = live_.find(id);
      if (c == live_.end()) continue;
      if (Status s = ExpireStep(b, c->second); !s.ok()) return s;
    }
  }
  store::PlanRecord rec = *st.record;
  rec.version += 1;
  rec.status = PlanStatus::kCompleted;
  rec.created = b.now;
  PlanState next;
  next.record = std::make_shared<const store::PlanRecord>(std::move(rec));
  PlanOutcome out;
  const json::object extra{{"ended", FormatRfc3339Millis(ended)}};
  if (Status s = ReplacePlan(b, key, std::move(next), {}, &out, AuditKind::kPlanCompleted, extra,
                             /*with_feature=*/false);
      !s.ok()) {
    return s;
  }
  // The owner and the watchers learn it ({"ended", "plan": its view}; the view spliced, no parse).
  const std::string text = "{\"ended\":" + Quote(FormatRfc3339Millis(ended)) +
                           ",\"plan\":" + PlanViewText(out.plan) + "}";
  std::vector<PartyId> recipients = Watchers();
  recipients.push_back(out.plan.party);
  for (const PartyId& r : recipients) {
    if (Status s = Emit(b, r, EventType::kPlanCompleted, text); !s.ok()) return s;
  }
  return Status::Ok();
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
    // Both sides and the record learn that the side escalated and which coordinators it went to
    // (never the observers: a party is not told who watches); the names of the escalating
    // party's contacts go only to that party (and to coordinators, who see every entry).
    json::object body{{"conflict", c.id.value()},
                      {"party", party.value()},
                      {"level", t->level},
                      {"deadline", FormatRfc3339Millis(c.deadline)},
                      {"coordinators", NameArray(Coordinators())}};
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
      view = ConflictView(c, Caller{party, Role::kParty}, detail.as_object(), options_.disclosure);
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
