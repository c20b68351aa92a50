#include "service/service.h"

#include <array>
#include <boost/json.hpp>
#include <future>
#include <map>
#include <memory>
#include <set>

#include "base/time.h"
#include "channel/disclosure.h"
#include "json/write.h"
#include "record/chain.h"

namespace deconflict::service {

namespace json = boost::json;

namespace {

// Starts a channel operation and waits for its completion (called on the writer thread). The
// callback owns the promise: the waiting thread may return (and drop its future) while set_value
// is still finishing on the writer thread.
template <typename T, typename Start>
Result<T> Await(Start start) {
  auto done = std::make_shared<std::promise<Result<T>>>();
  std::future<Result<T>> f = done->get_future();
  start([done](Result<T> r) { done->set_value(std::move(r)); });
  return f.get();
}

channel::Channel::Deadline DeadlineOf(Budget budget) {
  if (budget.count() <= 0) return channel::Channel::Deadline::max();
  return std::chrono::steady_clock::now() + budget;
}

// A budgeted read that stopped (channel.h BudgetedRead) as 422 "<what> (N ms)"; any other status
// as it is.
Status OverBudget(const Status& s, const std::string& what, Budget budget) {
  if (s.code() != StatusCode::kUnavailable || s.message() != "stopped") return s;
  return Status::InvalidArgument(what + " (" + std::to_string(budget.count()) +
                                 " ms); simplify its geometry or split it");
}

const char* OutcomeName(engine::Suggestion::Outcome o) {
  switch (o) {
    case engine::Suggestion::kNoConflict:
      return "no_conflict";
    case engine::Suggestion::kDelay:
      return "delay";
    case engine::Suggestion::kAdvance:
      return "advance";
    case engine::Suggestion::kImpossible:
      return "impossible";
  }
  return "impossible";
}

std::string Explain(engine::Suggestion::Outcome o, const PlanId& plan, double shift) {
  switch (o) {
    case engine::Suggestion::kNoConflict:
      return "Plan " + plan + " has no conflict to clear.";
    case engine::Suggestion::kDelay:
      return "Delay plan " + plan + " by " + FormatDuration(Seconds(shift)) +
             " to clear all of its conflicts (checked against every active plan).";
    case engine::Suggestion::kAdvance:
      return "Start plan " + plan + " " + FormatDuration(Seconds(-shift)) +
             " earlier to clear all of its conflicts (checked against every active plan).";
    case engine::Suggestion::kImpossible:
      return "No delay or advance of plan " + plan +
             " within 6 h clears all of its conflicts; change its route or coordinate with the "
             "other party.";
  }
  return "";
}

}  // namespace

Service::Service(channel::Channel* channel, ServiceOptions options)
    : ch_(channel),
      store_(channel->store()),
      options_(std::move(options)),
      limiter_(options_.dry_runs) {}

TimePoint Service::Now() const { return options_.now ? options_.now() : ch_->Now(); }

Status Service::CheckArea(const model::Plan& p) const {
  return service::CheckArea(p, options_.max_area_km2);
}

std::optional<Caller> Service::CachedCaller(std::string_view token) const {
  return ch_->CachedCaller(token);
}

Result<Caller> Service::Authenticate(std::string_view token) const {
  if (token.empty()) return Status::Unauthenticated("send Authorization: Bearer <token>");
  return ch_->Authenticate(token);
}

// ----- Identity and parties.

Result<json::object> Service::Me(const Caller& caller) const {
  auto contacts = store_->ListContacts(caller.party);
  if (!contacts.ok()) return contacts.status();
  json::array cs;
  for (const auto& c : *contacts) {
    cs.push_back(json::object{{"id", c.id},
                              {"name", c.name},
                              {"language", c.language},
                              {"role", Name(c.role)},
                              {"roster", c.roster}});
  }
  return json::object{
      {"party", caller.party.value()}, {"role", Name(caller.role)}, {"contacts", cs}};
}

Result<json::array> Service::ListParties(const Caller& caller) const {
  if (Status s = Authorize(caller, Action::kListParties); !s.ok()) return s;
  std::optional<PartyId> only = ListScope(caller, Action::kListParties);
  auto parties = store_->ListParties();
  if (!parties.ok()) return parties.status();
  json::array a;
  for (const auto& p : *parties) {
    if (only && p.name != *only) continue;
    a.push_back(json::object{
        {"name", p.name.value()}, {"role", Name(p.role)}, {"display_name", p.display_name}});
  }
  return a;
}

// ----- Plans.

json::array Service::Views(const std::vector<store::ConflictRecord>& cs,
                           const Caller& caller) const {
  json::array a;
  for (const auto& c : cs) a.push_back(channel::ConflictView(c, caller, ch_->options().disclosure));
  return a;
}

PlanChange Service::ChangeView(channel::PlanOutcome out, const Caller& caller,
                               std::vector<Issue> warnings, json::value feature) const {
  PlanChange r;
  r.plan_view = feature.is_null() ? channel::PlanView(out.plan)
                                  : channel::PlanView(out.plan, std::move(feature));
  r.opened = Views(out.opened, caller);
  r.resolved = Views(out.closed, caller);
  r.unchanged = Views(out.unchanged, caller);
  r.plan = std::move(out.plan);
  r.warnings = std::move(warnings);
  return r;
}

Result<PlanChange> Service::FinishPlanChange(Result<channel::PlanOutcome> out, const Caller& caller,
                                             std::vector<Issue> warnings,
                                             json::value feature) const {
  if (!out.ok()) return out.status();
  return ChangeView(std::move(*out), caller, std::move(warnings), std::move(feature));
}

Status Service::StartSubmitPlan(const Caller& caller, PlanInput in, PlanDone done) const {
  if (Status s = Authorize(caller, Action::kSubmitPlan); !s.ok()) return s;
  if (Status s = CheckArea(in.plan); !s.ok()) return s;
  ch_->SubmitPlan(caller, std::move(in.plan), std::move(in.feature_json), std::nullopt,
                  channel::Write::kCreate, std::move(done));
  return Status::Ok();
}

Result<PlanId> Service::OwnPlanId(const Caller& caller, const channel::PlanRef& ref) const {
  if (Status s = Authorize(caller, Action::kSubmitPlan); !s.ok()) return s;
  if (!ref.party.empty()) {
    if (Status s = Authorize(caller, Action::kSubmitPlan,
                             Target::OwnedBy(ref.party, "plan " + PlanRefText(ref)));
        !s.ok()) {
      return s;
    }
  }
  return ref.id;
}

Status Service::StartAmendPlan(const Caller& caller, const channel::PlanRef& ref, int64_t if_match,
                               PlanInput in, PlanDone done) const {
  Result<PlanId> id = OwnPlanId(caller, ref);
  if (!id.ok()) return id.status();
  if (in.plan.id != *id) {
    return Status::Invalid(
        "the Feature's id (" + in.plan.id + ") differs from the URL (" + *id + ")",
        {{"id", "must equal the plan id in the URL"}});
  }
  if (Status s = CheckArea(in.plan); !s.ok()) return s;
  ch_->SubmitPlan(caller, std::move(in.plan), std::move(in.feature_json), if_match,
                  channel::Write::kAmend, std::move(done));
  return Status::Ok();
}

Status Service::StartCancelPlan(const Caller& caller, const channel::PlanRef& ref,
                                std::optional<int64_t> if_match, PlanDone done) const {
  Result<PlanId> id = OwnPlanId(caller, ref);
  if (!id.ok()) return id.status();
  ch_->CancelPlan(caller, *id, if_match, std::move(done));
  return Status::Ok();
}

Result<std::optional<PartyId>> Service::PlanOwner(const Caller& caller,
                                                  const channel::PlanRef& ref) const {
  if (Status s = Authorize(caller, Action::kReadPlan); !s.ok()) return s;
  if (!ref.party.empty()) {
    const std::string what = "plan " + PlanRefText(ref);
    if (Status s = Authorize(caller, Action::kReadPlan, Target::OwnedBy(ref.party, what));
        !s.ok()) {
      return s;
    }
    return std::optional<PartyId>(ref.party);
  }
  if (!ListScope(caller, Action::kReadPlan)) return std::optional<PartyId>();
  return std::optional<PartyId>(caller.party);
}

Result<store::PlanRecord> Service::FindPlan(const Caller& caller,
                                            const channel::PlanRef& ref) const {
  Result<std::optional<PartyId>> owner = PlanOwner(caller, ref);
  if (!owner.ok()) return owner.status();
  if (!*owner) return FindPlanOfAnyParty(ref.id);
  auto p = store_->GetPlan(**owner, ref.id);
  if (!p.ok()) return p.status();
  if (!*p) return Status::NotFound("plan " + PlanRefText(ref) + " does not exist");
  return std::move(**p);
}

std::optional<Result<std::shared_ptr<const store::PlanRecord>>> Service::GetPlanNow(
    const Caller& caller, const channel::PlanRef& ref) const {
  using Answer = Result<std::shared_ptr<const store::PlanRecord>>;
  Result<std::optional<PartyId>> owner = PlanOwner(caller, ref);
  if (!owner.ok()) return Answer(owner.status());
  if (!*owner) return std::nullopt;
  std::shared_ptr<const store::PlanRecord> p = ch_->CurrentPlan(**owner, ref.id);
  if (p == nullptr) return std::nullopt;
  return Answer(std::move(p));
}

Result<store::PlanRecord> Service::FindPlanOfAnyParty(const PlanId& id) const {
  auto parties = store_->ListParties();
  if (!parties.ok()) return parties.status();
  std::vector<store::PlanRecord> match;
  for (const auto& p : *parties) {
    auto found = store_->GetPlan(p.name, id);
    if (!found.ok()) return found.status();
    if (*found) match.push_back(std::move(**found));
  }
  if (match.empty()) return Status::NotFound("plan " + id + " does not exist");
  if (match.size() > 1) {
    return Status::FailedPrecondition("several parties have a plan " + id +
                                      "; name it as PARTY:" + id);
  }
  return std::move(match.front());
}

Result<store::PlanRecord> Service::GetPlan(const Caller& caller,
                                           const channel::PlanRef& ref) const {
  return FindPlan(caller, ref);
}

Result<std::vector<store::PlanRecord>> Service::PlanVersions(const Caller& caller,
                                                             const channel::PlanRef& ref) const {
  Result<store::PlanRecord> p = FindPlan(caller, ref);
  if (!p.ok()) return p.status();
  return store_->PlanHistory(p->party, p->id);
}

Result<std::vector<store::PlanRecord>> Service::ListPlans(const Caller& caller, PlanQuery q) const {
  if (Status s = Authorize(caller, Action::kReadPlan); !s.ok()) return s;
  if (std::optional<PartyId> only = ListScope(caller, Action::kReadPlan)) {
    if (!q.party.empty() && q.party != *only) {
      return Status::PermissionDenied("a party lists only its own plans");
    }
    q.party = *only;
  }
  return store_->ListPlans(q.party, q.status);
}

Result<DryRunResult> Service::DryRun(const Caller& caller, PlanInput in, Budget budget) const {
  if (Status s = Authorize(caller, Action::kDryRun); !s.ok()) return s;
  if (Status s = limiter_.Take(caller.party, Now()); !s.ok()) return s;
  if (Status s = CheckArea(in.plan); !s.ok()) return s;
  model::Plan plan = std::move(in.plan);
  plan.id = channel::EngineId({caller.party, plan.id});
  auto found = ch_->DryRun(plan, DeadlineOf(budget));
  if (!found.ok()) {
    return OverBudget(found.status(), "plan too complex to check in the time budget", budget);
  }
  DryRunResult r;
  std::map<PartyId, int64_t> touched;  // party -> conflicts with its plans
  for (const auto& c : *found) {
    r.conflicts.push_back(channel::DryRunView(c, caller.party, ch_->options().disclosure));
    const channel::PlanRef a = channel::FromEngineId(c.plan_a);
    const channel::PlanRef b = channel::FromEngineId(c.plan_b);
    touched[a.party == caller.party ? b.party : a.party] += 1;
  }
  r.warnings = std::move(in.warnings);
  // The record: who, what kind, roughly where, and whose plans it touched (how many conflicts).
  const std::array<double, 4> extent = CoarseExtent(plan);
  json::object counts;
  std::vector<PartyId> victims;
  for (const auto& [party, n] : touched) {
    counts[party.value()] = n;
    victims.push_back(party);
  }
  json::object body{{"party", caller.party.value()},
                    {"kind", model::PlanKindName(plan.kind)},
                    {"extent", json::array{extent[0], extent[1], extent[2], extent[3]}},
                    {"conflicts", static_cast<int64_t>(r.conflicts.size())},
                    {"touched", std::move(counts)}};
  auto recorded = Await<bool>([&](auto done) {
    ch_->RecordDryRun(caller, deconflict::json::Write(body), std::move(victims), std::move(done));
  });
  if (!recorded.ok()) return recorded.status();
  return r;
}

Result<PlanChange> Service::ReviewPlan(const Caller& caller, const channel::PlanRef& ref,
                                       int64_t if_match, ReviewInput in) const {
  if (Status s = Authorize(caller, Action::kReviewPlan); !s.ok()) return s;
  if (!in.approve && (in.reason.empty() || in.reason.size() > 1000)) {
    return Status::Invalid("a rejection needs a reason",
                           {{"reason", "required: 1 to 1000 characters saying why"}});
  }
  Result<store::PlanRecord> p = FindPlan(caller, ref);
  if (!p.ok()) return p.status();
  auto out = Await<channel::PlanOutcome>([&](auto done) {
    ch_->ReviewPlan(caller, {p->party, p->id}, if_match, in.approve, std::move(in.reason),
                    std::move(done));
  });
  return FinishPlanChange(std::move(out), caller, {});
}

Result<ProbeView> Service::Probes(const Caller& caller, PartyId party) const {
  if (Status s = Authorize(caller, Action::kReadProbes); !s.ok()) return s;
  if (std::optional<PartyId> only = ListScope(caller, Action::kReadProbes)) {
    if (!party.empty() && party != *only) {
      return Status::PermissionDenied("a party sees only the dry runs that touched its own plans");
    }
    party = *only;
  }
  ProbeView v;
  v.since = Now() - Seconds(86400);
  auto counts = store_->ProbeCounts(party, v.since);
  if (!counts.ok()) return counts.status();
  v.counts = std::move(*counts);
  return v;
}

// ----- Conflicts.

Result<store::ConflictRecord> Service::FindConflict(const Caller& caller, const ConflictId& id,
                                                    Action action) const {
  auto c = store_->GetConflict(id);
  if (!c.ok()) return c.status();
  // Existence first: a conflict the caller may not read is one that does not exist.
  if (!*c || !Authorize(caller, Action::kReadConflict, Target::Conflict(**c)).ok()) {
    return Status::NotFound("conflict " + id + " does not exist");
  }
  if (Status s = Authorize(caller, action, Target::Conflict(**c)); !s.ok()) return s;
  return std::move(**c);
}

Result<ConflictPage> Service::ListConflicts(const Caller& caller, const ConflictQuery& q) const {
  if (Status s = Authorize(caller, Action::kReadConflict); !s.ok()) return s;
  store::ConflictFilter f;
  if (std::optional<PartyId> only = ListScope(caller, Action::kReadConflict)) f.party = *only;
  f.statuses = q.statuses;
  if (q.plan) {
    f.plan_party = q.plan->party.empty() ? caller.party : q.plan->party;
    f.plan = q.plan->id;
    if (Status s = Authorize(caller, Action::kReadPlan,
                             Target::OwnedBy(f.plan_party, "plan " + PlanRefText(*q.plan)));
        !s.ok()) {
      return s;
    }
  }
  if (q.limit > 0) f.limit = q.limit + 1;  // one more: tells whether the list was cut
  auto cs = store_->ListConflicts(f);
  if (!cs.ok()) return cs.status();
  ConflictPage page;
  page.truncated = q.limit > 0 && cs->size() > static_cast<size_t>(q.limit);
  if (page.truncated) cs->resize(static_cast<size_t>(q.limit));
  page.conflicts = Views(*cs, caller);
  return page;
}

Result<json::object> Service::GetConflict(const Caller& caller, const ConflictId& id) const {
  auto c = FindConflict(caller, id, Action::kReadConflict);
  if (!c.ok()) return c.status();
  return channel::ConflictView(*c, caller, ch_->options().disclosure);
}

Result<json::object> Service::ReadConflict(const Caller& caller, const ConflictId& id) const {
  auto view = GetConflict(caller, id);
  if (view.ok()) MarkConflictRead(caller, id);
  return view;
}

Result<json::object> Service::Acknowledge(const Caller& caller, const ConflictId& id) const {
  auto c = FindConflict(caller, id, Action::kActOnConflict);
  if (!c.ok()) return c.status();
  auto r = Await<store::ConflictRecord>(
      [&](auto done) { ch_->Acknowledge(caller, id, std::move(done)); });
  if (!r.ok()) return r.status();
  return channel::ConflictView(*r, caller, ch_->options().disclosure);
}

Result<json::object> Service::Accept(const Caller& caller, const ConflictId& id) const {
  auto c = FindConflict(caller, id, Action::kActOnConflict);
  if (!c.ok()) return c.status();
  auto r =
      Await<store::ConflictRecord>([&](auto done) { ch_->Accept(caller, id, std::move(done)); });
  if (!r.ok()) return r.status();
  return channel::ConflictView(*r, caller, ch_->options().disclosure);
}

Result<json::array> Service::ListMessages(const Caller& caller, const ConflictId& id) const {
  auto c = FindConflict(caller, id, Action::kReadConflict);
  if (!c.ok()) return c.status();
  auto ms = store_->ListMessages(c->id);
  if (!ms.ok()) return ms.status();
  json::array a;
  for (const auto& m : *ms) a.push_back(channel::MessageView(m));
  return a;
}

Result<json::object> Service::PostMessage(const Caller& caller, const ConflictId& id,
                                          MessageInput in) const {
  auto c = FindConflict(caller, id,
                        in.kind == MessageKind::kText ? Action::kPostText : Action::kNegotiate);
  if (!c.ok()) return c.status();
  if (in.answers > 0) {
    auto ms = store_->ListMessages(c->id);
    if (!ms.ok()) return ms.status();
    std::vector<Issue> issues;
    bool found = false;
    for (const auto& prev : *ms) {
      if (prev.seq == in.answers && prev.kind == MessageKind::kPropose) {
        found = true;
        if (prev.party == caller.party) {
          issues.push_back({"message", "you cannot answer your own proposal"});
        }
      }
    }
    if (!found) issues.push_back({"message", "no proposal with this seq in the thread"});
    if (!issues.empty()) return Status::Invalid(std::move(issues));
  }
  store::MessageRecord m;
  m.kind = in.kind;
  m.body_json = std::move(in.body_json);
  m.language = std::move(in.language);
  auto r = Await<store::MessageRecord>(
      [&](auto done) { ch_->PostMessage(caller, c->id, std::move(m), std::move(done)); });
  if (!r.ok()) return r.status();
  return channel::MessageView(*r);
}

Result<SuggestionView> Service::Suggest(const Caller& caller, const ConflictId& id,
                                        Budget budget) const {
  auto c = FindConflict(caller, id, Action::kSuggest);
  if (!c.ok()) return c.status();
  // The suggestion reflects every active plan near the caller's route: it shares the dry runs'
  // bucket (docs/security.md §11).
  if (Status s = limiter_.Take(caller.party, Now()); !s.ok()) return s;
  Result<engine::Suggestion> s = ch_->Suggest(caller, *c, DeadlineOf(budget));
  if (!s.ok()) {
    return OverBudget(s.status(), "conflict too complex to suggest a shift in the time budget",
                      budget);
  }
  SuggestionView v;
  v.plan = channel::SideOf(*c, caller.party) == 0 ? c->plan_a : c->plan_b;
  v.outcome = OutcomeName(s->outcome);
  v.shift_s = s->shift.value();
  v.conflicts_now = static_cast<int64_t>(s->conflicts_now);
  v.explanation = Explain(s->outcome, v.plan, v.shift_s);
  return v;
}

Result<json::object> Service::Receipt(const Caller& caller, const ConflictId& id) const {
  auto c = FindConflict(caller, id, Action::kReadConflict);
  if (!c.ok()) return c.status();
  std::optional<PartyId> only = ListScope(caller, Action::kReadRecord);
  auto entries = store_->AuditAfter(0, 0, only.value_or(PartyId()));
  if (!entries.ok()) return entries.status();
  // The conflict's entries, its notices, and the receipts of those notices.
  std::vector<store::AuditEntry> picked;
  std::set<std::pair<std::string, int64_t>> notices;  // (recipient, event_seq) as the JSON says
  for (const auto& e : *entries) {
    const bool receipt =
        e.kind == Name(AuditKind::kReceiptDelivered) || e.kind == Name(AuditKind::kReceiptRead);
    if (!receipt && e.body_json.find(c->id.value()) == std::string::npos) continue;
    json::value body = json::parse(e.body_json);
    const json::object& b = body.as_object();
    if (receipt) {
      auto* r = b.if_contains("recipient");
      auto* seq = b.if_contains("event_seq");
      if (r && seq && notices.count({std::string(r->as_string()), seq->as_int64()})) {
        picked.push_back(e);
      }
      continue;
    }
    auto* cid = b.if_contains("conflict");
    if (!cid || !cid->is_string() || cid->get_string() != c->id.value()) continue;
    if (e.kind == Name(AuditKind::kNoticeSent)) {
      notices.insert({std::string(b.at("recipient").as_string()), b.at("event_seq").as_int64()});
    }
    picked.push_back(e);
  }
  auto cps = store_->ListCheckpoints();
  if (!cps.ok()) return cps.status();
  std::optional<store::Checkpoint> cp;
  if (!cps->empty()) cp = cps->back();
  return record::MakeReceipt(ch_->key(), "conflict " + c->id, caller.party.value(), ch_->Now(),
                             picked, cp);
}

// ----- Events.

Result<std::vector<store::EventRecord>> Service::EventsAfter(const Caller& caller,
                                                             int64_t after_seq, int limit) const {
  return store_->EventsAfter(caller.party, after_seq, limit);
}

void Service::RecordDelivered(const Caller& caller, const std::vector<int64_t>& seqs,
                              ReceiptChannel channel) const {
  std::vector<store::ReceiptRecord> receipts;
  receipts.reserve(seqs.size());
  for (int64_t seq : seqs)
    receipts.push_back({caller.party, seq, channel, ReceiptKind::kDelivered, ch_->Now()});
  ch_->RecordReceipts(std::move(receipts));
}

Result<bool> Service::Delivered(const Caller& caller, int64_t seq) const {
  auto receipts = store_->ListReceipts(caller.party, seq);
  if (!receipts.ok()) return receipts.status();
  for (const auto& r : *receipts) {
    if (r.kind == ReceiptKind::kDelivered) return true;
  }
  return false;
}

Status Service::MarkRead(const Caller& caller, int64_t seq, ReceiptChannel channel) const {
  auto last = store_->LastEventSeq(caller.party);
  if (!last.ok()) return last.status();
  const std::string what = "event " + std::to_string(seq);
  if (seq < 1 || seq > *last) return Status::NotFound(what + " does not exist in your stream");
  auto delivered = Delivered(caller, seq);
  if (delivered.ok() && !*delivered) {
    // Its delivery receipt may still be queued behind the event's sending: wait for the writer.
    auto flushed = Await<bool>([&](auto done) { ch_->Flush(std::move(done)); });
    if (!flushed.ok()) return flushed.status();
    delivered = Delivered(caller, seq);
  }
  if (!delivered.ok()) return delivered.status();
  if (!*delivered) return Status::NotFound(what + " has not been delivered to you yet");
  ch_->RecordReceipts({{caller.party, seq, channel, ReceiptKind::kRead, ch_->Now()}});
  return Status::Ok();
}

std::vector<int64_t> Service::UnreadAbout(const Caller& caller, const ConflictId& id,
                                          bool* undelivered) const {
  *undelivered = false;
  auto events = store_->EventsAfter(caller.party, 0, 0);
  auto receipts = store_->ListReceipts(caller.party, 0);
  if (!events.ok() || !receipts.ok()) return {};  // a read receipt is best effort here
  std::set<int64_t> delivered, read;
  for (const auto& r : *receipts) {
    (r.kind == ReceiptKind::kDelivered ? delivered : read).insert(r.event_seq);
  }
  std::vector<int64_t> out;
  const std::string quoted = "\"" + id.value() + "\"";
  for (const auto& e : *events) {
    if (read.count(e.seq) || e.data_json.find(quoted) == std::string::npos) continue;
    json::value data = json::parse(e.data_json);
    const json::value* c = data.is_object() ? data.as_object().if_contains("conflict") : nullptr;
    const json::value* cid = c && c->is_object() ? c->as_object().if_contains("id") : nullptr;
    if (!cid || !cid->is_string() || cid->get_string() != id.value()) continue;
    if (delivered.count(e.seq)) {
      out.push_back(e.seq);
    } else {
      *undelivered = true;
    }
  }
  return out;
}

void Service::MarkConflictRead(const Caller& caller, const ConflictId& id) const {
  bool undelivered = false;
  std::vector<int64_t> seqs = UnreadAbout(caller, id, &undelivered);
  if (undelivered) {
    // A delivery receipt may still be queued behind the event's sending: wait for the writer.
    if (Await<bool>([&](auto done) { ch_->Flush(std::move(done)); }).ok()) {
      seqs = UnreadAbout(caller, id, &undelivered);
    }
  }
  std::vector<store::ReceiptRecord> out;
  out.reserve(seqs.size());
  for (int64_t seq : seqs) {
    out.push_back({caller.party, seq, ReceiptChannel::kApi, ReceiptKind::kRead, ch_->Now()});
  }
  if (!out.empty()) ch_->RecordReceipts(std::move(out));
}

Result<channel::Hub::Subscription> Service::Subscribe(const Caller& caller, std::string_view token,
                                                      std::function<void()> wake) const {
  return ch_->Subscribe(caller, token, std::move(wake));
}

// ----- The record.

Result<AuditPage> Service::Audit(const Caller& caller, int64_t after_seq, int limit) const {
  if (Status s = Authorize(caller, Action::kReadRecord); !s.ok()) return s;
  std::optional<PartyId> only = ListScope(caller, Action::kReadRecord);
  AuditPage page;
  auto entries = store_->AuditAfter(after_seq, limit, only.value_or(PartyId()));
  if (!entries.ok()) return entries.status();
  auto cps = store_->ListCheckpoints();
  if (!cps.ok()) return cps.status();
  page.entries = std::move(*entries);
  page.checkpoints = std::move(*cps);
  return page;
}

Result<std::string> Service::ExportRecord(const Caller& caller) const {
  if (Status s = Authorize(caller, Action::kExportRecord); !s.ok()) return s;
  auto entries = store_->AuditAfter(0, 0);
  if (!entries.ok()) return entries.status();
  auto cps = store_->ListCheckpoints();
  if (!cps.ok()) return cps.status();
  return record::ExportLog(*entries, *cps);
}

const std::string& Service::RecordKey() const { return ch_->key().public_key_hex; }

// ----- Settings.

Result<std::vector<store::WebhookRecord>> Service::ListWebhooks(const Caller& caller) const {
  if (Status s = Authorize(caller, Action::kManageSettings); !s.ok()) return s;
  return store_->ListWebhooks(caller.party);
}

Result<store::WebhookRecord> Service::AddWebhook(const Caller& caller, WebhookInput in) const {
  if (Status s = Authorize(caller, Action::kManageSettings); !s.ok()) return s;
  if (Status s = Validate(in); !s.ok()) return s;
  if (Status s = CheckDestination("url", in.url, ch_->options().allow_private_destinations);
      !s.ok()) {
    return s;
  }
  store::WebhookRecord w;
  w.url = std::move(in.url);
  w.secret = in.secret.empty() ? record::RandomHex(24) : std::move(in.secret);
  return Await<store::WebhookRecord>(
      [&](auto done) { ch_->AddWebhook(caller, std::move(w), std::move(done)); });
}

Status Service::DeleteWebhook(const Caller& caller, int64_t id) const {
  if (Status s = Authorize(caller, Action::kManageSettings); !s.ok()) return s;
  auto r = Await<bool>([&](auto done) { ch_->DeleteWebhook(caller, id, std::move(done)); });
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<store::ContactRecord>> Service::ListContacts(const Caller& caller) const {
  if (Status s = Authorize(caller, Action::kReadContacts); !s.ok()) return s;
  return store_->ListContacts(ListScope(caller, Action::kReadContacts).value_or(PartyId()));
}

Result<store::ContactRecord> Service::AddContact(const Caller& caller, ContactInput in) const {
  if (Status s = Authorize(caller, Action::kManageSettings); !s.ok()) return s;
  if (Status s = Validate(in); !s.ok()) return s;
  if (Status s = CheckDestination("webhook_url", in.webhook_url,
                                  ch_->options().allow_private_destinations);
      !s.ok()) {
    return s;
  }
  store::ContactRecord c;
  c.name = std::move(in.name);
  c.language = std::move(in.language);
  c.role = in.role;
  c.roster = std::move(in.roster);
  c.webhook_url = std::move(in.webhook_url);
  return Await<store::ContactRecord>(
      [&](auto done) { ch_->AddContact(caller, std::move(c), std::move(done)); });
}

Status Service::DeleteContact(const Caller& caller, int64_t id) const {
  if (Status s = Authorize(caller, Action::kManageSettings); !s.ok()) return s;
  auto r = Await<bool>([&](auto done) { ch_->DeleteContact(caller, id, std::move(done)); });
  return r.ok() ? Status::Ok() : r.status();
}

// ----- Operations.

Status Service::Ready() const {
  if (!ch_->stats().ready) return Status::Unavailable("loading state");
  auto last = store_->LastAudit();
  if (!last.ok()) return Status::Unavailable("the store does not answer");
  return Status::Ok();
}

channel::Channel::Stats Service::stats() const { return ch_->stats(); }

size_t Service::subscribers() const { return ch_->hub().subscribers(); }

}  // namespace deconflict::service
