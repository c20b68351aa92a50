// Attacks on bounded work (issue 9, item 5), against the real deconflictd over loopback
// (testsupport/daemon.h): a zigzag or many-plans submission that would flood the other side with
// notices, over-long free text, a flood of large dry runs beside a writer, and read receipts for
// events that do not exist or were never delivered. docs/security.md §13 names each test.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"
#include "testsupport/daemon.h"

namespace deconflict::server {
namespace {

namespace json = boost::json;
namespace dt = deconflict::testing;
using dt::Daemon;
using http::ClientResponse;
using Clock = std::chrono::steady_clock;

dt::DaemonOptions Options(std::vector<std::string> extra = {}) {
  return {.daemon_binary = DECONFLICTD_BINARY,
          .cli_binary = DECONFLICT_CLI_BINARY,
          .extra_args = std::move(extra)};
}

std::string Show(const ClientResponse& r) {
  return "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 600);
}

json::value Body(const ClientResponse& r) { return dt::ParseJson(r.body); }

json::array Arr(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const json::value* x = v.get_object().if_contains(key);
  return x && x->is_array() ? x->get_array() : json::array();
}

std::string Str(const json::value& v, std::string_view key) {
  if (!v.is_object()) return "";
  const json::value* x = v.get_object().if_contains(key);
  return x && x->is_string() ? std::string(x->get_string()) : "";
}

// The paths of a problem's errors[].
std::vector<std::string> ErrorPaths(const ClientResponse& r) {
  std::vector<std::string> out;
  for (const json::value& e : Arr(Body(r), "errors")) out.push_back(Str(e, "path"));
  return out;
}

// Whole minutes, an hour from now.
double AnHourFromNow() {
  return std::floor(static_cast<double>(dt::NowUnixSeconds() + 3600) / 60.0) * 60.0;
}

// The events of `token`'s stream of this type (history, which also counts as their delivery).
int CountEvents(const Daemon& d, const std::string& token, const std::string& type) {
  ClientResponse r = d.Request("GET", "/v1/events/history?limit=1000", token);
  EXPECT_EQ(r.status, 200) << Show(r);
  int n = 0;
  for (const json::value& e : Arr(Body(r), "events")) n += Str(e, "type") == type;
  return n;
}

size_t ListedConflicts(const Daemon& d, const std::string& token) {
  ClientResponse r = d.Request("GET", "/v1/conflicts", token);
  EXPECT_EQ(r.status, 200) << Show(r);
  return Arr(Body(r), "conflicts").size();
}

// A site of RU at (lon, lat), radius 150 m, always active.
std::string Site(const std::string& id, double lon, double lat) {
  return json::serialize(json::object{
      {"type", "Feature"},
      {"id", id},
      {"properties", json::object{{"kind", "site"}, {"radius_m", 150}, {"callsign", id}}},
      {"geometry", json::object{{"type", "Point"}, {"coordinates", json::array{lon, lat}}}}});
}

// RU's slow patrol at longitude `lon` (220 m north over an hour from t0) across 37.00 N.
std::string SlowPatrol(const std::string& id, double lon, double t0) {
  return dt::MovementJson(id, {{lon, 36.999}, {lon, 37.001}}, {t0, t0 + 3600}, 50, 0);
}

// A zigzag of `legs` legs between longitudes lon0 and lon1 along `lat`, one leg per `leg_s`.
std::string Zigzag(const std::string& id, int legs, double lon0, double lon1, double lat, double t0,
                   double leg_s, double tolerance_s = 0) {
  std::vector<std::pair<double, double>> coords;
  std::vector<double> times;
  for (int i = 0; i <= legs; ++i) {
    coords.push_back({i % 2 == 0 ? lon0 : lon1, lat + 1e-5 * (i % 7)});
    times.push_back(t0 + leg_s * i);
  }
  return dt::MovementJson(id, coords, times, 50, tolerance_s);
}

// A zigzag route over the other side's site crosses it twenty times: one conflict for the plan
// pair, listing its twenty windows, and one notice on the victim's stream (not twenty).
TEST(attackBounded, ZigzagOverASiteOpensOneConflictAndOneNotice) {
  Daemon d(Options());
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_TRUE(d.Start().ok()) << d.Log();
  ASSERT_EQ(d.Request("POST", "/v1/plans", ru, Site("ru-clinic", 41.70, 37.00)).status, 201);
  const double t0 = AnHourFromNow();
  ClientResponse r =
      d.Request("POST", "/v1/plans", us, Zigzag("us-zigzag", 20, 41.68, 41.72, 37.00, t0, 60));
  ASSERT_EQ(r.status, 201) << Show(r);
  ASSERT_EQ(Arr(Body(r), "conflicts").size(), 1u) << Show(r);
  EXPECT_EQ(CountEvents(d, ru, "conflict.opened"), 1);
  ClientResponse list = d.Request("GET", "/v1/conflicts", ru);
  json::array cs = Arr(Body(list), "conflicts");
  ASSERT_EQ(cs.size(), 1u) << Show(list);
  EXPECT_EQ(Arr(cs[0], "windows").size(), 20u) << Show(list);
  EXPECT_EQ(cs[0].at("windows_count").to_number<int64_t>(), 20);
  d.Stop();
}

// One submission crossing more of the other side's plans than max_conflicts_per_submission is
// refused (422 naming the geometry) and leaves nothing on the victim's stream; one under the cap
// opens every conflict, all listed at once, but the victim's stream gets at most the per-minute
// notice cap now (the rest follow as one summary when the minute ends: channel_test
// NoticesBeyondThePerMinuteLimitAreMergedIntoOneSummary).
TEST(attackBounded, ManyPlansSubmissionIsCappedAndNoticesBeyondTheMinuteCapAreHeld) {
  Daemon d(
      Options({"--max-conflicts-per-submission", "6", "--max-notices-per-party-per-minute", "3"}));
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_TRUE(d.Start().ok()) << d.Log();
  const double t0 = AnHourFromNow();
  for (int i = 0; i < 8; ++i) {
    ClientResponse r = d.Request("POST", "/v1/plans", ru,
                                 SlowPatrol("ru-" + std::to_string(i), 41.62 + 0.03 * i, t0));
    ASSERT_EQ(r.status, 201) << Show(r);
  }
  // East along 37.00 N at 0.01 degree a minute: it meets every patrol it passes.
  ClientResponse wide = d.Request(
      "POST", "/v1/plans", us,
      dt::MovementJson("us-wide", {{41.60, 37.0}, {41.86, 37.0}}, {t0, t0 + 26 * 60}, 50, 0));
  ASSERT_EQ(wide.status, 422) << Show(wide);
  EXPECT_EQ(ErrorPaths(wide), std::vector<std::string>{"geometry"}) << Show(wide);
  EXPECT_NE(wide.body.find("would open 8 conflicts"), std::string::npos) << Show(wide);
  EXPECT_EQ(d.Request("GET", "/v1/plans/us-wide", us).status, 404);
  EXPECT_EQ(CountEvents(d, ru, "conflict.opened"), 0);
  EXPECT_EQ(ListedConflicts(d, ru), 0u);

  ClientResponse five = d.Request(
      "POST", "/v1/plans", us,
      dt::MovementJson("us-five", {{41.60, 37.0}, {41.75, 37.0}}, {t0, t0 + 15 * 60}, 50, 0));
  ASSERT_EQ(five.status, 201) << Show(five);
  EXPECT_EQ(Arr(Body(five), "conflicts").size(), 5u);
  EXPECT_EQ(ListedConflicts(d, ru), 5u);                // every conflict exists and is listed
  EXPECT_EQ(CountEvents(d, ru, "conflict.opened"), 3);  // the cap's worth of notices this minute
  d.Stop();
}

// Callsign (64), note (2,000) and message text (4,000) are limited in characters, not bytes; a
// longer one is refused with 422 naming the field, and nothing is stored.
TEST(attackBounded, OverlongCallsignNoteAndMessageAreRefusedNamingTheField) {
  Daemon d(Options());
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_TRUE(d.Start().ok()) << d.Log();
  const double t0 = AnHourFromNow();
  auto with = [&](const std::string& id, const std::string& key, const std::string& value) {
    json::value f = dt::ParseJson(SlowPatrol(id, 41.70, t0));
    f.at("properties").as_object()[key] = value;
    return json::serialize(f);
  };
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  ClientResponse r = d.Request("POST", "/v1/plans", us, with("a", "callsign", repeat("x", 65)));
  ASSERT_EQ(r.status, 422) << Show(r);
  EXPECT_EQ(ErrorPaths(r), std::vector<std::string>{"properties.callsign"}) << Show(r);
  r = d.Request("POST", "/v1/plans", us, with("a", "note", repeat("n", 2001)));
  ASSERT_EQ(r.status, 422) << Show(r);
  EXPECT_EQ(ErrorPaths(r), std::vector<std::string>{"properties.note"}) << Show(r);
  EXPECT_EQ(d.Request("GET", "/v1/plans/a", us).status, 404);
  // 64 Cyrillic letters are 128 bytes and pass.
  r = d.Request("POST", "/v1/plans", us, with("a", "callsign", repeat("\u0416", 64)));
  ASSERT_EQ(r.status, 201) << Show(r);

  r = d.Request("POST", "/v1/plans", ru,
                dt::MovementJson("b", {{41.69, 37.0}, {41.71, 37.0}}, {t0, t0 + 3600}, 50, 0));
  ASSERT_EQ(r.status, 201) << Show(r);
  json::array opened = Arr(Body(r), "conflicts");
  ASSERT_EQ(opened.size(), 1u) << Show(r);
  const std::string path = "/v1/conflicts/" + Str(opened[0], "id") + "/messages";
  std::string text = json::serialize(json::object{{"kind", "text"}, {"text", repeat("z", 4001)}});
  r = d.Request("POST", path, ru, text);
  ASSERT_EQ(r.status, 422) << Show(r);
  EXPECT_EQ(ErrorPaths(r), std::vector<std::string>{"text"}) << Show(r);
  EXPECT_EQ(Arr(Body(d.Request("GET", path, ru)), "messages").size(), 0u);
  d.Stop();
}

// Twelve concurrent large dry runs on a pool of 2 workers and 2 queue places: the ones that find
// no place get 503 with Retry-After at once, the others are stopped at the budget (422), and a
// plan write submitted meanwhile completes quickly: the dry runs step aside for the writer.
TEST(attackBounded, DryRunFloodGets503Or422WhileAWriteCompletes) {
  Daemon d(
      Options({"--dry-run-workers", "2", "--dry-run-queue", "2", "--dry-run-budget-ms", "100"}));
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_TRUE(d.Start().ok()) << d.Log();
  const double t0 = AnHourFromNow();
  // Four RU plans of 1,000 legs and a US dry-run plan of 300, in one 4 km box, all legs
  // overlapping in time (a tolerance of an hour): 1.2 million element pairs to evaluate.
  for (int i = 0; i < 4; ++i) {
    ClientResponse r = d.Request(
        "POST", "/v1/plans", ru,
        Zigzag("ru-" + std::to_string(i), 1000, 41.68, 41.72, 37.0 + 0.002 * i, t0, 3.6, 3600));
    ASSERT_EQ(r.status, 201) << Show(r);
  }
  const std::string big = Zigzag("us-probe", 300, 41.68, 41.72, 37.003, t0, 12, 3600);
  constexpr int kFlood = 12;  // US dry runs (the per-party dry-run rate limit allows 20)
  std::vector<ClientResponse> answers(kFlood);
  std::vector<std::thread> flood;
  flood.reserve(kFlood);
  std::atomic<int> refused{0};  // 503s so far: the pool is full, the dry runs are under way
  for (int i = 0; i < kFlood; ++i) {
    flood.emplace_back([&, i] {
      ClientResponse a = d.Request("POST", "/v1/check", us, big);
      if (a.status == 503) ++refused;
      answers[static_cast<size_t>(i)] = std::move(a);
    });
  }
  const auto full_by = Clock::now() + std::chrono::seconds(20);
  while (refused.load() == 0 && Clock::now() < full_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto start = Clock::now();
  ClientResponse w =
      d.Request("POST", "/v1/plans", ru,
                dt::MovementJson("ru-far", {{40.0, 36.0}, {40.1, 36.0}}, {t0, t0 + 600}, 50, 0));
  const auto write_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  for (auto& t : flood) t.join();
  ASSERT_EQ(w.status, 201) << Show(w);
  std::printf("[ bounded  ] plan write during the dry-run flood: %lld ms\n",
              static_cast<long long>(write_ms));
  EXPECT_LT(write_ms, 5000);
  int busy = 0, over_budget = 0;
  for (const ClientResponse& a : answers) {
    if (a.status == 503) {
      ++busy;
      EXPECT_EQ(a.header("Retry-After"), "1") << Show(a);
    } else if (a.status == 422) {
      ++over_budget;
      EXPECT_NE(a.body.find("time budget"), std::string::npos) << Show(a);
    } else {
      EXPECT_EQ(a.status, 200) << Show(a);
    }
  }
  std::printf("[ bounded  ] %d dry runs: %d answered 503, %d answered 422\n", kFlood, busy,
              over_budget);
  EXPECT_GE(busy, 1);
  EXPECT_GE(over_budget, 1);
  d.Stop();
}

// A read receipt is accepted only for an event of the caller's own stream that exists and was
// delivered to it: a future seq, or a seq that exists only in another party's stream, is 404 and
// leaves no receipt.read entry in the record; GET /v1/conflicts/{id} leaves one for the delivered
// event of that conflict.
TEST(attackBounded, ReadReceiptsOnlyForDeliveredEventsOfTheCallersStream) {
  Daemon d(Options());
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU"), ocha = d.AddParty("OCHA");
  ASSERT_TRUE(d.Start().ok()) << d.Log();
  const double t0 = AnHourFromNow();
  ASSERT_EQ(d.Request("POST", "/v1/plans", ru, SlowPatrol("ru-1", 41.70, t0)).status, 201);
  ClientResponse r = d.Request(
      "POST", "/v1/plans", us,
      dt::MovementJson("us-1", {{41.60, 37.0}, {41.80, 37.0}}, {t0, t0 + 20 * 60}, 50, 0));
  ASSERT_EQ(r.status, 201) << Show(r);
  const std::string conflict = Str(Arr(Body(r), "conflicts").at(0), "id");

  auto read_entries = [&](const std::string& token) {
    int n = 0;
    for (const json::value& e :
         Arr(Body(d.Request("GET", "/v1/audit?limit=5000", token)), "entries")) {
      n += Str(e, "kind") == "receipt.read";
    }
    return n;
  };
  // Event 1 exists in US's stream but has not been delivered yet; 2 does not exist; OCHA has
  // no events at all (seq 1 exists only in others' streams).
  for (const auto& [token, seq] :
       std::vector<std::pair<std::string, int>>{{us, 1}, {us, 2}, {us, 1000000}, {ocha, 1}}) {
    ClientResponse x = d.Request("POST", "/v1/events/" + std::to_string(seq) + "/read", token);
    EXPECT_EQ(x.status, 404) << seq << " " << Show(x);
    EXPECT_EQ(x.header("Content-Type").rfind("application/problem+json", 0), 0u) << Show(x);
  }
  EXPECT_EQ(read_entries(us), 0);
  EXPECT_EQ(read_entries(ocha), 0);

  // Delivered (by polling), then read: accepted once.
  ASSERT_EQ(CountEvents(d, us, "conflict.opened"), 1);
  ClientResponse ok = d.Request("POST", "/v1/events/1/read", us);
  EXPECT_EQ(ok.status, 204) << Show(ok);
  // RU's copy of event 1 is delivered by reading the conflict: GET leaves the read receipt.
  ASSERT_EQ(CountEvents(d, ru, "conflict.opened"), 1);
  ASSERT_EQ(d.Request("GET", "/v1/conflicts/" + conflict, ru).status, 200);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while ((read_entries(us) < 1 || read_entries(ru) < 1) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(read_entries(us), 1);
  EXPECT_EQ(read_entries(ru), 1);
  d.Stop();
}

}  // namespace
}  // namespace deconflict::server
