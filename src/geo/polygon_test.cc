#include "geo/polygon.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "geo/geodesic.h"
#include "geo/tangent_plane.h"

namespace deconflict::geo {
namespace {

// "lon lat, lon lat, ..." (GeoJSON order), implicitly closed.
std::vector<LatLng> ParseRing(std::string text) {
  std::replace(text.begin(), text.end(), ',', ' ');
  std::istringstream in(text);
  std::vector<LatLng> ring;
  LatLng p;
  while (in >> p.lon_deg >> p.lat_deg) ring.push_back(p);
  return ring;
}

// ECEF vertices with every geodesic edge split into pieces of at most 20 km.
std::vector<Vec3> Densified(const std::vector<LatLng>& ring) {
  std::vector<Vec3> out;
  for (size_t i = 0; i < ring.size(); ++i) {
    const LatLng a = ring[i], b = ring[(i + 1) % ring.size()];
    const int pieces = static_cast<int>(std::ceil(GeodesicDistance(a, b) / 20'000));
    for (int k = 0; k < pieces; ++k) out.push_back(ToEcef(GeodesicPoint(a, b, 1.0 * k / pieces)));
  }
  return out;
}

RingSet Polygon(const std::vector<std::string>& rings) {
  std::vector<std::vector<Vec3>> ecef;
  ecef.reserve(rings.size());
  for (const std::string& r : rings) ecef.push_back(Densified(ParseRing(r)));
  return RingSet(ecef);
}

bool In(const RingSet& s, LatLng p) { return s.Contains(ToEcef(p)); }

// The midpoint of the geodesic a -> b moved `left_m` metres to its left (negative: right).
LatLng Beside(LatLng a, LatLng b, double left_m) {
  const LatLng mid = GeodesicPoint(a, b, 0.5);
  return GeodesicDirect(mid, GeodesicInverse(mid, b).azimuth1_deg - 90, left_m);
}

// Points 50 m either side of every edge of `ring`: inside on the left iff `left_is_inside`.
void ExpectSharpEdges(const RingSet& s, const std::string& ring, bool left_is_inside) {
  const std::vector<LatLng> v = ParseRing(ring);
  for (size_t i = 0; i < v.size(); ++i) {
    const LatLng a = v[i], b = v[(i + 1) % v.size()];
    EXPECT_EQ(In(s, Beside(a, b, 50)), left_is_inside) << ring << " edge " << i;
    EXPECT_EQ(In(s, Beside(a, b, -50)), !left_is_inside) << ring << " edge " << i;
  }
}

LatLng Antipode(LatLng p) {
  return {-p.lat_deg, p.lon_deg > 0 ? p.lon_deg - 180 : p.lon_deg + 180};
}

TEST(RingSetTest, SquareNearQahtaniyah) {
  const std::string ring = "41.55 36.95, 41.65 36.95, 41.65 37.05, 41.55 37.05";
  const RingSet s = Polygon({ring});
  EXPECT_TRUE(In(s, {37, 41.6}));
  EXPECT_TRUE(In(s, {36.951, 41.551}));
  EXPECT_FALSE(In(s, {37.06, 41.6}));
  EXPECT_FALSE(In(s, {37, 41.66}));
  EXPECT_FALSE(In(s, {36.949, 41.549}));
  ExpectSharpEdges(s, ring, true);
  EXPECT_FALSE(In(s, Antipode({37, 41.6})));
  EXPECT_FALSE(In(s, {-37, 41.6}));
}

TEST(RingSetTest, StraddlesTheAntimeridian) {
  const std::string ring = "179 -1, -179 -1, -179 1, 179 1";
  const RingSet s = Polygon({ring});
  for (double lon : {180.0, -180.0, 179.5, -179.5, 179.01, -179.01}) {
    EXPECT_TRUE(In(s, {0, lon})) << lon;
    EXPECT_TRUE(In(s, {0.99, lon})) << lon;
  }
  for (double lon : {178.99, -178.99, 0.0, 90.0, -1.0}) EXPECT_FALSE(In(s, {0, lon})) << lon;
  EXPECT_FALSE(In(s, {1.01, 180}));
  ExpectSharpEdges(s, ring, true);
}

TEST(RingSetTest, AroundTheNorthPole) {
  const std::string ring = "0 85, 45 85, 90 85, 135 85, 180 85, -135 85, -90 85, -45 85";
  const RingSet s = Polygon({ring});
  EXPECT_TRUE(In(s, {90, 0}));
  EXPECT_TRUE(In(s, {89, -170}));
  EXPECT_TRUE(In(s, {85.01, 0}));
  EXPECT_FALSE(In(s, {84.99, 0}));
  EXPECT_FALSE(In(s, {84.99, 180}));
  // Geodesic edges bow poleward: between two vertices, lat 85 is outside.
  EXPECT_FALSE(In(s, {85, 22.5}));
  EXPECT_FALSE(In(s, {85.2, -157.5}));
  ExpectSharpEdges(s, ring, true);
  EXPECT_FALSE(In(s, {-90, 0}));
  EXPECT_FALSE(In(s, {0, 0}));
}

TEST(RingSetTest, HoleIsOutside) {
  const std::string outer = "41.5 36.9, 41.7 36.9, 41.7 37.1, 41.5 37.1";
  const std::string hole = "41.58 36.98, 41.62 36.98, 41.62 37.02, 41.58 37.02";
  const RingSet s = Polygon({outer, hole});
  EXPECT_FALSE(In(s, {37, 41.6}));
  EXPECT_TRUE(In(s, {36.95, 41.6}));
  EXPECT_TRUE(In(s, {37, 41.65}));
  EXPECT_FALSE(In(s, {37.2, 41.6}));
  ExpectSharpEdges(s, outer, true);
  ExpectSharpEdges(s, hole, false);
  EXPECT_FALSE(In(s, Antipode({37, 41.6})));
}

double Draw(int lo, int hi, double unit) { return *rc::gen::inRange(lo, hi + 1) * unit; }

double SegmentDistance(Vec2 p, Vec2 a, Vec2 b) {
  const Vec2 e = b - a;
  const double t = std::clamp((p - a).Dot(e) / e.Norm2(), 0.0, 1.0);
  return (p - (a + e * t)).Norm();
}

// Random convex quadrilaterals (edges <= 20 km) anywhere on Earth: Contains agrees with a planar
// test in the tangent plane at the centre for points more than 100 m from every edge.
RC_GTEST_PROP(RingSetTest, AgreesWithTangentPlaneForQuadrilaterals, ()) {
  LatLng place{Draw(-90'000, 90'000, 1e-3), Draw(-180'000, 180'000, 1e-3)};
  if (*rc::gen::inRange(0, 5) == 0) place.lat_deg = *rc::gen::element(90.0, -90.0);
  const TangentPlane tp(place);
  std::vector<LatLng> corners;
  std::vector<Vec2> planar;
  for (int i = 0; i < 4; ++i) {
    corners.push_back(GeodesicDirect(place, 90 * i + Draw(5, 85, 1.0), Draw(2'000, 10'000, 1.0)));
    planar.push_back(tp.Project(ToEcef(corners.back())));
  }
  std::vector<Vec3> ring;
  ring.reserve(corners.size());
  for (const LatLng& c : corners) ring.push_back(ToEcef(c));
  double orientation = 0;
  bool convex = true;
  for (int i = 0; i < 4; ++i) {
    const Vec2 a = planar[i], b = planar[(i + 1) % 4], c = planar[(i + 2) % 4];
    const double turn = (b - a).Cross(c - b);
    if (i == 0) orientation = turn;
    convex = convex && turn * orientation > 0;
  }
  RC_PRE(convex);
  const RingSet s({ring});
  for (int k = 0; k < 40; ++k) {
    const LatLng p = GeodesicDirect(place, Draw(-180, 180, 1.0), Draw(0, 12'000, 1.0));
    const Vec2 q = tp.Project(ToEcef(p));
    bool inside = true;
    double clearance = INFINITY;
    for (int i = 0; i < 4; ++i) {
      const Vec2 a = planar[i], b = planar[(i + 1) % 4];
      clearance = std::min(clearance, SegmentDistance(q, a, b));
      inside = inside && (b - a).Cross(q - a) * orientation > 0;
    }
    if (clearance <= 100) continue;
    RC_ASSERT(s.Contains(ToEcef(p)) == inside);
  }
}

}  // namespace
}  // namespace deconflict::geo
