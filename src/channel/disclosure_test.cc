// The disclosure rule (docs/security.md §2): the grid, the time steps, and each caller's view of a
// conflict derived from its exact stored detail.
#include "channel/disclosure.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "base/time.h"
#include "geo/geodesic.h"

namespace deconflict::channel {
namespace {

namespace json = boost::json;

// Every cell is at least cell_m high and wide (along its narrowest parallel), holds its point, and
// is the same cell for every point inside it: the grid is fixed, whatever the point.
TEST(DisclosureGrid, CellsAreAtLeastTheCellSizeAndHoldTheirPoint) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-89.9, 89.9), lon(-180, 180), f(0.01, 0.99);
  for (double cell_m : {500.0, 2000.0, 15000.0}) {
    for (int i = 0; i < 2000; ++i) {
      const geo::LatLng p{i < 4 ? std::vector<double>{0, 37, 70, 89.5}[i] : lat(rng), lon(rng)};
      const GridCell g = GridCellOf(p, cell_m);
      ASSERT_LE(g.south, p.lat_deg);
      ASSERT_GE(g.north, p.lat_deg);
      ASSERT_LE(g.west, p.lon_deg);
      ASSERT_GE(g.east, p.lon_deg);
      const double narrow = std::fabs(g.south) > std::fabs(g.north) ? g.south : g.north;
      ASSERT_GE(geo::GeodesicDistance({g.south, g.west}, {g.north, g.west}), cell_m - 0.01);
      if (g.east - g.west < 360) {
        // The geodesic between the corners on the narrowest parallel (shorter than its arc).
        ASSERT_GE(geo::GeodesicDistance({narrow, g.west}, {narrow, g.east}), cell_m - 0.01)
            << p.lat_deg << " " << p.lon_deg;
      }
      const geo::LatLng q{g.south + f(rng) * (g.north - g.south),
                          g.west + f(rng) * (g.east - g.west)};
      const GridCell h = GridCellOf(q, cell_m);
      ASSERT_EQ(h.west, g.west);
      ASSERT_EQ(h.south, g.south);
      ASSERT_EQ(h.east, g.east);
      ASSERT_EQ(h.north, g.north);
    }
  }
}

TEST(DisclosureGrid, CoveringCellsIsTheBoundingBoxOfTheirCells) {
  const geo::LatLng a{37.0, 41.4}, b = geo::GeodesicDirect(a, 45, 5000);
  const GridCell ga = GridCellOf(a, 2000), gb = GridCellOf(b, 2000);
  const GridCell box = CoveringCells({a, b}, 2000);
  EXPECT_EQ(box.west, std::min(ga.west, gb.west));
  EXPECT_EQ(box.east, std::max(ga.east, gb.east));
  EXPECT_EQ(box.south, std::min(ga.south, gb.south));
  EXPECT_EQ(box.north, std::max(ga.north, gb.north));
  const GridCell one = CoveringCells({a}, 2000);
  EXPECT_EQ(one.west, ga.west);
  EXPECT_EQ(one.north, ga.north);
}

TEST(DisclosureTime, SnapsToWholeStepsAndKeepsInfinity) {
  const TimePoint t = TimePoint::FromUnixSeconds(1000 * 60 + 7.5);
  EXPECT_EQ(SnapTime(t, 60, false).unix_seconds(), 60000);
  EXPECT_EQ(SnapTime(t, 60, true).unix_seconds(), 60060);
  EXPECT_EQ(SnapTime(TimePoint::FromUnixSeconds(60000), 60, true).unix_seconds(), 60000);
  EXPECT_EQ(SnapTime(t, 1, false).unix_seconds(), 60007);
  EXPECT_FALSE(SnapTime(TimePoint::InfiniteFuture(), 60, true).is_finite());
  EXPECT_FALSE(SnapTime(TimePoint::InfinitePast(), 60, false).is_finite());
}

// Two routes: US's at `us`, RU's at `ru` (300 m apart) at 09:15:07.25, window 09:14:20.5-09:15:52.
engine::Conflict TwoRoutes(geo::LatLng us, geo::LatLng ru) {
  engine::Conflict c;
  c.plan_a = PlanId("RU:ru-1");
  c.plan_b = PlanId("US:us-1");
  c.party_a = PartyId("RU");
  c.party_b = PartyId("US");
  c.callsign_a = "RU-1";
  c.callsign_b = "US-1";
  c.rule = "ground_ground";
  c.required = Meters(1100);
  c.min_distance = Meters(300);
  const double t9 = 1700000000 - std::fmod(1700000000, 3600.0);  // a whole hour
  c.window = {TimePoint::FromUnixSeconds(t9 + 860.5), TimePoint::FromUnixSeconds(t9 + 952)};
  c.cpa_time = c.cpa_time_a = c.cpa_time_b = TimePoint::FromUnixSeconds(t9 + 907.25);
  c.cpa_position_a = ru;
  c.cpa_position_b = us;
  c.cpa_position = geo::GeodesicPoint(ru, us, 0.5);
  c.moves_a = c.moves_b = true;
  return c;
}

double Num(const json::value& v) { return v.to_number<double>(); }

TEST(DisclosureView, APartySeesCellsStepsAndOnlyItsOwnPoint) {
  const geo::LatLng us{37.0501234, 41.4012345};
  const geo::LatLng ru = geo::GeodesicDirect(us, 90, 300);
  const engine::Conflict c = TwoRoutes(us, ru);
  const DisclosureOptions o;
  const json::object v = DryRunView(c, PartyId("US"), o);
  SCOPED_TRACE(json::serialize(v));
  // Times: the window outward, the closest approach down, to whole minutes.
  const double t9 = c.window.start.unix_seconds() - 860.5;
  EXPECT_EQ(v.at("window").at("start").as_string(),
            FormatRfc3339(TimePoint::FromUnixSeconds(t9 + 840)));
  EXPECT_EQ(v.at("window").at("end").as_string(),
            FormatRfc3339(TimePoint::FromUnixSeconds(t9 + 960)));
  EXPECT_EQ(v.at("closest_approach").at("time").as_string(),
            FormatRfc3339(TimePoint::FromUnixSeconds(t9 + 900)));
  // Its own point (US's), never RU's or the midpoint.
  const json::array& pt = v.at("closest_approach").at("point").at("coordinates").as_array();
  EXPECT_NEAR(Num(pt[0]), us.lon_deg, 1e-6);
  EXPECT_NEAR(Num(pt[1]), us.lat_deg, 1e-6);
  // Distances: floored to the cell; required exact.
  EXPECT_EQ(Num(v.at("min_distance_m")), 0);
  EXPECT_EQ(Num(v.at("required_m")), 1100);
  // The area: the cells of both points.
  const GridCell box = CoveringCells({us, ru}, o.cell_m);
  const json::array& ring = v.at("area").at("coordinates").as_array()[0].as_array();
  EXPECT_NEAR(Num(ring[0].as_array()[0]), box.west, 1e-7);
  EXPECT_NEAR(Num(ring[0].as_array()[1]), box.south, 1e-7);
  EXPECT_NEAR(Num(ring[2].as_array()[0]), box.east, 1e-7);
  EXPECT_NEAR(Num(ring[2].as_array()[1]), box.north, 1e-7);
  // RU's side: party, callsign, kind.
  EXPECT_EQ(v.at("sides").as_array()[0].as_object().size(), 3u);
  EXPECT_EQ(v.at("sides").as_array()[1].at("plan").as_string(), "us-1");
  EXPECT_EQ(v.at("own_side").as_int64(), 1);
  EXPECT_FALSE(v.at("disclosure").at("exact").as_bool());
  // Nothing in the text is RU's coordinate.
  const std::string text = json::serialize(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", ru.lon_deg);
  EXPECT_EQ(text.find(buf), std::string::npos) << buf;
}

TEST(DisclosureView, NoPointForAnAreaAndTheExactViewForCoordinators) {
  const geo::LatLng route{37.05, 41.40}, site_point = geo::GeodesicDirect(route, 0, 150);
  engine::Conflict c = TwoRoutes(site_point, route);
  c.kind_b = model::PlanKind::kSite;  // US's plan is a site: US gets no point
  c.moves_b = false;
  c.type = engine::ConflictType::kSiteBuffer;
  c.cpa_position = route;
  c.vertical_distance_m = 250;
  const DisclosureOptions o{.cell_m = 5000, .time_s = 300};
  const json::object us = DryRunView(c, PartyId("US"), o);
  EXPECT_EQ(us.at("closest_approach").as_object().if_contains("point"), nullptr) << us;
  EXPECT_EQ(Num(us.at("vertical_distance_m")), 0);
  EXPECT_EQ(Num(us.at("disclosure").at("cell_m")), 5000);
  // The area is the route's cell only (the site does not move).
  const GridCell g = GridCellOf(route, 5000);
  EXPECT_NEAR(Num(us.at("area").at("coordinates").as_array()[0].as_array()[0].as_array()[0]),
              g.west, 1e-7);
  const json::object ru = DryRunView(c, PartyId("RU"), o);
  EXPECT_NEAR(Num(ru.at("closest_approach").at("point").at("coordinates").as_array()[0]),
              route.lon_deg, 1e-6);

  // Stored, then seen by a coordinator (exact), by RU, and on the shared record entry.
  store::ConflictRecord r;
  r.id = ConflictId("c-1");
  r.party_a = PartyId("RU");
  r.plan_a = PlanId("ru-1");
  r.party_b = PartyId("US");
  r.plan_b = PlanId("us-1");
  r.detail_json = DisclosureJson(c);
  const json::object exact = ConflictView(r, Caller{PartyId("JCC"), Role::kCoordinator}, o);
  EXPECT_TRUE(exact.at("disclosure").at("exact").as_bool());
  EXPECT_EQ(exact.at("window").at("start").as_string(), FormatRfc3339(c.window.start));
  EXPECT_EQ(Num(exact.at("min_distance_m")), 300);
  EXPECT_EQ(Num(exact.at("vertical_distance_m")), 250);
  EXPECT_NEAR(Num(exact.at("sides").as_array()[1].at("position").as_array()[1]), site_point.lat_deg,
              1e-6);
  EXPECT_FALSE(exact.at("sides").as_array()[1].at("moves").as_bool());
  const json::object ru_view = ConflictView(r, Caller{PartyId("RU"), Role::kParty}, o);
  EXPECT_EQ(ru_view.at("closest_approach"), ru.at("closest_approach"));
  EXPECT_EQ(ru_view.at("area"), ru.at("area"));
  EXPECT_EQ(ru_view.at("sides").as_array()[1].as_object().if_contains("plan"), nullptr);
  const json::value d = json::parse(r.detail_json);
  const json::object shared = SharedView(d.as_object(), o);
  EXPECT_EQ(shared.at("closest_approach").as_object().if_contains("point"), nullptr);
  EXPECT_EQ(shared.at("window"), ru.at("window"));
  for (const json::value& side : shared.at("sides").as_array()) {
    EXPECT_EQ(side.as_object().size(), 3u) << shared;
  }
}

}  // namespace
}  // namespace deconflict::channel
