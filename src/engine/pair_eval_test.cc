// Hand-derived conflicts (docs/semantics.md), evaluated through ConflictDetector::DetectAll (grid)
// and checked against the brute-force twin.
//
// Geometry is built with exact geodesics: a "pass" is a straight patrol (or flight) through a point
// X on a given azimuth at constant speed v, scheduled at X at time tX; its end points are
// GeodesicDirect(X, az + 180, v * before) and GeodesicDirect(X, az, v * after), which lie on the
// geodesic through X with azimuth az, so X is on the route at exactly tX. Within a few km of X the
// ellipsoid is Euclidean to well below a centimetre, so two passes through X at right angles with
// speeds va, vb are |tau| * sqrt(va^2 + vb^2) apart at tX + tau.
//
// Tolerances: distances max(1 m, 0.1 %), times 1 s (semantics.md, "Accuracy").
#include "engine/pair_eval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "engine/detector.h"
#include "geo/geodesic.h"
#include "testsupport/fixtures.h"

namespace deconflict::engine {
namespace {

using deconflict::testing::kDay0;
using geo::LatLng;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Seconds since the epoch of HH:MM:SS on 2022-10-08.
double T(int h, int m, double s = 0) { return kDay0 + h * 3600.0 + m * 60.0 + s; }

// A reference point near al-Qahtaniyah.
const LatLng kO{36.95, 41.65};

LatLng Go(LatLng from, double azimuth_deg, double m) {
  return m == 0 ? from : geo::GeodesicDirect(from, azimuth_deg, m);
}

struct Wp {
  LatLng p;
  double t;
  double alt = 0;
};

model::Plan MakeRoute(std::string id, std::string party, bool flight, const std::vector<Wp>& wps,
                      double corridor_m = 0, double tolerance_s = 0) {
  model::Plan p;
  p.id = PlanId(id);
  p.party = PartyId(std::move(party));
  p.kind = flight ? model::PlanKind::kFlight : model::PlanKind::kMovement;
  p.callsign = std::move(id);
  model::Route r;
  r.has_altitude = flight;
  for (const Wp& w : wps) {
    r.waypoints.push_back({w.p, flight ? w.alt : 0.0, TimePoint::FromUnixSeconds(w.t)});
  }
  r.corridor = Meters(corridor_m);
  r.time_tolerance = Seconds(tolerance_s);
  p.shape = std::move(r);
  return p;
}

struct PassOpts {
  double before = 900;  // seconds on the route before X
  double after = 900;   // seconds after X
  double corridor_m = 0;
  double tolerance_s = 0;
};

// A ground patrol through x on azimuth az at speed v (m/s), at x at time tx.
model::Plan Pass(std::string id, std::string party, LatLng x, double az, double v, double tx,
                 PassOpts o = {}) {
  return MakeRoute(
      std::move(id), std::move(party), false,
      {{Go(x, az + 180, v * o.before), tx - o.before}, {Go(x, az, v * o.after), tx + o.after}},
      o.corridor_m, o.tolerance_s);
}

// A flight through x (as Pass), at altitude alt0 at the start and alt1 at the end.
model::Plan FlyPass(std::string id, std::string party, LatLng x, double az, double v, double tx,
                    double alt0, double alt1, PassOpts o = {}) {
  return MakeRoute(std::move(id), std::move(party), true,
                   {{Go(x, az + 180, v * o.before), tx - o.before, alt0},
                    {Go(x, az, v * o.after), tx + o.after, alt1}},
                   o.corridor_m, o.tolerance_s);
}

model::Plan MakeArea(std::string id, std::string party, model::PlanKind kind, model::Footprint fp,
                     double start = -kInf, double end = kInf,
                     std::optional<model::AltitudeBand> band = std::nullopt) {
  model::Plan p;
  p.id = PlanId(id);
  p.party = PartyId(std::move(party));
  p.kind = kind;
  p.callsign = std::move(id);
  model::Area a;
  a.footprint = std::move(fp);
  a.window = {TimePoint::FromUnixSeconds(start), TimePoint::FromUnixSeconds(end)};
  a.band = band;
  p.shape = std::move(a);
  return p;
}

model::Footprint CircleAt(LatLng c, double r) { return model::Circle{c, Meters(r)}; }

// A "square" around c whose east and west edges are meridian geodesics through the points exactly
// `half` metres east and west of c (so a route through c on azimuth 90 or 270 crosses them at
// exactly `half` metres from c).
model::Footprint Square(LatLng c, double half) {
  const LatLng e = Go(c, 90, half), w = Go(c, 270, half);
  model::Polygon poly;
  poly.rings.push_back({Go(w, 180, half), Go(e, 180, half), Go(e, 0, half), Go(w, 0, half)});
  return poly;
}

// A straight line (one geodesic) through c on azimuth az, `half` metres each way.
model::Footprint LineThrough(LatLng c, double az, double half) {
  return model::Polyline{{Go(c, az + 180, half), Go(c, az, half)}};
}

model::Plan Volume(std::string id, std::string party, model::Footprint fp, double lower,
                   double upper, double start, double end) {
  return MakeArea(std::move(id), std::move(party), model::PlanKind::kFlight, std::move(fp), start,
                  end, model::AltitudeBand{lower, upper});
}

// Every conflict among `plans` (grid), after checking that the brute-force twin agrees.
std::vector<Conflict> Detect(const std::vector<model::Plan>& plans,
                             const model::Rules& rules = {}) {
  ConflictDetector fast(rules), slow(rules, {.use_brute_force = true});
  for (const model::Plan& p : plans) {
    EXPECT_TRUE(fast.Add(p).ok());
    EXPECT_TRUE(slow.Add(p).ok());
  }
  std::vector<Conflict> a = fast.DetectAll();
  const std::vector<Conflict> b = slow.DetectAll();
  EXPECT_EQ(a.size(), b.size()) << "grid and brute force disagree";
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    EXPECT_EQ(a[i].plan_a, b[i].plan_a);
    EXPECT_EQ(a[i].plan_b, b[i].plan_b);
    EXPECT_EQ(a[i].window.start, b[i].window.start);
    EXPECT_EQ(a[i].window.end, b[i].window.end);
    EXPECT_EQ(a[i].min_distance, b[i].min_distance);
  }
  // Check(plan) gives the conflicts of that plan (it is skipped as an amendment of itself).
  for (const model::Plan& p : plans) {
    const size_t mine =
        static_cast<size_t>(std::count_if(a.begin(), a.end(), [&](const Conflict& c) {
          return c.plan_a == p.id || c.plan_b == p.id;
        }));
    EXPECT_EQ(fast.Check(p).size(), mine) << "Check(" << p.id.value() << ")";
  }
  return a;
}

// Seconds after midnight, for readable failure messages.
double Tod(TimePoint t) { return t.unix_seconds() - kDay0; }

#define EXPECT_DIST(actual, expected) \
  EXPECT_NEAR((actual), (expected), std::max(1.0, 1e-3 * std::fabs(expected)))
#define EXPECT_TIME(actual, expected) EXPECT_NEAR(Tod(actual), (expected)-kDay0, 1.0)
#define EXPECT_WINDOW(c, lo, hi)       \
  do {                                 \
    EXPECT_TIME((c).window.start, lo); \
    EXPECT_TIME((c).window.end, hi);   \
  } while (0)

// ---------------------------------------------------------------------------------------------
// ground_ground

TEST(PairEvalGroundGround, CrossingAtRightAngles) {
  // a: east through O at 20 m/s, at O at 09:15 (09:00-09:30, 36 km: two 18 km elements, O is
  // exactly at the cut). b: north through O at 15 m/s, at O at 09:15.
  // At 09:15 + tau: |a - b| = |tau| * sqrt(20^2 + 15^2) = 25 |tau| < 1,000 <=> |tau| < 40 s.
  const auto c =
      Detect({Pass("a", "US", kO, 90, 20, T(9, 15)), Pass("b", "RU", kO, 0, 15, T(9, 15))});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].plan_a.value(), "a");
  EXPECT_EQ(c[0].plan_b.value(), "b");
  EXPECT_EQ(c[0].party_a.value(), "US");
  EXPECT_EQ(c[0].party_b.value(), "RU");
  EXPECT_EQ(c[0].type, ConflictType::kSeparation);
  EXPECT_EQ(c[0].rule, "ground_ground");
  EXPECT_DOUBLE_EQ(c[0].required.value(), 1000);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  EXPECT_WINDOW(c[0], T(9, 14, 20), T(9, 15, 40));
  EXPECT_TIME(c[0].cpa_time, T(9, 15));
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position, kO), 1.0);
  // Each side's own point: both routes are at O at 09:15.
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position_a, kO), 1.0);
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position_b, kO), 1.0);
  EXPECT_TRUE(c[0].moves_a);
  EXPECT_TRUE(c[0].moves_b);
  EXPECT_LT(c[0].vertical_distance_m, 0);  // no vertical rule
}

TEST(PairEvalGroundGround, ParallelPatrols) {
  // a: east through O at 10 m/s, 09:00-09:30. b: the same on the geodesic through the point
  // `off` metres north of O, same schedule: |a(t) - b(t)| = off (to centimetres) all the time.
  const auto a = Pass("a", "US", kO, 90, 10, T(9, 15));
  auto b = [](double off, double corridor) {
    return Pass("b", "RU", Go(kO, 0, off), 90, 10, T(9, 15), {.corridor_m = corridor});
  };
  {
    // 900 < 1,000 during the whole schedule.
    const auto c = Detect({a, b(900, 0)});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_DIST(c[0].min_distance.value(), 900);
    EXPECT_DOUBLE_EQ(c[0].required.value(), 1000);
    EXPECT_WINDOW(c[0], T(9, 0), T(9, 30));
  }
  // 1,100 >= 1,000: none.
  EXPECT_TRUE(Detect({a, b(1100, 0)}).empty());
  {
    // Corridors 100 + 100: required = 1,000 + 200 = 1,200 > 1,100.
    auto a100 = Pass("a", "US", kO, 90, 10, T(9, 15), {.corridor_m = 100});
    const auto c = Detect({a100, b(1100, 100)});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_DOUBLE_EQ(c[0].required.value(), 1200);
    EXPECT_DIST(c[0].min_distance.value(), 1100);  // centre lines, corridors not subtracted
    EXPECT_WINDOW(c[0], T(9, 0), T(9, 30));
    // One corridor only: required 1,100 <= 1,150: none.
    EXPECT_TRUE(Detect({a, b(1150, 100)}).empty());
  }
}

TEST(PairEvalGroundGround, HeadOnSameRoad) {
  // a east, b west on the same geodesic, both at 10 m/s, both at O at 09:15: closing at 20 m/s,
  // |a - b| = 20 |tau| < 1,000 <=> |tau| < 50 s.
  const auto c =
      Detect({Pass("a", "US", kO, 90, 10, T(9, 15)), Pass("b", "RU", kO, 270, 10, T(9, 15))});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  EXPECT_WINDOW(c[0], T(9, 14, 10), T(9, 15, 50));
  EXPECT_TIME(c[0].cpa_time, T(9, 15));
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position, kO), 1.0);
}

TEST(PairEvalGroundGround, HaltedPlanWhileOtherPasses) {
  // b drives 5 km north to H (600 m south of O), halts there 09:00-09:30 (zero-length leg), and
  // drives back; a passes O eastwards at 10 m/s at 09:15 (a exists 09:00-09:30 only, when b is
  // halted). |a - b|^2 = 600^2 + (10 tau)^2 < 1,000^2 <=> |tau| < 80 s; closest 600 m at 09:15,
  // CPA position = midpoint of O and H = 300 m south of O.
  const LatLng h = Go(kO, 180, 600), s = Go(h, 180, 5000);
  const auto b =
      MakeRoute("b", "RU", false, {{s, T(8, 50)}, {h, T(9, 0)}, {h, T(9, 30)}, {s, T(9, 40)}});
  const auto c = Detect({Pass("a", "US", kO, 90, 10, T(9, 15)), b});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_DIST(c[0].min_distance.value(), 600);
  EXPECT_WINDOW(c[0], T(9, 13, 40), T(9, 16, 20));
  EXPECT_TIME(c[0].cpa_time, T(9, 15));
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position, Go(kO, 180, 300)), 1.0);

  // A route that is only a halt (two waypoints at the same place): the same answer.
  const auto halt = MakeRoute("b", "RU", false, {{h, T(9, 0)}, {h, T(9, 30)}});
  const auto c2 = Detect({Pass("a", "US", kO, 90, 10, T(9, 15)), halt});
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_DIST(c2[0].min_distance.value(), 600);
  EXPECT_WINDOW(c2[0], T(9, 13, 40), T(9, 16, 20));
}

TEST(PairEvalGroundGround, SamePartyNeverConflicts) {
  // The crossing of CrossingAtRightAngles, both US.
  EXPECT_TRUE(Detect({Pass("a", "US", kO, 90, 20, T(9, 15)), Pass("b", "US", kO, 0, 15, T(9, 15))})
                  .empty());
}

TEST(PairEvalGroundGround, DisjointTimesNeverConflict) {
  // Same crossing geometry, but b runs 10:00-10:30 while a runs 09:00-09:30.
  EXPECT_TRUE(
      Detect({Pass("a", "US", kO, 90, 10, T(9, 15)), Pass("b", "RU", kO, 0, 7.5, T(10, 15))})
          .empty());
  // Touching end to start (a ends at O at 09:30, b starts at O at 09:30): that is a conflict at
  // the single instant 09:30 (distance 0).
  const auto c = Detect({Pass("a", "US", kO, 90, 10, T(9, 30), {.before = 1800, .after = 0}),
                         Pass("b", "RU", kO, 0, 10, T(9, 30), {.before = 0, .after = 1800})});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  EXPECT_WINDOW(c[0], T(9, 30), T(9, 30));
}

TEST(PairEvalGroundGround, TimeToleranceMakesNearMissAConflict) {
  // Same road, same direction, 30 m/s: a passes O at 09:00 (08:50-09:10), b at 09:04 (08:54-09:14).
  // With u = sa - 09:00, w = sb - 09:04 the distance is 30 |u - w| and sa - sb = u - w - 240.
  // Conflict iff some d = u - w has |d| < 1000/30 = 33.3 s and |d - 240| <= tol_a + tol_b.
  auto run = [](double tol) {
    return Detect(
        {Pass("a", "US", kO, 90, 30, T(9, 0), {.before = 600, .after = 600, .tolerance_s = tol}),
         Pass("b", "RU", kO, 90, 30, T(9, 4), {.before = 600, .after = 600, .tolerance_s = tol})});
  };
  // No tolerance: always 7,200 m apart.
  EXPECT_TRUE(run(0).empty());
  // 100 s each: d in [40, 440], closest 30 * 40 = 1,200 m: none.
  EXPECT_TRUE(run(100).empty());
  {
    // 150 s each: d in [-60, 540] includes 0: distance 0 at sb - sa = 240 s. Every u in [-600, 600]
    // has a partner w = u, so the window is [first sa, last sb] = [08:50, 09:14].
    const auto c = run(150);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_LT(c[0].min_distance.value(), 1.0);
    EXPECT_WINDOW(c[0], T(8, 50), T(9, 14));
    EXPECT_NEAR(c[0].cpa_time_b.unix_seconds() - c[0].cpa_time_a.unix_seconds(), 240, 1.0);
  }
  {
    // 115 s each: d in [10, 470]: closest 30 * 10 = 300 m (sb - sa = 230 s). Violating pairs have
    // 10 <= u - w < 33.3 with u, w in [-600, 600]: sa in [08:50:10, 09:10], sb in [08:54,
    // 09:13:50].
    const auto c = run(115);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_DIST(c[0].min_distance.value(), 300);
    EXPECT_WINDOW(c[0], T(8, 50, 10), T(9, 13, 50));
    EXPECT_NEAR(c[0].cpa_time_b.unix_seconds() - c[0].cpa_time_a.unix_seconds(), 230, 1.0);
  }
}

TEST(PairEvalGroundGround, TwoEncountersAreTwoConflicts) {
  // b halts 300 m north of O 09:00-10:30. a drives W -> E (through O at 09:15), halts at E, and
  // drives back E -> W (through O at 10:15), 10 m/s, W and E 9 km from O.
  // Each pass: 300^2 + (10 tau)^2 < 1,000^2 <=> |tau| < sqrt(910,000) / 10 = 95.39 s.
  const LatLng w = Go(kO, 270, 9000), e = Go(kO, 90, 9000), h = Go(kO, 0, 300);
  const auto a =
      MakeRoute("a", "US", false, {{w, T(9, 0)}, {e, T(9, 30)}, {e, T(10, 0)}, {w, T(10, 30)}});
  const auto b = MakeRoute("b", "RU", false, {{h, T(9, 0)}, {h, T(10, 30)}});
  const auto c = Detect({a, b});
  ASSERT_EQ(c.size(), 2u);
  const double half = std::sqrt(910000.0) / 10;
  EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
  EXPECT_WINDOW(c[1], T(10, 15) - half, T(10, 15) + half);
  EXPECT_DIST(c[0].min_distance.value(), 300);
  EXPECT_DIST(c[1].min_distance.value(), 300);
  EXPECT_TIME(c[0].cpa_time, T(9, 15));
  EXPECT_TIME(c[1].cpa_time, T(10, 15));
}

// ---------------------------------------------------------------------------------------------
// air_air

TEST(PairEvalAirAir, CrossingVerticalSeparation) {
  // a: east through O at 120 m/s (09:05-09:25, 144 km), b: north through O at 90 m/s, both at O at
  // 09:15, level. Horizontal: 150 |tau| < 9,260 <=> |tau| < 61.73 s.
  auto run = [](double alt_b) {
    return Detect(
        {FlyPass("a", "US", kO, 90, 120, T(9, 15), 3000, 3000, {.before = 600, .after = 600}),
         FlyPass("b", "RU", kO, 0, 90, T(9, 15), alt_b, alt_b, {.before = 600, .after = 600})});
  };
  // 400 m apart vertically >= 304.8: none.
  EXPECT_TRUE(run(3400).empty());
  const auto c = run(3200);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].rule, "air_air");
  EXPECT_EQ(c[0].type, ConflictType::kSeparation);
  EXPECT_DOUBLE_EQ(c[0].required.value(), 9260);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  EXPECT_NEAR(c[0].vertical_distance_m, 200, 0.01);
  const double half = 9260.0 / 150;
  EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
  EXPECT_TIME(c[0].cpa_time, T(9, 15));
}

TEST(PairEvalAirAir, VerticalLostOnlyWhileClimbing) {
  // As above, but b climbs from 1,800 m at 09:05 to 4,200 m at 09:25 (2 m/s) while a is level at
  // 3,000 m: |alt_b - 3000| < 304.8 <=> |tau| < 152.4 s (b at 3,000 m at 09:15), wider than the
  // horizontal window: same conflict, vertical distance 0 at the CPA (09:15).
  const auto c =
      Detect({FlyPass("a", "US", kO, 90, 120, T(9, 15), 3000, 3000, {.before = 600, .after = 600}),
              FlyPass("b", "RU", kO, 0, 90, T(9, 15), 1800, 4200, {.before = 600, .after = 600})});
  ASSERT_EQ(c.size(), 1u);
  const double half = 9260.0 / 150;
  EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
  EXPECT_NEAR(c[0].vertical_distance_m, 0, 1.0);
  // Climbing 6 m/s from 0 at 09:05: at 3,000 m at 09:13:20; |alt - 3000| < 304.8 <=>
  // t in 09:13:20 -+ 50.8 s = [09:12:29.2, 09:14:10.8]; horizontal [09:13:58.27, 09:16:01.73]:
  // window [09:13:58.27, 09:14:10.8], vertical distance at the horizontal CPA within it
  // (09:14:10.8, the latest instant, closest horizontally: 150 * 49.2 = 7,380 m) is 304.8 m.
  const auto c2 =
      Detect({FlyPass("a", "US", kO, 90, 120, T(9, 15), 3000, 3000, {.before = 600, .after = 600}),
              FlyPass("b", "RU", kO, 0, 90, T(9, 15), 0, 7200, {.before = 600, .after = 600})});
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_WINDOW(c2[0], T(9, 15) - half, T(9, 13, 20) + 50.8);
  EXPECT_DIST(c2[0].min_distance.value(), 150 * (60 - 10.8));
  EXPECT_NEAR(c2[0].vertical_distance_m, 304.8, 1.0);
}

TEST(PairEvalAirAir, HorizontalOnlyAtSameAltitude) {
  // Parallel eastbound flights at 120 m/s, same altitude, on geodesics through O and through the
  // point `off` north of O (09:10-09:20): off apart all the time (to < 1 m).
  auto run = [](double off) {
    return Detect(
        {FlyPass("a", "US", kO, 90, 120, T(9, 15), 3000, 3000, {.before = 300, .after = 300}),
         FlyPass("b", "RU", Go(kO, 0, off), 90, 120, T(9, 15), 3000, 3000,
                 {.before = 300, .after = 300})});
  };
  const auto c = run(9000);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_DIST(c[0].min_distance.value(), 9000);
  EXPECT_NEAR(c[0].vertical_distance_m, 0, 0.01);
  EXPECT_WINDOW(c[0], T(9, 10), T(9, 20));
  EXPECT_TRUE(run(9500).empty());
}

TEST(PairEvalAirAir, TrajectoryThroughVolumeBand) {
  // Volume: circle r = 5 km around O, band [2,000, 3,000], 09:00-10:00. Flights east through O at
  // 100 m/s (09:05-09:25, 120 km, six elements), at O at 09:15. Horizontal: distance to the
  // footprint 100 |tau| - 5,000 < 9,260 <=> |tau| < 142.6 s. Vertical: band +- 304.8.
  const auto vol = Volume("v", "RU", CircleAt(kO, 5000), 2000, 3000, T(9, 0), T(10, 0));
  auto fly = [](double alt0, double alt1) {
    return FlyPass("f", "US", kO, 90, 100, T(9, 15), alt0, alt1, {.before = 600, .after = 600});
  };
  {
    // Level at 3,300: 300 above the band top < 304.8: conflict, inside the footprint (0 m).
    const auto c = Detect({fly(3300, 3300), vol});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].rule, "air_air");
    EXPECT_LT(c[0].min_distance.value(), 1.0);
    EXPECT_NEAR(c[0].vertical_distance_m, 300, 0.01);
    EXPECT_WINDOW(c[0], T(9, 15) - 142.6, T(9, 15) + 142.6);
  }
  // Level at 3,310: 310 >= 304.8: none.
  EXPECT_TRUE(Detect({fly(3310, 3310), vol}).empty());
  {
    // Descending 4,500 -> 2,500 (1.667 m/s): at 3,304.8 m at 09:05 + 1,195.2 / (2000/1200) s =
    // 09:16:57.12. Window [09:16:57.12, 09:17:22.6]; closest at its start: 100 * 117.12 - 5,000 =
    // 6,712 m from the footprint, 304.8 m above the band.
    const auto c = Detect({fly(4500, 2500), vol});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_WINDOW(c[0], T(9, 16, 57.12), T(9, 15) + 142.6);
    EXPECT_DIST(c[0].min_distance.value(), 6712);
    EXPECT_NEAR(c[0].vertical_distance_m, 304.8, 1.0);
  }
  // Volume inactive at the time (10:00-11:00): none.
  EXPECT_TRUE(Detect({fly(3300, 3300),
                      Volume("v", "RU", CircleAt(kO, 5000), 2000, 3000, T(10, 0), T(11, 0))})
                  .empty());
}

TEST(PairEvalAirAir, VolumeVersusVolume) {
  // v1: r = 5 km around O, [1,000, 2,000], 09:00-10:00. v2: r = 5 km around the point 12 km east
  // of O, 09:30-11:00: footprints 12,000 - 10,000 = 2,000 m apart (< 9,260).
  const auto v1 = Volume("v1", "US", CircleAt(kO, 5000), 1000, 2000, T(9, 0), T(10, 0));
  const LatLng c2 = Go(kO, 90, 12000);
  {
    // Band gap 300 < 304.8: conflict during the overlap of the windows.
    const auto c =
        Detect({v1, Volume("v2", "RU", CircleAt(c2, 5000), 2300, 3000, T(9, 30), T(11, 0))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].rule, "air_air");
    EXPECT_DIST(c[0].min_distance.value(), 2000);
    EXPECT_NEAR(c[0].vertical_distance_m, 300, 0.01);
    EXPECT_WINDOW(c[0], T(9, 30), T(10, 0));
  }
  // Band gap 310: none.
  EXPECT_TRUE(
      Detect({v1, Volume("v2", "RU", CircleAt(c2, 5000), 2310, 3000, T(9, 30), T(11, 0))}).empty());
  // Disjoint windows (10:30-11:00): none.
  EXPECT_TRUE(Detect({v1, Volume("v2", "RU", CircleAt(c2, 5000), 2300, 3000, T(10, 30), T(11, 0))})
                  .empty());
  // Footprints 20,000 - 10,000 = 10,000 m apart >= 9,260: none.
  EXPECT_TRUE(Detect({v1, Volume("v2", "RU", CircleAt(Go(kO, 90, 20000), 5000), 2300, 3000,
                                 T(9, 30), T(11, 0))})
                  .empty());
}

TEST(PairEvalAirAir, VerticalMinimumExactlyMetIsSeparated) {
  // semantics.md: air_air needs |altA - altB| < air_air_vertical_m (route/route) and a band gap
  // < air_air_vertical_m (volume/volume): separation exactly equal to the minimum is NOT a
  // conflict (e.g. metric flight levels 300 m apart under a 300 m rule, or volumes stacked at
  // exactly 1,000 ft).
  model::Rules r300;
  r300.air_air_vertical_m = 300;
  EXPECT_TRUE(
      Detect({FlyPass("a", "US", kO, 90, 120, T(9, 15), 3000, 3000, {.before = 600, .after = 600}),
              FlyPass("b", "RU", kO, 0, 90, T(9, 15), 3300, 3300, {.before = 600, .after = 600})},
             r300)
          .empty())
      << "flights exactly 300 m apart under a 300 m minimum";
  // Default 304.8 m: bands [0, 304.8] and [609.6, 1,000] (609.6 - 304.8 == 304.8 exactly).
  EXPECT_TRUE(Detect({Volume("v1", "US", CircleAt(kO, 5000), 0, 304.8, T(9, 0), T(10, 0)),
                      Volume("v2", "RU", CircleAt(kO, 5000), 609.6, 1000, T(9, 0), T(10, 0))})
                  .empty())
      << "volumes with a band gap of exactly 304.8 m";
}

// ---------------------------------------------------------------------------------------------
// ground_air

TEST(PairEvalGroundAir, LowHelicopterOverPatrol) {
  // Patrol east through O at 10 m/s, helicopter north through O at 40 m/s, both at O at 09:15:
  // |d| = sqrt(10^2 + 40^2) |tau| = 41.23 |tau| < 1,000 <=> |tau| < 24.25 s, at 800 m <= 1,500.
  const auto patrol = Pass("p", "US", kO, 90, 10, T(9, 15));
  auto heli = [](double alt) {
    return FlyPass("h", "RU", kO, 0, 40, T(9, 15), alt, alt, {.before = 600, .after = 600});
  };
  const auto c = Detect({patrol, heli(800)});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].rule, "ground_air");
  EXPECT_EQ(c[0].type, ConflictType::kSeparation);
  EXPECT_DOUBLE_EQ(c[0].required.value(), 1000);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  const double half = 1000 / std::sqrt(1700.0);
  EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
  // At 2,000 m, above the 1,500 m ceiling: none.
  EXPECT_TRUE(Detect({patrol, heli(2000)}).empty());
  // Descending 2,100 -> 900 over 09:05-09:25 (1 m/s): at 1,500 m at 09:15:00, low-level only
  // from then on: window [09:15, 09:15:24.25].
  const auto c2 = Detect(
      {patrol, FlyPass("h", "RU", kO, 0, 40, T(9, 15), 2100, 900, {.before = 600, .after = 600})});
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_WINDOW(c2[0], T(9, 15), T(9, 15) + half);
}

TEST(PairEvalGroundAir, VolumeCeiling) {
  // Volume r = 2 km around O, 09:00-10:00; patrol through O 09:00-09:30 at 10 m/s.
  const auto patrol = Pass("p", "US", kO, 90, 10, T(9, 15));
  // Lower altitude 1,600 > 1,500: never low-level: none.
  EXPECT_TRUE(Detect({patrol, Volume("v", "RU", CircleAt(kO, 2000), 1600, 2500, T(9, 0), T(10, 0))})
                  .empty());
  // Lower altitude 1,000: within 1,000 m of the footprint <=> 10 |tau| < 3,000 <=> |tau| < 300 s.
  const auto c =
      Detect({patrol, Volume("v", "RU", CircleAt(kO, 2000), 1000, 2500, T(9, 0), T(10, 0))});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].rule, "ground_air");
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  EXPECT_WINDOW(c[0], T(9, 10), T(9, 20));
}

// ---------------------------------------------------------------------------------------------
// movement_site

TEST(PairEvalMovementSite, CircularSite) {
  // Patrol east through O at 10 m/s (at O at 09:15); site r = 100 centred `off` north of O.
  const auto patrol = Pass("p", "US", kO, 90, 10, T(9, 15));
  {
    // off = 150: footprint distance 50 < 200. Within 200 of the footprint <=> within 300 of the
    // centre <=> (10 tau)^2 + 150^2 < 300^2 <=> |tau| < 25.98 s.
    const auto c = Detect(
        {patrol, MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 150), 100))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].rule, "movement_site");
    EXPECT_EQ(c[0].type, ConflictType::kSiteBuffer);
    EXPECT_DOUBLE_EQ(c[0].required.value(), 200);
    EXPECT_DIST(c[0].min_distance.value(), 50);
    const double half = std::sqrt(300.0 * 300 - 150.0 * 150) / 10;
    EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
    EXPECT_TIME(c[0].cpa_time, T(9, 15));
    EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position, kO), 1.0);  // the route's position
    EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position_a, kO), 1.0);
    // The site's point: its centre (a circle's element is its centre).
    EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position_b, Go(kO, 0, 150)), 1.0);
    EXPECT_TRUE(c[0].moves_a);
    EXPECT_FALSE(c[0].moves_b);
  }
  // off = 450: 350 m from the edge: none.
  EXPECT_TRUE(
      Detect({patrol, MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 450), 100))})
          .empty());
  // Site active 10:00-11:00 only: none.
  EXPECT_TRUE(Detect({patrol, MakeArea("s", "RU", model::PlanKind::kSite,
                                       CircleAt(Go(kO, 0, 150), 100), T(10, 0), T(11, 0))})
                  .empty());
  {
    // Site active from 09:15:10: window [09:15:10, 09:15:25.98]; closest at 09:15:10:
    // sqrt(100^2 + 150^2) - 100 = 80.28 m.
    const auto c =
        Detect({patrol, MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 150), 100),
                                 T(9, 15, 10), T(12, 0))});
    ASSERT_EQ(c.size(), 1u);
    const double half = std::sqrt(300.0 * 300 - 150.0 * 150) / 10;
    EXPECT_WINDOW(c[0], T(9, 15, 10), T(9, 15) + half);
    EXPECT_DIST(c[0].min_distance.value(), std::sqrt(100.0 * 100 + 150.0 * 150) - 100);
  }
}

TEST(PairEvalMovementSite, ToleranceWidensSiteWindow) {
  // As CircularSite (off = 150, buffer reached for |tau| < 25.98 s), site active from 09:15:10,
  // patrol tolerance 60 s: the route meets the site at scheduled s >= 09:15:10 - 60 = 09:14:10,
  // so the whole [09:14:34.02, 09:15:25.98] violates and the closest approach (09:15) is 50 m.
  const auto c = Detect({Pass("p", "US", kO, 90, 10, T(9, 15), {.tolerance_s = 60}),
                         MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 150), 100),
                                  T(9, 15, 10), T(12, 0))});
  ASSERT_EQ(c.size(), 1u);
  const double half = std::sqrt(300.0 * 300 - 150.0 * 150) / 10;
  EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
  EXPECT_DIST(c[0].min_distance.value(), 50);
}

TEST(PairEvalFlightSite, LowFlightAndVolumeNearSite) {
  // Site r = 100 centred 900 m north of O. Flight east through O at 100 m/s, 800 m altitude:
  // 800 m from the footprint < 1,000; centre within 1,100 <=> (100 tau)^2 + 900^2 < 1,100^2 <=>
  // |tau| < 6.32 s.
  const auto site = MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 900), 100));
  const auto c = Detect(
      {FlyPass("f", "US", kO, 90, 100, T(9, 15), 800, 800, {.before = 600, .after = 600}), site});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].rule, "flight_site");
  EXPECT_EQ(c[0].type, ConflictType::kSiteBuffer);
  EXPECT_DIST(c[0].min_distance.value(), 800);
  const double half = std::sqrt(1100.0 * 1100 - 900.0 * 900) / 100;
  EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
  // Above the ceiling: none.
  EXPECT_TRUE(
      Detect({FlyPass("f", "US", kO, 90, 100, T(9, 15), 1600, 1600, {.before = 600, .after = 600}),
              site})
          .empty());
  // Volume r = 1,000 around O, [500, 1,000]: its edge is 1,000 m north of O, the site's south
  // edge 800 m: the footprints overlap (distance 0) during the volume's window.
  const auto v =
      Detect({Volume("v", "US", CircleAt(kO, 1000), 500, 1000, T(9, 0), T(10, 0)), site});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "flight_site");
  EXPECT_LT(v[0].min_distance.value(), 1.0);
  EXPECT_WINDOW(v[0], T(9, 0), T(10, 0));
  // Site 2,900 north: footprints 2,900 - 1,100 = 1,800 apart; 1,900 north: 800 apart.
  EXPECT_TRUE(Detect({Volume("v", "US", CircleAt(kO, 1000), 500, 1000, T(9, 0), T(10, 0)),
                      MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 2900), 100))})
                  .empty());
  const auto v2 =
      Detect({Volume("v", "US", CircleAt(kO, 1000), 500, 1000, T(9, 0), T(10, 0)),
              MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 1900), 100))});
  ASSERT_EQ(v2.size(), 1u);
  EXPECT_DIST(v2[0].min_distance.value(), 800);
}

TEST(PairEvalMovementSite, PolygonSite) {
  {
    // Square with edges 1,000 m east and west of O; patrol east through O at 10 m/s: within 200 m
    // <=> 10 |tau| < 1,200 <=> |tau| < 120 s; inside: distance 0.
    const auto c = Detect({Pass("p", "US", kO, 90, 10, T(9, 15)),
                           MakeArea("s", "RU", model::PlanKind::kSite, Square(kO, 1000))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].rule, "movement_site");
    // 0 inside; the reported figure may come from the boundary crossing (distance 0 to within the
    // documented accuracy of 1 m).
    EXPECT_LT(c[0].min_distance.value(), 1.0);
    EXPECT_WINDOW(c[0], T(9, 13), T(9, 17));
  }
  {
    // A 60 km square (30 km edges each side; 20 km elements), patrol moving 900 m each way of O
    // at 1 m/s (09:00-09:30), never near the boundary: inside the whole time.
    const auto c = Detect({Pass("p", "US", kO, 90, 1, T(9, 15)),
                           MakeArea("s", "RU", model::PlanKind::kSite, Square(kO, 30000))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, ConflictType::kSiteBuffer);
    EXPECT_EQ(c[0].min_distance.value(), 0);
    EXPECT_WINDOW(c[0], T(9, 0), T(9, 30));
  }
}

// ---------------------------------------------------------------------------------------------
// zone

model::Plan WithRestricted(model::Plan p, const std::vector<std::string>& parties) {
  p.restricts_all_others = false;
  for (auto& s : parties) p.restricted_parties.push_back(PartyId(s));
  return p;
}

TEST(PairEvalZone, DemarcationLine) {
  // RU line along the meridian through O, 5 km each way. US patrol east through O at 09:15.
  const auto line = MakeArea("m4", "RU", model::PlanKind::kZone, LineThrough(kO, 0, 5000));
  const auto us = Pass("p", "US", kO, 90, 10, T(9, 15));
  const auto c = Detect({line, us});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].plan_a.value(), "m4");
  EXPECT_EQ(c[0].type, ConflictType::kLineCrossing);
  EXPECT_EQ(c[0].rule, "zone");
  EXPECT_DOUBLE_EQ(c[0].required.value(), 0);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  // Within 1 mm of the line only around the crossing instant.
  EXPECT_WINDOW(c[0], T(9, 15), T(9, 15));
  EXPECT_TIME(c[0].cpa_time, T(9, 15));
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position, kO), 1.0);

  // Parallel to the line, 50 m east (buffer 0): none.
  EXPECT_TRUE(Detect({line, Pass("p", "US", Go(kO, 90, 50), 0, 10, T(9, 15))}).empty());
  // The owner's own movement: none.
  EXPECT_TRUE(Detect({line, Pass("p", "RU", kO, 90, 10, T(9, 15))}).empty());
  // Restricting only TR: none for US; restricting US: the conflict again.
  EXPECT_TRUE(Detect({WithRestricted(line, {"TR"}), us}).empty());
  EXPECT_EQ(Detect({WithRestricted(line, {"TR", "US"}), us}).size(), 1u);
}

TEST(PairEvalZone, PolygonZone) {
  const auto zone = MakeArea("z", "RU", model::PlanKind::kZone, Square(kO, 1000));
  {
    // Starts inside and stays inside (0.5 m/s, 450 m each way of O): the whole schedule.
    const auto c = Detect({zone, Pass("p", "US", kO, 90, 0.5, T(9, 15))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, ConflictType::kZoneEntry);
    EXPECT_EQ(c[0].rule, "zone");
    EXPECT_EQ(c[0].min_distance.value(), 0);
    EXPECT_WINDOW(c[0], T(9, 0), T(9, 30));
  }
  {
    // Enters the west edge (1,000 m before O) and leaves by the east edge, 10 m/s: entry at
    // 09:15 - 100 s, exit at 09:15 + 100 s.
    const auto c = Detect({zone, Pass("p", "US", kO, 90, 10, T(9, 15))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, ConflictType::kZoneEntry);
    EXPECT_LT(c[0].min_distance.value(), 1.0);  // 0 to within the 1 m accuracy
    EXPECT_WINDOW(c[0], T(9, 13, 20), T(9, 16, 40));
  }
  // Zone active only until 08:59: none.
  EXPECT_TRUE(
      Detect({MakeArea("z", "RU", model::PlanKind::kZone, Square(kO, 1000), T(8, 0), T(8, 59)),
              Pass("p", "US", kO, 90, 10, T(9, 15))})
          .empty());
  {
    // Zone active until 09:14: window [entry, 09:14].
    const auto c =
        Detect({MakeArea("z", "RU", model::PlanKind::kZone, Square(kO, 1000), T(8, 0), T(9, 14)),
                Pass("p", "US", kO, 90, 10, T(9, 15))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_WINDOW(c[0], T(9, 13, 20), T(9, 14));
  }
  {
    // Zones apply at all altitudes: a flight at 5,000 m at 100 m/s: [09:15 - 10 s, 09:15 + 10 s].
    const auto c = Detect({zone, FlyPass("f", "US", kO, 90, 100, T(9, 15), 5000, 5000,
                                         {.before = 300, .after = 300})});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, ConflictType::kZoneEntry);
    EXPECT_WINDOW(c[0], T(9, 14, 50), T(9, 15, 10));
  }
}

TEST(PairEvalZone, PolygonWithHoleGivesTwoEpisodes) {
  // Outer edges 3,000 m and hole edges 1,000 m east/west of O; patrol east through O at 10 m/s:
  // inside the zone for tau in [-300, -100] and [100, 300] s (the hole is not part of the zone).
  model::Polygon holed = std::get<model::Polygon>(Square(kO, 3000));
  holed.rings.push_back(std::get<model::Polygon>(Square(kO, 1000)).rings[0]);
  const auto c = Detect(
      {MakeArea("z", "RU", model::PlanKind::kZone, holed), Pass("p", "US", kO, 90, 10, T(9, 15))});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_WINDOW(c[0], T(9, 10), T(9, 13, 20));
  EXPECT_WINDOW(c[1], T(9, 16, 40), T(9, 20));
  // As a site (buffer 200 m = 20 s each side): [-320, -80] and [80, 320].
  const auto s = Detect(
      {MakeArea("z", "RU", model::PlanKind::kSite, holed), Pass("p", "US", kO, 90, 10, T(9, 15))});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_WINDOW(s[0], T(9, 9, 40), T(9, 13, 40));
  EXPECT_WINDOW(s[1], T(9, 16, 20), T(9, 20, 20));
}

TEST(PairEvalZone, VolumeInsideLargeZone) {
  // No boundary near: a 2 km volume (square or circle) well inside a 60 km zone, and a 2 km zone
  // inside a 60 km volume: zone_entry for the volume's window.
  const auto big_zone = MakeArea("z", "RU", model::PlanKind::kZone, Square(kO, 30000));
  for (const model::Footprint& fp : {Square(kO, 1000), CircleAt(kO, 1000)}) {
    const auto c = Detect({big_zone, Volume("v", "US", fp, 500, 1000, T(9, 0), T(10, 0))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, ConflictType::kZoneEntry);
    EXPECT_EQ(c[0].min_distance.value(), 0);
    EXPECT_WINDOW(c[0], T(9, 0), T(10, 0));
  }
  const auto c = Detect({MakeArea("z", "RU", model::PlanKind::kZone, Square(kO, 1000)),
                         Volume("v", "US", Square(kO, 30000), 500, 1000, T(9, 0), T(10, 0))});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].type, ConflictType::kZoneEntry);
  EXPECT_WINDOW(c[0], T(9, 0), T(10, 0));
}

TEST(PairEvalZone, FlightVolumeOverlappingZone) {
  // Zone: square with its east edge 1,000 m east of O. Volume: circle centred 2,500 m east of O.
  const auto zone = MakeArea("z", "RU", model::PlanKind::kZone, Square(kO, 1000));
  const LatLng c2 = Go(kO, 90, 2500);
  {
    // r = 2,000 reaches 500 m east of O, inside the zone: zone_entry during the volume's window.
    const auto c =
        Detect({zone, Volume("v", "US", CircleAt(c2, 2000), 500, 1000, T(9, 0), T(10, 0))});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, ConflictType::kZoneEntry);
    EXPECT_EQ(c[0].min_distance.value(), 0);
    EXPECT_WINDOW(c[0], T(9, 0), T(10, 0));
  }
  // r = 1,400: 100 m short of the edge: none.
  EXPECT_TRUE(
      Detect({zone, Volume("v", "US", CircleAt(c2, 1400), 500, 1000, T(9, 0), T(10, 0))}).empty());
}

// ---------------------------------------------------------------------------------------------
// Antimeridian and pole

TEST(PairEvalAntimeridian, CrossingAtLon180) {
  // Crossing at (10 N, 180): a east at 10 m/s, b north at 7.5 m/s: 12.5 |tau| < 1,000 <=>
  // |tau| < 80 s.
  const LatLng x{10, 180};
  const auto c =
      Detect({Pass("a", "US", x, 90, 10, T(9, 15)), Pass("b", "RU", x, 0, 7.5, T(9, 15))});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  EXPECT_WINDOW(c[0], T(9, 13, 40), T(9, 16, 20));
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position, x), 1.0);
}

TEST(PairEvalAntimeridian, CrossingNearNorthPole) {
  // Crossing at (89.99 N, 0), 1.1 km from the pole; b's route runs over the pole.
  const LatLng x{89.99, 0};
  const auto c =
      Detect({Pass("a", "US", x, 90, 10, T(9, 15)), Pass("b", "RU", x, 0, 7.5, T(9, 15))});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_LT(c[0].min_distance.value(), 1.0);
  EXPECT_WINDOW(c[0], T(9, 13, 40), T(9, 16, 20));
  EXPECT_LT(geo::GeodesicDistance(c[0].cpa_position, x), 1.0);
}

// ---------------------------------------------------------------------------------------------
// Custom rules

TEST(PairEvalRules, CustomMinimaChangeTheOutcome) {
  {
    // ground_ground 1,500: parallel patrols 1,100 apart now conflict; crossing window 1,500/25 s.
    model::Rules r;
    r.ground_ground_horizontal_m = 1500;
    const auto c = Detect(
        {Pass("a", "US", kO, 90, 10, T(9, 15)), Pass("b", "RU", Go(kO, 0, 1100), 90, 10, T(9, 15))},
        r);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_DOUBLE_EQ(c[0].required.value(), 1500);
    EXPECT_DIST(c[0].min_distance.value(), 1100);
    const auto x =
        Detect({Pass("a", "US", kO, 90, 20, T(9, 15)), Pass("b", "RU", kO, 0, 15, T(9, 15))}, r);
    ASSERT_EQ(x.size(), 1u);
    EXPECT_WINDOW(x[0], T(9, 14), T(9, 16));
  }
  {
    // air_air vertical 150: 200 m apart is separated.
    model::Rules r;
    r.air_air_vertical_m = 150;
    EXPECT_TRUE(
        Detect(
            {FlyPass("a", "US", kO, 90, 120, T(9, 15), 3000, 3000, {.before = 600, .after = 600}),
             FlyPass("b", "RU", kO, 0, 90, T(9, 15), 3200, 3200, {.before = 600, .after = 600})},
            r)
            .empty());
    // air_air horizontal 5,000: parallel flights 9,000 apart are separated.
    model::Rules h;
    h.air_air_horizontal_m = 5000;
    EXPECT_TRUE(Detect({FlyPass("a", "US", kO, 90, 120, T(9, 15), 3000, 3000),
                        FlyPass("b", "RU", Go(kO, 0, 9000), 90, 120, T(9, 15), 3000, 3000)},
                       h)
                    .empty());
  }
  {
    // Ceiling 2,500: the helicopter at 2,000 m is low-level.
    model::Rules r;
    r.low_level_ceiling_m = 2500;
    const auto c =
        Detect({Pass("p", "US", kO, 90, 10, T(9, 15)),
                FlyPass("h", "RU", kO, 0, 40, T(9, 15), 2000, 2000, {.before = 600, .after = 600})},
               r);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].rule, "ground_air");
  }
  {
    // Site buffer 400: 350 m from the site's edge is now inside the buffer.
    model::Rules r;
    r.movement_site_buffer_m = 400;
    const auto c =
        Detect({Pass("p", "US", kO, 90, 10, T(9, 15)),
                MakeArea("s", "RU", model::PlanKind::kSite, CircleAt(Go(kO, 0, 450), 100))},
               r);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_DOUBLE_EQ(c[0].required.value(), 400);
    EXPECT_DIST(c[0].min_distance.value(), 350);
    // centre within 500: (10 tau)^2 + 450^2 < 500^2 <=> |tau| < 21.79 s
    const double half = std::sqrt(500.0 * 500 - 450.0 * 450) / 10;
    EXPECT_WINDOW(c[0], T(9, 15) - half, T(9, 15) + half);
  }
  {
    // Zone buffer 100: the patrol parallel to the line 50 m away now conflicts (line_crossing).
    model::Rules r;
    r.zone_buffer_m = 100;
    const auto c = Detect({MakeArea("m4", "RU", model::PlanKind::kZone, LineThrough(kO, 0, 5000)),
                           Pass("p", "US", Go(kO, 90, 50), 0, 1, T(9, 15))},
                          r);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].type, ConflictType::kLineCrossing);
    EXPECT_DOUBLE_EQ(c[0].required.value(), 100);
    EXPECT_DIST(c[0].min_distance.value(), 50);
    EXPECT_WINDOW(c[0], T(9, 0), T(9, 30));
  }
}

}  // namespace
}  // namespace deconflict::engine
