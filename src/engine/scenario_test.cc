// The seed scenario scenarios/qahtaniyah-2022-10-08.geojson (see scenarios/README.md), run through
// the parser and the detector with default rules. The expected conflicts below are DERIVED BY HAND
// from the file, not copied from the engine's output; the engine is only checked against them.
//
// Hand kinematics: flat earth around 37 N with
//   1 deg latitude  = 110.9 km   (WGS84 meridian at 37 N: 110.98 km, i.e. 0.07 % more)
//   1 deg longitude =  88.7 km   (WGS84 parallel at 37 N: 89.0 km, i.e. 0.35 % more)
// so hand distances are good to ~0.5 %; times that are fractions of a leg ("halfway along the leg")
// do not depend on these constants at all, and offsets like (required / speed) move by < 1 s.
// Geodesic edges along a parallel bulge poleward by about dlon^2 * sin(lat) * cos(lat) / 8: < 2 m
// for the 0.1-0.12 deg legs used near the conflicts, ignored.
// Tolerances: distances max(1 %, 15 m), times 10 s, positions 15 m; `required` is exact.
//
// Default rules (docs/semantics.md): ground_ground 1,000 m, air_air 9,260 m / 304.8 m,
// ground_air 1,000 m below a 1,500 m ceiling, movement_site 200 m, flight_site 1,000 m, zone 0 m.
//
// Plans (id: party, corridor, tolerance):
//   us-patrol-1 (US, 100 m, 120 s)
//     leg 1: 41.600 E, 36.880 -> 37.040 N, 08:30:00 -> 09:10:00:
//            0.160 deg * 110.9 = 17,744 m in 2,400 s = 7.393 m/s
//     leg 2: 37.040 N, 41.600 -> 41.720 E, 09:10:00 -> 09:34:00:
//            0.120 deg * 88.7 = 10,644 m in 1,440 s = 7.392 m/s
//   ru-patrol-1 (RU, 50 m, 180 s)
//     leg 1: 37.070 N, 41.400 -> 41.630 E, 08:40 -> 09:12
//     leg 2: 41.630 E, 37.070 -> 37.010 N, 09:12:00 -> 09:24:00:
//            0.060 deg * 110.9 = 6,654 m in 720 s = 9.242 m/s
//     leg 3: 37.010 N, 41.630 -> 41.500 E, 09:24 -> 09:40
//   ru-heli-1 (RU, 200 m, 300 s)
//     leg 1: Qamishli (41.190, 37.020, 500 m) -> (41.700, 37.100, 800 m), 09:06:00 -> 09:25:00
//     leg 2: 41.700 E, 37.100 -> 36.950 N, level 800 m, 09:25:00 -> 09:32:30:
//            0.150 deg * 110.9 = 16,635 m in 450 s = 36.97 m/s
//     leg 3: back to Qamishli, 800 -> 500 m, 09:32:30 -> 09:51:30
//   us-isr-orbit-1 (US flight volume): circle (41.820, 37.020) r 2,000 m, 1,000-2,500 m,
//   08:00-11:00 qahtaniyah-oil-field (US site): polygon 41.600-41.640 E x 37.030-37.050 N us-well-1
//   (US site): (41.660, 37.060) r 250 m;  us-well-2 (US site): (41.560, 37.0145) r 150 m
//   m4-demarcation (COORD zone line, restricts US and RU):
//     (41.25, 36.96) (41.40, 36.94) (41.55, 36.91) (41.65, 36.89) (41.80, 36.87) (41.95, 36.84)
//   us-patrol-2, ru-patrol-2, ru-jet-1: the plans that must NOT conflict (see NoConflictPlans).
//
// With tolerances, the semantics' window is the hull of every scheduled instant of either plan
// that takes part in a violating pair (sa, sb) with |sa - sb| <= tol_a + tol_b. For two straight
// legs crossing at right angles at scheduled times Ta, Tb with speeds va, vb, the violating set is
// the ellipse (va (sa - Ta))^2 + (vb (sb - Tb))^2 < R^2; its extreme sa is Ta +- R/va (at sb = Tb)
// and its extreme sb is Tb +- R/vb (at sa = Ta). When those extreme points satisfy the time band,
// the window is simply the union of [Ta -+ R/va] and [Tb -+ R/vb]: the time each plan spends
// within R of the crossing.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/time.h"
#include "engine/conflict.h"
#include "engine/detector.h"
#include "geo/geodesic.h"
#include "model/plan_parser.h"
#include "model/rules.h"

namespace deconflict::engine {
namespace {

constexpr char kScenarioPath[] = DECONFLICT_SOURCE_DIR "/scenarios/qahtaniyah-2022-10-08.geojson";

constexpr double kTimeTolS = 10;
constexpr double kPosTolM = 15;

double DistTol(double expected_m) { return std::max(0.01 * expected_m, 15.0); }

// 2022-10-08 hh:mm:ss(.fraction) UTC.
TimePoint At(int h, int m, double s) {
  static const TimePoint midnight = *ParseRfc3339("2022-10-08T00:00:00Z");
  return midnight + Seconds(h * 3600.0 + m * 60.0 + s);
}

// "09:13:24.42" (UTC, to the hundredth of a second).
std::string Fmt(TimePoint t) {
  const long long cs = std::llround((t.unix_seconds() - At(0, 0, 0).unix_seconds()) * 100);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%02lld", cs / 360000, cs / 6000 % 60,
                cs / 100 % 60, cs % 100);
  return buf;
}

std::string Describe(const Conflict& c) {
  std::ostringstream o;
  o.precision(10);
  o << c.plan_a.value() << " x " << c.plan_b.value() << " " << ConflictTypeName(c.type) << "/"
    << c.rule << " window " << Fmt(c.window.start) << " - " << Fmt(c.window.end) << " min "
    << c.min_distance.value() << " m required " << c.required.value() << " m vertical "
    << c.vertical_distance_m << " cpa " << Fmt(c.cpa_time) << " (a " << Fmt(c.cpa_time_a) << ", b "
    << Fmt(c.cpa_time_b) << ") at " << c.cpa_position.lon_deg << " E " << c.cpa_position.lat_deg
    << " N";
  return o.str();
}

model::PlanSet LoadScenario() {
  std::ifstream in(kScenarioPath);
  EXPECT_TRUE(in.good()) << "cannot open " << kScenarioPath;
  std::stringstream text;
  text << in.rdbuf();
  Result<model::PlanSet> set = model::ParsePlans(text.str());
  if (!set.ok()) {
    std::string issues;
    for (const Issue& i : set.status().issues()) issues += "\n  " + i.ToString();
    ADD_FAILURE() << kScenarioPath << ": " << set.status().ToString() << issues;
    return {};
  }
  return std::move(set).value();
}

struct Expected {
  const char* plan_a;  // the lower id (conflicts are sorted so that plan_a < plan_b)
  const char* plan_b;
  ConflictType type;
  const char* rule;
  double required_m;
  double min_distance_m;
  TimePoint window_start, window_end;
  // Closest approach; cpa_time_a/b only where the minimum is at a single pair of instants.
  std::optional<TimePoint> cpa_time, cpa_time_a, cpa_time_b;
  std::optional<TimeInterval> cpa_time_range;  // where the minimum is not at a single instant
  std::optional<geo::LatLng> cpa_position;     // {lat, lon}
  double vertical_m = -1;                      // air_air only
};

// (1) us-patrol-1 x m4-demarcation: line_crossing / zone.
// Leg 1 of us-patrol-1 runs north along 41.600 E at 7.393 m/s. The M4 segment
// (41.55, 36.91)-(41.65, 36.89) crosses 41.600 E at its midpoint, 36.900 N, which the patrol
// reaches 0.020/0.160 of the way up leg 1: 08:30:00 + 300 s = 08:35:00. The segment points
// (0.1 * 88.7, -0.02 * 110.9) = (8,870 m, -2,218 m), 14.04 deg south of east, so a point s metres
// north or south of the crossing on the meridian is s * cos(14.04 deg) = 0.9701 s from the line.
// Required = zone buffer 0 + corridor 100 = 100 m -> s < 103.1 m -> 103.1 / 7.393 = 13.9 s either
// side: window 08:34:46.1 - 08:35:13.9. The line is always active, so the tolerance plays no
// part. The centre line crosses the line: min distance 0, cpa 08:35:00 at (41.600, 36.900).
Expected M4Crossing() {
  return {.plan_a = "m4-demarcation",
          .plan_b = "us-patrol-1",
          .type = ConflictType::kLineCrossing,
          .rule = "zone",
          .required_m = 100,
          .min_distance_m = 0,
          .window_start = At(8, 34, 46.1),
          .window_end = At(8, 35, 13.9),
          .cpa_time = At(8, 35, 0),
          .cpa_position = geo::LatLng{36.900, 41.600}};
}

// (2) ru-patrol-1 x us-patrol-1: separation / ground_ground (the meeting on the oil field).
// us-patrol-1 leg 2 (east along 37.040 N, 7.392 m/s) reaches 41.630 E 0.030/0.120 of the way:
// 09:10:00 + 360 s = 09:16:00. ru-patrol-1 leg 2 (south along 41.630 E, 9.242 m/s) reaches
// 37.040 N halfway: 09:12:00 + 360 s = 09:18:00. Right-angle crossing at (41.630, 37.040).
// Required = 1,000 + 100 + 50 = 1,150 m; time band |s_us - s_ru| <= 120 + 180 = 300 s.
// Semi-axes: 1,150 / 7.392 = 155.6 s (US), 1,150 / 9.242 = 124.4 s (RU). US extremes
// 09:16:00 +- 155.6 s against RU at 09:18:00: s_us - s_ru in [-275.6, 35.6], inside +-300;
// RU extremes 09:18:00 +- 124.4 s against US at 09:16:00: s_us - s_ru in [-244.4, 4.4], inside.
// Window = [min(09:13:24.4, 09:15:55.6), max(09:18:35.6, 09:20:04.4)] = 09:13:24.4 - 09:20:04.4.
// (Both legs extend beyond 1,150 m of the crossing: 41.617-41.643 E and 37.030-37.050 N.)
// Min distance 0 at (s_ru, s_us) = (09:18:00, 09:16:00): cpa 09:17:00 at (41.630, 37.040).
Expected OilFieldMeeting() {
  return {.plan_a = "ru-patrol-1",
          .plan_b = "us-patrol-1",
          .type = ConflictType::kSeparation,
          .rule = "ground_ground",
          .required_m = 1150,
          .min_distance_m = 0,
          .window_start = At(9, 13, 24.4),
          .window_end = At(9, 20, 4.4),
          .cpa_time = At(9, 17, 0),
          .cpa_time_a = At(9, 18, 0),
          .cpa_time_b = At(9, 16, 0),
          .cpa_position = geo::LatLng{37.040, 41.630}};
}

// (3) qahtaniyah-oil-field x ru-patrol-1: site_buffer / movement_site.
// ru-patrol-1 leg 2 runs south along 41.630 E (inside the field's 41.600-41.640 E span), crossing
// the north edge 37.050 at 09:12 + (0.020/0.060) * 720 s = 09:16:00 and the south edge 37.030
// at 09:12 + (0.040/0.060) * 720 s = 09:20:00. Required = 200 + 50 = 250 m = 0.002254 deg of
// latitude, so the buffer is entered at 37.052254 N: (0.017746/0.060) * 720 s = 212.9 s after
// 09:12 = 09:15:32.9, and left at 37.027746 N: (0.042254/0.060) * 720 s = 507.0 s -> 09:20:27.0.
// The site is always active (tolerance irrelevant). Min distance 0 (inside); the closest
// approach is anywhere inside, so only its time range 09:16:00-09:20:00 is checked.
Expected OilFieldBuffer() {
  return {.plan_a = "qahtaniyah-oil-field",
          .plan_b = "ru-patrol-1",
          .type = ConflictType::kSiteBuffer,
          .rule = "movement_site",
          .required_m = 250,
          .min_distance_m = 0,
          .window_start = At(9, 15, 32.9),
          .window_end = At(9, 20, 27.0),
          .cpa_time_range = TimeInterval{At(9, 16, 0), At(9, 20, 0)}};
}

// (4) ru-heli-1 x us-patrol-1: separation / ground_air (the helicopter over the US patrol).
// us-patrol-1 leg 2 reaches 41.700 E at 09:10:00 + (0.100/0.120) * 1,440 s = 09:30:00.
// ru-heli-1 leg 2 (south along 41.700 E, 36.97 m/s, 800 m <= 1,500 m ceiling: low level all
// along) reaches 37.040 N at 09:25:00 + (0.060/0.150) * 450 s = 09:28:00. Right angles at
// (41.700, 37.040). Required = 1,000 + 100 + 200 = 1,300 m; band |s_heli - s_us| <= 300 + 120.
// Semi-axes: 1,300 / 7.392 = 175.9 s (US), 1,300 / 36.97 = 35.2 s (heli). US extremes
// 09:30:00 +- 175.9 against the heli at 09:28:00: s_us - s_heli in [-55.9, 295.9], inside +-420;
// heli extremes 09:28:00 +- 35.2 against US at 09:30:00: inside. Window = hull of
// [09:27:04.1, 09:32:55.9] and [09:27:24.8, 09:28:35.2] = 09:27:04.1 - 09:32:55.9.
// (US leg 2 covers 41.700 +- 1,300/88,700 = 41.685-41.715 E, before its end at 41.720.)
// Min distance 0 at (s_heli, s_us) = (09:28:00, 09:30:00): cpa 09:29:00 at (41.700, 37.040).
Expected HeliOverUsPatrol() {
  return {.plan_a = "ru-heli-1",
          .plan_b = "us-patrol-1",
          .type = ConflictType::kSeparation,
          .rule = "ground_air",
          .required_m = 1300,
          .min_distance_m = 0,
          .window_start = At(9, 27, 4.1),
          .window_end = At(9, 32, 55.9),
          .cpa_time = At(9, 29, 0),
          .cpa_time_a = At(9, 28, 0),
          .cpa_time_b = At(9, 30, 0),
          .cpa_position = geo::LatLng{37.040, 41.700}};
}

// (5) ru-heli-1 x us-isr-orbit-1: separation / air_air (the helicopter past the ISR orbit).
// Vertical: the heli is level at 800 m on leg 2, within the band 1,000-2,500 m widened by
// 304.8 m (695.2-2,804.8): lost all along; vertical distance 1,000 - 800 = 200 m. (Legs 1 and
// 3 are > 12.9 km from the orbit's centre, outside the horizontal reach below.)
// Horizontal: required = 9,260 + 200 = 9,460 m from the footprint = 11,460 m from the centre.
// Leg 2 passes the centre (41.820, 37.020) at a lateral offset of 0.120 deg * 88.7 = 10,644 m:
// min distance 10,644 - 2,000 = 8,644 m abeam the centre, at 37.020 N, reached at
// 09:25:00 + (0.080/0.150) * 450 s = 09:29:00. Half-chord sqrt(11,460^2 - 10,644^2) = 4,247 m
// = 0.038296 deg: violation from 37.058296 N, (0.041704/0.150) * 450 s = 125.1 s after 09:25
// (09:27:05.1), to 36.981704 N, (0.118296/0.150) * 450 s = 354.9 s (09:30:54.9). The orbit is
// active 08:00-11:00, around the whole flight.
// Sensitivity: the half-chord moves 10,644/4,247 = 2.5 m per metre of lateral offset, and the
// 88.7 km/deg approximation puts the offset 0.35 % (~35 m) short, so expect the engine's
// window ~2.5 s shorter at each end and its distance ~0.4 % larger (8,679 m): inside tolerance.
Expected HeliPastIsrOrbit() {
  return {.plan_a = "ru-heli-1",
          .plan_b = "us-isr-orbit-1",
          .type = ConflictType::kSeparation,
          .rule = "air_air",
          .required_m = 9460,
          .min_distance_m = 8644,
          .window_start = At(9, 27, 5.1),
          .window_end = At(9, 30, 54.9),
          .cpa_time = At(9, 29, 0),
          .cpa_position = geo::LatLng{37.020, 41.700},
          .vertical_m = 200};
}

std::vector<Expected> ExpectedConflicts() {
  return {M4Crossing(), OilFieldMeeting(), OilFieldBuffer(), HeliOverUsPatrol(),
          HeliPastIsrOrbit()};
}

// Plans that must appear in no conflict, and why (hand-checked):
//  - us-patrol-2: 41.950-42.050 E along 36.990 N, 09:00-09:30: >= 22 km from every RU plan below
//    the ceiling (ru-heli-1 never goes east of 41.700 E) and 16 km north of the M4's east end.
//  - ru-patrol-2: east along 36.960 N, 41.500 E @ 08:45 -> 41.680 E @ 09:12 (0.180 * 88.7 =
//    15,966 m in 1,620 s = 9.856 m/s), crossing 41.600 E at 09:00:00. us-patrol-1 crossed 36.960 N
//    at 08:30 + (0.080/0.160) * 2,400 s = 08:50:00. Lost separation needs
//    (7.393 da)^2 + (9.856 db)^2 < 1,150^2 with s_ru - s_us = 600 + db - da; over that ellipse
//    da - db <= 1,150 * sqrt(1/7.393^2 + 1/9.856^2) = 194.5 s, so |s_ru - s_us| >= 405.5 s > 300 s
//    (= 120 + 180): no conflict, 105 s to spare. 4.3 km north of the M4, 7.8 km south of the field.
//  - ru-jet-1: 6,000 m along 37.045 N over the field: above the 1,500 m ceiling (no ground_air or
//    flight_site), 2,773 - 2,000 = 773 m from the ISR orbit's footprint horizontally but
//    6,000 - 2,500 = 3,500 m > 304.8 m above its band, and >= 9 km north of the M4.
//  - us-well-1: >= 2,411 m from ru-patrol-1 (buffer 250 m), >= 3,298 m from ru-heli-1 (1,200 m).
//  - us-well-2: 37.0145 - 37.010 = 0.0045 deg = 499 m from ru-patrol-1 leg 3, 349 m from its
//    150 m footprint, beyond the 200 + 50 = 250 m buffer (a near miss); ru-patrol-2 and the heli
//    are > 4 km away.
const char* const kNoConflictPlans[] = {"us-patrol-2", "ru-patrol-2", "ru-jet-1", "us-well-1",
                                        "us-well-2"};

bool SameKey(const Conflict& c, const Expected& e) {
  return c.plan_a.value() == e.plan_a && c.plan_b.value() == e.plan_b && c.type == e.type &&
         c.rule == e.rule;
}

void ExpectMatches(const Conflict& c, const Expected& e) {
  SCOPED_TRACE(Describe(c));
  EXPECT_NEAR(c.required.value(), e.required_m, 1e-6);
  EXPECT_NEAR(c.min_distance.value(), e.min_distance_m, DistTol(e.min_distance_m));
  EXPECT_NEAR(c.window.start.unix_seconds(), e.window_start.unix_seconds(), kTimeTolS)
      << "hand: " << Fmt(e.window_start);
  EXPECT_NEAR(c.window.end.unix_seconds(), e.window_end.unix_seconds(), kTimeTolS)
      << "hand: " << Fmt(e.window_end);
  if (e.cpa_time) {
    EXPECT_NEAR(c.cpa_time.unix_seconds(), e.cpa_time->unix_seconds(), kTimeTolS);
  }
  if (e.cpa_time_a) {
    EXPECT_NEAR(c.cpa_time_a.unix_seconds(), e.cpa_time_a->unix_seconds(), kTimeTolS);
  }
  if (e.cpa_time_b) {
    EXPECT_NEAR(c.cpa_time_b.unix_seconds(), e.cpa_time_b->unix_seconds(), kTimeTolS);
  }
  if (e.cpa_time_range) {
    EXPECT_GE(c.cpa_time.unix_seconds(), e.cpa_time_range->start.unix_seconds() - kTimeTolS);
    EXPECT_LE(c.cpa_time.unix_seconds(), e.cpa_time_range->end.unix_seconds() + kTimeTolS);
  }
  if (e.cpa_position) {
    EXPECT_LT(geo::GeodesicDistance(c.cpa_position, *e.cpa_position), kPosTolM)
        << "hand: " << e.cpa_position->lon_deg << " E " << e.cpa_position->lat_deg << " N";
  }
  if (e.vertical_m >= 0) {
    EXPECT_NEAR(c.vertical_distance_m, e.vertical_m, 1.0);
  } else {
    EXPECT_LT(c.vertical_distance_m, 0);
  }
  EXPECT_LE(c.window.start, c.cpa_time);
  EXPECT_LE(c.cpa_time, c.window.end);
}

class ScenarioQahtaniyah : public ::testing::Test {
 protected:
  void SetUp() override {
    set_ = LoadScenario();
    ASSERT_EQ(set_.plans.size(), 11u);
    for (const model::Plan& p : set_.plans) ASSERT_TRUE(detector_.Add(p).ok()) << p.id.value();
  }
  const model::Plan& PlanById(const std::string& id) const {
    for (const model::Plan& p : set_.plans) {
      if (p.id.value() == id) return p;
    }
    ADD_FAILURE() << "no plan " << id;
    return set_.plans.front();
  }

  model::PlanSet set_;
  ConflictDetector detector_{model::Rules{}};
};

TEST_F(ScenarioQahtaniyah, ParsesWithoutWarningsAndEveryPlanHasANote) {
  for (const Issue& w : set_.warnings) ADD_FAILURE() << "warning: " << w.ToString();
  for (const model::Plan& p : set_.plans) {
    EXPECT_FALSE(p.note.empty()) << p.id.value();
    EXPECT_FALSE(p.callsign.empty()) << p.id.value();
  }
}

TEST_F(ScenarioQahtaniyah, DetectAllGivesExactlyTheHandDerivedConflicts) {
  const std::vector<Conflict> all = detector_.DetectAll();
  for (const Conflict& c : all) std::printf("%s\n", Describe(c).c_str());
  const std::vector<Expected> expected = ExpectedConflicts();
  EXPECT_EQ(all.size(), expected.size());
  for (const Expected& e : expected) {
    SCOPED_TRACE(std::string(e.plan_a) + " x " + e.plan_b + " " + e.rule);
    const auto n =
        std::count_if(all.begin(), all.end(), [&](const Conflict& c) { return SameKey(c, e); });
    ASSERT_EQ(n, 1) << "expected exactly one such conflict";
    ExpectMatches(
        *std::find_if(all.begin(), all.end(), [&](const Conflict& c) { return SameKey(c, e); }), e);
  }
  for (const Conflict& c : all) {
    EXPECT_TRUE(std::any_of(expected.begin(), expected.end(),
                            [&](const Expected& e) { return SameKey(c, e); }))
        << "unexpected: " << Describe(c);
  }
  // Output order: by window start.
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LE(all[i - 1].window.start, all[i].window.start);
}

TEST_F(ScenarioQahtaniyah, NoConflictPlansAppearInNoConflict) {
  const std::vector<Conflict> all = detector_.DetectAll();
  for (const char* id : kNoConflictPlans) {
    ASSERT_NE(detector_.Find(PlanId(id)), nullptr) << id;
    for (const Conflict& c : all) {
      EXPECT_NE(c.plan_a.value(), id) << Describe(c);
      EXPECT_NE(c.plan_b.value(), id) << Describe(c);
    }
    EXPECT_TRUE(detector_.Check(PlanById(id)).empty()) << id;
  }
}

TEST_F(ScenarioQahtaniyah, CheckOfRuPatrolMatchesDetectAll) {
  const std::string id = "ru-patrol-1";
  std::vector<Conflict> from_all;
  for (const Conflict& c : detector_.DetectAll()) {
    if (c.plan_a.value() == id || c.plan_b.value() == id) from_all.push_back(c);
  }
  // Check() ignores the detector's own copy of the plan (same id), as for an amendment.
  const std::vector<Conflict> checked = detector_.Check(PlanById(id));
  ASSERT_EQ(from_all.size(), 2u);  // (2) the meeting with us-patrol-1, (3) the oil field
  ASSERT_EQ(checked.size(), from_all.size());
  for (size_t i = 0; i < checked.size(); ++i) {
    const Conflict& x = checked[i];
    const Conflict& y = from_all[i];
    SCOPED_TRACE(Describe(x) + "\nvs\n" + Describe(y));
    EXPECT_EQ(x.plan_a, y.plan_a);
    EXPECT_EQ(x.plan_b, y.plan_b);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.rule, y.rule);
    EXPECT_NEAR(x.required.value(), y.required.value(), 1e-6);
    EXPECT_NEAR(x.min_distance.value(), y.min_distance.value(), 0.01);
    EXPECT_NEAR(x.window.start.unix_seconds(), y.window.start.unix_seconds(), 0.01);
    EXPECT_NEAR(x.window.end.unix_seconds(), y.window.end.unix_seconds(), 0.01);
    EXPECT_NEAR(x.cpa_time.unix_seconds(), y.cpa_time.unix_seconds(), 0.01);
  }
}

TEST_F(ScenarioQahtaniyah, BruteForceTwinAgrees) {
  ConflictDetector slow(model::Rules{}, {.use_brute_force = true});
  for (const model::Plan& p : set_.plans) ASSERT_TRUE(slow.Add(p).ok());
  const std::vector<Conflict> a = detector_.DetectAll();
  const std::vector<Conflict> b = slow.DetectAll();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(Describe(a[i]) + "\nvs\n" + Describe(b[i]));
    EXPECT_EQ(a[i].plan_a, b[i].plan_a);
    EXPECT_EQ(a[i].plan_b, b[i].plan_b);
    EXPECT_EQ(a[i].rule, b[i].rule);
    EXPECT_NEAR(a[i].window.start.unix_seconds(), b[i].window.start.unix_seconds(), 0.01);
    EXPECT_NEAR(a[i].window.end.unix_seconds(), b[i].window.end.unix_seconds(), 0.01);
  }
}

}  // namespace
}  // namespace deconflict::engine
