#include "geo/geodesic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace deconflict::geo {
namespace {

TEST(GeodesicTest, KnownDistance) {
  // One degree of latitude at the equator on WGS84: 110,574.389 m.
  EXPECT_NEAR(GeodesicDistance({0, 0}, {1, 0}), 110574.389, 0.01);
}

TEST(GeodesicTest, RingArea) {
  // A 1-degree square at the equator: about 110.6 km x 111.3 km; either orientation.
  std::vector<LatLng> ring = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};
  const double a = GeodesicRingAreaM2(ring);
  EXPECT_NEAR(a / 1e6, 12308, 0.01 * 12308);
  std::reverse(ring.begin(), ring.end());
  EXPECT_DOUBLE_EQ(GeodesicRingAreaM2(ring), a);
  EXPECT_EQ(GeodesicRingAreaM2({{0, 0}, {0, 1}}), 0);
}

TEST(GeodesicTest, AntimeridianIsShort) {
  EXPECT_LT(GeodesicDistance({10, 179.99}, {10, -179.99}), 2500);
}

TEST(GeodesicTest, PointAtFraction) {
  const LatLng a{36.95, 41.62}, b{37.05, 41.70};
  const LatLng m = GeodesicPoint(a, b, 0.25);
  EXPECT_NEAR(GeodesicDistance(a, m), 0.25 * GeodesicDistance(a, b), 1e-6);
}

}  // namespace
}  // namespace deconflict::geo
