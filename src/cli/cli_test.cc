// Unit tests of the CLI's formatting and flag parsing, and in-process runs of RunCli.
// (cli_integration_test.cc runs the real binary.)
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

#include "base/time.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "engine/detector.h"
#include "geo/geodesic.h"
#include "json/write.h"
#include "testsupport/fixtures.h"

namespace deconflict::cli {
namespace {

namespace json = boost::json;
using engine::Conflict;
using engine::ConflictType;
using testing::At;

// us-1 (US, "Wolfpack 2") and ru-1 (RU) crossing at 09:10, as the engine would report them.
Conflict Crossing() {
  Conflict c;
  c.plan_a = PlanId("ru-1");
  c.plan_b = PlanId("us-1");
  c.party_a = PartyId("RU");
  c.party_b = PartyId("US");
  c.callsign_b = "Wolfpack 2";
  c.type = ConflictType::kSeparation;
  c.rule = "ground_ground";
  c.min_distance = Meters(12.34);
  c.required = Meters(1150);
  c.window = {At("09:08"), At("09:12")};
  c.cpa_time = At("09:10");
  c.cpa_position = {37.0, 41.65};
  c.cpa_time_a = At("09:10");
  c.cpa_time_b = At("09:10");
  return c;
}

json::value ParseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << "\n" << text;
  return v;
}

// --- flags.h ---

TEST(ParseDurationTest, AcceptsUnitsAndPlainSeconds) {
  EXPECT_EQ(ParseDuration("90s")->value(), 90);
  EXPECT_EQ(ParseDuration("15m")->value(), 900);
  EXPECT_EQ(ParseDuration("6h")->value(), 21600);
  EXPECT_EQ(ParseDuration("1h30m")->value(), 5400);
  EXPECT_EQ(ParseDuration("1h30m15s")->value(), 5415);
  EXPECT_EQ(ParseDuration("1.5h")->value(), 5400);
  EXPECT_EQ(ParseDuration("2d")->value(), 172800);
  EXPECT_EQ(ParseDuration("5400")->value(), 5400);
  EXPECT_EQ(ParseDuration("0")->value(), 0);
}

TEST(ParseDurationTest, RejectsEverythingElseWithAReason) {
  for (const char* bad :
       {"", "abc", "-5", "-5m", "5x", "30m1h", "1h1h", "1h30", "h", "inf", "1e999"}) {
    Result<Seconds> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << "'" << bad << "' parsed as " << d->value();
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(d.status().message().find("invalid duration '" + std::string(bad) + "'"),
              std::string::npos)
        << d.status().message();
  }
}

TEST(EditDistanceTest, CountsEdits) {
  EXPECT_EQ(EditDistance("check", "check"), 0u);
  EXPECT_EQ(EditDistance("chek", "check"), 1u);
  EXPECT_EQ(EditDistance("chekc", "check"), 2u);
  EXPECT_EQ(EditDistance("", "demo"), 4u);
}

// --- output.h ---

TEST(FormatThousandsTest, SeparatesThousands) {
  EXPECT_EQ(FormatThousands(0), "0");
  EXPECT_EQ(FormatThousands(999), "999");
  EXPECT_EQ(FormatThousands(1000), "1,000");
  EXPECT_EQ(FormatThousands(1150), "1,150");
  EXPECT_EQ(FormatThousands(1234567), "1,234,567");
  EXPECT_EQ(FormatThousands(-1234567), "-1,234,567");
  EXPECT_EQ(FormatThousands(9260.46, 1), "9,260.5");
  EXPECT_EQ(FormatThousands(12.34, 1), "12.3");
  EXPECT_EQ(FormatThousands(-0.2), "0");
  EXPECT_EQ(FormatThousands(999999.6), "1,000,000");
}

TEST(ConflictIdTest, StableAndIndependentOfEverythingButPlansAndStart) {
  const Conflict c = Crossing();
  // FNV-1a 64 of "ru-1|us-1|1665220080", computed independently.
  EXPECT_EQ(ConflictId(c), "7b865d227f02");
  Conflict moved = c;
  moved.min_distance = Meters(100);
  moved.window.start = moved.window.start + Seconds(0.3);  // rounds to the same second
  EXPECT_EQ(ConflictId(moved), ConflictId(c));
  moved.window.start = c.window.start + Seconds(60);
  EXPECT_NE(ConflictId(moved), ConflictId(c));
}

TEST(ConflictToJsonTest, EveryDocumentedField) {
  const json::value v = ParseJson(deconflict::json::Write(ConflictToJson(Crossing())));
  const json::value expected = ParseJson(R"({
    "id": "7b865d227f02",
    "plans": ["ru-1", "us-1"], "parties": ["RU", "US"], "kinds": ["movement", "movement"],
    "callsigns": ["", "Wolfpack 2"], "type": "separation", "rule": "ground_ground",
    "min_distance_m": 12.3, "required_m": 1150.0,
    "window": {"start": "2022-10-08T09:08:00Z", "end": "2022-10-08T09:12:00Z", "duration_s": 240},
    "cpa": {"time": "2022-10-08T09:10:00Z", "position": [41.65, 37.0],
            "times": {"ru-1": "2022-10-08T09:10:00Z", "us-1": "2022-10-08T09:10:00Z"}}})");
  EXPECT_EQ(v, expected) << deconflict::json::WritePretty(v);
}

TEST(ConflictToJsonTest, VerticalDistanceOnlyWhenApplicableAndRounding) {
  Conflict c = Crossing();
  c.vertical_distance_m = 120.04;
  c.cpa_position = {36.95000004, 41.12345678};
  const json::object o = ConflictToJson(c);
  EXPECT_EQ(o.at("vertical_distance_m").as_double(), 120.0);
  EXPECT_EQ(o.at("cpa").at("position").at(0).as_double(), 41.1234568);
  EXPECT_EQ(o.at("cpa").at("position").at(1).as_double(), 36.95);
  // Written as people expect: at most 7 decimals, no exponent.
  EXPECT_EQ(deconflict::json::Write(o.at("cpa").at("position")), "[41.1234568,36.95]");
  EXPECT_FALSE(ConflictToJson(Crossing()).contains("vertical_distance_m"));
}

TEST(FormatConflictsJsonTest, ConflictsAndStats) {
  CheckSummary s{.plans = 2, .parties = 2, .conflicts = 1, .elements = 2, .elapsed_ms = 0.123};
  const json::value v = ParseJson(FormatConflictsJson({Crossing()}, s));
  ASSERT_EQ(v.at("conflicts").as_array().size(), 1u);
  EXPECT_EQ(v.at("conflicts").at(0).at("id"), "7b865d227f02");
  EXPECT_EQ(v.at("stats"), ParseJson(R"({"plans": 2, "parties": 2, "conflicts": 1,
      "elements": 2, "elapsed_ms": 0.1, "method": "index"})"));
  s.brute_force = true;
  EXPECT_EQ(ParseJson(FormatConflictsJson({}, s)).at("stats").at("method"), "brute_force");
}

// The JSON output as it was written before it was written directly: a tree, then WritePretty.
std::string JsonByTree(const std::vector<Conflict>& conflicts, const CheckSummary& s) {
  json::array list;
  for (const Conflict& c : conflicts) list.push_back(ConflictToJson(c));
  json::object stats{{"plans", s.plans},
                     {"parties", s.parties},
                     {"conflicts", s.conflicts},
                     {"elements", s.elements},
                     {"elapsed_ms", deconflict::json::RoundTo(s.elapsed_ms, 1)},
                     {"method", s.brute_force ? "brute_force" : "index"}};
  json::object root;
  root["conflicts"] = std::move(list);
  root["stats"] = std::move(stats);
  return deconflict::json::WritePretty(root) + "\n";
}

// Varied conflicts: strings to escape, infinite windows, vertical distances, -0, long decimals.
std::vector<Conflict> VariedConflicts(size_t n) {
  const std::vector<std::string> names = {"us-1",          "ru \"2\"", "tab\there", "back\\slash",
                                          "\u00e9t\u00e9", "x",        "\001ctl",   "plan-99999"};
  std::vector<Conflict> out;
  for (size_t i = 0; i < n; ++i) {
    Conflict c = Crossing();
    c.plan_a = PlanId(names[i % names.size()] + std::to_string(i));
    c.plan_b = PlanId(names[(i * 7 + 3) % names.size()]);
    c.party_b = PartyId(names[(i * 3) % names.size()]);
    c.callsign_a = i % 4 == 0 ? "" : names[(i * 5) % names.size()];
    c.kind_b = static_cast<model::PlanKind>(i % 4);
    c.type = static_cast<ConflictType>(i % 4);
    c.min_distance = Meters(i % 5 == 0 ? -0.0 : 12.3456789 * static_cast<double>(i));
    c.required = Meters(1000 + 0.05 * static_cast<double>(i));
    c.vertical_distance_m = i % 3 == 0 ? -1 : 0.04 * static_cast<double>(i);
    const TimePoint start = At("09:08") + Seconds(37.6 * static_cast<double>(i));
    c.window = {i % 11 == 0 ? TimePoint::InfinitePast() : start,
                i % 13 == 0 ? TimePoint::InfiniteFuture() : start + Seconds(61.5)};
    c.cpa_time = i % 17 == 0 ? TimePoint::InfiniteFuture() : start + Seconds(3);
    c.cpa_time_a = start + Seconds(1.4);
    c.cpa_time_b = i % 19 == 0 ? TimePoint::InfinitePast() : start + Seconds(2.6);
    c.cpa_position = {-89.99999996 + 0.001 * static_cast<double>(i),
                      179.123456789 - 0.3 * static_cast<double>(i)};
    if (i % 23 == 0) c.plan_b = c.plan_a;  // never from the engine; the tree keeps one key
    out.push_back(std::move(c));
  }
  return out;
}

TEST(FormatConflictsJsonTest, ByteForByteTheTextOfTheTree) {
  const CheckSummary s{.plans = 123456,
                       .parties = 8,
                       .conflicts = 40,
                       .elements = 9876543,
                       .elapsed_ms = 1234.56789};
  const std::vector<Conflict> conflicts = VariedConflicts(40);
  EXPECT_EQ(FormatConflictsJson(conflicts, s), JsonByTree(conflicts, s));
  EXPECT_EQ(FormatConflictsJson({}, s), JsonByTree({}, s));
  EXPECT_EQ(FormatConflictsJson({Crossing()}, {.brute_force = true}),
            JsonByTree({Crossing()}, {.brute_force = true}));
}

TEST(FormatConflictsJsonTest, TheSameTextWhateverTheThreads) {
  const std::vector<Conflict> conflicts = VariedConflicts(12'001);
  const CheckSummary s{.plans = 5, .conflicts = conflicts.size()};
  const std::string one = FormatConflictsJson(conflicts, s);
  EXPECT_EQ(one, JsonByTree(conflicts, s));
  for (int threads : {1, 2, 3, 8}) {
    std::ostringstream out;
    WriteConflictsJson(conflicts, s, threads, out);
    EXPECT_EQ(out.str(), one) << threads << " threads";
  }
}

TEST(FormatConflictsTextTest, ReportForPeople) {
  const CheckSummary s{.plans = 4, .parties = 2, .conflicts = 1};
  const std::string text = FormatConflictsText({Crossing()}, s);
  EXPECT_EQ(text,
            "1 conflict among 4 plans of 2 parties. Times are UTC.\n"
            "\n"
            "2022-10-08\n"
            "  1. 09:08:00\u201309:12:00  separation (ground_ground)  id 7b865d227f02\n"
            "     ru-1  RU  movement\n"
            "     us-1  US  movement  Wolfpack 2\n"
            "     closest 12 m at 09:10:00Z (41.650000 E, 37.000000 N), required 1,150 m\n"
            "     RU movement ru-1 and US movement us-1 (Wolfpack 2) come within 12 m "
            "(required 1,150 m) between 09:08:00 and 09:12:00 UTC.\n");
}

TEST(FormatConflictsTextTest, NoConflictsAndSingulars) {
  EXPECT_EQ(FormatConflictsText({}, {.plans = 3, .parties = 2}),
            "No conflicts among 3 plans of 2 parties.\n");
  EXPECT_EQ(FormatConflictsText({}, {.plans = 1, .parties = 1}),
            "No conflicts among 1 plan of 1 party.\n");
  EXPECT_EQ(FormatConflictsText({}, {.plans = 25000, .parties = 8}),
            "No conflicts among 25,000 plans of 8 parties.\n");
}

TEST(FormatConflictsTextTest, DateOnceAndAgainWhenItChanges) {
  Conflict late = Crossing();
  late.window = {At("23:59"), At("23:59") + Seconds(120)};
  late.cpa_time = At("23:59") + Seconds(60);
  const std::string text = FormatConflictsText({Crossing(), Crossing(), late}, {.plans = 2});
  EXPECT_EQ(text.find("2022-10-08\n"), text.rfind("2022-10-08\n")) << text;
  EXPECT_NE(text.find("23:59:00\u201300:01:00 (+1 d)"), std::string::npos) << text;
  EXPECT_NE(text.find("closest 12 m at 2022-10-09 00:00:00Z"), std::string::npos) << text;
  EXPECT_NE(text.find("between 2022-10-08 23:59:00 and 2022-10-09 00:01:00 UTC."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  3. "), std::string::npos) << text;
}

TEST(DescribeConflictTest, EveryType) {
  Conflict air = Crossing();
  air.kind_a = air.kind_b = model::PlanKind::kFlight;
  air.rule = "air_air";
  air.min_distance = Meters(8100);
  air.required = Meters(9260);
  air.vertical_distance_m = 150;
  EXPECT_EQ(DescribeConflict(air),
            "RU flight ru-1 and US flight us-1 (Wolfpack 2) come within 8,100 m horizontally and "
            "150 m vertically (required 9,260 m) between 09:08:00 and 09:12:00 UTC.");

  Conflict meet = Crossing();
  meet.min_distance = Meters(0.2);
  EXPECT_EQ(DescribeConflict(meet),
            "RU movement ru-1 and US movement us-1 (Wolfpack 2) lose separation (required 1,150 m) "
            "between 09:08:00 and 09:12:00 UTC and meet at 09:10:00.");

  Conflict site = Crossing();
  site.plan_a = PlanId("ocha-clinic");
  site.party_a = PartyId("OCHA");
  site.kind_a = model::PlanKind::kSite;
  site.type = ConflictType::kSiteBuffer;
  site.min_distance = Meters(80);
  site.required = Meters(300);
  EXPECT_EQ(DescribeConflict(site),
            "US movement us-1 (Wolfpack 2) comes within 80 m of OCHA site ocha-clinic "
            "(required 300 m) between 09:08:00 and 09:12:00 UTC.");

  Conflict zone = Crossing();
  zone.kind_a = model::PlanKind::kZone;
  zone.type = ConflictType::kZoneEntry;
  zone.min_distance = Meters(0);
  EXPECT_EQ(DescribeConflict(zone),
            "US movement us-1 (Wolfpack 2) enters RU zone ru-1, closed to US, between 09:08:00 "
            "and 09:12:00 UTC.");
  zone.type = ConflictType::kLineCrossing;
  zone.window.end = zone.window.start;
  EXPECT_EQ(DescribeConflict(zone),
            "US movement us-1 (Wolfpack 2) crosses RU line ru-1, closed to US for crossing, at "
            "09:08:00 UTC.");
}

TEST(RoutePositionAtTest, InterpolatesAlongTheGeodesicAndClamps) {
  const model::Plan p = testing::Movement("us-1", "US", "41.60 37.00 @ 09:00, 41.70 37.00 @ 09:20");
  const model::Route& r = p.route();
  EXPECT_EQ(RoutePositionAt(r, At("08:00")), (geo::LatLng{37.0, 41.60}));
  EXPECT_EQ(RoutePositionAt(r, At("10:00")), (geo::LatLng{37.0, 41.70}));
  const geo::LatLng mid = RoutePositionAt(r, At("09:10"));
  EXPECT_NEAR(geo::GeodesicDistance(mid, {37.0, 41.60}), geo::GeodesicDistance(mid, {37.0, 41.70}),
              1e-3);
}

TEST(FormatConflictsGeoJsonTest, PointAtTheClosestApproachAndLineBetweenThePlans) {
  engine::ConflictDetector d;
  ASSERT_TRUE(
      d.Add(testing::Movement("us-1", "US", "41.60 37.00 @ 09:00, 41.70 37.00 @ 09:20")).ok());
  ASSERT_TRUE(
      d.Add(testing::Movement("ru-1", "RU", "41.65 36.95 @ 09:00, 41.65 37.05 @ 09:20")).ok());
  const std::vector<Conflict> conflicts = d.DetectAll();
  ASSERT_EQ(conflicts.size(), 1u);
  const std::string text =
      FormatConflictsGeoJson(conflicts, {.plans = 2, .parties = 2, .conflicts = 1},
                             [&d](const PlanId& id) { return d.Find(id); });
  // Numbers as people expect them: no exponent, at most 7 decimals (coordinates).
  EXPECT_FALSE(std::regex_search(text, std::regex(R"([:\[,]\s*-?[0-9.]+[eE])"))) << text;
  EXPECT_FALSE(std::regex_search(text, std::regex("[0-9]\\.[0-9]{8}"))) << text;
  const json::value v = ParseJson(text);
  EXPECT_EQ(v.at("type"), "FeatureCollection");
  const json::array& features = v.at("features").as_array();
  ASSERT_EQ(features.size(), 2u);
  const json::value& point = features[0];
  EXPECT_EQ(point.at("geometry").at("type"), "Point");
  EXPECT_NEAR(point.at("geometry").at("coordinates").at(0).to_number<double>(), 41.65, 1e-3);
  EXPECT_NEAR(point.at("geometry").at("coordinates").at(1).to_number<double>(), 37.0, 1e-3);
  EXPECT_EQ(point.at("properties").at("plans"), (json::array{"ru-1", "us-1"}));
  EXPECT_EQ(point.at("properties").at("rule"), "ground_ground");
  EXPECT_TRUE(point.at("properties").at("description").is_string());
  const json::value& line = features[1];
  EXPECT_EQ(line.at("geometry").at("type"), "LineString");
  EXPECT_EQ(line.at("geometry").at("coordinates").as_array().size(), 2u);
  EXPECT_EQ(line.at("properties").at("conflict"), point.at("id"));
  EXPECT_LT(line.at("properties").at("distance_m").to_number<double>(), 50);
  // Without a lookup: the points only.
  EXPECT_EQ(ParseJson(FormatConflictsGeoJson(conflicts, {}, {})).at("features").as_array().size(),
            1u);
}

TEST(FormatSuggestionTest, JsonAndText) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  engine::Suggestion s;
  s.outcome = engine::Suggestion::kDelay;
  s.shift = Seconds(601);
  s.conflicts_now = 1;
  s.explanation = "Delay us-1 by 10 min 1 s (every time moves later) to clear its 1 conflict.";
  s.blockers.push_back({PlanId("ru-1"), PartyId("RU"), {{-725.004, 600.0}, {7200, kInf}}});
  const json::value v = ParseJson(FormatSuggestionJson(PlanId("us-1"), s));
  EXPECT_EQ(v, ParseJson(R"({"plan": "us-1", "outcome": "delay", "shift_s": 601.0,
      "conflicts_now": 1, "explanation": ")" +
                         s.explanation + R"(",
      "blockers": [{"plan": "ru-1", "party": "RU", "blocked": [[-725.0, 600.0], [7200.0, null]]}]})"));
  EXPECT_EQ(FormatSuggestionText(PlanId("us-1"), s),
            s.explanation +
                "\nShifts of us-1 that would conflict (+ later, - earlier):\n"
                "  ru-1 (RU): -12 min 5 s to +10 min; +2 h 0 min to any delay\n");
  s.outcome = engine::Suggestion::kImpossible;
  EXPECT_TRUE(ParseJson(FormatSuggestionJson(PlanId("us-1"), s)).at("shift_s").is_null());
  EXPECT_STREQ(OutcomeName(engine::Suggestion::kNoConflict), "none");
  EXPECT_STREQ(OutcomeName(engine::Suggestion::kAdvance), "advance");
}

// --- app.h, in process ---

struct RunResult {
  int code;
  std::string out, err;
};

RunResult RunArgs(std::vector<const char*> args, const std::string& stdin_text = "") {
  args.insert(args.begin(), "deconflict");
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = RunCli(static_cast<int>(args.size()), args.data(), Io{in, out, err}, "");
  return {code, out.str(), err.str()};
}

TEST(RunCliTest, VersionAndHelp) {
  RunResult r = RunArgs({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("deconflict ", 0), 0u) << r.out;
  r = RunArgs({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* word : {"check", "suggest", "demo", "Exit codes"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  }
  r = RunArgs({"suggest", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* word : {"--plan", "--max-delay", "1h30m", "shift_s"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  }
}

TEST(RunCliTest, UsageErrorsExitTwoWithAHint) {
  RunResult r = RunArgs({"chek", "x.geojson"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("unknown command 'chek'; did you mean 'check'?"), std::string::npos)
      << r.err;
  r = RunArgs({});
  EXPECT_EQ(r.code, kExitBadInput);
  r = RunArgs({"check", "x.geojson", "--format", "xml"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("deconflict check --help"), std::string::npos) << r.err;
  r = RunArgs({"suggest", "x.geojson", "--plan", "a", "--max-delay", "6 hours"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("invalid duration '6 hours'"), std::string::npos) << r.err;
  r = RunArgs({"check", "/nonexistent/plans.geojson"});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(r.err,
            "error: /nonexistent/plans.geojson: cannot read: No such file or directory\n"
            "deconflict: 1 error in /nonexistent/plans.geojson; nothing was checked\n");
}

TEST(RunCliTest, ReadsStdin) {
  RunResult r = RunArgs({"check", "-", "--format", "text"},
                        R"({"type": "FeatureCollection", "features": []})");
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "No conflicts among 0 plans of 0 parties.\n");
  r = RunArgs({"check", "-"}, "{not json");
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("error: malformed JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("deconflict: 1 error in <stdin>; nothing was checked"), std::string::npos)
      << r.err;
}

TEST(FindScenarioTest, LooksInTheDocumentedOrder) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(::testing::TempDir()) / "cli_find_scenario";
  fs::remove_all(root);
  fs::create_directories(root / "env");
  fs::create_directories(root / "prefix/bin");
  fs::create_directories(root / "prefix/share/deconflict/scenarios");
  fs::create_directories(root / "src/scenarios");
  std::ofstream(root / "prefix/share/deconflict/scenarios/s.geojson") << "{}";
  std::ofstream(root / "src/scenarios/s.geojson") << "{}";
  DemoOptions o;
  o.scenarios_dir = (root / "env").string();
  o.executable_path = (root / "prefix/bin/deconflict").string();
  o.source_dir = (root / "src").string();
  std::vector<std::string> tried;
  EXPECT_EQ(FindScenario("s.geojson", o, &tried),
            (root / "prefix/share/deconflict/scenarios/s.geojson").string());
  ASSERT_EQ(tried.size(), 2u);
  EXPECT_EQ(tried[0], (root / "env").string());
  std::ofstream(root / "env/s.geojson") << "{}";
  EXPECT_EQ(FindScenario("s.geojson", o, nullptr), (root / "env/s.geojson").string());
  o.scenarios_dir.reset();
  o.executable_path.clear();
  EXPECT_EQ(FindScenario("s.geojson", o, nullptr), (root / "src/scenarios/s.geojson").string());
  EXPECT_EQ(FindScenario("missing.geojson", o, nullptr), std::nullopt);
  fs::remove_all(root);
}

}  // namespace
}  // namespace deconflict::cli
