#include "geo/approach.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace deconflict::geo {
namespace {

// An integer drawn in [lo, hi] scaled to a double (rapidcheck shrinks integers well).
double Draw(int lo, int hi, double unit = 1.0) { return *rc::gen::inRange(lo, hi + 1) * unit; }

// A box and the half-planes clipped into it, kept so that samples can be checked independently of
// Region.
struct Scenario {
  double x0, x1, y0, y1;
  std::vector<HalfPlane> clips;
  Approach m;

  Region Build() const {
    Region r = Region::Box(x0, x1, y0, y1);
    for (const HalfPlane& h : clips) r.Clip(h);
    return r;
  }
  // True if p is in the box and every half-plane, with a relative slack (0 for strict sampling).
  bool Admits(Vec2 p, double slack = 0) const {
    const double sx = slack * (std::fabs(x0) + std::fabs(x1) + 1);
    const double sy = slack * (std::fabs(y0) + std::fabs(y1) + 1);
    if (p.x < x0 - sx || p.x > x1 + sx || p.y < y0 - sy || p.y > y1 + sy) return false;
    return std::all_of(clips.begin(), clips.end(), [&](const HalfPlane& h) {
      const double s = slack * (std::fabs(h.a * p.x) + std::fabs(h.b * p.y) + std::fabs(h.c) + 1);
      return h.a * p.x + h.b * p.y <= h.c + s;
    });
  }
  // Bounds |D| over the box: the scale of round-off in q.
  double Magnitude() const {
    return m.d0.Norm() + m.u.Norm() * std::max(std::fabs(x0), std::fabs(x1)) +
           m.w.Norm() * std::max(std::fabs(y0), std::fabs(y1)) + 1;
  }
  double QTolerance() const { return 1e-9 * Magnitude() * Magnitude(); }
  Scenario Swapped() const {
    Scenario s{y0, y1, x0, x1, {}, {m.d0 * -1.0, m.w, m.u}};
    for (const HalfPlane& h : clips) s.clips.push_back({h.b, h.a, h.c});
    return s;
  }
};

constexpr int kGrid = 80;        // grid cells per box axis
constexpr int kEdgeSteps = 200;  // samples per polygon edge

// Calls fn on every grid point of the box admitted by the half-planes and on points along every
// edge of the clipped polygon. Returns the largest distance from a region point to its nearest
// sample (a bound used for the sampling tolerance).
double ForEachSample(const Scenario& s, const Region& r, const std::function<void(Vec2)>& fn) {
  const double hx = (s.x1 - s.x0) / kGrid, hy = (s.y1 - s.y0) / kGrid;
  for (int i = 0; i <= kGrid; ++i) {
    for (int j = 0; j <= kGrid; ++j) {
      const Vec2 p{i == kGrid ? s.x1 : s.x0 + i * hx, j == kGrid ? s.y1 : s.y0 + j * hy};
      if (s.Admits(p)) fn(p);
    }
  }
  const auto v = r.vertices();
  double longest = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const Vec2 a = v[i], e = v[(i + 1) % v.size()] - a;
    longest = std::max(longest, e.Norm());
    for (int k = 0; k <= kEdgeSteps; ++k) fn(a + e * (static_cast<double>(k) / kEdgeSteps));
  }
  return Vec2{hx, hy}.Norm() + longest / kEdgeSteps;
}

Vec2 DrawVec(int range) { return {Draw(-range, range), Draw(-range, range)}; }

// A random point of a non-empty region: a random convex combination of its vertices.
Vec2 DrawPointIn(const Region& r) {
  Vec2 sum;
  double total = 0;
  for (const Vec2& v : r.vertices()) {
    const double k = Draw(0, 4);
    sum = sum + v * k;
    total += k;
  }
  return total == 0 ? r.vertices()[0] : sum * (1.0 / total);
}

HalfPlane DrawHalfPlaneThrough(Vec2 p) {
  double a = Draw(-5, 5), b = Draw(-5, 5);
  if (a == 0 && b == 0) a = 1;
  return {a, b, a * p.x + b * p.y + Draw(0, 3)};
}

// Random boxes (possibly degenerate), 0..4 half-planes (possibly a band |x - y - s| <= T with T
// down to 0), random d0, u, w (including u parallel to w, u = 0, both 0).
Scenario DrawScenario() {
  Scenario s;
  s.x0 = Draw(-100, 100);
  s.x1 = s.x0 + std::max(0.0, Draw(-20, 200));
  s.y0 = Draw(-100, 100);
  s.y1 = s.y0 + std::max(0.0, Draw(-20, 200));
  Region r = Region::Box(s.x0, s.x1, s.y0, s.y1);
  auto add = [&](HalfPlane h) {
    s.clips.push_back(h);
    r.Clip(h);
  };
  int clips = static_cast<int>(Draw(0, 4));
  if (clips >= 2 && *rc::gen::arbitrary<bool>()) {
    const double t = *rc::gen::element(0.0, 1e-6, 0.5, 10.0, 60.0);
    const Vec2 p = DrawPointIn(r);
    const double shift = *rc::gen::arbitrary<bool>() ? 0.0 : p.x - p.y;
    add({1, -1, shift + t});
    add({-1, 1, t - shift});
    clips -= 2;
  }
  for (int i = 0; i < clips && !r.empty(); ++i) add(DrawHalfPlaneThrough(DrawPointIn(r)));
  s.m.d0 = DrawVec(300);
  switch (static_cast<int>(Draw(0, 5))) {
    case 0:  // u parallel to w
      s.m.u = DrawVec(10);
      s.m.w = s.m.u * Draw(-6, 6, 0.5);
      break;
    case 1:  // A stationary
      s.m.w = DrawVec(10);
      break;
    case 2:  // both stationary
      break;
    default:
      s.m.u = DrawVec(10);
      s.m.w = DrawVec(10);
  }
  return s;
}

// Property 1: the exact minimum, checked against dense sampling.
RC_GTEST_PROP(ApproachTest, MinimizeOverMatchesSampling, ()) {
  const Scenario s = DrawScenario();
  const Region r = s.Build();
  RC_PRE(!r.empty());
  const Minimum best = MinimizeOver(r, s.m);
  double sampled = std::numeric_limits<double>::infinity();
  const double spacing =
      ForEachSample(s, r, [&](Vec2 p) { sampled = std::min(sampled, s.m.Q(p.x, p.y)); });
  const double tol = s.QTolerance();
  RC_ASSERT(best.q >= 0.0);
  RC_ASSERT(best.q <= sampled + tol);  // never above a sampled admissible point
  // ...and not below it by more than D can change between neighbouring samples.
  const double lipschitz = s.m.u.Norm() + s.m.w.Norm();
  RC_ASSERT(std::sqrt(sampled) <= std::sqrt(best.q) + lipschitz * spacing + 1e-6);
  // The reported place is admissible and reaches the reported value.
  RC_ASSERT(s.Admits({best.x, best.y}, 1e-8));
  RC_ASSERT(std::fabs(s.m.Q(best.x, best.y) - best.q) <= tol);
}

// Property 2: swapping the roles of A and B gives the same minimum.
RC_GTEST_PROP(ApproachTest, MinimizeOverIsSymmetric, ()) {
  const Scenario s = DrawScenario();
  const Scenario t = s.Swapped();
  const Region rs = s.Build(), rt = t.Build();
  RC_PRE(!rs.empty());
  RC_ASSERT(!rt.empty());
  const Minimum a = MinimizeOver(rs, s.m), b = MinimizeOver(rt, t.m);
  RC_ASSERT(std::fabs(a.q - b.q) <= s.QTolerance());
}

// Property 3: adding a clip never decreases the minimum.
RC_GTEST_PROP(ApproachTest, ClippingNeverDecreasesMinimum, ()) {
  Scenario s = DrawScenario();
  const Region r = s.Build();
  RC_PRE(!r.empty());
  const double before = MinimizeOver(r, s.m).q;
  const HalfPlane extra = *rc::gen::arbitrary<bool>()
                              ? DrawHalfPlaneThrough(DrawPointIn(r))
                              : HalfPlane{Draw(-5, 5), Draw(-5, 5), Draw(-500, 500)};
  s.clips.push_back(extra);
  Region clipped = r;
  clipped.Clip(extra);
  if (clipped.empty()) return;
  RC_ASSERT(MinimizeOver(clipped, s.m).q >= before - s.QTolerance());
  RC_ASSERT(MinimizeOver(s.Build(), s.m).q >= before - s.QTolerance());
}

// Property 4: ExtremeOver's certificate, for minimisation and maximisation.
RC_GTEST_PROP(ApproachTest, ExtremeOverCertificate, ()) {
  const Scenario s = DrawScenario();
  const Region r = s.Build();
  RC_PRE(!r.empty());
  const double qmin = MinimizeOver(r, s.m).q;
  const double radius = std::sqrt(qmin) + Draw(1, 200, 0.5);
  const double r2 = radius * radius;
  Vec2 f{Draw(-3, 3), Draw(-3, 3)};
  if (*rc::gen::arbitrary<bool>()) f = *rc::gen::element(Vec2{1, 0}, Vec2{0, 1});
  const bool maximize = *rc::gen::arbitrary<bool>();
  const double tolerance = *rc::gen::element(0.01, 0.5);
  const double e = ExtremeOver(r, s.m, r2, f, maximize, tolerance);
  const double sign = maximize ? -1.0 : 1.0;  // minimise sign * f
  const double slack = s.QTolerance();
  // No admissible sample strictly beyond e - tol has q < r2.
  ForEachSample(s, r, [&](Vec2 p) {
    if (sign * f.Dot(p) < sign * e - tolerance) RC_ASSERT(s.m.Q(p.x, p.y) >= r2 - slack);
  });
  // The same, exactly: the region clipped to beyond e - tol has no such point.
  Region beyond = r;
  beyond.Clip({sign * f.x, sign * f.y, sign * e - tolerance});
  if (!beyond.empty()) RC_ASSERT(MinimizeOver(beyond, s.m).q >= r2 - slack);
  // And the region clipped to within e + tol has one.
  Region within = r;
  within.Clip({sign * f.x, sign * f.y, sign * e + tolerance});
  RC_ASSERT(!within.empty());
  RC_ASSERT(MinimizeOver(within, s.m).q < r2);
}

// Hand cases.

TEST(ApproachTest, RightAngleCrossingReachesZero) {
  // A heads east at 10 m/s from (-1000, 0); B heads north at 5 m/s from (0, -500): both are at the
  // origin at t = 100 s.
  const Approach m{Vec2{-1000, 0} - Vec2{0, -500}, {10, 0}, {0, 5}};
  Region r = Region::Box(0, 600, 0, 600);
  r.Clip({1, -1, 1});
  r.Clip({-1, 1, 1});  // |x - y| <= 1 s
  const Minimum best = MinimizeOver(r, m);
  EXPECT_EQ(best.q, 0.0);
  EXPECT_NEAR(best.x, 100, 1e-9);
  EXPECT_NEAR(best.y, 100, 1e-9);
}

TEST(ApproachTest, CrossingOutsideTheTimeBandIsNotZero) {
  // B reaches the origin at t = 150 s: the paths cross, but 50 s apart.
  const Approach m{Vec2{-1000, 0} - Vec2{0, -750}, {10, 0}, {0, 5}};
  Region r = Region::Box(0, 600, 0, 600);
  EXPECT_EQ(MinimizeOver(r, m).q, 0.0);
  EXPECT_NEAR(MinimizeOver(r, m).y, 150, 1e-9);
  r.Clip({1, -1, 1});
  r.Clip({-1, 1, 1});
  // The unconstrained zero (100, 150) is above the band, so the minimum is on y = x + 1:
  // D = (10x - 1000, 745 - 5x), smallest at x = 109.8: D = (98, 196).
  const Minimum best = MinimizeOver(r, m);
  EXPECT_NEAR(best.q, 98.0 * 98.0 + 196.0 * 196.0, 1e-6);
  EXPECT_NEAR(best.x, 109.8, 1e-9);
  EXPECT_NEAR(best.y, 110.8, 1e-9);
}

TEST(ApproachTest, ParallelTracksKeepTheirSeparation) {
  // Same velocity, 1000 m apart.
  const Approach m{Vec2{0, 0} - Vec2{0, 1000}, {10, 0}, {10, 0}};
  Region r = Region::Box(0, 600, 0, 600);
  r.Clip({1, -1, 5});
  r.Clip({-1, 1, 5});
  EXPECT_NEAR(MinimizeOver(r, m).q, 1e6, 1e-6);
  EXPECT_NEAR(MinimizeOver(Region::Box(0, 600, 0, 600), m).q, 1e6, 1e-6);
}

TEST(ApproachTest, DegenerateBoxes) {
  // x is pinned to 5; D = (0, 20 - y) with y in [0, 10]: the unconstrained zero at (5, 20) lies on
  // the segment's line but beyond its end.
  const Approach m{{-5, 20}, {1, 0}, {0, 1}};
  const Minimum seg = MinimizeOver(Region::Box(5, 5, 0, 10), m);
  EXPECT_NEAR(seg.q, 100, 1e-9);
  EXPECT_NEAR(seg.x, 5, 1e-12);
  EXPECT_NEAR(seg.y, 10, 1e-9);
  EXPECT_EQ(MinimizeOver(Region::Box(5, 5, 0, 30), m).q, 0.0);
  // A single point.
  EXPECT_NEAR(MinimizeOver(Region::Box(5, 5, 3, 3), m).q, 17 * 17, 1e-9);
  EXPECT_EQ(MinimizeOver(Region::Box(5, 5, 20, 20), m).q, 0.0);
  // A zero-width time band: the diagonal segment x = y in [0, 10], with the zero at (20, 20).
  const Approach diag{{-20, 20}, {1, 0}, {0, 1}};
  Region band = Region::Box(0, 10, 0, 10);
  band.Clip({1, -1, 0});
  band.Clip({-1, 1, 0});
  ASSERT_FALSE(band.empty());
  EXPECT_NEAR(MinimizeOver(band, diag).q, 200, 1e-9);
  EXPECT_TRUE(band.Contains({5, 5}));
  EXPECT_FALSE(band.Contains({20, 20}));
  EXPECT_FALSE(band.Contains({5, 6}));
}

TEST(ApproachTest, ClipCanEmptyARegion) {
  Region r = Region::Box(0, 1, 0, 1);
  r.Clip({1, 0, 0.5});  // x <= 0.5
  EXPECT_FALSE(r.empty());
  EXPECT_DOUBLE_EQ(r.MaxOf({1, 0}), 0.5);
  r.Clip({-1, 0, -0.75});  // x >= 0.75
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.Contains({0.25, 0.5}));
  Region point = Region::Box(2, 2, 2, 2);
  point.Clip({1, 1, 3.9});
  EXPECT_TRUE(point.empty());
}

TEST(ApproachTest, ExtremeOverHandCase) {
  // A passes a stationary B at the origin: D = (10x - 1000, 0), within 100 m for x in (90, 110).
  const Approach m{{-1000, 0}, {10, 0}, {0, 0}};
  const Region r = Region::Box(0, 600, 0, 0);
  EXPECT_NEAR(ExtremeOver(r, m, 100 * 100, {1, 0}, false, 0.01), 90, 0.01);
  EXPECT_NEAR(ExtremeOver(r, m, 100 * 100, {1, 0}, true, 0.01), 110, 0.01);
  // Already in conflict at the region's start: the answer is the start.
  EXPECT_EQ(ExtremeOver(Region::Box(95, 600, 0, 0), m, 100 * 100, {1, 0}, false, 0.01), 95);
}

}  // namespace
}  // namespace deconflict::geo
