#include "model/plan_parser.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/time.h"
#include "geo/geodesic.h"

namespace deconflict::model {
namespace {

// --- Fixtures: short JSON builders. ---

// A LineString near al-Qahtaniyah (3 vertices, legs of 4.8 and 4.2 km) and matching times.
constexpr const char* kLine =
    R"({"type":"LineString","coordinates":[[41.60,37.00],[41.62,37.04],[41.66,37.06]]})";
constexpr const char* kTimes =
    R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:30:00Z","2022-10-08T10:00:00Z"])";
constexpr const char* kSquare =
    R"({"type":"Polygon","coordinates":[[[41.6,37.0],[41.7,37.0],[41.7,37.1],[41.6,37.1],[41.6,37.0]]]})";

std::string Geometry(const std::string& type, const std::string& coordinates) {
  return R"({"type":")" + type + R"(","coordinates":)" + coordinates + "}";
}

// A Feature of party "A" with the given kind, geometry and extra properties ("k":v,...).
std::string Feature(const std::string& kind, const std::string& geometry,
                    const std::string& props = "", const std::string& id = "f") {
  return R"({"type":"Feature","id":")" + id + R"(","properties":{"party":"A","kind":")" + kind +
         "\"" + (props.empty() ? "" : "," + props) + R"(},"geometry":)" + geometry + "}";
}

std::string Collection(const std::vector<std::string>& features) {
  std::string out = R"({"type":"FeatureCollection","features":[)";
  for (size_t i = 0; i < features.size(); ++i) out += (i ? "," : "") + features[i];
  return out + "]}";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double T(const char* rfc3339) { return ParseRfc3339(rfc3339)->unix_seconds(); }

std::string IssuesText(const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& i : issues) out += "\n  " + i.ToString();
  return out;
}

// Expects parsing to fail with exactly one issue at `path` whose reason contains `reason`.
void ExpectOneIssue(const std::string& text, const std::string& path, const std::string& reason) {
  Result<PlanSet> r = ParsePlans(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::vector<Issue>& issues = r.status().issues();
  ASSERT_EQ(issues.size(), 1u) << IssuesText(issues);
  EXPECT_EQ(issues[0].path, path) << issues[0].reason;
  EXPECT_NE(issues[0].reason.find(reason), std::string::npos)
      << "reason: " << issues[0].reason << "\nexpected to contain: " << reason;
}

// --- Valid input ---

TEST(PlanParserTest, ParsesEveryKindOfTheExampleFile) {
  Result<PlanSet> r = ParsePlans(ReadFile(DECONFLICT_SOURCE_DIR "/testdata/plans/example.geojson"));
  ASSERT_TRUE(r.ok()) << IssuesText(r.status().issues());
  EXPECT_TRUE(r->warnings.empty()) << IssuesText(r->warnings);
  const std::vector<Plan>& p = r->plans;
  ASSERT_EQ(p.size(), 8u);
  for (size_t i = 0; i < p.size(); ++i) EXPECT_EQ(p[i].feature_index, static_cast<int>(i));

  // Ground movement: times converted (offset), defaults, zero-length wait kept.
  EXPECT_EQ(p[0].id.value(), "us-patrol-17");
  EXPECT_EQ(p[0].party.value(), "US");
  EXPECT_EQ(p[0].kind, PlanKind::kMovement);
  EXPECT_EQ(p[0].callsign, "Wolfpack 2");
  ASSERT_TRUE(p[0].is_route());
  const Route& move = p[0].route();
  ASSERT_EQ(move.waypoints.size(), 4u);
  EXPECT_FALSE(move.has_altitude);
  EXPECT_DOUBLE_EQ(move.waypoints[0].position.lat_deg, 37.0);
  EXPECT_DOUBLE_EQ(move.waypoints[0].position.lon_deg, 41.6);
  EXPECT_DOUBLE_EQ(move.waypoints[3].time.unix_seconds(), T("2022-10-08T10:15:00Z"));
  EXPECT_EQ(move.waypoints[1].time, move.waypoints[2].time);
  EXPECT_EQ(move.corridor.value(), 300);
  EXPECT_EQ(move.time_tolerance.value(), 900);

  // 4D trajectory: altitudes kept, tolerance defaults to 0.
  ASSERT_TRUE(p[1].is_route());
  EXPECT_TRUE(p[1].route().has_altitude);
  EXPECT_EQ(p[1].route().waypoints[1].altitude_m, 450);
  EXPECT_EQ(p[1].route().time_tolerance.value(), 0);

  // 4D volume, polygon: closing vertex dropped, band and window set.
  ASSERT_FALSE(p[2].is_route());
  const Area& vol = p[2].area();
  ASSERT_TRUE(std::holds_alternative<Polygon>(vol.footprint));
  ASSERT_EQ(std::get<Polygon>(vol.footprint).rings.size(), 1u);
  EXPECT_EQ(std::get<Polygon>(vol.footprint).rings[0].size(), 4u);
  ASSERT_TRUE(vol.band.has_value());
  EXPECT_EQ(vol.band->lower_m, 1200);
  EXPECT_EQ(vol.band->upper_m, 3000);
  EXPECT_DOUBLE_EQ(vol.window.start.unix_seconds(), T("2022-10-08T06:00:00Z"));
  EXPECT_DOUBLE_EQ(vol.window.end.unix_seconds(), T("2022-10-08T18:00:00Z"));

  // 4D volume, circle.
  ASSERT_TRUE(std::holds_alternative<Circle>(p[3].area().footprint));
  EXPECT_EQ(std::get<Circle>(p[3].area().footprint).radius.value(), 5000);
  EXPECT_TRUE(p[3].area().band.has_value());

  // Sites: unbounded window, no band; start only.
  const Area& clinic = p[4].area();
  EXPECT_EQ(std::get<Circle>(clinic.footprint).center, (geo::LatLng{37.0418, 41.6312}));
  EXPECT_EQ(clinic.window.start, TimePoint::InfinitePast());
  EXPECT_EQ(clinic.window.end, TimePoint::InfiniteFuture());
  EXPECT_FALSE(clinic.band.has_value());
  EXPECT_DOUBLE_EQ(p[5].area().window.start.unix_seconds(), T("2022-10-01T00:00:00Z"));
  EXPECT_EQ(p[5].area().window.end, TimePoint::InfiniteFuture());

  // Zones: restricted parties, or everyone else.
  EXPECT_FALSE(p[6].restricts_all_others);
  ASSERT_EQ(p[6].restricted_parties.size(), 2u);
  EXPECT_TRUE(p[6].Restricts(PartyId("RU")));
  EXPECT_FALSE(p[6].Restricts(PartyId("OCHA")));
  EXPECT_TRUE(p[7].restricts_all_others);
  EXPECT_TRUE(p[7].Restricts(PartyId("US")));
  ASSERT_TRUE(std::holds_alternative<Polyline>(p[7].area().footprint));
  EXPECT_EQ(std::get<Polyline>(p[7].area().footprint).points.size(), 3u);
}

TEST(PlanParserTest, DocumentedExampleParses) {
  const std::string doc = ReadFile(DECONFLICT_SOURCE_DIR "/docs/plan-format.md");
  const size_t begin = doc.find("```json\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = doc.find("```", begin + 8);
  Result<PlanSet> r = ParsePlans(doc.substr(begin + 8, end - begin - 8));
  ASSERT_TRUE(r.ok()) << IssuesText(r.status().issues());
  EXPECT_GE(r->plans.size(), 4u);
}

TEST(PlanParserTest, EmptyCollectionIsValid) {
  Result<PlanSet> r = ParsePlans(R"({"type":"FeatureCollection","features":[]})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->plans.empty());
}

TEST(PlanParserTest, PolygonDropsClosingVertexAndRepeatedVertices) {
  Result<PlanSet> r = ParsePlans(Collection(
      {Feature("site", Geometry("Polygon", "[[[1,1],[2,1],[2,1],[2,2],[1,2],[1,1],[1,1]]]"))}));
  ASSERT_TRUE(r.ok()) << IssuesText(r.status().issues());
  const auto& ring = std::get<Polygon>(r->plans[0].area().footprint).rings[0];
  ASSERT_EQ(ring.size(), 4u);
  EXPECT_EQ(ring[1], (geo::LatLng{1, 2}));
  EXPECT_EQ(ring[3], (geo::LatLng{2, 1}));
}

TEST(PlanParserTest, AcceptsAntimeridianAndPoles) {
  Result<PlanSet> r = ParsePlans(Collection({
      Feature(
          "movement", Geometry("LineString", "[[179.9,10],[180,10],[-180,10],[-179.9,10]]"),
          R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:30:00Z","2022-10-08T09:30:00Z","2022-10-08T10:00:00Z"])"),
      Feature("site", Geometry("Point", "[0,90]"), R"("radius_m":1000)", "pole"),
  }));
  ASSERT_TRUE(r.ok()) << IssuesText(r.status().issues());
  EXPECT_TRUE(r->warnings.empty()) << IssuesText(r->warnings);  // ~22 km/h, not 40,000 km/h
  EXPECT_EQ(r->plans[0].route().waypoints[2].position.lon_deg, -180);
}

TEST(PlanParserTest, EqualTimesAllowedOnlyAtTheSamePlace) {
  // Waiting: same position (0.5 m apart), same time.
  EXPECT_TRUE(ParsePlans(Collection({Feature(
                             "movement", Geometry("LineString", "[[41.6,37.0],[41.600005,37.0]]"),
                             R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:00:00Z"])")}))
                  .ok());
  ExpectOneIssue(
      Collection({Feature(
          "movement", kLine,
          R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:00:00Z","2022-10-08T10:00:00Z"])")}),
      "features[0].properties.times[1]",
      "equal to times[0] but the vertices are 4783 m apart (infinite speed)");
}

TEST(PlanParserTest, ParsePlanFeatureUsesThePathPrefix) {
  const boost::json::value f = boost::json::parse(Feature("tank", kLine, kTimes));
  Result<Plan> bare = ParsePlanFeature(f, "", nullptr);
  ASSERT_FALSE(bare.ok());
  ASSERT_EQ(bare.status().issues().size(), 1u);
  EXPECT_EQ(bare.status().issues()[0].path, "properties.kind");
  Result<Plan> nested = ParsePlanFeature(f, "features[3]", nullptr);
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().issues()[0].path, "features[3].properties.kind");

  Result<Plan> ok =
      ParsePlanFeature(boost::json::parse(Feature("movement", kLine, kTimes)), "", nullptr);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->feature_index, -1);
  EXPECT_EQ(ok->route().waypoints.size(), 3u);
}

// --- Errors: one per case, with its exact path and reason. ---

struct ErrorCase {
  std::string name, feature, path, reason;
};

constexpr const char* kProps = "features[0].properties.";
constexpr const char* kCoords = "features[0].geometry.coordinates";

// Errors in a feature's type, id and properties (kind, party, times, numbers).
std::vector<ErrorCase> FeatureErrorCases() {
  const std::string p = kProps;
  return {
      {"unknown kind", Feature("tank", kLine, kTimes), p + "kind",
       "unknown kind \"tank\"; expected one of movement, flight, site, zone"},
      {"missing party",
       R"({"type":"Feature","id":"x","properties":{"kind":"site","radius_m":5},"geometry":{"type":"Point","coordinates":[1,2]}})",
       p + "party", "missing (required for every plan)"},
      {"empty id", Feature("movement", kLine, kTimes, ""), "features[0].id",
       "expected a non-empty string, got \"\""},
      {"numeric id",
       R"({"type":"Feature","id":7,"properties":{"party":"A","kind":"site","radius_m":5},"geometry":{"type":"Point","coordinates":[1,2]}})",
       "features[0].id", "expected a non-empty string, got 7"},
      {"not a feature",
       R"({"type":"Point","id":"x","properties":{"party":"A","kind":"site","radius_m":5},"geometry":{"type":"Point","coordinates":[1,2]}})",
       "features[0].type", "expected \"Feature\", got \"Point\""},
      {"missing times", Feature("movement", kLine), p + "times",
       "missing (required for kind movement)"},
      {"times count",
       Feature("movement", kLine, R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:30:00Z"])"),
       p + "times", "expected 3 timestamps (one per vertex), got 2"},
      {"times order",
       Feature("movement", kLine,
               R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:40:00Z","2022-10-08T09:35:00Z"])"),
       p + "times[2]", "earlier than times[1] (2022-10-08T09:40:00Z)"},
      {"bad timestamp",
       Feature("movement", kLine,
               R"("times":["2022-10-08T09:00:00Z","09:30","2022-10-08T10:00:00Z"])"),
       p + "times[1]", "not an RFC 3339 date-time"},
      {"negative corridor", Feature("movement", kLine, std::string(kTimes) + R"(,"corridor_m":-5)"),
       p + "corridor_m", "expected a number >= 0, got -5"},
      {"corridor limit",
       Feature("movement", kLine, std::string(kTimes) + R"(,"corridor_m":250000)"),
       p + "corridor_m", "expected a number <= 100000 (limit), got 250000"},
      {"tolerance as text",
       Feature("movement", kLine, std::string(kTimes) + R"(,"time_tolerance_s":"10 min")"),
       p + "time_tolerance_s", "expected a number >= 0 and <= 86400, got \"10 min\""},
      {"infinite number",
       Feature("movement", kLine, std::string(kTimes) + R"(,"corridor_m":1e999)"), p + "corridor_m",
       "expected a finite number"},
  };
}

// Errors in a feature's positions: ranges, lengths and altitudes.
std::vector<ErrorCase> PositionErrorCases() {
  const std::string c = kCoords;
  return {
      {"longitude range",
       Feature("movement", Geometry("LineString", "[[41.6,37.0],[181,37.04],[41.66,37.06]]"),
               kTimes),
       c + "[1][0]", "expected a longitude in [-180, 180], got 181"},
      {"latitude range",
       Feature("movement", Geometry("LineString", "[[41.6,37.0],[41.62,-90.5],[41.66,37.06]]"),
               kTimes),
       c + "[1][1]", "expected a latitude in [-90, 90], got -90.5"},
      {"short position",
       Feature("movement", Geometry("LineString", "[[41.6,37.0],[41.62],[41.66,37.06]]"), kTimes),
       c + "[1]", "got an array of 1 element"},
      {"one-vertex line", Feature("movement", Geometry("LineString", "[[41.6,37.0]]"), kTimes), c,
       "expected an array of at least 2 positions, got 1"},
      {"altitude range",
       Feature("flight",
               Geometry("LineString", "[[41.6,37.0,200000],[41.62,37.04,500],[41.66,37.06,500]]"),
               kTimes),
       c + "[0][2]", "expected an altitude in metres between -500 and 100000, got 200000"},
      {"trajectory without altitude",
       Feature("flight",
               Geometry("LineString", "[[41.6,37.0,500],[41.62,37.04],[41.66,37.06,500]]"), kTimes),
       c + "[1]", "missing altitude"},
  };
}

// Errors in a feature's shape: geometry types, radii, windows, bands and rings.
std::vector<ErrorCase> ShapeErrorCases() {
  const std::string p = kProps;
  const std::string c = kCoords;
  return {
      {"site as a line", Feature("site", kLine), "features[0].geometry.type",
       "site: geometry must be Point (with radius_m) or Polygon, got LineString"},
      {"zone as a point", Feature("zone", Geometry("Point", "[1,2]")), "features[0].geometry.type",
       "zone: geometry must be Polygon or LineString, got Point"},
      {"multipolygon", Feature("movement", Geometry("MultiPolygon", "[]"), kTimes),
       "features[0].geometry.type", "movement: geometry must be LineString, got MultiPolygon"},
      {"no geometry",
       R"({"type":"Feature","id":"x","properties":{"party":"A","kind":"site"},"geometry":null})",
       "features[0].geometry", "missing"},
      {"site without radius", Feature("site", Geometry("Point", "[1,2]")), p + "radius_m",
       "missing (required for kind site with a Point geometry)"},
      {"zero radius", Feature("site", Geometry("Point", "[1,2]"), R"("radius_m":0)"),
       p + "radius_m", "expected a number > 0, got 0"},
      {"site window",
       Feature("site", kSquare, R"("start":"2022-10-08T10:00:00Z","end":"2022-10-08T10:00:00Z")"),
       p + "end", "expected a time after start (2022-10-08T10:00:00Z), got 2022-10-08T10:00:00Z"},
      {"volume without band",
       Feature(
           "flight", kSquare,
           R"("altitude_upper_m":2000,"start":"2022-10-08T09:00:00Z","end":"2022-10-08T10:00:00Z")"),
       p + "altitude_lower_m", "missing (required for kind flight with a Polygon geometry)"},
      {"volume without end",
       Feature("flight", kSquare,
               R"("altitude_lower_m":0,"altitude_upper_m":2000,"start":"2022-10-08T09:00:00Z")"),
       p + "end", "missing (required for kind flight with a Polygon geometry)"},
      {"inverted band",
       Feature(
           "flight", Geometry("Point", "[1,2]"),
           R"("radius_m":100,"altitude_lower_m":1000,"altitude_upper_m":500,"start":"2022-10-08T09:00:00Z","end":"2022-10-08T10:00:00Z")"),
       p + "altitude_upper_m", "expected a number >= altitude_lower_m (1000), got 500"},
      {"open ring", Feature("site", Geometry("Polygon", "[[[1,1],[2,1],[2,2],[1,2],[1,1.5]]]")),
       c + "[0]", "ring is not closed: first and last positions differ"},
      {"short ring", Feature("site", Geometry("Polygon", "[[[1,1],[2,1],[1,1]]]")), c + "[0]",
       "expected a closed ring of at least 4 positions, got 3"},
      {"degenerate ring", Feature("site", Geometry("Polygon", "[[[1,1],[2,1],[1,1],[2,1],[1,1]]]")),
       c + "[0]", "expected a ring with at least 3 distinct vertices, got 2"},
      {"bow-tie", Feature("site", Geometry("Polygon", "[[[0,0],[1,1],[1,0],[0,1],[0,0]]]")),
       c + "[0]", "ring is self-intersecting: edge [0]-[1] crosses edge [2]-[3]"},
      {"bow-tie hole",
       Feature("site",
               Geometry("Polygon",
                        "[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,2],[2,1],[1,2],[1,1]]]")),
       c + "[1]", "ring is self-intersecting: edge [0]-[1] crosses edge [2]-[3]"},
      {"ring through a vertex twice",
       Feature("site", Geometry("Polygon", "[[[0,0],[2,0],[1,1],[0,2],[0,1],[1,1],[0,0]]]")),
       c + "[0]", "ring is self-intersecting"},
      {"huge polygon",
       Feature("site", Geometry("Polygon", "[[[0,0],[50,0],[50,10],[0,10],[0,0]]]")), c,
       "polygon spans"},
      {"empty polygon", Feature("site", Geometry("Polygon", "[]")), c,
       "expected at least one linear ring, got none"},
      {"restricted party", Feature("zone", kSquare, R"("restricted_parties":["B",""])"),
       p + "restricted_parties[1]", "expected a non-empty party name, got \"\""},
      {"zone line of one point", Feature("zone", Geometry("LineString", "[[1,2],[1,2]]")), c,
       "expected at least 2 distinct positions, got 1"},
  };
}

TEST(PlanParserTest, EachErrorNamesItsPathAndReason) {
  std::vector<ErrorCase> cases = FeatureErrorCases();
  for (ErrorCase& e : PositionErrorCases()) cases.push_back(std::move(e));
  for (ErrorCase& e : ShapeErrorCases()) cases.push_back(std::move(e));
  for (const ErrorCase& e : cases) {
    SCOPED_TRACE(e.name);
    ExpectOneIssue(Collection({e.feature}), e.path, e.reason);
  }
}

TEST(PlanParserTest, TooManyVertices) {
  std::string coords = "[", times = R"("times":[)";
  for (int i = 0; i <= 10000; ++i) {
    coords += std::string(i ? "," : "") + "[41.6,37.0]";
    times += std::string(i ? "," : "") + "\"2022-10-08T09:00:00Z\"";
  }
  ExpectOneIssue(
      Collection({Feature("movement", Geometry("LineString", coords + "]"), times + "]")}),
      "features[0].geometry.coordinates", "too many vertices: 10001 (at most 10000 per geometry)");
}

// Callsign and note are limited in characters (code points), not bytes: 64 Cyrillic letters (128
// bytes) pass, 65 do not; 2,000 Arabic letters pass as a note, 2,001 do not.
TEST(PlanParserTest, CallsignAndNoteLengthsInCharacters) {
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string line = Geometry("LineString", "[[41.6,37.0],[41.62,37.04]]");
  const std::string times = R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:30:00Z"])";
  auto with = [&](const std::string& key, const std::string& value) {
    return Collection({Feature("movement", line, times + ",\"" + key + "\":\"" + value + "\"")});
  };
  EXPECT_TRUE(ParsePlans(with("callsign", repeat("\u0416", 64))).ok());
  EXPECT_TRUE(ParsePlans(with("note", repeat("\u0639", 2000))).ok());
  ExpectOneIssue(with("callsign", repeat("\u0416", 65)), "features[0].properties.callsign",
                 "too long: 65 characters, at most 64");
  ExpectOneIssue(with("note", repeat("\u0639", 2001)), "features[0].properties.note",
                 "too long: 2001 characters, at most 2000");
  EXPECT_EQ(CountCharacters("\u0416\u0639a"), 3u);
}

TEST(PlanParserTest, ReportsEveryErrorOfEveryFeature) {
  Result<PlanSet> r = ParsePlans(Collection({
      Feature("movement", kLine, std::string(kTimes) + R"(,"corridor_m":-1,"time_tolerance_s":-2)",
              "a"),
      Feature("site", Geometry("Point", "[1,2]"), "", "b"),
      Feature("site", Geometry("Point", "[1,2]"), R"("radius_m":10)", "c"),
  }));
  ASSERT_FALSE(r.ok());
  const std::vector<Issue>& issues = r.status().issues();
  ASSERT_EQ(issues.size(), 3u) << IssuesText(issues);
  EXPECT_EQ(issues[0].path, "features[0].properties.corridor_m");
  EXPECT_EQ(issues[1].path, "features[0].properties.time_tolerance_s");
  EXPECT_EQ(issues[2].path, "features[1].properties.radius_m");
  EXPECT_NE(r.status().message().find("(and 2 more)"), std::string::npos);
}

TEST(PlanParserTest, RejectsDuplicateIds) {
  Result<PlanSet> r = ParsePlans(Collection({
      Feature("movement", kLine, kTimes, "p1"),
      Feature("site", kSquare, "", "p2"),
      Feature("site", kSquare, "", "p1"),
  }));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.status().issues().size(), 1u);
  EXPECT_EQ(r.status().issues()[0].path, "features[2].id");
  EXPECT_EQ(r.status().issues()[0].reason, "duplicate id: also used by features[0]");
}

TEST(PlanParserTest, MalformedJsonGivesLineAndColumn) {
  Result<PlanSet> r = ParsePlans("{\"type\": \"FeatureCollection\",\n  \"features\": [1,,2]}");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.status().issues().size(), 1u);
  EXPECT_EQ(r.status().issues()[0].path, "");
  EXPECT_NE(r.status().issues()[0].reason.find("malformed JSON at line 2, column 18"),
            std::string::npos)
      << r.status().issues()[0].reason;
  EXPECT_FALSE(ParsePlans("").ok());
  EXPECT_FALSE(ParsePlans(R"({"type":"FeatureCollection","features":[]} extra)").ok());
}

TEST(PlanParserTest, TopLevelMustBeAFeatureCollection) {
  ExpectOneIssue(Feature("movement", kLine, kTimes), "type", "wrap the feature");
  ExpectOneIssue("[]", "", "expected a GeoJSON FeatureCollection object, got an array");
  ExpectOneIssue(R"({"type":"FeatureCollection"})", "features", "missing");
  ExpectOneIssue(R"({"type":"FeatureCollection","features":{}})", "features",
                 "expected an array of Features, got an object");
}

// --- Warnings ---

TEST(PlanParserTest, WarnsAboutOneSwappedPosition) {
  const std::string plausible = Collection({
      Feature("movement", kLine, kTimes, "m"),
      Feature("site", Geometry("Point", "[41.63,37.04]"), R"("radius_m":100)", "s"),
      Feature("zone", kSquare, "", "z"),
  });
  Result<PlanSet> ok = ParsePlans(plausible);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->warnings.empty()) << IssuesText(ok->warnings);

  Result<PlanSet> r = ParsePlans(Collection({
      Feature("movement", kLine, kTimes, "m"),
      Feature("site", Geometry("Point", "[37.04,41.63]"), R"("radius_m":100)", "s"),
      Feature("zone", kSquare, "", "z"),
  }));
  ASSERT_TRUE(r.ok()) << IssuesText(r.status().issues());
  ASSERT_EQ(r->warnings.size(), 1u) << IssuesText(r->warnings);
  EXPECT_EQ(r->warnings[0].path, "features[1].geometry.coordinates");
  EXPECT_NE(r->warnings[0].reason.find("looks like [lat, lon]: read as given it is"),
            std::string::npos);
  EXPECT_NE(r->warnings[0].reason.find("(GeoJSON order is [longitude, latitude])"),
            std::string::npos);

  // A whole route entered as [lat, lon] among correct plans: 3 warnings, then a summary.
  Result<PlanSet> route = ParsePlans(Collection({
      Feature("site", Geometry("Point", "[41.63,37.04]"), R"("radius_m":100)", "s"),
      Feature(
          "movement",
          Geometry("LineString",
                   "[[37.00,41.60],[37.02,41.61],[37.04,41.62],[37.06,41.63],[37.08,41.64]]"),
          R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:30:00Z","2022-10-08T10:00:00Z","2022-10-08T10:30:00Z","2022-10-08T11:00:00Z"])",
          "m"),
      Feature("zone", kSquare, "", "z"),
  }));
  ASSERT_TRUE(route.ok()) << IssuesText(route.status().issues());
  ASSERT_EQ(route->warnings.size(), 4u) << IssuesText(route->warnings);
  EXPECT_EQ(route->warnings[2].path, "features[1].geometry.coordinates[2]");
  EXPECT_EQ(route->warnings[3].ToString(),
            "features[1].geometry.coordinates: 2 more positions look like [lat, lon] too");

  // A single feature has no "other plans" to compare with.
  Result<PlanSet> alone = ParsePlans(
      Collection({Feature("site", Geometry("Point", "[37.04,41.63]"), R"("radius_m":100)")}));
  ASSERT_TRUE(alone.ok());
  EXPECT_TRUE(alone->warnings.empty());
}

TEST(PlanParserTest, WarnsAboutSpeedDurationAltitudeAndOwnZone) {
  Result<PlanSet> r = ParsePlans(Collection({
      // 4.78 km in 1 minute: 287 km/h on the ground.
      Feature("movement", Geometry("LineString", "[[41.60,37.00,350],[41.62,37.04,350]]"),
              R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:01:00Z"])", "fast"),
      Feature("movement", kLine,
              R"("times":["2022-10-01T09:00:00Z","2022-10-05T09:30:00Z","2022-10-08T10:00:00Z"])",
              "long"),
      Feature("zone", kSquare, R"("restricted_parties":["A","B"])", "own"),
  }));
  ASSERT_TRUE(r.ok()) << IssuesText(r.status().issues());
  const std::vector<Issue>& w = r->warnings;
  ASSERT_EQ(w.size(), 4u) << IssuesText(w);
  EXPECT_EQ(w[0].path, "features[0].geometry.coordinates[0]");  // once per feature
  EXPECT_NE(w[0].reason.find("altitude ignored"), std::string::npos);
  EXPECT_EQ(w[1].path, "features[0].properties.times[1]");
  EXPECT_NE(w[1].reason.find("implausible speed: 287 km/h"), std::string::npos) << w[1].reason;
  EXPECT_EQ(w[2].path, "features[1].properties.times");
  EXPECT_NE(w[2].reason.find("lasts 7.0 days"), std::string::npos) << w[2].reason;
  EXPECT_EQ(w[3].path, "features[2].properties.restricted_parties[0]");
  EXPECT_NE(w[3].reason.find("the owner is never restricted"), std::string::npos);
  EXPECT_FALSE(r->plans[0].route().has_altitude);
  EXPECT_EQ(r->plans[0].route().waypoints[0].altitude_m, 0);
}

// --- Properties ---

// A random valid movement near (37, 41.6): n vertices, strictly increasing times.
struct RandomMovement {
  std::vector<std::pair<double, double>> lon_lat;
  std::vector<int> seconds;  // since 2022-10-08T00:00:00Z, strictly increasing
};

std::string TimesJson(const std::vector<int>& seconds) {
  std::string out = R"("times":[)";
  for (size_t i = 0; i < seconds.size(); ++i) {
    out +=
        (i ? "," : "") +
        ("\"" + FormatRfc3339(TimePoint::FromUnixSeconds(T("2022-10-08T00:00:00Z") + seconds[i])) +
         "\"");
  }
  return out + "]";
}

std::string MovementJson(const RandomMovement& m, const std::vector<int>& seconds) {
  std::string coords = "[";
  for (size_t i = 0; i < m.lon_lat.size(); ++i) {
    coords += (i ? "," : "") + ("[" + std::to_string(m.lon_lat[i].first) + "," +
                                std::to_string(m.lon_lat[i].second) + "]");
  }
  return Collection(
      {Feature("movement", Geometry("LineString", coords + "]"), TimesJson(seconds))});
}

rc::Gen<RandomMovement> GenMovement() {
  return rc::gen::exec([] {
    const int n = *rc::gen::inRange(2, 30);
    RandomMovement m;
    int t = 0;
    for (int i = 0; i < n; ++i) {
      m.lon_lat.emplace_back(41.6 + *rc::gen::inRange(-1000, 1000) * 1e-4,
                             37.0 + *rc::gen::inRange(-1000, 1000) * 1e-4);
      t += *rc::gen::inRange(600, 7200);  // >= 10 min per leg of <= 30 km: plausible speeds
      m.seconds.push_back(t);
    }
    return m;
  });
}

RC_GTEST_PROP(PlanParserProperty, ValidMovementRoundTripsVerticesAndTimes, ()) {
  const RandomMovement m = *GenMovement();
  Result<PlanSet> r = ParsePlans(MovementJson(m, m.seconds));
  RC_ASSERT(r.ok());
  RC_ASSERT(r->warnings.empty());
  const Route& route = r->plans.at(0).route();
  RC_ASSERT(route.waypoints.size() == m.lon_lat.size());
  for (size_t i = 0; i < m.seconds.size(); ++i) {
    RC_ASSERT(route.waypoints[i].time.unix_seconds() == T("2022-10-08T00:00:00Z") + m.seconds[i]);
  }
}

RC_GTEST_PROP(PlanParserProperty, SwappingTwoTimesIsReportedAtTheFirstDecrease, ()) {
  const RandomMovement m = *GenMovement();
  const int n = static_cast<int>(m.seconds.size());
  const int i = *rc::gen::inRange(0, n - 1);
  const int j = *rc::gen::inRange(i + 1, n);
  std::vector<int> seconds = m.seconds;
  std::swap(seconds[static_cast<size_t>(i)], seconds[static_cast<size_t>(j)]);
  Result<PlanSet> r = ParsePlans(MovementJson(m, seconds));
  RC_ASSERT(!r.ok());
  const Issue& first = r.status().issues().at(0);
  RC_ASSERT(first.path == "features[0].properties.times[" + std::to_string(i + 1) + "]");
  RC_ASSERT(first.reason.find("earlier than times[" + std::to_string(i) + "]") == 0u);
}

// The speed warning decides with a cheap bound first: it must still warn exactly when the
// geodesic speed of a leg is above the limit, including legs just around it.
RC_GTEST_PROP(PlanParserProperty, WarnsOfSpeedExactlyAboveTheLimit, ()) {
  const bool flight = *rc::gen::arbitrary<bool>();
  const double limit_kmh = flight ? 1500 : 200;
  const double kmh = limit_kmh * (1 + *rc::gen::inRange(-3000, 3000) * 1e-5);  // within 3 %
  const double dt = *rc::gen::inRange(10, 3600);
  const geo::LatLng a{37.0 + *rc::gen::inRange(-5000, 5000) * 1e-4, 41.6};
  const geo::LatLng b = geo::GeodesicDirect(a, *rc::gen::inRange(0, 360), kmh / 3.6 * dt);
  char coords[160];
  std::snprintf(coords, sizeof coords,
                flight ? "[[%.7f,%.7f,1000],[%.7f,%.7f,1000]]" : "[[%.7f,%.7f],[%.7f,%.7f]]",
                a.lon_deg, a.lat_deg, b.lon_deg, b.lat_deg);
  const double t0 = T("2022-10-08T09:00:00Z");
  const std::string times = R"("times":[")" + FormatRfc3339(TimePoint::FromUnixSeconds(t0)) +
                            R"(",")" + FormatRfc3339(TimePoint::FromUnixSeconds(t0 + dt)) + "\"]";
  Result<PlanSet> r = ParsePlans(
      Collection({Feature(flight ? "flight" : "movement", Geometry("LineString", coords), times)}));
  RC_ASSERT(r.ok());
  const Route& route = r->plans.at(0).route();
  const double exact =
      geo::GeodesicDistance(route.waypoints[0].position, route.waypoints[1].position) / dt * 3.6;
  RC_ASSERT(r->warnings.size() == (exact > limit_kmh ? 1u : 0u));
}

// A file with every kind of issue, large enough for several workers: every worker count gives
// the same issues in the same order, or the same plans and warnings.
std::string ManyFeatures(size_t n, bool with_errors) {
  std::vector<std::string> features;
  for (size_t i = 0; i < n; ++i) {
    const std::string id = "f" + std::to_string(with_errors && i % 97 == 5 ? i - 1 : i);
    if (with_errors && i % 89 == 3) {  // latitude out of range, times decreasing
      features.push_back(Feature("movement", Geometry("LineString", "[[41.6,37.0],[41.62,97.04]]"),
                                 R"("times":["2022-10-08T09:30:00Z","2022-10-08T09:00:00Z"])", id));
    } else if (i % 31 == 7) {  // swapped, and too fast
      features.push_back(Feature("movement", Geometry("LineString", "[[37.0,41.6],[37.04,41.62]]"),
                                 R"("times":["2022-10-08T09:00:00Z","2022-10-08T09:00:30Z"])", id));
    } else if (i % 3 == 0) {
      features.push_back(
          Feature("site", Geometry("Point", "[41.63,37.04]"), R"("radius_m":100)", id));
    } else {
      features.push_back(Feature("movement", kLine, kTimes, id));
    }
  }
  return Collection(features);
}

TEST(PlanParserTest, TheSameResultWhateverTheWorkers) {
  for (bool with_errors : {true, false}) {
    const std::string text = ManyFeatures(4'500, with_errors);
    Result<PlanSet> one = ParsePlans(text, 1);
    ASSERT_EQ(one.ok(), !with_errors);
    for (int threads : {2, 3, 4}) {
      Result<PlanSet> many = ParsePlans(text, threads);
      ASSERT_EQ(many.ok(), one.ok());
      if (!one.ok()) {
        EXPECT_EQ(IssuesText(many.status().issues()), IssuesText(one.status().issues()));
        continue;
      }
      EXPECT_EQ(IssuesText(many->warnings), IssuesText(one->warnings));
      ASSERT_EQ(many->plans.size(), one->plans.size());
      for (size_t i = 0; i < one->plans.size(); ++i) {
        EXPECT_EQ(many->plans[i].id, one->plans[i].id);
        EXPECT_EQ(many->plans[i].feature_index, one->plans[i].feature_index);
      }
    }
    if (with_errors) {
      const std::vector<Issue>& issues = one.status().issues();
      ASSERT_GE(issues.size(), 3u);
      EXPECT_EQ(issues[0].path, "features[3].geometry.coordinates[1][1]");
      EXPECT_EQ(issues[1].path, "features[3].properties.times[1]");
      EXPECT_EQ(issues[2].ToString(), "features[5].id: duplicate id: also used by features[4]");
    } else {
      EXPECT_FALSE(one->warnings.empty());
    }
  }
}

}  // namespace
}  // namespace deconflict::model
