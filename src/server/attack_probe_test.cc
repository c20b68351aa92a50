// Attacks on probing, against the real deconflictd (issue 9, item 2; docs/security.md §11): a
// party that bursts dry runs is rate-limited and can go on later; every dry run is on the
// coordinators' record and counted for the parties whose plans it touched (and only for them); a
// country-sized zone is refused; a zone that restricts other parties restricts nobody until a
// coordinator approves it, and a party cannot approve.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
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

std::string Show(const ClientResponse& r) { return std::to_string(r.status) + " " + r.body; }

json::value Body(const ClientResponse& r) { return dt::ParseJson(r.body); }

std::string Str(const json::value& v, std::string_view key) {
  const json::value* x = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return x && x->is_string() ? std::string(x->get_string()) : "";
}

json::array Arr(const json::value& v, std::string_view key) {
  const json::value* x = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return x && x->is_array() ? x->get_array() : json::array();
}

double AnHourFromNow() {
  return std::floor(static_cast<double>(dt::NowUnixSeconds() + 3600) / 60.0) * 60.0;
}

// A zone Feature: the box [lon0, lon1] x [lat0, lat1]; `restricted` is the restricted_parties
// member ("" leaves it out: every other party).
std::string Zone(const std::string& id, double lon0, double lat0, double lon1, double lat1,
                 const std::string& restricted = "") {
  json::object props{{"kind", "zone"}, {"callsign", "Z-" + id}};
  if (!restricted.empty()) props["restricted_parties"] = json::parse(restricted);
  json::array ring{json::array{lon0, lat0}, json::array{lon1, lat0}, json::array{lon1, lat1},
                   json::array{lon0, lat1}, json::array{lon0, lat0}};
  return json::serialize(json::object{
      {"type", "Feature"},
      {"id", id},
      {"properties", props},
      {"geometry", json::object{{"type", "Polygon"}, {"coordinates", json::array{ring}}}}});
}

// RU's movement north along 41.1 E through 37.0 N, an hour from now.
std::string RuPatrol(const std::string& id = "ru-1") {
  const double t0 = AnHourFromNow();
  return dt::MovementJson(id, {{41.1, 36.9}, {41.1, 37.1}}, {t0, t0 + 1200});
}

// Polls `pred` until it holds or `timeout` passes (the state changes without an event to wait on).
bool Eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// The caller's audit entries of `kind`, as parsed bodies.
std::vector<json::value> Entries(const Daemon& d, const std::string& token,
                                 const std::string& kind) {
  ClientResponse r = d.Request("GET", "/v1/audit?limit=1000", token);
  EXPECT_EQ(r.status, 200) << Show(r);
  std::vector<json::value> out;
  for (const json::value& e : Arr(Body(r), "entries")) {
    if (Str(e, "kind") != kind) continue;
    out.push_back(json::parse(e.at("body_json").as_string()));
  }
  return out;
}

// RU's count of dry runs by `by` (GET /v1/probes as `token`), -1 if none is listed.
int64_t ProbeCount(const Daemon& d, const std::string& token, const std::string& victim,
                   const std::string& by) {
  ClientResponse r = d.Request("GET", "/v1/probes", token);
  EXPECT_EQ(r.status, 200) << Show(r);
  for (const json::value& p : Arr(Body(r), "probes")) {
    if (Str(p, "party") == victim && Str(p, "by") == by) {
      EXPECT_EQ(p.at("last_24h").as_int64(), p.at("total").as_int64());  // all within the test
      return p.at("total").as_int64();
    }
  }
  return -1;
}

TEST(attackProbe, BurstOfDryRunsGets429WithRetryAfterPerPartyThenContinues) {
  // Burst 3, then one every 0.5 s.
  Daemon d(Options({"--dry-run-burst", "3", "--dry-run-per-minute", "120"}));
  const std::string us = d.AddParty("US");
  const std::string ru = d.AddParty("RU");
  ASSERT_TRUE(d.Start().ok()) << d.Log();
  const std::string us2 = d.Cli({"admin", "--data", d.data_dir(), "token", "add", "US"}).LastLine();
  ASSERT_FALSE(us2.empty());
  const std::string probe = Zone("probe", 41.0, 36.95, 41.2, 37.05);
  for (int i = 0; i < 3; ++i) {
    ClientResponse r = d.Request("POST", "/v1/check", us, probe);
    ASSERT_EQ(r.status, 200) << i << ": " << Show(r);
  }
  ClientResponse over = d.Request("POST", "/v1/check", us, probe);
  ASSERT_EQ(over.status, 429) << Show(over);
  EXPECT_EQ(over.header("Content-Type").rfind("application/problem+json", 0), 0u);
  EXPECT_EQ(over.header("Retry-After"), "1");
  EXPECT_EQ(Str(Body(over), "type").find("too_many_requests") != std::string::npos, true);
  // The bucket is the party's, not the token's.
  EXPECT_EQ(d.Request("POST", "/v1/check", us2, probe).status, 429);
  // Another party has its own.
  EXPECT_EQ(d.Request("POST", "/v1/check", ru, Zone("p", 41.0, 36.95, 41.2, 37.05)).status, 200);
  // US goes on once a token is back (0.5 s; Retry-After said 1 s).
  const auto refused_at = Clock::now();
  ASSERT_TRUE(Eventually([&] { return d.Request("POST", "/v1/check", us, probe).status == 200; },
                         std::chrono::seconds(5)));
  EXPECT_LE(Clock::now() - refused_at, std::chrono::milliseconds(1500));
}

class attackProbeRecord : public ::testing::Test {
 protected:
  void SetUp() override {
    us_ = d_.AddParty("US");
    ru_ = d_.AddParty("RU");
    tr_ = d_.AddParty("TR");
    un_ = d_.AddParty("UN", "coordinator");
    obs_ = d_.AddParty("OBS", "observer");
    ASSERT_TRUE(d_.Start().ok()) << d_.Log();
    ClientResponse r = d_.Request("POST", "/v1/plans", ru_, RuPatrol());
    ASSERT_EQ(r.status, 201) << Show(r);
  }
  Daemon d_{Options({"--dry-run-burst", "50"})};
  std::string us_, ru_, tr_, un_, obs_;
};

TEST_F(attackProbeRecord, EveryDryRunIsOnTheCoordinatorsRecordAndCountedOnlyForTheTouched) {
  EXPECT_EQ(ProbeCount(d_, ru_, "RU", "US"), -1);
  // A probe over RU's patrol: one conflict with RU.
  ClientResponse hit =
      d_.Request("POST", "/v1/check", us_, Zone("probe", 41.0, 36.95, 41.2, 37.05));
  ASSERT_EQ(hit.status, 200) << Show(hit);
  ASSERT_EQ(Arr(Body(hit), "conflicts").size(), 1u) << hit.body;
  EXPECT_EQ(ProbeCount(d_, ru_, "RU", "US"), 1);
  // A probe far away touches nothing: RU's count stays.
  ClientResponse miss = d_.Request("POST", "/v1/check", us_, Zone("far", 38.0, 34.0, 38.1, 34.1));
  ASSERT_EQ(miss.status, 200) << Show(miss);
  EXPECT_EQ(ProbeCount(d_, ru_, "RU", "US"), 1);
  ClientResponse hit2 =
      d_.Request("POST", "/v1/check", us_, Zone("probe", 41.05, 36.9, 41.15, 37.0));
  ASSERT_EQ(hit2.status, 200) << Show(hit2);
  EXPECT_EQ(ProbeCount(d_, ru_, "RU", "US"), 2);

  // The coordinator and the observer read all three, with who, what kind, the coarse extent and
  // whose plans were touched.
  for (const std::string& watcher : {un_, obs_}) {
    std::vector<json::value> seen = Entries(d_, watcher, "dryrun.checked");
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(Str(seen[0], "party"), "US");
    EXPECT_EQ(Str(seen[0], "kind"), "zone");
    const json::array extent = seen[0].at("extent").as_array();  // widened to 0.1 degree
    ASSERT_EQ(extent.size(), 4u);
    EXPECT_DOUBLE_EQ(extent[0].to_number<double>(), 41.0);
    EXPECT_DOUBLE_EQ(extent[1].to_number<double>(), 36.9);
    EXPECT_DOUBLE_EQ(extent[2].to_number<double>(), 41.2);
    EXPECT_DOUBLE_EQ(extent[3].to_number<double>(), 37.1);
    EXPECT_EQ(seen[0].at("touched").at("RU").as_int64(), 1);
    EXPECT_TRUE(seen[1].at("touched").as_object().empty());
  }
  // Neither the prober's victim, nor a bystander, nor the prober reads the entries; the
  // bystander and the prober have no count of their own.
  for (const std::string& party : {ru_, tr_, us_}) {
    EXPECT_TRUE(Entries(d_, party, "dryrun.checked").empty());
    const json::array own = Arr(Body(d_.Request("GET", "/v1/probes", party)), "probes");
    EXPECT_EQ(own.size(), party == ru_ ? 1u : 0u);
  }
  // A party cannot ask for another's counts; a coordinator sees every party's.
  EXPECT_EQ(d_.Request("GET", "/v1/probes?party=RU", us_).status, 403);
  EXPECT_EQ(ProbeCount(d_, un_, "RU", "US"), 2);
  // Restart keeps the counts (the store).
  ASSERT_TRUE(d_.Restart().ok()) << d_.Log();
  EXPECT_EQ(ProbeCount(d_, ru_, "RU", "US"), 2);
}

TEST_F(attackProbeRecord, CountrySizedAreasAreRefusedNamingTheGeometry) {
  // 5 x 5 degrees: about 250,000 km².
  const std::string country = Zone("country", 38.0, 33.0, 43.0, 38.0);
  for (const char* path : {"/v1/check", "/v1/plans"}) {
    ClientResponse r = d_.Request("POST", path, us_, country);
    ASSERT_EQ(r.status, 422) << path << ": " << Show(r);
    const json::array errors = Arr(Body(r), "errors");
    ASSERT_EQ(errors.size(), 1u) << r.body;
    EXPECT_EQ(Str(errors[0], "path"), "geometry");
    EXPECT_NE(Str(errors[0], "reason").find("10,000 km²"), std::string::npos) << r.body;
  }
  // A site circle of 200 km radius, and an amendment that grows a zone.
  const std::string site =
      R"({"type":"Feature","id":"s","properties":{"kind":"site","radius_m":200000},
      "geometry":{"type":"Point","coordinates":[41,37]}})";
  EXPECT_EQ(d_.Request("POST", "/v1/plans", us_, site).status, 422);
  ASSERT_EQ(d_.Request("POST", "/v1/plans", us_, Zone("z", 40.0, 36.0, 40.1, 36.1)).status, 201);
  ClientResponse grown = d_.Request("PUT", "/v1/plans/z", us_, Zone("z", 38.0, 33.0, 43.0, 38.0),
                                    {{"If-Match", "\"1\""}});
  EXPECT_EQ(grown.status, 422) << Show(grown);
  // Nothing of it reached the engine: RU's patrol has no conflict.
  EXPECT_TRUE(Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts").empty());
}

TEST_F(attackProbeRecord, RestrictingZoneRestrictsNobodyUntilACoordinatorApprovesIt) {
  // US declares a zone over RU's patrol: it is pending, restricts nobody, opens nothing.
  ClientResponse z = d_.Request("POST", "/v1/plans", us_, Zone("us-z", 41.0, 36.95, 41.2, 37.05));
  ASSERT_EQ(z.status, 201) << Show(z);
  EXPECT_EQ(Str(Body(z).at("plan"), "status"), "pending");
  EXPECT_TRUE(Arr(Body(z), "conflicts").empty());
  EXPECT_TRUE(Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts").empty());
  // The owner sees it pending; RU sees nothing of it; the coordinator lists it as pending.
  const json::array mine = Arr(Body(d_.Request("GET", "/v1/plans?status=pending", us_)), "plans");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(d_.Request("GET", "/v1/plans/US:us-z", ru_).status, 404);
  EXPECT_EQ(d_.Request("GET", "/v1/plans/us-z", ru_).status, 404);
  const json::array pending =
      Arr(Body(d_.Request("GET", "/v1/plans?status=pending", un_)), "plans");
  ASSERT_EQ(pending.size(), 1u);
  // A new RU plan through the zone is still free of it.
  ASSERT_EQ(d_.Request("POST", "/v1/plans", ru_, RuPatrol("ru-2")).status, 201);
  EXPECT_TRUE(Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts").empty());

  // Neither a party (even the owner) nor an observer can approve; the coordinator must name the
  // version it reviewed.
  EXPECT_EQ(d_.Request("POST", "/v1/plans/us-z/approve", us_, "", {{"If-Match", "\"1\""}}).status,
            403);
  EXPECT_EQ(
      d_.Request("POST", "/v1/plans/US:us-z/approve", ru_, "", {{"If-Match", "\"1\""}}).status,
      403);
  EXPECT_EQ(
      d_.Request("POST", "/v1/plans/US:us-z/approve", obs_, "", {{"If-Match", "\"1\""}}).status,
      403);
  EXPECT_EQ(d_.Request("POST", "/v1/plans/US:us-z/approve", un_).status, 428);
  EXPECT_EQ(
      d_.Request("POST", "/v1/plans/US:us-z/approve", un_, "", {{"If-Match", "\"7\""}}).status,
      412);

  // Restart keeps it pending and out of force.
  ASSERT_TRUE(d_.Restart().ok()) << d_.Log();
  EXPECT_TRUE(Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts").empty());

  ClientResponse ok =
      d_.Request("POST", "/v1/plans/US:us-z/approve", un_, "", {{"If-Match", "\"1\""}});
  ASSERT_EQ(ok.status, 200) << Show(ok);
  EXPECT_EQ(Str(Body(ok).at("plan"), "status"), "active");
  EXPECT_EQ(Arr(Body(ok), "conflicts_opened").size(), 2u) << ok.body;
  // Now it restricts RU: both patrols are in conflict with it; the owner was told.
  EXPECT_EQ(Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts").size(), 2u);
  ASSERT_TRUE(Eventually([&] {
    return Body(d_.Request("GET", "/v1/events/history?after=0", us_)).is_object() &&
           json::serialize(Body(d_.Request("GET", "/v1/events/history?after=0", us_)))
                   .find("plan.approved") != std::string::npos;
  }));
  ASSERT_EQ(Entries(d_, un_, "plan.approved").size(), 1u);
  EXPECT_EQ(Entries(d_, ru_, "plan.approved").size(), 0u);
  EXPECT_EQ(
      d_.Request("POST", "/v1/plans/US:us-z/approve", un_, "", {{"If-Match", "\"2\""}}).status,
      409);  // not pending any more
}

TEST_F(attackProbeRecord, AnAmendedZoneWaitsAndARejectionKeepsTheApprovedOneInForce) {
  ASSERT_EQ(d_.Request("POST", "/v1/plans", us_, Zone("us-z", 41.0, 36.95, 41.2, 37.05)).status,
            201);
  ASSERT_EQ(
      d_.Request("POST", "/v1/plans/US:us-z/approve", un_, "", {{"If-Match", "\"1\""}}).status,
      200);
  const json::array before = Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts");
  ASSERT_EQ(before.size(), 1u);
  // US moves the zone away: the move waits for approval; the approved zone stays in force.
  ClientResponse moved = d_.Request("PUT", "/v1/plans/us-z", us_,
                                    Zone("us-z", 40.0, 36.0, 40.1, 36.1), {{"If-Match", "\"2\""}});
  ASSERT_EQ(moved.status, 200) << Show(moved);
  EXPECT_EQ(Str(Body(moved).at("plan"), "status"), "pending");
  // A restart finds the approved version in force behind the pending one.
  ASSERT_TRUE(d_.Restart().ok()) << d_.Log();
  const json::array during = Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts");
  ASSERT_EQ(during.size(), 1u);
  EXPECT_EQ(Str(during[0], "id"), Str(before[0], "id"));
  // A rejection needs a reason, and restores the approved version as the newest.
  EXPECT_EQ(
      d_.Request("POST", "/v1/plans/US:us-z/reject", un_, "{}", {{"If-Match", "\"3\""}}).status,
      422);
  ClientResponse no =
      d_.Request("POST", "/v1/plans/US:us-z/reject", un_,
                 R"({"reason":"the line was agreed on 3 Oct"})", {{"If-Match", "\"3\""}});
  ASSERT_EQ(no.status, 200) << Show(no);
  EXPECT_EQ(Str(Body(no).at("plan"), "status"), "active");
  EXPECT_EQ(Body(no).at("plan").at("version").as_int64(), 4);
  const json::array after = Arr(Body(d_.Request("GET", "/v1/conflicts", ru_)), "conflicts");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(Str(after[0], "id"), Str(before[0], "id"));
  const std::vector<json::value> rejected = Entries(d_, us_, "plan.rejected");
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(Str(rejected[0], "reason"), "the line was agreed on 3 Oct");
  // A zone restricting nobody needs no approval.
  ClientResponse open =
      d_.Request("POST", "/v1/plans", us_, Zone("free", 41.0, 36.95, 41.2, 37.05, "[]"));
  ASSERT_EQ(open.status, 201) << Show(open);
  EXPECT_EQ(Str(Body(open).at("plan"), "status"), "active");
}

TEST(attackProbe, ApprovalCanBeTurnedOffForDeploymentsWithoutACoordinator) {
  Daemon d(Options({"--zones-need-approval", "false"}));
  const std::string us = d.AddParty("US");
  const std::string ru = d.AddParty("RU");
  ASSERT_TRUE(d.Start().ok()) << d.Log();
  ASSERT_EQ(d.Request("POST", "/v1/plans", ru, RuPatrol()).status, 201);
  ClientResponse z = d.Request("POST", "/v1/plans", us, Zone("us-z", 41.0, 36.95, 41.2, 37.05));
  ASSERT_EQ(z.status, 201) << Show(z);
  EXPECT_EQ(Str(Body(z).at("plan"), "status"), "active");
  EXPECT_EQ(Arr(Body(z), "conflicts").size(), 1u);
}

}  // namespace
}  // namespace deconflict::server
