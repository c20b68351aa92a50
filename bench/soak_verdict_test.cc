#include "soak_verdict.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace deconflict::load {
namespace {

// 61 samples, one a second; memory in KB as a function of time, 30 fds unless `fds` says.
std::vector<SoakSample> Series(const std::function<double(double)>& rss_kb,
                               const std::function<int64_t(double)>& fds = {},
                               int64_t sqlite_kb = -1) {
  std::vector<SoakSample> v;
  for (int t = 0; t <= 60; ++t) {
    SoakSample s;
    s.t_s = t;
    s.rss_kb = static_cast<int64_t>(rss_kb(t));
    s.sqlite_kb = sqlite_kb;
    s.fds = fds ? fds(t) : 30;
    v.push_back(s);
  }
  return v;
}

TEST(SoakVerdict, FlatAfterAWarmUpThatGrewPasses) {
  // 20 MB -> 60 MB during the warm-up, then flat with 1 MB of noise.
  auto v = JudgeGrowth(
      Series([](double t) { return t < 12 ? 20480 + t * 3413 : 61440 + 1024 * std::sin(t); }),
      {.warmup_s = 12});
  EXPECT_TRUE(v.ok) << (v.failures.empty() ? "" : v.failures.front());
  EXPECT_NEAR(v.ref_mb, 61, 0.5);
  EXPECT_EQ(v.post_samples, 49);
}

TEST(SoakVerdict, SteadyGrowthFailsAndNamesTheFigures) {
  // 13 KB per amendment at 20 amendments a second: 260 KB/s, 12.5 MB over the 48 s.
  auto v = JudgeGrowth(Series([](double t) { return 30720 + 260 * t; }), {.warmup_s = 12});
  ASSERT_FALSE(v.ok);
  ASSERT_EQ(v.failures.size(), 1u);
  EXPECT_NE(v.failures[0].find("RSS grew after the warm-up"), std::string::npos) << v.failures[0];
  EXPECT_NEAR(v.slope_mb_per_h, 260.0 * 3600 / 1024, 1);
}

TEST(SoakVerdict, TheMarginIsTheLargerOfMegabytesAndPercent) {
  // 200 MB, grows 15 MB: over 8 MB, under 10 % (20 MB).
  auto grow = [](double t) { return 204800 + (t > 40 ? 15360 : 0); };
  EXPECT_TRUE(JudgeGrowth(Series(grow), {.warmup_s = 12}).ok);
  EXPECT_FALSE(JudgeGrowth(Series(grow), {.warmup_s = 12, .rss_margin_fraction = 0.05}).ok);
}

TEST(SoakVerdict, SqliteHeapIsSubtractedUnlessAskedNotTo) {
  // RSS grows 20 MB, all of it SQLite's page cache filling.
  std::vector<SoakSample> s = Series([](double t) { return 30720 + 350 * t; });
  for (SoakSample& x : s) x.sqlite_kb = static_cast<int64_t>(350 * x.t_s);
  EXPECT_TRUE(JudgeGrowth(s, {.warmup_s = 12}).ok);
  EXPECT_TRUE(JudgeGrowth(s, {.warmup_s = 12}).net);
  EXPECT_FALSE(JudgeGrowth(s, {.warmup_s = 12, .net_of_sqlite = false}).ok);
}

TEST(SoakVerdict, DescriptorLeakFails) {
  auto flat = [](double) { return 40960.0; };
  EXPECT_TRUE(JudgeGrowth(Series(flat, [](double t) { return 30 + static_cast<int64_t>(t) % 5; }),
                          {.warmup_s = 12})
                  .ok);
  auto leak = JudgeGrowth(Series(flat, [](double t) { return 30 + static_cast<int64_t>(t / 3); }),
                          {.warmup_s = 12});
  ASSERT_FALSE(leak.ok);
  EXPECT_NE(leak.failures[0].find("file descriptors"), std::string::npos);
}

TEST(SoakVerdict, SlopeIsJudgedOnlyWhenAThresholdIsGiven) {
  auto creep = Series([](double t) { return 40960 + 20 * t; });  // 70 MB/h, +0.9 MB in the run
  EXPECT_TRUE(JudgeGrowth(creep, {.warmup_s = 12}).ok);
  EXPECT_FALSE(JudgeGrowth(creep, {.warmup_s = 12, .max_slope_mb_per_h = 50}).ok);
}

TEST(SoakVerdict, TooFewSamplesAfterTheWarmUpFail) {
  EXPECT_FALSE(JudgeGrowth(Series([](double) { return 1000.0; }), {.warmup_s = 58}).ok);
}

TEST(SoakVerdict, LeastSquaresSlope) {
  EXPECT_DOUBLE_EQ(LeastSquaresSlope({0, 1, 2, 3}, {1, 3, 5, 7}), 2);
  EXPECT_DOUBLE_EQ(LeastSquaresSlope({1, 1}, {1, 5}), 0);
  EXPECT_DOUBLE_EQ(LeastSquaresSlope({}, {}), 0);
}

TEST(SoakVerdict, CsvRowHasTheHeadersColumns) {
  SoakSample s;
  s.t_s = 5;
  s.rss_kb = 1234;
  const std::string header = SoakCsvHeader(), row = SoakCsvRow(s);
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(row.begin(), row.end(), ','));
  EXPECT_EQ(row.rfind("5.0,1234,", 0), 0u) << row;
}

}  // namespace
}  // namespace deconflict::load
