// engine::Suggest (docs/semantics.md section 5), with hand-derived shifts verified by checking the
// shifted plan against the detector.
//
// The basic encounter: a drives east through O at 10 m/s and b north through O at 7.5 m/s, both at
// O at 09:15 (routes built with exact geodesics, see pair_eval_test.cc). If a runs d seconds late,
// at 09:15 + tau they are at (10 (tau - d), 0) and (0, 7.5 tau) in the local plane:
//   D^2 = 100 (tau - d)^2 + 56.25 tau^2, minimal at tau = 0.64 d, where D^2 = 36 d^2,
// so the closest approach is exactly 6 |d| metres: conflict iff |d| < 1000 / 6 = 166.67 s. The
// smallest clearing delay is therefore 166.67 s; Suggest rounds up and adds 1 s (168 s).
#include "engine/suggest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/detector.h"
#include "geo/geodesic.h"
#include "testsupport/fixtures.h"
#include "testsupport/status_macros.h"

namespace deconflict::engine {
namespace {

using deconflict::testing::kDay0;
using geo::LatLng;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kClear = 1000.0 / 6;  // the smallest clearing |shift| of the basic encounter

double T(int h, int m, double s = 0) { return kDay0 + h * 3600.0 + m * 60.0 + s; }

const LatLng kO{36.95, 41.65};

LatLng Go(LatLng from, double azimuth_deg, double m) {
  return m == 0 ? from : geo::GeodesicDirect(from, azimuth_deg, m);
}

// A ground patrol through x on azimuth az at v m/s, at x at tx, from tx - 900 s to tx + 900 s.
model::Plan Pass(std::string id, std::string party, LatLng x, double az, double v, double tx,
                 double tolerance_s = 0) {
  model::Plan p;
  p.id = PlanId(id);
  p.party = PartyId(std::move(party));
  p.kind = model::PlanKind::kMovement;
  p.callsign = std::move(id);
  model::Route r;
  r.waypoints.push_back({Go(x, az + 180, v * 900), 0, TimePoint::FromUnixSeconds(tx - 900)});
  r.waypoints.push_back({Go(x, az, v * 900), 0, TimePoint::FromUnixSeconds(tx + 900)});
  r.time_tolerance = Seconds(tolerance_s);
  p.shape = std::move(r);
  return p;
}

model::Plan MakeArea(std::string id, std::string party, model::PlanKind kind, model::Footprint fp,
                     double start = -kInf, double end = kInf) {
  model::Plan p;
  p.id = PlanId(id);
  p.party = PartyId(std::move(party));
  p.kind = kind;
  p.callsign = std::move(id);
  model::Area a;
  a.footprint = std::move(fp);
  a.window = {TimePoint::FromUnixSeconds(start), TimePoint::FromUnixSeconds(end)};
  p.shape = std::move(a);
  return p;
}

// Square around c with meridian edges `half` metres east and west of c.
model::Footprint Square(LatLng c, double half) {
  const LatLng e = Go(c, 90, half), w = Go(c, 270, half);
  model::Polygon poly;
  poly.rings.push_back({Go(w, 180, half), Go(e, 180, half), Go(e, 0, half), Go(w, 0, half)});
  return poly;
}

model::Plan A(double tolerance_s = 0) { return Pass("a", "US", kO, 90, 10, T(9, 15), tolerance_s); }
model::Plan B(double tolerance_s = 0) { return Pass("b", "RU", kO, 0, 7.5, T(9, 15), tolerance_s); }

void AddAll(ConflictDetector* d, const std::vector<model::Plan>& plans) {
  for (const model::Plan& p : plans) ASSERT_TRUE(d->Add(p).ok()) << p.id.value();
}

// Conflicts of `plan` shifted by `shift` seconds against the detector.
std::vector<Conflict> CheckShifted(const ConflictDetector& d, const model::Plan& plan,
                                   double shift) {
  return d.Check(Shifted(plan, Seconds(shift)));
}

TEST(SuggestTest, ShiftedMovesEveryTime) {
  const model::Plan a = A();
  const model::Plan s = Shifted(a, Seconds(90));
  ASSERT_EQ(s.route().waypoints.size(), 2u);
  EXPECT_EQ(s.route().waypoints[0].time.unix_seconds(), T(9, 1, 30));
  EXPECT_EQ(s.route().waypoints[1].time.unix_seconds(), T(9, 31, 30));
  EXPECT_EQ(s.route().waypoints[0].position, a.route().waypoints[0].position);
  const model::Plan site =
      MakeArea("s", "RU", model::PlanKind::kSite, model::Circle{kO, Meters(100)}, T(9, 0), kInf);
  const model::Plan ss = Shifted(site, Seconds(-60));
  EXPECT_EQ(ss.area().window.start.unix_seconds(), T(8, 59));
  EXPECT_FALSE(ss.area().window.end.is_finite());
}

TEST(SuggestTest, CrossingPatrolsDelay) {
  ConflictDetector d;
  AddAll(&d, {A(), B()});
  // Sanity of the model: shifted by 100 s the closest approach is 6 * 100 = 600 m.
  {
    const auto c = CheckShifted(d, A(), 100);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_NEAR(c[0].min_distance.value(), 600, 1.0);
  }
  const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kDelay);
  EXPECT_EQ(s->conflicts_now, 1u);
  const double delay = s->shift.value();
  // ceil(166.67) + 1 = 168: the smallest clearing delay to within a few seconds.
  EXPECT_GE(delay, kClear);
  EXPECT_LE(delay, kClear + 3);
  // Verified by kinematics: at d the closest approach is 6 d >= 1,000 m (no conflict); at d - 5 it
  // is 6 (d - 5) < 1,000 m.
  EXPECT_TRUE(CheckShifted(d, A(), delay).empty());
  const auto before = CheckShifted(d, A(), delay - 5);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_NEAR(before[0].min_distance.value(), 6 * (delay - 5), 1.0);
  EXPECT_LT(before[0].min_distance.value(), 1000);
  // The blocker: b, blocking (-166.67, 166.67).
  ASSERT_EQ(s->blockers.size(), 1u);
  EXPECT_EQ(s->blockers[0].plan.value(), "b");
  EXPECT_EQ(s->blockers[0].party.value(), "RU");
  ASSERT_EQ(s->blockers[0].blocked.size(), 1u);
  EXPECT_NEAR(s->blockers[0].blocked[0].first, -kClear, 0.1);
  EXPECT_NEAR(s->blockers[0].blocked[0].second, kClear, 0.1);
  EXPECT_NE(s->explanation.find("Delay a"), std::string::npos) << s->explanation;

  // Symmetric for b (b late by d: D = 6 d as well).
  const Result<Suggestion> sb = Suggest(d, PlanId("b"), {});
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(sb->outcome, Suggestion::kDelay);
  EXPECT_GE(sb->shift.value(), kClear);
  EXPECT_LE(sb->shift.value(), kClear + 3);
  EXPECT_TRUE(CheckShifted(d, B(), sb->shift.value()).empty());
  EXPECT_EQ(CheckShifted(d, B(), sb->shift.value() - 5).size(), 1u);
}

// With a step (the server's disclosure time step), the shift is the smallest whole multiple of it
// that clears: 166.67 s blocked -> 180 s with 60 s steps, 300 s with 300 s steps; advances too.
TEST(SuggestTest, StepMakesTheShiftAWholeMultiple) {
  ConflictDetector d;
  AddAll(&d, {A(), B()});
  SuggestOptions o;
  o.step = Seconds(60);
  Result<Suggestion> s = Suggest(d, PlanId("a"), o);
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kDelay);
  EXPECT_EQ(s->shift.value(), 180);
  EXPECT_TRUE(CheckShifted(d, A(), 180).empty());
  o.step = Seconds(300);
  s = Suggest(d, PlanId("a"), o);
  ASSERT_OK(s);
  EXPECT_EQ(s->shift.value(), 300);
  o.step = Seconds(60);
  o.max_delay = Seconds(100);
  s = Suggest(d, PlanId("a"), o);
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kAdvance);
  EXPECT_EQ(s->shift.value(), -180);
  EXPECT_TRUE(CheckShifted(d, A(), -180).empty());
}

TEST(SuggestTest, AdvanceWhenDelayLimited) {
  ConflictDetector d;
  AddAll(&d, {A(), B()});
  SuggestOptions o;
  o.max_delay = Seconds(100);  // < 166.67
  const Result<Suggestion> s = Suggest(d, PlanId("a"), o);
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kAdvance);
  const double shift = s->shift.value();
  EXPECT_LE(shift, -kClear);
  EXPECT_GE(shift, -kClear - 3);
  EXPECT_TRUE(CheckShifted(d, A(), shift).empty());
  const auto later = CheckShifted(d, A(), shift + 5);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_NEAR(later[0].min_distance.value(), 6 * (-shift - 5), 1.0);
  EXPECT_NE(s->explanation.find("advance a"), std::string::npos) << s->explanation;
}

TEST(SuggestTest, ImpossibleWithinTinyLimits) {
  ConflictDetector d;
  AddAll(&d, {A(), B()});
  SuggestOptions o;
  o.max_delay = Seconds(60);
  o.max_advance = Seconds(60);
  const Result<Suggestion> s = Suggest(d, PlanId("a"), o);
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kImpossible);
  EXPECT_EQ(s->shift.value(), 0);
  EXPECT_EQ(s->conflicts_now, 1u);
  EXPECT_NE(s->explanation.find("change the route"), std::string::npos) << s->explanation;
  // The limits are the binding constraint here, not a standing area.
  EXPECT_EQ(s->explanation.find("at any time"), std::string::npos) << s->explanation;
}

TEST(SuggestTest, NoConflict) {
  ConflictDetector d;
  // b an hour later: no conflict.
  AddAll(&d, {A(), Pass("b", "RU", kO, 0, 7.5, T(10, 15))});
  const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->outcome, Suggestion::kNoConflict);
  EXPECT_EQ(s->shift.value(), 0);
  EXPECT_EQ(s->conflicts_now, 0u);
  EXPECT_FALSE(s->explanation.empty());
}

TEST(SuggestTest, TolerancesWidenTheBlockedRange) {
  // Tolerances 60 s each: a shifted by d conflicts iff some pair of positions with b - a time
  // offset r in (-166.67, 166.67) is reachable, i.e. |d - r| <= 120: blocked (-286.67, 286.67).
  ConflictDetector d;
  AddAll(&d, {A(60), B(60)});
  const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kDelay);
  EXPECT_GE(s->shift.value(), kClear + 120);
  EXPECT_LE(s->shift.value(), kClear + 123);
  EXPECT_TRUE(CheckShifted(d, A(60), s->shift.value()).empty());
  // 5 s earlier the pair (a late 60, b early 60) is 6 * (d - 5 - 120) m apart at closest.
  const auto c = CheckShifted(d, A(60), s->shift.value() - 5);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NEAR(c[0].min_distance.value(), 6 * (s->shift.value() - 5 - 120), 1.0);
}

TEST(SuggestTest, SeveralBlockersChain) {
  // c crosses a's road 2 km east of O (a passes there at 09:18:20) at 09:21:58, northbound at
  // 7.5 m/s: the same geometry, so a shifted by d conflicts with c iff |d - 218| < 166.67, i.e.
  // d in (51.33, 384.67). Together with b's (-166.67, 166.67) the first clear delay is 384.67.
  ConflictDetector d;
  AddAll(&d, {A(), B(), Pass("c", "RU", Go(kO, 90, 2000), 0, 7.5, T(9, 21, 58))});
  const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
  ASSERT_OK(s);
  EXPECT_EQ(s->conflicts_now, 1u);  // only b as scheduled
  EXPECT_EQ(s->outcome, Suggestion::kDelay);
  EXPECT_EQ(s->blockers.size(), 2u);
  const double delay = s->shift.value();
  EXPECT_GE(delay, 218 + kClear);
  EXPECT_LE(delay, 218 + kClear + 3);
  EXPECT_TRUE(CheckShifted(d, A(), delay).empty());
  const auto c = CheckShifted(d, A(), delay - 5);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].plan_b.value(), "c");
  EXPECT_NEAR(c[0].min_distance.value(), 6 * (delay - 5 - 218), 1.0);
  // The advance is limited by b alone: -168.
  SuggestOptions o;
  o.max_delay = Seconds(300);
  const Result<Suggestion> adv = Suggest(d, PlanId("a"), o);
  ASSERT_TRUE(adv.ok());
  EXPECT_EQ(adv->outcome, Suggestion::kAdvance);
  EXPECT_LE(adv->shift.value(), -kClear);
  EXPECT_GE(adv->shift.value(), -kClear - 3);
}

TEST(SuggestTest, StandingZoneIsImpossible) {
  // An always-active RU zone (square, edges 1 km east and west of O) on a's route: every shift
  // meets it.
  ConflictDetector d;
  AddAll(&d, {A(), MakeArea("no-go", "RU", model::PlanKind::kZone, Square(kO, 1000))});
  const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kImpossible);
  EXPECT_EQ(s->conflicts_now, 1u);
  EXPECT_NE(s->explanation.find("no-go"), std::string::npos) << s->explanation;
  EXPECT_NE(s->explanation.find("at any time"), std::string::npos) << s->explanation;
  ASSERT_EQ(s->blockers.size(), 1u);
  ASSERT_FALSE(s->blockers[0].blocked.empty());
  EXPECT_TRUE(std::isinf(s->blockers[0].blocked[0].first));

  // The same with a demarcation line across the route.
  ConflictDetector d2;
  AddAll(&d2, {A(), MakeArea("m4", "RU", model::PlanKind::kZone,
                             model::Polyline{{Go(kO, 180, 5000), Go(kO, 0, 5000)}})});
  const Result<Suggestion> s2 = Suggest(d2, PlanId("a"), {});
  ASSERT_OK(s2);
  EXPECT_EQ(s2->outcome, Suggestion::kImpossible);
  EXPECT_NE(s2->explanation.find("m4"), std::string::npos) << s2->explanation;
}

TEST(SuggestTest, SiteWindowDelayPastItsEnd) {
  // Site r = 100 at O, active 09:00-09:20. a is within 200 m of it (300 m of O) for |tau| < 30 s
  // around 09:15 + d, i.e. from 09:14:30 + d: clear once 09:14:30 + d >= 09:20, d >= 330 s.
  ConflictDetector d;
  AddAll(&d, {A(), MakeArea("clinic", "RU", model::PlanKind::kSite, model::Circle{kO, Meters(100)},
                            T(9, 0), T(9, 20))});
  const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
  ASSERT_OK(s);
  EXPECT_EQ(s->outcome, Suggestion::kDelay);
  EXPECT_GE(s->shift.value(), 330);
  EXPECT_LE(s->shift.value(), 333);
  EXPECT_TRUE(CheckShifted(d, A(), s->shift.value()).empty());
  // At d = 325 a is within the buffer from 09:19:55 until the site closes at 09:20, when it is
  // 10 * 25 = 250 m from O, 150 m from the site's edge.
  const auto c = CheckShifted(d, A(), 325);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NEAR(c[0].min_distance.value(), 150, 1.0);
  EXPECT_NEAR(c[0].window.start.unix_seconds(), T(9, 19, 55), 1.0);
  EXPECT_NEAR(c[0].window.end.unix_seconds(), T(9, 20), 1.0);
  // The advance side: the site opens at 09:00, a leaves the buffer at 09:15:30 + d: d <= -930 s.
  SuggestOptions o;
  o.max_delay = Seconds(100);
  const Result<Suggestion> adv = Suggest(d, PlanId("a"), o);
  ASSERT_OK(adv);
  EXPECT_EQ(adv->outcome, Suggestion::kAdvance);
  EXPECT_LE(adv->shift.value(), -930);
  EXPECT_GE(adv->shift.value(), -933);
  EXPECT_TRUE(CheckShifted(d, A(), adv->shift.value()).empty());
  EXPECT_EQ(CheckShifted(d, A(), -925).size(), 1u);
}

TEST(SuggestTest, SiteWindowWithToleranceAndIdOrder) {
  // The site's id sorts before the movement's ("0clinic" < "a"): the blocked range is computed
  // with the site as plan a and mirrored. Same answer as SiteWindowDelayPastItsEnd: d in [330,
  // 333].
  {
    ConflictDetector d;
    AddAll(&d, {A(), MakeArea("0clinic", "RU", model::PlanKind::kSite,
                              model::Circle{kO, Meters(100)}, T(9, 0), T(9, 20))});
    const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
    ASSERT_OK(s);
    EXPECT_EQ(s->outcome, Suggestion::kDelay);
    EXPECT_GE(s->shift.value(), 330);
    EXPECT_LE(s->shift.value(), 333);
    // Moving the site's window instead: clear once it opens after a leaves the buffer (09:15:30):
    // d >= 930 s.
    const Result<Suggestion> site = Suggest(d, PlanId("0clinic"), {});
    ASSERT_OK(site);
    EXPECT_EQ(site->outcome, Suggestion::kDelay);
    EXPECT_GE(site->shift.value(), 930);
    EXPECT_LE(site->shift.value(), 933);
    EXPECT_TRUE(d.Check(Shifted(*d.Find(PlanId("0clinic")), site->shift)).empty());
    EXPECT_EQ(d.Check(Shifted(*d.Find(PlanId("0clinic")), Seconds(925))).size(), 1u);
  }
  {
    // Tolerance 30 s: the route meets the site until 09:20 + 30 s: d >= 360 s.
    ConflictDetector d;
    AddAll(&d, {A(30), MakeArea("clinic", "RU", model::PlanKind::kSite,
                                model::Circle{kO, Meters(100)}, T(9, 0), T(9, 20))});
    const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
    ASSERT_OK(s);
    EXPECT_EQ(s->outcome, Suggestion::kDelay);
    EXPECT_GE(s->shift.value(), 360);
    EXPECT_LE(s->shift.value(), 363);
    EXPECT_TRUE(CheckShifted(d, A(30), s->shift.value()).empty());
    EXPECT_EQ(CheckShifted(d, A(30), 355).size(), 1u);
  }
  {
    // A zone active 09:00-09:20 (square, a inside from 09:13:20 to 09:16:40): d >= 400 s.
    ConflictDetector d;
    AddAll(&d,
           {A(), MakeArea("z", "RU", model::PlanKind::kZone, Square(kO, 1000), T(9, 0), T(9, 20))});
    const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
    ASSERT_OK(s);
    EXPECT_EQ(s->outcome, Suggestion::kDelay);
    EXPECT_GE(s->shift.value(), 400);
    EXPECT_LE(s->shift.value(), 403);
    EXPECT_EQ(CheckShifted(d, A(), 395).size(), 1u);
  }
  {
    // A standing site: impossible, named.
    ConflictDetector d;
    AddAll(&d,
           {A(), MakeArea("clinic", "RU", model::PlanKind::kSite, model::Circle{kO, Meters(100)})});
    const Result<Suggestion> s = Suggest(d, PlanId("a"), {});
    ASSERT_OK(s);
    EXPECT_EQ(s->outcome, Suggestion::kImpossible);
    EXPECT_NE(s->explanation.find("clinic"), std::string::npos) << s->explanation;
  }
}

TEST(SuggestTest, UnknownIdIsNotFound) {
  ConflictDetector d;
  AddAll(&d, {A(), B()});
  const Result<Suggestion> s = Suggest(d, PlanId("nope"), {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace deconflict::engine
