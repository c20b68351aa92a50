#include "channel/channel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "base/time.h"
#include "channel/disclosure.h"
#include "json/write.h"
#include "model/plan_parser.h"
#include "record/chain.h"
#include "store/sqlite_store.h"

namespace deconflict::channel {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

namespace json = boost::json;

// 2030-01-01T00:00:00Z
constexpr int64_t kT0 = 1893456000000;

std::string Iso(int64_t ms) {
  return FormatRfc3339(TimePoint::FromUnixSeconds(static_cast<double>(ms) / 1000.0));
}

// A ground movement Feature along `coords` ([lon, lat] pairs) at minutes `minutes` after kT0.
json::value MovementFeature(const std::string& id, const std::string& party,
                            const std::vector<std::pair<double, double>>& coords,
                            const std::vector<int>& minutes, double corridor = 50) {
  json::array c, t;
  for (auto [lon, lat] : coords) c.push_back(json::array{lon, lat});
  for (int m : minutes) t.push_back(json::value(Iso(kT0 + m * 60'000LL)));
  return json::object{{"type", "Feature"},
                      {"id", id},
                      {"properties", json::object{{"party", party},
                                                  {"kind", "movement"},
                                                  {"callsign", id + "-cs"},
                                                  {"times", t},
                                                  {"corridor_m", corridor}}},
                      {"geometry", json::object{{"type", "LineString"}, {"coordinates", c}}}};
}

class ChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("channel_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    now_ = kT0 - 3600'000;  // one hour before the plans start
    Open();
    auto txn = store_->Begin().value();
    for (const char* p : {"US", "RU", "OCHA"}) {
      ASSERT_TRUE(txn->PutParty({PartyId(p), Role::kParty, "", Ms(now_)}).ok());
    }
    ASSERT_TRUE(txn->PutParty({PartyId("JCC"), Role::kCoordinator, "", Ms(now_)}).ok());
    ASSERT_TRUE(txn->PutContact({0, PartyId("RU"), "Backup officer", "ru", ContactRole::kBackup,
                                 "24/7", "", Ms(now_)})
                    .ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  void TearDown() override {
    channel_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto s = store::OpenSqliteStore({.dir = dir_.string()});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ChannelOptions o;
    o.key_file = (dir_ / "server.key").string();
    o.now = [this] { return Ms(now_.load()); };
    o.sweep_interval_ms = 20;
    o.max_conflicts_per_submission = max_conflicts_;
    o.max_notices_per_party_per_minute = max_notices_;
    auto c = Channel::Open(store_.get(), o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    channel_ = std::move(*c);
  }
  void Reopen() {
    channel_.reset();
    store_.reset();
    Open();
  }

  Result<PlanOutcome> Submit(const std::string& party, const json::value& feature,
                             Write mode = Write::kCreate,
                             std::optional<int64_t> if_match = std::nullopt) {
    std::vector<Issue> warnings;
    auto plan = model::ParsePlanFeature(feature, "", &warnings);
    if (!plan.ok()) return plan.status();
    std::promise<Result<PlanOutcome>> p;
    channel_->SubmitPlan({PartyId(party), Role::kParty}, std::move(*plan), json::serialize(feature),
                         if_match, mode, [&](Result<PlanOutcome> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  Result<store::ConflictRecord> Ack(const std::string& party, const ConflictId& id,
                                    bool accept = false) {
    std::promise<Result<store::ConflictRecord>> p;
    auto cb = [&](Result<store::ConflictRecord> r) { p.set_value(std::move(r)); };
    if (accept) {
      channel_->Accept({PartyId(party), Role::kParty}, id, cb);
    } else {
      channel_->Acknowledge({PartyId(party), Role::kParty}, id, cb);
    }
    return p.get_future().get();
  }
  std::vector<store::EventRecord> Events(const std::string& party) {
    return *store_->EventsAfter(PartyId(party), 0, 0);
  }
  // Waits until the writer has run a sweep at the current time.
  // Waits until everything queued so far is committed, with a sweep at now_.
  void Settle() {
    std::promise<Result<bool>> p;
    channel_->Flush([&](Result<bool> r) { p.set_value(std::move(r)); });
    Result<bool> r = p.get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  record::ChainReport VerifyLog() {
    auto entries = *store_->AuditAfter(0, 0);
    auto cps = *store_->ListCheckpoints();
    return record::VerifyChain(entries, cps, channel_->key().public_key_hex);
  }

  std::filesystem::path dir_;
  int max_conflicts_ = 100, max_notices_ = 60;  // ChannelOptions for the next Open()
  std::atomic<int64_t> now_{0};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Channel> channel_;
};

// US drives east along 37.00 N from minute 0 to 20; RU drives north along 41.70 E crossing it
// at minute 10.
json::value UsPatrol() {
  return MovementFeature("us-1", "US", {{41.60, 37.00}, {41.80, 37.00}}, {0, 20});
}
json::value RuCrossing(int start_minute = 0) {
  return MovementFeature("ru-1", "RU", {{41.70, 36.90}, {41.70, 37.10}},
                         {start_minute, start_minute + 20});
}

TEST(PlanRefTest, EngineIdRoundTrips) {
  const PlanRef ref{PartyId("US"), PlanId("patrol-1")};
  EXPECT_EQ(EngineId(ref), PlanId("US:patrol-1"));
  EXPECT_EQ(FromEngineId(EngineId(ref)), ref);
  // A plan id may itself contain ':'; the party never does.
  const PlanRef colon{PartyId("RU"), PlanId("a:b")};
  EXPECT_EQ(FromEngineId(EngineId(colon)), colon);
}

TEST_F(ChannelTest, FlushCompletesAfterEverythingQueuedBeforeIt) {
  std::mutex mu;
  std::vector<std::string> order;
  std::promise<void> flushed;
  channel_->SubmitPlan(
      {PartyId("US"), Role::kParty}, *model::ParsePlanFeature(UsPatrol(), "", nullptr),
      json::serialize(UsPatrol()), std::nullopt, Write::kCreate, [&](const Result<PlanOutcome>& r) {
        std::lock_guard<std::mutex> l(mu);
        order.push_back(r.ok() ? "submit" : r.status().ToString());
      });
  channel_->Flush([&](const Result<bool>& r) {
    {
      std::lock_guard<std::mutex> l(mu);
      order.push_back(r.ok() ? "flush" : r.status().ToString());
    }
    flushed.set_value();
  });
  flushed.get_future().get();
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"submit", "flush"}));
  EXPECT_TRUE(store_->GetPlan(PartyId("US"), PlanId("us-1"))->has_value());
}

TEST_F(ChannelTest, CrossingPatrolsOpenOneConflictAndNotifyBothSides) {
  auto us = Submit("US", UsPatrol());
  ASSERT_TRUE(us.ok()) << us.status().ToString();
  EXPECT_TRUE(us->opened.empty());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok()) << ru.status().ToString();
  ASSERT_EQ(ru->opened.size(), 1u);
  const store::ConflictRecord& c = ru->opened[0];
  EXPECT_EQ(c.status, ConflictStatus::kOpen);
  EXPECT_EQ(c.party_a, PartyId("RU"));  // "RU:ru-1" < "US:us-1"
  EXPECT_EQ(c.party_b, PartyId("US"));
  EXPECT_LE(c.window_start, Ms(kT0 + 10 * 60'000));
  EXPECT_GE(c.window_end, Ms(kT0 + 10 * 60'000));
  // The deadline follows the policy: the conflict starts ~70 min after the notice -> 10 min.
  EXPECT_EQ(c.deadline, Ms(now_ + 600'000));

  for (const char* party : {"US", "RU", "JCC"}) {
    auto ev = Events(party);
    ASSERT_EQ(ev.size(), 1u) << party;
    EXPECT_EQ(ev[0].type, EventType::kConflictOpened);
    EXPECT_EQ(ev[0].seq, 1);
  }
  EXPECT_TRUE(Events("OCHA").empty());

  // Need to know: US's copy names RU's side by party and callsign only.
  json::value us_event = json::parse(Events("US")[0].data_json);
  const json::object& view = us_event.at("conflict").as_object();
  EXPECT_EQ(view.at("own_side").as_int64(), 1);
  const json::object& ru_side = view.at("sides").as_array()[0].as_object();
  EXPECT_EQ(ru_side.at("party").as_string(), "RU");
  EXPECT_EQ(ru_side.at("callsign").as_string(), "ru-1-cs");
  EXPECT_FALSE(ru_side.contains("plan"));
  EXPECT_EQ(Events("US")[0].data_json.find("ru-1\""), std::string::npos);
  // RU's start vertex is [41.70, 36.90]; numbers are written as decimals (json::Write), so the
  // vertex would appear as 36.9 followed by a separator. The disclosed box (36.973..37.0271) and
  // the closest approach are not RU's route.
  for (const char* vertex : {"36.9,", "36.9]", "36.90"}) {
    EXPECT_EQ(Events("US")[0].data_json.find(vertex), std::string::npos)
        << "RU's start point must not be disclosed: " << Events("US")[0].data_json;
  }
  // The coordinator sees both plan ids.
  json::value jcc = json::parse(Events("JCC")[0].data_json);
  EXPECT_EQ(jcc.at("conflict").at("sides").as_array()[0].at("plan").as_string(), "ru-1");
  EXPECT_TRUE(VerifyLog().ok());
}

TEST_F(ChannelTest, AcknowledgeAcceptAndResolveAsCoordinated) {
  ASSERT_TRUE(Submit("US", UsPatrol()).ok());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok());
  ConflictId id = ru->opened.at(0).id;
  auto a = Ack("US", id);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, ConflictStatus::kOpen);
  EXPECT_NE(a->ack_b, std::nullopt);
  EXPECT_TRUE(Ack("US", id).ok()) << "acknowledging twice is harmless";
  auto b = Ack("RU", id);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->status, ConflictStatus::kAcknowledged);
  EXPECT_EQ(Ack("OCHA", id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Ack("US", id, true).ok());
  auto done = Ack("RU", id, true);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, ConflictStatus::kResolved);
  EXPECT_EQ(done->resolution, Resolution::kCoordinated);
  EXPECT_EQ(Ack("RU", id).status().code(), StatusCode::kFailedPrecondition);
  auto types = Events("US");
  EXPECT_EQ(types.back().type, EventType::kConflictResolved);
  EXPECT_TRUE(VerifyLog().ok());
}

TEST_F(ChannelTest, AmendmentThatClearsResolvesAndStaleVersionIsRefused) {
  ASSERT_TRUE(Submit("US", UsPatrol()).ok());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok());
  ASSERT_EQ(ru->opened.size(), 1u);
  // A stale version is refused and changes nothing.
  auto stale = Submit("RU", RuCrossing(60), Write::kAmend, 7);
  EXPECT_EQ(stale.status().code(), StatusCode::kPreconditionFailed);
  // Same details: the conflict stays as it was.
  auto same = Submit("RU", RuCrossing(), Write::kAmend, 1);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->opened.empty());
  EXPECT_EQ(same->unchanged.size(), 1u);
  // Crossing an hour later clears it.
  auto later = Submit("RU", RuCrossing(60), Write::kAmend, 2);
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_EQ(later->plan.version, 3);
  EXPECT_TRUE(later->opened.empty());
  ASSERT_EQ(later->closed.size(), 1u);
  EXPECT_EQ(later->closed[0].resolution, Resolution::kAmended);
  auto stored = *store_->GetConflict(ru->opened[0].id);
  EXPECT_EQ(stored->status, ConflictStatus::kResolved);
  // The record names who resolved it: the amending party.
  {
    auto last = store_->LastAudit();
    ASSERT_TRUE(last.ok() && last->has_value());
    auto entries = store_->AuditAfter(0, 100000);
    ASSERT_TRUE(entries.ok());
    int found = 0;
    for (const auto& e : *entries) {
      if (e.kind != "conflict.resolved") continue;
      ++found;
      EXPECT_NE(e.body_json.find("\"by\":\"RU\""), std::string::npos) << e.body_json;
    }
    EXPECT_EQ(found, 1);
  }
  // Moving back re-opens a new conflict (new notice).
  auto back = Submit("RU", RuCrossing(), Write::kAmend, 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->opened.size(), 1u);
  EXPECT_NE(back->opened[0].id, ru->opened[0].id);
  // Creating an existing plan again is refused.
  EXPECT_EQ(Submit("RU", RuCrossing()).status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(VerifyLog().ok());
}

TEST_F(ChannelTest, CancellationResolves) {
  ASSERT_TRUE(Submit("US", UsPatrol()).ok());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok());
  std::promise<Result<PlanOutcome>> p;
  channel_->CancelPlan({PartyId("US"), Role::kParty}, PlanId("us-1"), std::nullopt,
                       [&](Result<PlanOutcome> r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->plan.status, PlanStatus::kCancelled);
  ASSERT_EQ(r->closed.size(), 1u);
  EXPECT_EQ(r->closed[0].resolution, Resolution::kCancelled);
  EXPECT_TRUE(channel_
                  ->DryRun([] {
                    auto f = RuCrossing();
                    auto plan = *model::ParsePlanFeature(f, "", nullptr);
                    plan.id = PlanId("RU:probe");
                    return plan;
                  }())
                  ->empty());
}

TEST_F(ChannelTest, MissedDeadlineEscalatesThenExpires) {
  ASSERT_TRUE(Submit("US", UsPatrol()).ok());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok());
  ConflictId id = ru->opened.at(0).id;
  ASSERT_TRUE(Ack("US", id).ok());
  now_ = ToUnixMillis(ru->opened[0].deadline) + 1;
  Settle();
  auto c = *store_->GetConflict(id);
  EXPECT_EQ(c->escalated_a, 1) << "RU missed its deadline";
  EXPECT_EQ(c->escalated_b, 0) << "US acknowledged in time";
  auto ev = Events("RU");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().type, EventType::kConflictEscalated);
  EXPECT_NE(ev.back().data_json.find("Backup officer"), std::string::npos);
  EXPECT_EQ(Events("JCC").back().type, EventType::kConflictEscalated);
  now_ = now_ + 601'000;
  Settle();
  EXPECT_EQ((*store_->GetConflict(id))->escalated_a, 2);
  now_ = kT0 + 3 * 3600'000;
  Settle();
  c = *store_->GetConflict(id);
  EXPECT_EQ(c->status, ConflictStatus::kExpired);
  // Then both plans' time is over too: the conflict expired first, then the plan completed.
  auto us = Events("US");
  ASSERT_GE(us.size(), 2u);
  EXPECT_EQ(us[us.size() - 2].type, EventType::kConflictExpired);
  EXPECT_EQ(us.back().type, EventType::kPlanCompleted);
  EXPECT_TRUE(VerifyLog().ok());
}

TEST_F(ChannelTest, RestartKeepsPlansConflictsAndTheChain) {
  ASSERT_TRUE(Submit("US", UsPatrol()).ok());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok());
  std::string key = channel_->key().public_key_hex;
  Reopen();
  EXPECT_EQ(channel_->key().public_key_hex, key);
  EXPECT_EQ(channel_->stats().plans_active, 2);
  // The detector was rebuilt: a third party's identical crossing conflicts with US.
  auto ocha =
      Submit("OCHA", MovementFeature("o-1", "OCHA", {{41.70, 36.90}, {41.70, 37.10}}, {0, 20}));
  ASSERT_TRUE(ocha.ok());
  EXPECT_EQ(ocha->opened.size(), 2u);  // with US and with RU
  // The old conflict is still live: acknowledging works.
  EXPECT_TRUE(Ack("US", ru->opened[0].id).ok());
  auto report = VerifyLog();
  EXPECT_TRUE(report.ok());
  EXPECT_GE(report.checkpoints, 1) << "Stop() signs a final checkpoint";
}

// A plan whose time is over (end of its last instant plus its tolerance) completes: a new version
// with status completed, on the record and announced, out of the detector and out of memory;
// amending it is refused, its id can be used again, and a plan that ended while the server was
// down completes on the first sweep after the restart.
TEST_F(ChannelTest, PlansWhoseTimeIsOverCompleteAndLeaveTheDetector) {
  auto end_of = [](const json::value& f) {
    std::vector<Issue> warnings;
    return model::ActiveInterval(model::ParsePlanFeature(f, "", &warnings).value()).end;
  };
  const json::value late = MovementFeature("us-late", "US", {{45.0, 36.0}, {45.2, 36.0}}, {0, 120});
  ASSERT_TRUE(Submit("US", UsPatrol()).ok());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok());
  ASSERT_EQ(ru->opened.size(), 1u);
  ASSERT_TRUE(Submit("US", late).ok());
  Settle();
  EXPECT_EQ(channel_->stats().plans_active, 3);
  const TimePoint end = end_of(UsPatrol());
  ASSERT_EQ(end, end_of(RuCrossing()));

  now_ = ToUnixMillis(end);  // its last instant: it can still conflict
  Settle();
  EXPECT_EQ((*store_->GetPlan(PartyId("US"), PlanId("us-1")))->status, PlanStatus::kActive);
  EXPECT_EQ(channel_->stats().plans_active, 3);

  now_ = ToUnixMillis(end) + 1;
  Settle();
  auto us1 = *store_->GetPlan(PartyId("US"), PlanId("us-1"));
  ASSERT_TRUE(us1.has_value());
  EXPECT_EQ(us1->status, PlanStatus::kCompleted);
  EXPECT_EQ(us1->version, 2);
  EXPECT_EQ(channel_->CurrentPlan(PartyId("US"), PlanId("us-1")), nullptr);
  EXPECT_NE(channel_->CurrentPlan(PartyId("US"), PlanId("us-late")), nullptr);
  EXPECT_EQ(channel_->stats().plans_active, 1) << "us-1 and ru-1 left the detector";
  EXPECT_EQ((*store_->GetConflict(ru->opened[0].id))->status, ConflictStatus::kExpired);
  // Announced to the owner and the coordinator, with when it ended.
  for (const char* who : {"US", "JCC"}) {
    bool seen = false;
    for (const auto& e : Events(who)) {
      if (e.type != EventType::kPlanCompleted || e.data_json.find("us-1") == std::string::npos) {
        continue;
      }
      seen = true;
      const json::object d = json::parse(e.data_json).as_object();
      EXPECT_EQ(d.at("ended").as_string(), FormatRfc3339Millis(end)) << e.data_json;
      EXPECT_EQ(d.at("plan").at("status").as_string(), "completed") << e.data_json;
      EXPECT_EQ(d.at("plan").at("version").as_int64(), 2) << e.data_json;
    }
    EXPECT_TRUE(seen) << who;
  }
  int completed_entries = 0;
  const std::vector<store::AuditEntry> entries = *store_->AuditAfter(0, 0);  // held: ASan
  for (const auto& e : entries) {
    if (e.kind == "plan.completed") ++completed_entries;
  }
  EXPECT_EQ(completed_entries, 2);
  // Nothing changes a completed plan; its id starts a new life after its versions.
  EXPECT_EQ(Submit("US", UsPatrol(), Write::kAmend, 2).status().code(), StatusCode::kNotFound);
  auto again = Submit("US", UsPatrol());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->plan.version, 3);

  // us-late ends while the server is down: the first sweep after the restart completes it.
  const TimePoint late_end = end_of(late);
  channel_.reset();
  store_.reset();
  now_ = ToUnixMillis(late_end) + 60'000;
  Open();
  Settle();
  auto l = *store_->GetPlan(PartyId("US"), PlanId("us-late"));
  EXPECT_EQ(l->status, PlanStatus::kCompleted);
  EXPECT_TRUE(VerifyLog().ok());
}

// Readers answer plan reads from CurrentPlan, the writer's published copy: after any sequence of
// writes (submissions, amendments, cancellations, pending zones approved or rejected, refusals)
// it is exactly the store's newest version of every plan, and again after a restart.
TEST_F(ChannelTest, CurrentPlansAreTheStoresNewestVersions) {
  std::mt19937 rng(20261203);
  const Caller jcc{PartyId("JCC"), Role::kCoordinator};
  auto zone = [](const std::string& id, const std::string& party, double lon) {
    return json::object{
        {"type", "Feature"},
        {"id", id},
        {"properties", json::object{{"party", party}, {"kind", "zone"}}},
        {"geometry",
         json::object{{"type", "Polygon"},
                      {"coordinates",
                       json::array{json::array{json::array{lon, 37.0}, json::array{lon + 0.1, 37.0},
                                               json::array{lon + 0.1, 37.1}, json::array{lon, 37.1},
                                               json::array{lon, 37.0}}}}}}};
  };
  auto check = [&](const char* when) {
    for (const char* party : {"US", "RU"}) {
      for (int i = 0; i < 6; ++i) {
        const std::string id = std::string(party) + "-" + std::to_string(i);
        auto stored = store_->GetPlan(PartyId(party), PlanId(id));
        ASSERT_TRUE(stored.ok());
        auto current = channel_->CurrentPlan(PartyId(party), PlanId(id));
        // Held while live (active or pending); a closed plan is the store's only.
        const bool live = stored->has_value() && ((*stored)->status == PlanStatus::kActive ||
                                                  (*stored)->status == PlanStatus::kPending);
        ASSERT_EQ(current != nullptr, live) << when << " " << id;
        if (current == nullptr) continue;
        const store::PlanRecord& s = **stored;
        EXPECT_EQ(current->version, s.version) << when << " " << id;
        EXPECT_EQ(current->status, s.status) << when << " " << id;
        EXPECT_EQ(current->feature_json, s.feature_json) << when << " " << id;
        EXPECT_EQ(current->created, s.created) << when << " " << id;
        // The text readers are sent is the view of the store's record: the same bytes, and the
        // same document as PlanView (which re-parses the Feature: Boost 1.81 may read a 17-digit
        // number one unit in the last place off, json/parse.h, hence the comparison as parsed).
        EXPECT_EQ(PlanViewText(*current), PlanViewText(s)) << when << " " << id;
        EXPECT_EQ(json::parse(PlanViewText(*current)), json::value(PlanView(s)))
            << when << " " << id;
      }
    }
    EXPECT_EQ(channel_->CurrentPlan(PartyId("US"), PlanId("RU-0")), nullptr);
  };
  for (int step = 0; step < 150; ++step) {
    now_ += 1000;
    const std::string party = rng() % 2 ? "US" : "RU";
    const std::string id = party + "-" + std::to_string(rng() % 6);
    const Caller caller{PartyId(party), Role::kParty};
    auto current = channel_->CurrentPlan(PartyId(party), PlanId(id));
    const bool live = current != nullptr && (current->status == PlanStatus::kActive ||
                                             current->status == PlanStatus::kPending);
    const int what = static_cast<int>(rng() % 5);
    std::promise<Result<PlanOutcome>> p;
    auto done = [&](Result<PlanOutcome> r) { p.set_value(std::move(r)); };
    if (what == 4 && live) {
      channel_->CancelPlan(caller, PlanId(id), current->version, done);
    } else if (what == 3 && live && current->status == PlanStatus::kPending) {
      channel_->ReviewPlan(jcc, {PartyId(party), PlanId(id)}, current->version, rng() % 2 == 0,
                           "step " + std::to_string(step), done);
    } else {
      const double lon = 41.0 + 0.01 * static_cast<double>(rng() % 50);
      json::value f = what == 2 ? json::value(zone(id, party, lon))
                                : MovementFeature(id, party, {{lon, 36.9}, {lon + 0.2, 37.1}},
                                                  {static_cast<int>(rng() % 30), 40});
      std::vector<Issue> warnings;
      auto plan = model::ParsePlanFeature(f, "", &warnings);
      ASSERT_TRUE(plan.ok()) << plan.status().ToString();
      // Now and then a stale If-Match, which is refused and changes nothing.
      std::optional<int64_t> if_match;
      if (live) if_match = rng() % 8 == 0 ? current->version - 1 : current->version;
      // (The text as the API stores it: json::Write, which PlanViewText relies on.)
      channel_->SubmitPlan(caller, std::move(*plan), deconflict::json::Write(f), if_match,
                           live ? Write::kAmend : Write::kCreate, done);
    }
    Result<PlanOutcome> r = p.get_future().get();
    if (r.ok()) {
      // Published before the answer: the writer's caller reads its own write (a closed plan is
      // gone from memory by then).
      auto after = channel_->CurrentPlan(PartyId(party), PlanId(id));
      if (r->plan.status == PlanStatus::kActive || r->plan.status == PlanStatus::kPending) {
        ASSERT_NE(after, nullptr);
        EXPECT_EQ(after->version, r->plan.version);
      } else {
        EXPECT_EQ(after, nullptr);
      }
    }
    if (step % 25 == 24) check("after writes");
  }
  check("before restart");
  Reopen();
  check("after restart");
}

// Many parties submit concurrently; each new plan crosses others. Whatever the interleaving, the
// channel's live conflicts must be exactly what a fresh detector finds among the final plans.
TEST_F(ChannelTest, ConcurrentSubmissionsNeverMissAConflict) {
  constexpr int kParties = 8, kPerParty = 25;
  {
    auto txn = store_->Begin().value();
    for (int p = 0; p < kParties; ++p) {
      ASSERT_TRUE(
          txn->PutParty({PartyId("P" + std::to_string(p)), Role::kParty, "", Ms(now_)}).ok());
    }
    ASSERT_TRUE(txn->Commit().ok());
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::vector<json::value> all(kParties * kPerParty);
  threads.reserve(kParties);
  for (int p = 0; p < kParties; ++p) {
    threads.emplace_back([&, p] {
      std::mt19937 rng(static_cast<unsigned>(p + 1));
      std::uniform_real_distribution<double> lon(41.5, 41.9), lat(36.9, 37.1);
      std::uniform_int_distribution<int> start(0, 60);
      for (int i = 0; i < kPerParty; ++i) {
        std::string party = "P" + std::to_string(p);
        int s = start(rng);
        json::value f = MovementFeature("m" + std::to_string(i), party,
                                        {{lon(rng), lat(rng)}, {lon(rng), lat(rng)}}, {s, s + 30});
        all[static_cast<size_t>(p) * static_cast<size_t>(kPerParty) + static_cast<size_t>(i)] = f;
        if (!Submit(party, f).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  engine::ConflictDetector fresh(model::Rules{}, {.use_brute_force = true});
  for (const json::value& f : all) {
    auto plan = *model::ParsePlanFeature(f, "", nullptr);
    plan.id = EngineId({plan.party, plan.id});
    ASSERT_TRUE(fresh.Add(plan).ok());
  }
  std::set<std::pair<std::string, std::string>> expected, got;
  for (const auto& c : fresh.DetectAll()) expected.insert({c.plan_a.value(), c.plan_b.value()});
  auto open = store_->ListConflicts({.statuses = {ConflictStatus::kOpen}});
  ASSERT_TRUE(open.ok());
  for (const auto& c : *open) {
    got.insert({EngineId({PartyId(c.party_a), PlanId(c.plan_a)}).value(),
                EngineId({PartyId(c.party_b), PlanId(c.plan_b)}).value()});
  }
  EXPECT_GT(expected.size(), 20u) << "the scenario must actually produce conflicts";
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(VerifyLog().ok());
}

TEST_F(ChannelTest, MessagesAreThreadedAndOnTheRecord) {
  ASSERT_TRUE(Submit("US", UsPatrol()).ok());
  auto ru = Submit("RU", RuCrossing());
  ASSERT_TRUE(ru.ok());
  ConflictId id = ru->opened.at(0).id;
  std::promise<Result<store::MessageRecord>> p;
  channel_->PostMessage({PartyId("RU"), Role::kParty}, id,
                        {0, ConflictId(), PartyId(), MessageKind::kPropose,
                         "{\"shift_s\":900,\"subject\":\"self\"}", "ru", Ms(0)},
                        [&](Result<store::MessageRecord> r) { p.set_value(std::move(r)); });
  auto m = p.get_future().get();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->seq, 1);
  EXPECT_EQ(m->party, PartyId("RU"));
  EXPECT_EQ(Events("US").back().type, EventType::kMessagePosted);
  std::promise<Result<store::MessageRecord>> q;
  channel_->PostMessage(
      {PartyId("OCHA"), Role::kParty}, id,
      {0, ConflictId(), PartyId(), MessageKind::kText, "{\"text\":\"hi\"}", "", Ms(0)},
      [&](Result<store::MessageRecord> r) { q.set_value(std::move(r)); });
  EXPECT_EQ(q.get_future().get().status().code(), StatusCode::kNotFound);
  auto entries = *store_->AuditAfter(0, 0, PartyId("US"));
  bool found = false;
  for (const auto& e : entries) found |= e.kind == "message.posted";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace deconflict::channel

namespace deconflict::channel {
namespace {

// RU's slow north-south patrol at longitude `lon` (220 m in minutes 0..20) across 37.00 N, which
// US's east-west patrol (UsPatrol) meets as it passes.
json::value RuLine(const std::string& id, double lon) {
  return MovementFeature(id, "RU", {{lon, 36.999}, {lon, 37.001}}, {0, 20});
}

int CountEvents(const std::vector<store::EventRecord>& events, EventType type) {
  return static_cast<int>(std::count_if(
      events.begin(), events.end(), [&](const store::EventRecord& e) { return e.type == type; }));
}

// A zigzag across another plan's line meets it once per leg: one conflict for the plan pair,
// one notice per side, its disclosure listing every episode's window (docs/security.md §13).
TEST_F(ChannelTest, EpisodesOfOnePlanPairAreOneConflictListingTheirWindows) {
  ASSERT_TRUE(Submit("RU", RuLine("ru-1", 41.70)).ok());
  // Ten legs back and forth across RU's patrol, a minute each; the turning points lie 1.8 km off
  // (separation: 1,000 m + two 50 m corridors).
  std::vector<std::pair<double, double>> coords;
  std::vector<int> minutes;
  for (int i = 0; i <= 10; ++i) {
    coords.push_back({i % 2 == 0 ? 41.68 : 41.72, 37.00});
    minutes.push_back(i);
  }
  auto us = Submit("US", MovementFeature("us-1", "US", coords, minutes));
  ASSERT_TRUE(us.ok()) << us.status().ToString();
  ASSERT_EQ(us->opened.size(), 1u);
  json::value detail = json::parse(us->opened[0].detail_json);
  ASSERT_TRUE(detail.as_object().contains("windows")) << us->opened[0].detail_json;
  EXPECT_EQ(detail.at("windows").as_array().size(), 10u);
  EXPECT_EQ(detail.at("windows_count").as_int64(), 10);
  for (const char* party : {"US", "RU", "JCC"}) {
    EXPECT_EQ(CountEvents(Events(party), EventType::kConflictOpened), 1) << party;
  }
  // The same plan submitted again (an amendment without change) keeps the one conflict.
  auto again = Submit("US", MovementFeature("us-1", "US", coords, minutes), Write::kAmend, 1);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->opened.empty());
  EXPECT_EQ(again->unchanged.size(), 1u);
}

// A plan write that would open more than max_conflicts_per_submission conflicts is refused and
// leaves nothing behind; one at the limit passes.
TEST_F(ChannelTest, ConflictsPerSubmissionAreCapped) {
  max_conflicts_ = 3;
  Reopen();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Submit("RU", RuLine("ru-" + std::to_string(i), 41.62 + 0.04 * i)).ok());
  }
  auto wide = Submit("US", UsPatrol());  // crosses all four
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(wide.status().issues().size(), 1u);
  EXPECT_EQ(wide.status().issues()[0].path, "geometry");
  EXPECT_NE(wide.status().issues()[0].reason.find("would open 4 conflicts"), std::string::npos);
  EXPECT_TRUE(Events("RU").empty());
  EXPECT_FALSE(store_->GetPlan(PartyId("US"), PlanId("us-1"))->has_value());
  // Three of them (41.62, 41.66, 41.70): at the limit.
  auto ok = Submit("US", MovementFeature("us-1", "US", {{41.60, 37.00}, {41.72, 37.00}}, {0, 12}));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->opened.size(), 3u);
}

// Beyond max_notices_per_party_per_minute, a recipient's conflict.opened notices are held and
// sent as one summary event when its minute ends; every conflict exists and is listed from the
// start, and its side gets the usual time to acknowledge from the summary on.
TEST_F(ChannelTest, NoticesBeyondThePerMinuteLimitAreMergedIntoOneSummary) {
  max_notices_ = 2;
  Reopen();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Submit("RU", RuLine("ru-" + std::to_string(i), 41.62 + 0.03 * i)).ok());
  }
  auto us = Submit("US", UsPatrol());
  ASSERT_TRUE(us.ok()) << us.status().ToString();
  ASSERT_EQ(us->opened.size(), 5u);
  Settle();
  for (const char* party : {"US", "RU", "JCC"}) {
    EXPECT_EQ(CountEvents(Events(party), EventType::kConflictOpened), 2) << party;
  }
  auto listed = store_->ListConflicts({.party = PartyId("RU")});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 5u);  // all of them, notified or not

  now_ += 61'000;  // the minute ends: one summary of the three held
  Settle();
  for (const char* party : {"US", "RU", "JCC"}) {
    auto events = Events(party);
    ASSERT_EQ(CountEvents(events, EventType::kConflictOpened), 3) << party;
    json::value summary = json::parse(events.back().data_json);
    EXPECT_EQ(summary.at("merged").as_int64(), 3) << party;
    EXPECT_EQ(summary.at("conflicts").as_array().size(), 3u) << party;
  }
  // The held conflicts' deadline counts from the summary: 10 min (a window ~1 h away) after it.
  int later = 0;
  // (The result held first: a range-for over *Result<...>() would outlive the temporary.)
  const auto conflicts = store_->ListConflicts({.party = PartyId("RU")});
  ASSERT_TRUE(conflicts.ok());
  for (const auto& c : *conflicts) {
    if (c.deadline == c.created + Seconds(661)) ++later;
    EXPECT_TRUE(c.deadline == c.created + Seconds(600) || c.deadline == c.created + Seconds(661))
        << c.id.value();
  }
  EXPECT_EQ(later, 3);
  EXPECT_TRUE(VerifyLog().ok());
}

}  // namespace
}  // namespace deconflict::channel
