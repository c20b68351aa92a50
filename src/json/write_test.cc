#include "json/write.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "json/parse.h"

namespace deconflict::json {
namespace {

namespace bj = boost::json;

bj::value ParseOrDie(const std::string& text) {
  bj::value v;
  const std::optional<Issue> bad = Parse(text, &v);
  EXPECT_FALSE(bad.has_value()) << text << ": " << (bad ? bad->ToString() : "");
  return v;
}

// The double the text denotes, read by the correctly rounding std::from_chars.
double ReadExactly(const std::string& text) {
  double d = std::numeric_limits<double>::quiet_NaN();
  const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), d);
  EXPECT_EQ(r.ptr, text.data() + text.size()) << text;
  return d;
}

// Digits after the decimal point of a number's text.
size_t Decimals(const std::string& text) {
  const size_t point = text.find('.');
  return point == std::string::npos ? 0 : text.size() - point - 1;
}

TEST(WriteDoubleTest, Table) {
  const double inf = std::numeric_limits<double>::infinity();
  const struct {
    double x;
    const char* text;
  } cases[] = {
      {41.63, "41.63"},
      {41.629999999999995, "41.629999999999995"},  // a different double: all its digits
      {-36.95, "-36.95"},
      {0.1, "0.1"},
      {0.5, "0.5"},
      {1150.0, "1150.0"},
      {-12.0, "-12.0"},
      {1e-7, "0.0000001"},
      {1.5e-7, "0.00000015"},
      {123456789.125, "123456789.125"},
      {1e15, "1000000000000000.0"},
      {1e21, "1000000000000000000000.0"},
      {9007199254740993.0, "9007199254740992.0"},  // 2^53 + 1 is not a double
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {inf, "null"},
      {-inf, "null"},
      {std::numeric_limits<double>::quiet_NaN(), "null"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(WriteDouble(c.x), c.text) << c.text;
    EXPECT_EQ(Write(bj::value(c.x)), c.text) << c.text;
  }
  EXPECT_EQ(WriteDouble(std::numeric_limits<double>::denorm_min()).size(), 326u);
  EXPECT_EQ(WriteDouble(-std::numeric_limits<double>::max()).size(), 312u);
}

TEST(RoundToTest, Table) {
  const struct {
    double x;
    int decimals;
    std::string text;
  } cases[] = {
      {41.629999999999995, 7, "41.63"},
      {41.63000004, 7, "41.63"},
      {41.63000005, 7, "41.6300001"},  // half away from zero (41.63000005 is just above)
      {-41.63000006, 7, "-41.6300001"},
      {37.04001126, 7, "37.0400113"},
      {0.1 + 0.2, 7, "0.3"},
      {-0.00000001, 7, "0.0"},  // not "-0.0"
      {1149.96, 1, "1150.0"},
      {12.345, 2, "12.35"},  // 12.345 is 12.3450000000000006...
      {601.004999, 2, "601.0"},
      {2.5, 0, "3.0"},
      {-2.5, 0, "-3.0"},
      {1e21, 7, "1000000000000000000000.0"},  // unchanged: no digits beyond the 7th decimal
  };
  for (const auto& c : cases) {
    EXPECT_EQ(WriteDouble(RoundTo(c.x, c.decimals)), c.text) << c.x << " to " << c.decimals;
  }
  EXPECT_TRUE(std::isnan(RoundTo(std::nan(""), 7)));
  EXPECT_EQ(RoundTo(std::numeric_limits<double>::infinity(), 3),
            std::numeric_limits<double>::infinity());
  EXPECT_FALSE(std::signbit(RoundTo(-0.0, 7)));
  // Division by the power of ten, not multiplication by its inverse (which gives
  // 41.629999999999995).
  EXPECT_EQ(RoundTo(41.63, 7), 41.63);
  EXPECT_NE(std::round(41.63 * 1e7) * 1e-7, 41.63);
}

TEST(WriteTest, SameAsBoostWithoutDoubles) {
  const char* documents[] = {
      R"(null)",
      R"(true)",
      R"([])",
      R"({})",
      R"({"seq":1,"at_ms":-1700000000000,"kind":"plan.submitted","parties":["alpha","bravo"]})",
      R"({"big":18446744073709551615,"min":-9223372036854775808,"n":[0,-1,{"a":[]}]})",
      // One document in three literals around "\x7f" (a raw string cannot spell it):
      // NOLINTNEXTLINE(bugprone-suspicious-missing-comma)
      R"({"s":"quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f ctl \u0001 del )"
      "\x7f"
      R"( é ∑ 😀","":"empty key","k\u0000":null})",
  };
  for (const char* d : documents) {
    const bj::value v = bj::parse(d);
    EXPECT_EQ(Write(v), bj::serialize(v)) << d;
  }
}

TEST(WriteTest, DoublesInDocuments) {
  const bj::value v = {{"position", bj::array{41.63, 37.0400113}},
                       {"min_distance_m", 0.0},
                       {"required_m", 1150.0},
                       {"shift_s", -0.25},
                       {"nan", std::nan("")},
                       {"n", 3}};
  EXPECT_EQ(bj::serialize(v),
            R"({"position":[4.163E1,3.70400113E1],"min_distance_m":0E0,"required_m":1.15E3,)"
            R"("shift_s":-2.5E-1,"nan":NaN,"n":3})");  // what this module replaces
  EXPECT_EQ(Write(v), R"({"position":[41.63,37.0400113],"min_distance_m":0.0,"required_m":1150.0,)"
                      R"("shift_s":-0.25,"nan":null,"n":3})");
}

TEST(WriteTest, Pretty) {
  EXPECT_EQ(WritePretty(bj::value{{"a", bj::array{1, 2.5}}, {"b", bj::object{{"c", true}}}}),
            "{\n  \"a\": [1, 2.5],\n  \"b\": {\n    \"c\": true\n  }\n}");
  // Long arrays and arrays of containers: one element per line.
  EXPECT_EQ(WritePretty(bj::array{bj::array{1, 2}, bj::object{}}), "[\n  [1, 2],\n  {}\n]");
  EXPECT_EQ(WritePretty(bj::array{1, 2, 3, 4, 5, 6, 7, 8, 9}),
            "[\n  1,\n  2,\n  3,\n  4,\n  5,\n  6,\n  7,\n  8,\n  9\n]");
  EXPECT_EQ(WritePretty(bj::array{}), "[]");
  const bj::value v = {{"x", bj::array{41.63, -0.0, 1e-7, 3.0, 3}}, {"s", "a\"b"}};
  EXPECT_EQ(ParseOrDie(WritePretty(v)), ParseOrDie(Write(v)));
  // Kinds survive: 3.0 stays a double, 3 an integer.
  EXPECT_EQ(ParseOrDie(Write(v)), v);
}

// Random doubles over the whole range: every bit pattern, and decimals of every magnitude.
rc::Gen<double> AnyFiniteDouble() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<uint64_t>(),
                   [](uint64_t bits) {
                     const double d = std::bit_cast<double>(bits);
                     return std::isfinite(d) ? d : 0.5;
                   }),
      rc::gen::apply(
          [](int64_t mantissa, int exponent) {
            return static_cast<double>(mantissa) * std::pow(10.0, exponent);
          },
          rc::gen::inRange<int64_t>(-99999999999999999, 99999999999999999),
          rc::gen::inRange(-340, 292)),
      rc::gen::element(0.0, -0.0, std::numeric_limits<double>::denorm_min(),
                       -std::numeric_limits<double>::denorm_min(),
                       std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
                       -std::numeric_limits<double>::max(), std::numeric_limits<double>::epsilon(),
                       9007199254740993.0, 1e21, 1e-7, 41.63, -36.95));
}

// Write then parse gives the same double; the text is plain decimal. Exactly with a correctly
// rounding reader (std::from_chars; also JavaScript's JSON.parse, Python's json); Boost 1.81's
// own parser is within two units in the last place (json/parse.h).
// Strings (keys and values) are written exactly as Boost.JSON writes them, whatever they hold:
// quotes, backslashes, control characters, non-ASCII bytes.
RC_GTEST_PROP(WriteProperty, StringsAsBoostWritesThem, (const std::string& s)) {
  bj::object o;
  o[s] = s;
  RC_ASSERT(Write(bj::value(o)) == bj::serialize(bj::value(o)));
  RC_ASSERT(Write(bj::value(bj::string(s))) == bj::serialize(bj::value(bj::string(s))));
}

TEST(WriteTest, StringsThatNeedEscaping) {
  for (const char* s : {"plain", "", "a\"b", "back\\slash", "tab\tline\n", "caf\xC3\xA9", "\x01"}) {
    EXPECT_EQ(Write(bj::value(bj::string(s))), bj::serialize(bj::value(bj::string(s)))) << s;
  }
}

// The escape check reads eight bytes at a time: every special or neighbouring byte at every
// position of strings shorter and longer than a word.
TEST(WriteTest, EscapesAtEveryPosition) {
  for (size_t len = 1; len <= 24; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int c :
           {0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xc3, 0xff}) {
        std::string text(len, 'a');
        text[pos] = static_cast<char>(c);
        ASSERT_EQ(Write(bj::value(bj::string(text))), bj::serialize(bj::value(bj::string(text))))
            << "length " << len << ", byte " << c << " at " << pos;
      }
    }
  }
}

RC_GTEST_PROP(WriteProperty, RoundTripsEveryDouble, ()) {
  const double x = *AnyFiniteDouble();
  const std::string text = WriteDouble(x);
  RC_ASSERT(text.find_first_of("eE") == std::string::npos);
  RC_ASSERT(text.find_first_not_of("-.0123456789") == std::string::npos);
  const double exact = ReadExactly(text);
  RC_ASSERT(exact == x);
  RC_ASSERT(std::signbit(exact) == std::signbit(x));  // -0.0 too
  RC_ASSERT(text.find('.') != std::string::npos);     // reads back as a double

  bj::value v;
  RC_ASSERT(!Parse(Write(bj::array{x}), &v).has_value());
  RC_ASSERT(v.as_array().at(0).is_double());
  const double back = v.as_array().at(0).as_double();
  const double one_ulp = std::nextafter(x, back);
  RC_ASSERT(back == x || back == one_ulp || back == std::nextafter(one_ulp, back));
}

// A coordinate rounded to 7 decimals is written with at most 7 decimals and parses back (with
// Boost.JSON) to the rounded double, within 5e-8 of the original.
RC_GTEST_PROP(WriteProperty, CoordinatesHaveAtMostSevenDecimals, ()) {
  const bool latitude = *rc::gen::arbitrary<bool>();
  const double limit = latitude ? 90.0 : 180.0;
  const double fraction = static_cast<double>(*rc::gen::inRange<int64_t>(-(1LL << 53), 1LL << 53));
  const double x = *rc::gen::oneOf(rc::gen::just(limit * fraction / 0x1p53),
                                   rc::gen::element(0.0, -0.0, limit, -limit, 1e-8, -4.9999999e-8,
                                                    41.629999999999995, 36.95000005));
  const double rounded = RoundTo(x, kDegreeDecimals);
  const std::string text = Write(bj::value(rounded));
  RC_ASSERT(Decimals(text) <= 7u);
  RC_ASSERT(text.find_first_of("eE") == std::string::npos);
  const double back = ParseOrDie(text).to_number<double>();
  RC_ASSERT(back == rounded);
  RC_ASSERT(std::fabs(back - x) <= 5e-8);
}

}  // namespace
}  // namespace deconflict::json
