// Attacks on the disclosure rule (docs/security.md §2), against the real deconflictd on loopback:
// a hostile party (US) probes for another party's (RU's) routes with dry runs (a zone active for
// one second, a sweep of such one-second probes, tiny circles, a line, a route) and with a real
// submission, and reads every answer it can get (the dry runs, the conflict list and the conflict,
// its event stream, the record entries it may read, the suggestion). None may hold anything finer
// than the rule: no coordinate of RU's plan closer than the disclosure grid, times only whole
// multiples of disclosure_time_s, no point when US's own plan is an area, and US's own point where
// its own plan is. A coordinator still gets the exact view.
//
// Budget: at most 20 dry runs per party and zones at most 50 km across (limits that issue 9 adds
// elsewhere); no submitted zone is relied on (coordinator approval of zones is coming).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "base/time.h"
#include "channel/disclosure.h"
#include "geo/geodesic.h"
#include "http/client.h"
#include "testsupport/daemon.h"
#include "testsupport/status_macros.h"

namespace deconflict::server {
namespace {

namespace json = boost::json;
namespace dt = deconflict::testing;
using channel::GridCell;
using channel::GridCellOf;
using geo::LatLng;
using http::ClientResponse;

constexpr double kCellM = 2000;  // the defaults under attack
constexpr int64_t kTimeS = 60;
constexpr double kSpeed = 10;  // m/s, RU's patrols (north along a meridian)

std::string Show(const ClientResponse& r) {
  return "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 2000);
}

json::array Coords(const std::vector<LatLng>& ps) {
  json::array a;
  for (const LatLng& p : ps) a.push_back(json::array{p.lon_deg, p.lat_deg});
  return a;
}

std::string Feature(const std::string& id, json::object props, json::object geometry) {
  return json::serialize(json::object{
      {"type", "Feature"}, {"id", id}, {"properties", std::move(props)}, {"geometry", geometry}});
}

std::string Route(const std::string& id, const std::vector<LatLng>& ps,
                  const std::vector<double>& times) {
  json::array ts;
  for (double t : times) ts.push_back(json::value(dt::Rfc3339(t)));
  return Feature(
      id, {{"kind", "movement"}, {"callsign", "CS-" + id}, {"corridor_m", 50}, {"times", ts}},
      {{"type", "LineString"}, {"coordinates", Coords(ps)}});
}

// A zone (polygon, or a line when `line`) active only in [t0, t1].
std::string Zone(const std::string& id, std::vector<LatLng> ps, double t0, double t1,
                 bool line = false) {
  json::object g;
  if (line) {
    g = {{"type", "LineString"}, {"coordinates", Coords(ps)}};
  } else {
    ps.push_back(ps.front());
    g = {{"type", "Polygon"}, {"coordinates", json::array{Coords(ps)}}};
  }
  return Feature(id,
                 {{"kind", "zone"},
                  {"callsign", "CS-" + id},
                  {"start", dt::Rfc3339(t0)},
                  {"end", dt::Rfc3339(t1)}},
                 std::move(g));
}

std::string Site(const std::string& id, LatLng c, double radius_m) {
  return Feature(id, {{"kind", "site"}, {"callsign", "CS-" + id}, {"radius_m", radius_m}},
                 {{"type", "Point"}, {"coordinates", json::array{c.lon_deg, c.lat_deg}}});
}

// A square `half` metres each way around c (edges along meridians and geodesics).
std::vector<LatLng> Square(LatLng c, double half) {
  const LatLng n = geo::GeodesicDirect(c, 0, half), s = geo::GeodesicDirect(c, 180, half);
  const double dlon = geo::GeodesicDirect(c, 90, half).lon_deg - c.lon_deg;
  return {{s.lat_deg, c.lon_deg - dlon},
          {s.lat_deg, c.lon_deg + dlon},
          {n.lat_deg, c.lon_deg + dlon},
          {n.lat_deg, c.lon_deg - dlon}};
}

// Every number in v, and in JSON texts held in its strings (record bodies).
void Numbers(const json::value& v, std::vector<double>* out) {
  if (v.is_number()) {
    out->push_back(v.to_number<double>());
  } else if (v.is_array()) {
    for (const json::value& x : v.get_array()) Numbers(x, out);
  } else if (v.is_object()) {
    for (const auto& [k, x] : v.get_object()) Numbers(x, out);
  } else if (v.is_string() && v.get_string().starts_with("{")) {
    Numbers(dt::ParseJson(std::string(v.get_string())), out);
  }
}

// Every conflict view (an object with "closest_approach") in v, recursively.
void Views(const json::value& v, std::vector<json::object>* out) {
  if (v.is_array()) {
    for (const json::value& x : v.get_array()) Views(x, out);
  } else if (v.is_object()) {
    if (v.get_object().contains("closest_approach")) out->push_back(v.get_object());
    for (const auto& [k, x] : v.get_object()) Views(x, out);
  } else if (v.is_string() && v.get_string().starts_with("{")) {
    Views(dt::ParseJson(std::string(v.get_string())), out);
  }
}

double Seconds(const json::value& v) {
  Result<TimePoint> t = ParseRfc3339(std::string(v.as_string()));
  return t.ok() ? t->unix_seconds() : std::nan("");
}

// One RU patrol north along a meridian at 10 m/s for an hour from t0, at `at` at tc = t0 + 1830.
struct Patrol {
  std::string id;
  LatLng at;
  double tc;
  std::vector<LatLng> Ends() const {
    return {geo::GeodesicDirect(at, 180, kSpeed * 1830), geo::GeodesicDirect(at, 0, kSpeed * 1770)};
  }
};

class attackDisclosure : public ::testing::Test {
 protected:
  void SetUp() override {
    us_ = d_.AddParty("US");
    ru_ = d_.AddParty("RU");
    jcc_ = d_.AddParty("JCC", "coordinator");
    ASSERT_OK(d_.Start());
    t0_ = std::floor(static_cast<double>(dt::NowUnixSeconds() + 3600) / 60.0) * 60.0;
    tc_ = t0_ + 1830;  // RU's patrols are at the centre of their cells at hh:mm:30
    // The centre of a grid cell near al-Qahtaniyah, and two more patrols 5 km east and west.
    const GridCell g = GridCellOf({37.05, 41.41}, kCellM);
    centre_ = {(g.south + g.north) / 2, (g.west + g.east) / 2};
    for (int i = 0; i < 3; ++i) {
      const double east = (i - 1) * 5000.0;
      LatLng at = east == 0 ? centre_ : geo::GeodesicDirect(centre_, east > 0 ? 90 : 270, 5000);
      const GridCell ga = GridCellOf(at, kCellM);
      at = {(ga.south + ga.north) / 2, (ga.west + ga.east) / 2};
      patrols_.push_back({"ru-patrol-" + std::to_string(i), at, tc_});
    }
    for (const Patrol& p : patrols_) {
      ClientResponse r =
          d_.Request("POST", "/v1/plans", ru_, Route(p.id, p.Ends(), {t0_, t0_ + 3600}));
      ASSERT_EQ(r.status, 201) << Show(r);
      for (const LatLng& e : p.Ends()) {
        secrets_.insert(e.lon_deg);
        secrets_.insert(e.lat_deg);
      }
      secrets_.insert(p.at.lon_deg);
    }
  }

  // Where RU's patrol `p` is at time t (it moves along its meridian).
  static LatLng PatrolAt(const Patrol& p, double t) {
    const double m = kSpeed * (t - p.tc);
    return geo::GeodesicDirect(p.at, m >= 0 ? 0 : 180, std::fabs(m));
  }

  // True if `x` is an edge of a grid cell of one of RU's patrols near time t (the area may
  // show such edges: they are grid lines, the same for every position in the cell).
  bool IsGridEdge(double x) const {
    for (const Patrol& p : patrols_) {
      const GridCell g = GridCellOf(p.at, kCellM);
      for (double e : {g.west, g.east, g.south, g.north}) {
        if (std::fabs(x - e) < 1e-6) return true;
      }
    }
    return false;
  }

  // Checks one party's view `v` of a conflict with RU: the coarse rule. `own_area`: the
  // caller's own plan is an area (no point); else `own_lon` is its own meridian.
  void ExpectCoarse(const json::object& v, bool own_area, double own_lon, const std::string& where,
                    const std::string& other = "RU") {
    SCOPED_TRACE(where + ": " + json::serialize(v));
    const json::object& d = v.at("disclosure").as_object();
    EXPECT_FALSE(d.at("exact").as_bool());
    EXPECT_EQ(d.at("cell_m").to_number<double>(), kCellM);
    // Times: whole multiples of the step.
    const json::object& w = v.at("window").as_object();
    const json::object& cpa = v.at("closest_approach").as_object();
    for (const json::value* t : {&w.at("start"), &w.at("end"), &cpa.at("time")}) {
      const double s = Seconds(*t);
      EXPECT_EQ(std::fmod(s, static_cast<double>(kTimeS)), 0.0) << *t;
    }
    EXPECT_EQ(std::fmod(v.at("min_distance_m").to_number<double>(), kCellM), 0.0);
    // The area: a box of whole grid cells, at least a cell across.
    const json::array& ring = v.at("area").at("coordinates").as_array().at(0).as_array();
    const double west = ring[0].as_array()[0].to_number<double>();
    const double south = ring[0].as_array()[1].to_number<double>();
    const double east = ring[2].as_array()[0].to_number<double>();
    const double north = ring[2].as_array()[1].to_number<double>();
    const GridCell sw = GridCellOf({south + 1e-7, west + 1e-7}, kCellM);
    const GridCell ne = GridCellOf({north - 1e-7, east - 1e-7}, kCellM);
    EXPECT_NEAR(sw.west, west, 1e-6);
    EXPECT_NEAR(sw.south, south, 1e-6);
    EXPECT_NEAR(ne.east, east, 1e-6);
    EXPECT_NEAR(ne.north, north, 1e-6);
    EXPECT_GE(geo::GeodesicDistance({south, west}, {south, east}), kCellM - 1);
    EXPECT_GE(geo::GeodesicDistance({south, west}, {north, west}), kCellM - 1);
    // A point only of its own plan.
    const json::value* pt = cpa.if_contains("point");
    if (own_area) {
      EXPECT_EQ(pt, nullptr);
    } else if (pt != nullptr) {
      EXPECT_NEAR(pt->at("coordinates").as_array()[0].to_number<double>(), own_lon, 1e-6);
    } else {
      ADD_FAILURE() << "no own point for a moving plan";
    }
    // The other side: party, callsign and kind only.
    for (const json::value& side : v.at("sides").as_array()) {
      if (side.at("party").as_string() != other) continue;
      for (const auto& [k, x] : side.as_object()) {
        EXPECT_TRUE(k == "party" || k == "callsign" || k == "kind" || k == "acknowledged_at" ||
                    k == "accepted_at" || k == "escalation_level")
            << other << "'s side shows " << k;
      }
    }
  }

  // No number in `answer` is one of RU's coordinates (or within `near` degrees of RU's position
  // at time t), unless it is a grid line.
  // `t` < 0: only RU's vertices and meridians (the caller's own point may share RU's latitude).
  void ExpectNoRuCoordinate(const json::value& answer, double t, const std::string& where) {
    std::vector<double> numbers;
    Numbers(answer, &numbers);
    for (double n : numbers) {
      if (IsGridEdge(n)) continue;
      for (double s : secrets_) EXPECT_GT(std::fabs(n - s), 1e-4) << where << ": " << n;
      for (const Patrol& p : patrols_) {
        if (t < 0) break;
        const LatLng at = PatrolAt(p, t);
        EXPECT_GT(std::fabs(n - at.lat_deg), 1e-4) << where << ": RU's latitude " << n;
      }
    }
  }

  json::value Check(const std::string& feature) {
    ClientResponse r = d_.Request("POST", "/v1/check", us_, feature);
    EXPECT_EQ(r.status, 200) << Show(r);
    return dt::ParseJson(r.body);
  }

  dt::Daemon d_{{.daemon_binary = DECONFLICTD_BINARY, .cli_binary = DECONFLICT_CLI_BINARY}};
  std::string us_, ru_, jcc_;
  double t0_ = 0, tc_ = 0;
  LatLng centre_;
  std::vector<Patrol> patrols_;
  std::set<double> secrets_;
};

// The probe of issue 9: a zone 40 km across active for one second finds RU's three patrols; each
// answer shows only the cell the patrol is in. Stepping the second (a sweep of one-second probes)
// learns nothing more: every answer inside the minute is the same text.
TEST_F(attackDisclosure, OneSecondZoneSweepLearnsOnlyTheCell) {
  std::string first;
  for (double t : {tc_ - 3, tc_ - 1, tc_ + 1, tc_ + 3}) {
    const json::value a = Check(Zone("probe", Square(centre_, 20000), t, t + 1));
    const json::array& cs = a.at("conflicts").as_array();
    ASSERT_EQ(cs.size(), 3u) << a;  // many plans: one conflict each, no more
    for (const json::value& c : cs) {
      ExpectCoarse(c.as_object(), true, 0, "zone probe");
      const json::array& ring = c.at("area").at("coordinates").as_array()[0].as_array();
      // Exactly the patrol's own cell: nothing finer, and not centred on the patrol.
      bool one_of_ours = false;
      for (const Patrol& p : patrols_) {
        const GridCell g = GridCellOf(p.at, kCellM);
        one_of_ours |= std::fabs(ring[0].as_array()[0].to_number<double>() - g.west) < 1e-6 &&
                       std::fabs(ring[2].as_array()[1].to_number<double>() - g.north) < 1e-6;
      }
      EXPECT_TRUE(one_of_ours) << c;
    }
    ExpectNoRuCoordinate(a, t, "zone probe");
    if (first.empty()) first = json::serialize(a);
    EXPECT_EQ(json::serialize(a), first) << "a one-second step changed the answer";
  }
}

// Tiny circles (1 m sites) at 20 m and 150 m from RU's meridian, and a demarcation line across it
// for one second: no point (the probe is an area), no distance finer than the cell, RU's cell only.
TEST_F(attackDisclosure, TinyCirclesAndALineLearnOnlyTheCell) {
  const std::vector<double> offsets = {20, 150};
  std::vector<json::value> answers;
  answers.reserve(offsets.size());
  for (double off : offsets) {
    answers.push_back(Check(Site("dot", geo::GeodesicDirect(centre_, 90, off), 1)));
  }
  // RU's patrols cross this line half a second after tc_ (5 m north of their cells' centres).
  const LatLng mid = geo::GeodesicDirect(centre_, 0, 5);
  const std::vector<LatLng> across = {geo::GeodesicDirect(mid, 270, 10000),
                                      geo::GeodesicDirect(mid, 90, 10000)};
  answers.push_back(Check(Zone("line", across, tc_, tc_ + 1, true)));
  for (size_t i = 0; i < answers.size(); ++i) {
    const json::array& cs = answers[i].at("conflicts").as_array();
    ASSERT_FALSE(cs.empty()) << answers[i];
    for (const json::value& c : cs) {
      ExpectCoarse(c.as_object(), true, 0, "probe " + std::to_string(i));
      EXPECT_EQ(c.at("min_distance_m").to_number<double>(), 0.0);
    }
    ExpectNoRuCoordinate(answers[i], tc_, "probe " + std::to_string(i));
  }
  // The two circles, 130 m apart, learn the same distance and area: nothing to triangulate with.
  const json::object& a = answers[0].at("conflicts").as_array()[0].as_object();
  const json::object& b = answers[1].at("conflicts").as_array()[0].as_object();
  EXPECT_EQ(a.at("area"), b.at("area"));
  EXPECT_EQ(a.at("min_distance_m"), b.at("min_distance_m"));
}

// A real conflict: US's patrol south along a meridian 150 m east of RU's. Every answer US reads
// (the submission, the conflict, the list, its events, its record entries, the suggestion) is
// coarse with US's own point on US's own meridian; RU's view has RU's own point on RU's meridian;
// the coordinator has the exact view (both points) and the exact record entry, which no party
// reads.
TEST_F(attackDisclosure, RealConflictIsCoarseForPartiesAndExactForTheCoordinator) {
  dt::SseFollower sse(d_.url("/v1/events"), us_);
  const LatLng us_at = geo::GeodesicDirect(centre_, 90, 150);
  // South at 10 m/s, at us_at at tc_ like RU's at centre_ (other end points than RU's).
  const std::vector<LatLng> us_path = {geo::GeodesicDirect(us_at, 0, kSpeed * 1830),
                                       geo::GeodesicDirect(us_at, 180, kSpeed * 1770)};
  const std::string plan = Route("us-patrol", us_path, {t0_, t0_ + 3600});
  const json::value dry = Check(plan);
  ASSERT_EQ(dry.at("conflicts").as_array().size(), 1u) << dry;
  ExpectCoarse(dry.at("conflicts").as_array()[0].as_object(), false, us_at.lon_deg, "dry run");
  ClientResponse r = d_.Request("POST", "/v1/plans", us_, plan);
  ASSERT_EQ(r.status, 201) << Show(r);
  const json::value submitted = dt::ParseJson(r.body);
  const std::string id(submitted.at("conflicts").as_array().at(0).at("id").as_string());
  ASSERT_TRUE(sse.WaitUntil([](const std::vector<dt::StreamEvent>& es) { return !es.empty(); }));

  std::vector<std::pair<std::string, json::value>> read = {{"submission", submitted}};
  for (const char* path : {"/v1/conflicts", "/v1/events/history", "/v1/audit"}) {
    read.emplace_back(path, dt::ParseJson(d_.Request("GET", path, us_).body));
  }
  read.emplace_back("conflict", dt::ParseJson(d_.Request("GET", "/v1/conflicts/" + id, us_).body));
  read.emplace_back("receipt",
                    dt::ParseJson(d_.Request("GET", "/v1/conflicts/" + id + "/receipt", us_).body));
  for (const dt::StreamEvent& e : sse.events()) read.emplace_back("event", dt::ParseJson(e.data));
  size_t views = 0;
  for (const auto& [where, answer] : read) {
    ExpectNoRuCoordinate(answer, -1, where);
    std::vector<json::object> vs;
    Views(answer, &vs);
    for (const json::object& v : vs) {
      ++views;
      // The record's shared entry has no point at all; the live views have US's own.
      const bool record = !v.contains("own_side");
      ExpectCoarse(v, record, us_at.lon_deg, where);
    }
    EXPECT_EQ(json::serialize(answer).find("conflict.detail"), std::string::npos) << where;
  }
  EXPECT_GE(views, 6u);
  // The suggestion's shift is a whole number of steps.
  const json::value sug =
      dt::ParseJson(d_.Request("GET", "/v1/conflicts/" + id + "/suggestion", us_).body);
  EXPECT_EQ(std::fmod(sug.at("shift_s").to_number<double>(), static_cast<double>(kTimeS)), 0.0)
      << sug;

  // RU's own view: its own point on its own meridian.
  const json::value ru_view = dt::ParseJson(d_.Request("GET", "/v1/conflicts/" + id, ru_).body);
  ExpectCoarse(ru_view.as_object(), false, centre_.lon_deg, "RU's view", "US");

  // The coordinator: exact window and both points, and the exact record entry.
  const json::value exact = dt::ParseJson(d_.Request("GET", "/v1/conflicts/" + id, jcc_).body);
  EXPECT_TRUE(exact.at("disclosure").at("exact").as_bool()) << exact;
  const json::array& sides = exact.at("sides").as_array();
  for (const json::value& side : sides) {
    const json::array& p = side.at("position").as_array();
    const LatLng at{p[1].to_number<double>(), p[0].to_number<double>()};
    const bool ru = side.at("party").as_string() == "RU";
    EXPECT_LT(geo::GeodesicDistance(at, ru ? centre_ : us_at), 20.0) << exact;
  }
  EXPECT_NEAR(Seconds(exact.at("closest_approach").at("time")), tc_, 2.0) << exact;
  const std::string audit = d_.Request("GET", "/v1/audit", jcc_).body;
  EXPECT_NE(audit.find("conflict.detail"), std::string::npos);
}

}  // namespace
}  // namespace deconflict::server
