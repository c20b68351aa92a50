#include "service/probing.h"

#include <gtest/gtest.h>

namespace deconflict::service {
namespace {

TimePoint At(double s) { return TimePoint::FromUnixSeconds(1.7e9 + s); }

TEST(ProbeLimiter, BurstThenOneTokenPerIntervalPerParty) {
  ProbeLimiter l({.burst = 3, .per_minute = 30});  // a token every 2 s
  const PartyId us("US"), ru("RU");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.Take(us, At(0)).ok()) << i;
  Status over = l.Take(us, At(0));
  EXPECT_EQ(over.code(), StatusCode::kTooManyRequests);
  EXPECT_EQ(over.retry_after_s(), 2);
  EXPECT_EQ(l.Take(us, At(1.5)).retry_after_s(), 1);  // 0.5 s to go: whole seconds, at least 1
  EXPECT_TRUE(l.Take(ru, At(0)).ok());                // another party's bucket is its own
  EXPECT_TRUE(l.Take(us, At(2)).ok());
  EXPECT_FALSE(l.Take(us, At(2)).ok());
  // Refill stops at the burst.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.Take(us, At(1000)).ok()) << i;
  EXPECT_FALSE(l.Take(us, At(1000)).ok());
}

model::Plan Square(double side_deg) {
  model::Plan p;
  p.kind = model::PlanKind::kZone;
  model::Area a;
  a.footprint = model::Polygon{
      {{{36, 41}, {36, 41 + side_deg}, {36 + side_deg, 41 + side_deg}, {36 + side_deg, 41}}}};
  p.shape = a;
  return p;
}

TEST(ProbeArea, PolygonsAndCirclesAreMeasuredGeodesically) {
  // 1 degree at 36 N: about 111 km x 90 km.
  EXPECT_NEAR(PlanAreaKm2(Square(1)), 111 * 90, 0.03 * 111 * 90);
  EXPECT_TRUE(CheckArea(Square(1), 10000).ok());
  Status big = CheckArea(Square(2), 10000);
  ASSERT_EQ(big.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(big.issues().size(), 1u);
  EXPECT_EQ(big.issues()[0].path, "geometry");
  EXPECT_NE(big.issues()[0].reason.find("10,000 km²"), std::string::npos) << big.message();
  model::Plan circle;
  circle.kind = model::PlanKind::kSite;
  model::Area a;
  a.footprint = model::Circle{{36, 41}, Meters(100000)};
  circle.shape = a;
  EXPECT_NEAR(PlanAreaKm2(circle), 3.14159 * 100 * 100, 0.01 * 31416);
  EXPECT_FALSE(CheckArea(circle, 10000).ok());
}

TEST(ProbeArea, CoarseExtentIsWidenedToTenthsOfADegree) {
  auto e = CoarseExtent(Square(0.03));
  EXPECT_DOUBLE_EQ(e[0], 41.0);
  EXPECT_DOUBLE_EQ(e[1], 36.0);
  EXPECT_DOUBLE_EQ(e[2], 41.1);
  EXPECT_DOUBLE_EQ(e[3], 36.1);
}

}  // namespace
}  // namespace deconflict::service
