// Integration tests: run the real `deconflict` binary (DECONFLICT_BINARY) on small plans files
// written here, and check its exit code, stdout and stderr.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "testsupport/daemon.h"
#include "testsupport/temp_dir.h"

namespace deconflict::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

using Output = testing::ProcessResult;

// Two ground patrols crossing at (41.65 E, 37.00 N) at 09:10 UTC.
constexpr const char* kCrossing = R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "id": "us-1",
   "properties": {"party": "US", "kind": "movement", "callsign": "Wolfpack 2", "corridor_m": 100,
                  "times": ["2022-10-08T09:00:00Z", "2022-10-08T09:20:00Z"]},
   "geometry": {"type": "LineString", "coordinates": [[41.60, 37.00], [41.70, 37.00]]}},
  {"type": "Feature", "id": "ru-1",
   "properties": {"party": "RU", "kind": "movement", "corridor_m": 50,
                  "times": ["2022-10-08T09:00:00Z", "2022-10-08T09:20:00Z"]},
   "geometry": {"type": "LineString", "coordinates": [[41.65, 36.95], [41.65, 37.05]]}}]})";

// The same routes, three hours apart.
constexpr const char* kApart = R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "id": "us-1",
   "properties": {"party": "US", "kind": "movement",
                  "times": ["2022-10-08T09:00:00Z", "2022-10-08T09:20:00Z"]},
   "geometry": {"type": "LineString", "coordinates": [[41.60, 37.00], [41.70, 37.00]]}},
  {"type": "Feature", "id": "ru-1",
   "properties": {"party": "RU", "kind": "movement",
                  "times": ["2022-10-08T12:00:00Z", "2022-10-08T12:20:00Z"]},
   "geometry": {"type": "LineString", "coordinates": [[41.65, 36.95], [41.65, 37.05]]}}]})";

// Three errors in two features.
constexpr const char* kThreeErrors = R"({"type": "FeatureCollection", "features": [
  {"type": "Feature", "id": "us-1",
   "properties": {"party": "US", "kind": "movement", "corridor_m": -5,
                  "times": ["2022-10-08T09:20:00Z", "2022-10-08T09:00:00Z"]},
   "geometry": {"type": "LineString", "coordinates": [[41.60, 37.00], [41.70, 37.00]]}},
  {"type": "Feature", "id": "ru-1",
   "properties": {"party": "RU", "kind": "movement",
                  "times": ["2022-10-08T09:00:00Z", "2022-10-08T09:20:00Z"]},
   "geometry": {"type": "LineString", "coordinates": [[41.65, 36.95], [41.65, 95]]}}]})";

class CliIntegrationTest : public ::testing::Test {
 protected:
  // Writes `text` to a file in the test's directory and returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = tmp_.path() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  // Runs the binary with `args`; stdin from `stdin_text`; extra "NAME=value" environment entries.
  Output RunTool(const std::vector<std::string>& args, const std::string& stdin_text = "",
                 const std::vector<std::string>& env = {}) {
    return testing::RunProcess(DECONFLICT_BINARY, args,
                               testing::ProcessOptions{.stdin_text = stdin_text, .env = env});
  }

  const testing::TempDir tmp_{"deconflict_cli"};
};

json::value ParseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << text;
  return v;
}

#define EXPECT_CONTAINS(haystack, needle)                     \
  EXPECT_NE((haystack).find(needle), std::string::npos)       \
      << "expected to contain: " << (needle) << "\n--- in:\n" \
      << (haystack)

TEST_F(CliIntegrationTest, CrossingPatrolsConflict) {
  const Output o = RunTool({"check", Write("crossing.geojson", kCrossing)});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_EQ(o.err, "");
  const json::value v = ParseJson(o.out);
  const json::array& conflicts = v.at("conflicts").as_array();
  ASSERT_EQ(conflicts.size(), 1u);
  const json::value& c = conflicts[0];
  EXPECT_EQ(c.at("plans"), (json::array{"ru-1", "us-1"}));
  EXPECT_EQ(c.at("parties"), (json::array{"RU", "US"}));
  EXPECT_EQ(c.at("type"), "separation");
  EXPECT_EQ(c.at("rule"), "ground_ground");
  EXPECT_EQ(c.at("required_m").to_number<double>(), 1150);
  EXPECT_LT(c.at("min_distance_m").to_number<double>(), 10);
  EXPECT_EQ(c.at("cpa").at("time"), "2022-10-08T09:10:00Z");
  EXPECT_EQ(c.at("id").as_string().size(), 12u);
  EXPECT_EQ(v.at("stats").at("plans"), 2);
  EXPECT_EQ(v.at("stats").at("parties"), 2);
  EXPECT_EQ(v.at("stats").at("conflicts"), 1);
  EXPECT_EQ(v.at("stats").at("method"), "index");
}

TEST_F(CliIntegrationTest, BruteForceGivesTheSameConflicts) {
  const std::string path = Write("crossing.geojson", kCrossing);
  const Output indexed = RunTool({"check", path});
  const Output brute = RunTool({"check", path, "--brute-force", "--threads", "2"});
  EXPECT_EQ(brute.code, 1) << brute.err;
  EXPECT_EQ(ParseJson(brute.out).at("conflicts"), ParseJson(indexed.out).at("conflicts"));
  EXPECT_EQ(ParseJson(brute.out).at("stats").at("method"), "brute_force");
}

TEST_F(CliIntegrationTest, NoConflictExitsZero) {
  const Output o = RunTool({"check", Write("apart.geojson", kApart)});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_TRUE(ParseJson(o.out).at("conflicts").as_array().empty());
  const Output text = RunTool({"check", Write("apart.geojson", kApart), "--format", "text"});
  EXPECT_EQ(text.code, 0);
  EXPECT_EQ(text.out, "No conflicts among 2 plans of 2 parties.\n");
}

TEST_F(CliIntegrationTest, InvalidFileListsEveryIssue) {
  const std::string path = Write("bad.geojson", kThreeErrors);
  const Output o = RunTool({"check", path});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_CONTAINS(o.err, "error: features[0].properties.corridor_m: ");
  EXPECT_CONTAINS(o.err, "error: features[0].properties.times[1]: ");
  EXPECT_CONTAINS(o.err, "error: features[1].geometry.coordinates[1][1]: ");
  EXPECT_CONTAINS(o.err, "deconflict: 3 errors in " + path + "; nothing was checked\n");
}

TEST_F(CliIntegrationTest, InvalidRulesAreReportedToo) {
  const Output o = RunTool({"check", Write("crossing.geojson", kCrossing), "--rules",
                            Write("rules.json", R"({"ground_ground_horizontal_m": -1})")});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "ground_ground_horizontal_m");
  EXPECT_CONTAINS(o.err, "; nothing was checked\n");
}

TEST_F(CliIntegrationTest, RulesChangeTheAnswer) {
  // Two simultaneous patrols on parallel roads 1.5 km apart: clear under the default 1,000 m.
  const std::string path = Write("parallel.geojson", R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "us-1",
     "properties": {"party": "US", "kind": "movement",
                    "times": ["2022-10-08T09:00:00Z", "2022-10-08T09:20:00Z"]},
     "geometry": {"type": "LineString", "coordinates": [[41.60, 37.000], [41.70, 37.000]]}},
    {"type": "Feature", "id": "ru-1",
     "properties": {"party": "RU", "kind": "movement",
                    "times": ["2022-10-08T09:00:00Z", "2022-10-08T09:20:00Z"]},
     "geometry": {"type": "LineString", "coordinates": [[41.60, 37.0135], [41.70, 37.0135]]}}]})");
  EXPECT_EQ(RunTool({"check", path}).code, 0);
  const Output o = RunTool(
      {"check", path, "--rules", Write("rules.json", R"({"ground_ground_horizontal_m": 2000})")});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_EQ(ParseJson(o.out).at("conflicts").at(0).at("required_m").to_number<double>(), 2000);
}

TEST_F(CliIntegrationTest, TextReport) {
  const Output o = RunTool({"check", Write("crossing.geojson", kCrossing), "--format", "text"});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_CONTAINS(o.out, "1 conflict among 2 plans of 2 parties");
  EXPECT_CONTAINS(o.out, "us-1");
  EXPECT_CONTAINS(o.out, "ru-1");
  EXPECT_CONTAINS(o.out, "Wolfpack 2");
  EXPECT_CONTAINS(o.out, "UTC");
  EXPECT_CONTAINS(o.out, "required 1,150 m");
}

TEST_F(CliIntegrationTest, GeoJsonReport) {
  const Output o = RunTool({"check", Write("crossing.geojson", kCrossing), "--format", "geojson"});
  EXPECT_EQ(o.code, 1) << o.err;
  const json::value v = ParseJson(o.out);
  EXPECT_EQ(v.at("type"), "FeatureCollection");
  ASSERT_EQ(v.at("features").as_array().size(), 2u);
  EXPECT_EQ(v.at("features").at(0).at("geometry").at("type"), "Point");
  EXPECT_EQ(v.at("features").at(1).at("geometry").at("type"), "LineString");
}

TEST_F(CliIntegrationTest, ReadsStdin) {
  const Output o = RunTool({"check", "-"}, kCrossing);
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_EQ(ParseJson(o.out).at("conflicts").as_array().size(), 1u);
}

TEST_F(CliIntegrationTest, SuggestDelaysTheCrossing) {
  const std::string path = Write("crossing.geojson", kCrossing);
  const Output o = RunTool({"suggest", path, "--plan", "us-1"});
  EXPECT_EQ(o.code, 0) << o.err;
  const json::value v = ParseJson(o.out);
  EXPECT_EQ(v.at("plan"), "us-1");
  EXPECT_EQ(v.at("outcome"), "delay");
  EXPECT_GT(v.at("shift_s").to_number<double>(), 0);
  EXPECT_EQ(v.at("conflicts_now"), 1);
  ASSERT_EQ(v.at("blockers").as_array().size(), 1u);
  EXPECT_EQ(v.at("blockers").at(0).at("plan"), "ru-1");

  const Output text = RunTool({"suggest", path, "--plan", "us-1", "--format", "text"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_CONTAINS(text.out, "Delay us-1 by ");
}

TEST_F(CliIntegrationTest, SuggestWithinTooSmallLimitsIsImpossible) {
  const Output o = RunTool({"suggest", Write("crossing.geojson", kCrossing), "--plan", "us-1",
                            "--max-delay", "30s", "--max-advance", "30s"});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_EQ(ParseJson(o.out).at("outcome"), "impossible");
}

TEST_F(CliIntegrationTest, SuggestNothingToClear) {
  const Output o = RunTool({"suggest", Write("apart.geojson", kApart), "--plan", "ru-1"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(ParseJson(o.out).at("outcome"), "none");
}

TEST_F(CliIntegrationTest, SuggestUnknownPlanNamesIt) {
  const Output o = RunTool({"suggest", Write("crossing.geojson", kCrossing), "--plan", "us-2"});
  EXPECT_EQ(o.code, 2);
  EXPECT_EQ(o.out, "");
  EXPECT_CONTAINS(o.err, "no plan with id 'us-2'");
  EXPECT_CONTAINS(o.err, "us-1, ru-1");
}

TEST_F(CliIntegrationTest, UsageErrors) {
  Output o = RunTool({"check", Write("crossing.geojson", kCrossing), "--frobnicate"});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "--frobnicate");
  EXPECT_CONTAINS(o.err, "deconflict check --help");
  o = RunTool({"frobnicate"});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "unknown command 'frobnicate'");
  o = RunTool({"check"});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "PLANS");
  o = RunTool({"suggest", Write("crossing.geojson", kCrossing)});
  EXPECT_EQ(o.code, 2);
  EXPECT_CONTAINS(o.err, "--plan");
  o = RunTool({"check", "-", "--threads", "-3"});
  EXPECT_EQ(o.code, 2);
}

TEST_F(CliIntegrationTest, HelpAndVersion) {
  Output o = RunTool({"--version"});
  EXPECT_EQ(o.code, 0);
  EXPECT_CONTAINS(o.out, "deconflict ");
  for (const char* cmd : {"check", "suggest", "demo"}) {
    o = RunTool({cmd, "--help"});
    EXPECT_EQ(o.code, 0) << cmd;
    EXPECT_CONTAINS(o.out, "Exit codes");
  }
}

TEST_F(CliIntegrationTest, DemoFindsTheScenarioThroughTheEnvironment) {
  fs::create_directories(tmp_.path() / "scenarios");
  std::ofstream(tmp_.path() / "scenarios" / "qahtaniyah-2022-10-08.geojson") << kCrossing;
  const Output o =
      RunTool({"demo"}, "", {"DECONFLICT_SCENARIOS=" + (tmp_.path() / "scenarios").string()});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.out, "al-Qahtaniyah");
  EXPECT_CONTAINS(o.out, "1 conflict among 2 plans");
  EXPECT_CONTAINS(o.out, "deconflict suggest ");
  EXPECT_CONTAINS(o.out, "--plan ru-1");
  const Output j = RunTool({"demo", "--format", "json"}, "",
                           {"DECONFLICT_SCENARIOS=" + (tmp_.path() / "scenarios").string()});
  EXPECT_EQ(j.code, 0);
  EXPECT_EQ(ParseJson(j.out).at("conflicts").as_array().size(), 1u);
}

TEST_F(CliIntegrationTest, DemoOnTheSeedScenario) {
  if (!fs::exists(DECONFLICT_SOURCE_DIR "/scenarios/qahtaniyah-2022-10-08.geojson")) {
    GTEST_SKIP() << "scenarios/qahtaniyah-2022-10-08.geojson is not written yet";
  }
  const Output o =
      RunTool({"demo"}, "", {"DECONFLICT_SCENARIOS=" + (tmp_.path() / "none").string()});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_CONTAINS(o.out, "al-Qahtaniyah");
  EXPECT_CONTAINS(o.out, "5 conflicts among 11 plans");
}

}  // namespace
}  // namespace deconflict::cli
