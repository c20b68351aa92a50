#include "geo/tangent_plane.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "geo/geodesic.h"

namespace deconflict::geo {
namespace {

double Draw(int lo, int hi, double unit) { return *rc::gen::inRange(lo, hi + 1) * unit; }

// Anywhere on Earth, with the poles and the antimeridian over-represented.
LatLng DrawReference() {
  const double lon = Draw(-180'000'000, 180'000'000, 1e-6);
  switch (*rc::gen::inRange(0, 5)) {
    case 0:
      return {*rc::gen::element(90.0, -90.0), lon};
    case 1:
      return {Draw(-90'000'000, 90'000'000, 1e-6),
              *rc::gen::element(1.0, -1.0) * (180 - Draw(0, 1000, 1e-4))};
    case 2:
      return {*rc::gen::element(1.0, -1.0) * (90 - Draw(0, 1000, 1e-3)), lon};
    default:
      return {Draw(-90'000'000, 90'000'000, 1e-6), lon};
  }
}

// The planar distance between a and b agrees with the geodesic one within 2e-5 relative + 1 cm.
void ExpectPlanarMatchesGeodesic(const TangentPlane& tp, LatLng a, LatLng b) {
  const double planar = (tp.Project(ToEcef(a)) - tp.Project(ToEcef(b))).Norm();
  const double geodesic = GeodesicDistance(a, b);
  RC_ASSERT(std::fabs(planar - geodesic) <= 2e-5 * geodesic + 0.01);
}

RC_GTEST_PROP(TangentPlaneTest, PlanarDistanceMatchesGeodesicWithin30Km, ()) {
  const LatLng ref = DrawReference();
  const TangentPlane tp(ref);
  const LatLng a = GeodesicDirect(ref, Draw(-180, 180, 1.0), Draw(0, 30'000, 1.0));
  const LatLng b = GeodesicDirect(ref, Draw(-180, 180, 1.0), Draw(0, 30'000, 1.0));
  ExpectPlanarMatchesGeodesic(tp, a, b);
  ExpectPlanarMatchesGeodesic(tp, ref, a);
  // The reference projects to the origin.
  RC_ASSERT(tp.Project(ToEcef(ref)).Norm() < 1e-6);
}

TEST(TangentPlaneTest, ExactPoles) {
  for (const LatLng ref : {LatLng{90, 0}, LatLng{-90, 0}, LatLng{90, 180}, LatLng{-90, -123.4}}) {
    const TangentPlane tp(ref);
    for (int i = 0; i < 36; ++i) {
      const LatLng a = GeodesicDirect(ref, 10.0 * i, 30'000);
      const LatLng b = GeodesicDirect(ref, 10.0 * i + 137, 1'000.0 * (i % 31));
      const double planar = (tp.Project(ToEcef(a)) - tp.Project(ToEcef(b))).Norm();
      const double geodesic = GeodesicDistance(a, b);
      EXPECT_NEAR(planar, geodesic, 2e-5 * geodesic + 0.01) << ref.lat_deg << " " << i;
      EXPECT_NEAR(tp.Project(ToEcef(a)).Norm(), 30'000, 2e-5 * 30'000 + 0.01);
    }
  }
}

TEST(TangentPlaneTest, AcrossTheAntimeridian) {
  const LatLng ref{-33.9, 180};
  const TangentPlane tp(ref);
  const LatLng a{-33.9, 179.9}, b{-33.9, -179.9};
  const double planar = (tp.Project(ToEcef(a)) - tp.Project(ToEcef(b))).Norm();
  EXPECT_NEAR(planar, GeodesicDistance(a, b), 2e-5 * GeodesicDistance(a, b) + 0.01);
  EXPECT_LT(planar, 20'000);
}

}  // namespace
}  // namespace deconflict::geo
