#include "base/time.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <string>

#include "testsupport/status_macros.h"

namespace deconflict {
namespace {

TEST(TimeTest, ParsesUtcAndOffsets) {
  auto t = ParseRfc3339("2022-10-08T09:30:00Z");
  ASSERT_OK(t);
  EXPECT_DOUBLE_EQ(t->unix_seconds(), 1665221400.0);
  auto t2 = ParseRfc3339("2022-10-08T12:30:00+03:00");
  ASSERT_TRUE(t2.ok());
  EXPECT_DOUBLE_EQ(t2->unix_seconds(), 1665221400.0);
  auto t3 = ParseRfc3339("2022-10-08t09:30:00.250z");
  ASSERT_TRUE(t3.ok());
  EXPECT_DOUBLE_EQ(t3->unix_seconds(), 1665221400.25);
  EXPECT_DOUBLE_EQ(ParseRfc3339("1970-01-01T00:00:00Z")->unix_seconds(), 0.0);
  EXPECT_DOUBLE_EQ(ParseRfc3339("1969-12-31T23:59:59Z")->unix_seconds(), -1.0);
}

TEST(TimeTest, RejectsInvalid) {
  for (const char* bad :
       {"2022-10-08", "2022-10-08T09:30:00", "2022-13-01T00:00:00Z", "2022-04-31T00:00:00Z",
        "2023-02-29T00:00:00Z", "2022-10-08T24:00:00Z", "2022-10-08T09:30:00Zjunk",
        "08/10/2022 09:30", "", "2022-10-08T09:30Z", "2022-10-08T09:30:00.Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").ok());
}

// Found by rfc3339_fuzzer: an offset or a leap second took the instant out of the four-digit
// years, and FormatRfc3339 then wrote "10000-01-01T00:00:00Z", which does not parse.
TEST(TimeTest, RefusesInstantsBeyondFourDigitYears) {
  for (const char* bad : {"9999-12-31T23:59:60Z", "9999-12-31T23:59:59.5Z",
                          "9999-12-31T23:30:00-01:00", "0000-01-01T00:00:00+00:01"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
  for (const char* good : {"9999-12-31T23:59:59Z", "9999-12-31T23:59:59.4Z", "0000-01-01T00:00:00Z",
                           "0001-01-01T00:30:00+01:00"}) {
    auto t = ParseRfc3339(good);
    ASSERT_OK(t);
    EXPECT_TRUE(ParseRfc3339(FormatRfc3339(*t)).ok()) << good;
  }
}

TEST(TimeTest, FormatsRoundedUtc) {
  EXPECT_EQ(FormatRfc3339(TimePoint::FromUnixSeconds(1665221400.4)), "2022-10-08T09:30:00Z");
  EXPECT_EQ(FormatRfc3339(TimePoint::FromUnixSeconds(-1)), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatDuration(Seconds(45)), "45 s");
  EXPECT_EQ(FormatDuration(Seconds(725)), "12 min 5 s");
  EXPECT_EQ(FormatDuration(Seconds(12000)), "3 h 20 min");
}

RC_GTEST_PROP(TimeProperty, FormatThenParseRoundTrips, ()) {
  const auto s = *rc::gen::inRange<long long>(-2208988800LL, 7258118400LL);  // 1900..2200
  const TimePoint t = TimePoint::FromUnixSeconds(static_cast<double>(s));
  auto back = ParseRfc3339(FormatRfc3339(t));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->unix_seconds() == t.unix_seconds());
}

// FormatRfc3339 writes its digits itself: the same text as the snprintf it replaced, over every
// year it can write.
RC_GTEST_PROP(TimeProperty, FormatsAsSnprintfDid, ()) {
  const auto s = *rc::gen::inRange<long long>(-62167219200LL, 253402300800LL);  // 0000..9999
  long long days = s / 86400, rem = s % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const TimePoint day_start = TimePoint::FromUnixSeconds(static_cast<double>(days) * 86400);
  const std::string date = FormatRfc3339(day_start).substr(0, 10);
  char want[40];
  std::snprintf(want, sizeof want, "%sT%02lld:%02lld:%02lldZ", date.c_str(), rem / 3600,
                (rem / 60) % 60, rem % 60);
  RC_ASSERT(FormatRfc3339(TimePoint::FromUnixSeconds(static_cast<double>(s))) == want);
  RC_ASSERT(ParseRfc3339(date + "T00:00:00Z")->unix_seconds() == day_start.unix_seconds());
}

TEST(TimeTest, FormatsTheFirstAndLastWritableSeconds) {
  EXPECT_EQ(FormatRfc3339(TimePoint::FromUnixSeconds(-62167219200.0)), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(TimePoint::FromUnixSeconds(253402300799.0)), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(TimePoint::FromUnixSeconds(951782400.0)), "2000-02-29T00:00:00Z");
}

TEST(TimeTest, MillisConvertExactly) {
  EXPECT_EQ(FromUnixMillis(1665221400123).unix_seconds(), 1665221400.123);
  EXPECT_EQ(ToUnixMillis(TimePoint::FromUnixSeconds(1665221400.123)), 1665221400123);
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(-1)), -1);
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(-2208988800001)), -2208988800001);
  EXPECT_EQ(ToUnixMillis(FromUnixMillis(0)), 0);
  EXPECT_EQ(ToUnixMillis(TimePoint::FromUnixSeconds(0.0004)), 0);
  EXPECT_EQ(ToUnixMillis(TimePoint::FromUnixSeconds(0.0006)), 1);
  const TimePoint now = NowMillis();
  EXPECT_EQ(FromUnixMillis(ToUnixMillis(now)), now);
}

RC_GTEST_PROP(TimeProperty, MillisRoundTrip, ()) {
  // Whole milliseconds in 1970..2200, and before the epoch.
  const auto ms = *rc::gen::oneOf(rc::gen::inRange<int64_t>(0, 7258118400000LL),
                                  rc::gen::inRange<int64_t>(-2208988800000LL, 0));
  const TimePoint t = FromUnixMillis(ms);
  RC_ASSERT(ToUnixMillis(t) == ms);
  RC_ASSERT(FromUnixMillis(ToUnixMillis(t)) == t);
}

}  // namespace
}  // namespace deconflict
