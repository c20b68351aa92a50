#include "channel/policy.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace deconflict::channel {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

constexpr int64_t kMin = 60'000;

TEST(DeadlinePolicy, ShrinksAsTheConflictApproaches) {
  DeadlinePolicy p;
  EXPECT_EQ(p.DeadlineFor(Ms(0), Ms(20 * 60 * kMin)), Ms(120 * kMin));  // 20 h ahead -> 2 h
  EXPECT_EQ(p.DeadlineFor(Ms(0), Ms(6 * 60 * kMin)), Ms(30 * kMin));    // 6 h -> 30 min
  EXPECT_EQ(p.DeadlineFor(Ms(0), Ms(90 * kMin)), Ms(10 * kMin));        // 90 min -> 10 min
  EXPECT_EQ(p.DeadlineFor(Ms(0), Ms(20 * kMin)), Ms(2 * kMin));         // 20 min -> 2 min
  // Never after the conflict starts, never less than the minimum.
  EXPECT_EQ(p.DeadlineFor(Ms(0), Ms(90'000)), Ms(90'000));
  EXPECT_EQ(p.DeadlineFor(Ms(0), Ms(10'000)), Ms(kMin));
  EXPECT_EQ(p.DeadlineFor(Ms(0), Ms(-kMin)), Ms(kMin));  // already started
}

// Found by deadline_policy_fuzzer: {"min_ack_s": 1e300} was accepted, and DeadlineFor then rounded
// 1e303 ms into an int64 (a deadline before the notice), as lifecycle.cc did with reescalate_s.
TEST(DeadlinePolicy, RefusesDurationsBeyondAYear) {
  for (const char* bad : {R"({"min_ack_s": 1e300})", R"({"reescalate_s": 31536001})",
                          R"({"steps": [{"lead_s": 60, "ack_s": 1e16}]})"}) {
    EXPECT_FALSE(ParseDeadlinePolicy(bad).ok()) << bad;
  }
  Result<DeadlinePolicy> p = ParseDeadlinePolicy(
      R"({"steps": [{"lead_s": 1e18, "ack_s": 31536000}], "min_ack_s": 31536000})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->DeadlineFor(Ms(0), Ms(0)), Ms(31536000LL * 1000));
}

TEST(DeadlinePolicy, ParsesAndReportsEveryBadField) {
  auto p = ParseDeadlinePolicy(R"({"steps": [{"lead_s": 600, "ack_s": 60}], "min_ack_s": 30})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->steps.size(), 1u);
  EXPECT_EQ(p->DeadlineFor(Ms(0), Ms(300'000)), Ms(60'000));
  EXPECT_EQ(p->DeadlineFor(Ms(0), Ms(3'600'000)), Ms(60'000)) << "beyond the last step: its ack_s";

  auto bad = ParseDeadlinePolicy(
      R"({"steps": [{"lead_s": 600, "ack_s": -1}, {"lead_s": 300, "ack_s": 5}], "x": 1})");
  ASSERT_FALSE(bad.ok());
  std::vector<std::string> paths;
  for (const Issue& i : bad.status().issues()) paths.push_back(i.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"steps[0].ack_s", "steps[1].lead_s", "x"}));
  EXPECT_FALSE(ParseDeadlinePolicy("[").ok());
  EXPECT_FALSE(ParseDeadlinePolicy(R"({"min_ack_s": "60"})").ok());
}

}  // namespace
}  // namespace deconflict::channel
