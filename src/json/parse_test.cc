#include "json/parse.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

namespace deconflict::json {
namespace {

TEST(ParseTest, ParsesOneDocument) {
  boost::json::value v;
  EXPECT_FALSE(Parse(R"({"a": [1, 2.5, "x"], "b": null})", &v).has_value());
  EXPECT_EQ(v, boost::json::parse(R"({"a": [1, 2.5, "x"], "b": null})"));
  EXPECT_FALSE(Parse("  41.63\n", &v).has_value());
  EXPECT_EQ(v.as_double(), 41.63);
  EXPECT_FALSE(Parse("1150", &v).has_value());
  EXPECT_TRUE(v.is_int64());
}

// Found by json_fuzzer: Boost 1.81 reads "0e07305" as NaN (which Write then writes as null).
TEST(ParseTest, ReadsAZeroWithAHugeExponentAsZero) {
  boost::json::value v;
  ASSERT_FALSE(Parse(R"({"a": [0e07305, -0.0E999, 1e400, 2.5e1]})", &v).has_value());
  const boost::json::array& a = v.at("a").as_array();
  EXPECT_EQ(a[0].as_double(), 0.0);
  EXPECT_EQ(a[1].as_double(), 0.0);
  EXPECT_TRUE(std::isinf(a[2].as_double()));
  EXPECT_EQ(a[3].as_double(), 25.0);
}

// The NaN fix-up still runs when the only exponents sit beside letters elsewhere in the text.
TEST(ParseTest, ZeroesTheNaNsWhateverElseTheTextHolds) {
  boost::json::value v;
  ASSERT_FALSE(Parse(R"({"type": "e", "x": [0E999], "y": "1e"})", &v).has_value());
  EXPECT_EQ(v.at("x").as_array()[0].as_double(), 0.0);
  ASSERT_FALSE(Parse(R"({"type": "none", "x": 0e9})", &v).has_value());
  EXPECT_EQ(v.at("x").as_double(), 0.0);
}

// A value made with a monotonic resource receives a tree allocated there, equal to the default.
TEST(ParseTest, ParsesIntoTheValuesMemoryResource) {
  boost::json::monotonic_resource mr;
  boost::json::value v(&mr);
  const char* text = R"({"features": [{"id": "a", "c": [41.6, 36.9]}, {"id": "b"}]})";
  ASSERT_FALSE(Parse(text, &v).has_value());
  EXPECT_EQ(v.storage().get(), &mr);
  EXPECT_EQ(v.at("features").storage().get(), &mr);
  EXPECT_EQ(v, boost::json::parse(text));
}

TEST(ParseTest, NamesWhereTheTextStopsBeingJson) {
  boost::json::value v = "unchanged";
  std::optional<Issue> bad = Parse("{\n  \"a\": 1,\n  \"b\": tru\n}", &v);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->path, "");
  EXPECT_EQ(bad->reason.rfind("malformed JSON at line 3, column ", 0), 0u) << bad->reason;
  EXPECT_EQ(v, "unchanged");

  bad = Parse("", &v);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->reason.rfind("malformed JSON at line 1, column 1: ", 0), 0u) << bad->reason;

  bad = Parse("[1, 2] [3]", &v);  // one document only
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->reason.rfind("malformed JSON at line 1, column 8: ", 0), 0u) << bad->reason;

  bad = Parse("[1, 2,]", &v);  // no trailing commas
  EXPECT_TRUE(bad.has_value());
}

}  // namespace
}  // namespace deconflict::json
