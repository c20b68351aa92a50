#include "engine/detector.h"

#include <gtest/gtest.h>
#include <chrono>

#include "base/time.h"
#include "testsupport/fixtures.h"
#include "testsupport/scenario.h"

namespace deconflict::engine {
namespace {

using namespace deconflict::testing;

TEST(DetectorSmoke, CrossingPatrols) {
  ConflictDetector d;
  ASSERT_TRUE(d.Add(Movement("a", "US", "41.60 36.95 @ 09:00, 41.70 36.95 @ 09:30")).ok());
  ASSERT_TRUE(d.Add(Movement("b", "RU", "41.65 36.90 @ 09:00, 41.65 37.00 @ 09:30")).ok());
  auto all = d.DetectAll();
  ASSERT_EQ(all.size(), 1u);
  const Conflict& c = all[0];
  EXPECT_EQ(c.plan_a.value(), "a");
  EXPECT_LT(c.min_distance.value(), 5);
  std::printf("window %s - %s cpa %s at %s d=%.2f\n", FormatRfc3339(c.window.start).c_str(),
              FormatRfc3339(c.window.end).c_str(), FormatRfc3339(c.cpa_time).c_str(),
              geo::ToString(c.cpa_position).c_str(), c.min_distance.value());
}

TEST(DetectorSmoke, IndexAgreesWithBruteForce) {
  ScenarioOptions o;
  o.plans = 3000;
  o.radius_km = 150;
  auto plans = GenerateScenario(o);
  ConflictDetector fast, slow(model::Rules{}, {.use_brute_force = true});
  for (const auto& p : plans) {
    ASSERT_TRUE(fast.Add(p).ok());
    ASSERT_TRUE(slow.Add(p).ok());
  }
  auto a = fast.DetectAll();
  auto b = slow.DetectAll();
  std::printf("%zu vs %zu conflicts\n", a.size(), b.size());
  ASSERT_EQ(a.size(), b.size());
}

}  // namespace
}  // namespace deconflict::engine
namespace deconflict::engine {
TEST(DetectorSmoke, Timing) {
  testing::ScenarioOptions o;
  o.plans = 3000;
  o.radius_km = 150;
  auto plans = testing::GenerateScenario(o);
  ConflictDetector fast;
  for (const auto& p : plans) ASSERT_TRUE(fast.Add(p).ok());
  auto t0 = std::chrono::steady_clock::now();
  auto a = fast.DetectAll();
  auto t1 = std::chrono::steady_clock::now();
  std::printf("fast %zu in %.3f s; elements %zu\n", a.size(), std::chrono::duration<double>(t1 - t0).count(), fast.stats().elements);
}
}
