#include "model/rules.h"

#include <gtest/gtest.h>

#include "testsupport/status_macros.h"

namespace deconflict::model {
namespace {

TEST(RulesTest, EmptyObjectKeepsDefaults) {
  Result<Rules> r = ParseRules("{}");
  ASSERT_OK(r);
  EXPECT_EQ(r->ground_ground_horizontal_m, 1000);
  EXPECT_EQ(r->air_air_horizontal_m, 9260);
  EXPECT_EQ(r->air_air_vertical_m, 304.8);
  EXPECT_EQ(r->ground_air_horizontal_m, 1000);
  EXPECT_EQ(r->low_level_ceiling_m, 1500);
  EXPECT_EQ(r->movement_site_buffer_m, 200);
  EXPECT_EQ(r->flight_site_buffer_m, 1000);
  EXPECT_EQ(r->zone_buffer_m, 0);
}

TEST(RulesTest, OverridesOnlyTheGivenKeys) {
  Result<Rules> r = ParseRules(
      R"({"ground_ground_horizontal_m": 1500, "low_level_ceiling_m": 2500.5, "zone_buffer_m": 0})");
  ASSERT_OK(r);
  EXPECT_EQ(r->ground_ground_horizontal_m, 1500);
  EXPECT_EQ(r->low_level_ceiling_m, 2500.5);
  EXPECT_EQ(r->zone_buffer_m, 0);
  EXPECT_EQ(r->air_air_horizontal_m, 9260);  // untouched
}

TEST(RulesTest, UnknownKeyListsTheKnownRules) {
  Result<Rules> r = ParseRules(R"({"ground_ground_m": 1500})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(r.status().issues().size(), 1u);
  EXPECT_EQ(r.status().issues()[0].path, "ground_ground_m");
  EXPECT_EQ(r.status().issues()[0].reason.rfind("unknown rule; known rules are: ", 0), 0u);
  EXPECT_NE(r.status().issues()[0].reason.find("ground_ground_horizontal_m"), std::string::npos);
  EXPECT_NE(r.status().issues()[0].reason.find("zone_buffer_m"), std::string::npos);
}

TEST(RulesTest, RejectsBadValuesAllAtOnce) {
  Result<Rules> r = ParseRules(
      R"({"movement_site_buffer_m": -5, "air_air_horizontal_m": 0, "zone_buffer_m": "50 m",
          "air_air_vertical_m": 1e999, "foo": 1})");
  ASSERT_FALSE(r.ok());
  const std::vector<Issue>& issues = r.status().issues();
  ASSERT_EQ(issues.size(), 5u);
  EXPECT_EQ(issues[0].ToString(), "movement_site_buffer_m: expected a number >= 0, got -5");
  EXPECT_EQ(issues[1].ToString(), "air_air_horizontal_m: expected a number > 0, got 0");
  EXPECT_EQ(issues[2].ToString(), "zone_buffer_m: expected a number >= 0 (metres), got \"50 m\"");
  EXPECT_EQ(issues[3].path, "air_air_vertical_m");
  EXPECT_EQ(issues[4].path, "foo");
}

TEST(RulesTest, RejectsMalformedJsonAndNonObjects) {
  Result<Rules> bad = ParseRules("{\"zone_buffer_m\": }");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().issues()[0].path, "");
  EXPECT_NE(bad.status().issues()[0].reason.find("malformed JSON at line 1, column 19"),
            std::string::npos)
      << bad.status().issues()[0].reason;
  Result<Rules> array = ParseRules("[1000]");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.status().issues()[0].reason, "expected a JSON object of rules, got an array");
}

}  // namespace
}  // namespace deconflict::model
