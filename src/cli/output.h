// Every output format of the CLI: conflicts as JSON, GeoJSON and text for people; suggestions as
// JSON and text. Pure functions of their arguments (no I/O), so tests can pin them.
//
//   CheckSummary s{.plans = 2, .parties = 2, .conflicts = c.size()};
//   std::cout << FormatConflictsText(c, s);
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/conflict.h"
#include "engine/suggest.h"
#include "model/plan.h"

namespace deconflict::cli {

// What a check looked at, for the "stats" member and the text header.
struct CheckSummary {
  size_t plans = 0;
  size_t parties = 0;
  size_t conflicts = 0;
  size_t elements = 0;       // compiled geodesic elements (engine/compiled.h)
  double elapsed_ms = 0;     // indexing + detection, wall clock
  bool brute_force = false;  // "method": "brute_force" instead of "index"
};

// Finds a plan by id; returns nullptr if absent (e.g. ConflictDetector::Find).
using PlanLookup = std::function<const model::Plan*(const PlanId&)>;

// "1,150", "-12,345", "9,260.5" (decimals digits after the point, rounded half away from zero).
std::string FormatThousands(double value, int decimals = 0);

// A stable 12-hex-digit id: FNV-1a 64 of "plan_a|plan_b|<window start rounded to the second>".
// The same conflict gets the same id on every run and platform.
std::string ConflictId(const engine::Conflict& c);

// One conflict as the JSON object documented in `deconflict check --help`: distances rounded to
// 0.1 m, the position [lon, lat] to 1e-7 degrees (json/write.h RoundTo).
boost::json::object ConflictToJson(const engine::Conflict& c);

// {"conflicts": [...], "stats": {...}} as indented JSON text ending with a newline: byte for byte
// json::WritePretty of {"conflicts": [ConflictToJson(c)...], "stats": {...}}, written directly
// (no tree).
std::string FormatConflictsJson(const std::vector<engine::Conflict>& conflicts,
                                const CheckSummary& summary);
// Writes FormatConflictsJson's text to `out`, the conflicts formatted by up to `threads` threads
// (at least 5,000 conflicts each; the text is the same for every thread count).
void WriteConflictsJson(const std::vector<engine::Conflict>& conflicts, const CheckSummary& summary,
                        int threads, std::ostream& out);

// A GeoJSON FeatureCollection, ending with a newline: per conflict a Point at the closest
// approach whose properties are the conflict's JSON fields, and, when both plans are routes found
// by `lookup` (may be empty), a LineString between the two plans' positions at that moment.
// Coordinates have at most 7 decimals, distances 1; numbers are plain decimals (json::WritePretty).
std::string FormatConflictsGeoJson(const std::vector<engine::Conflict>& conflicts,
                                   const CheckSummary& summary, const PlanLookup& lookup);

// A report for people, in UTC: a header with the counts, then one block per conflict (window,
// both plans, rule, closest approach, one plain sentence). Ends with a newline.
std::string FormatConflictsText(const std::vector<engine::Conflict>& conflicts,
                                const CheckSummary& summary);

// The plain sentence of one conflict, e.g. "US movement us-1 and RU movement ru-1 come within
// 12 m (required 1,150 m) between 09:12:54 and 09:17:07 UTC."
std::string DescribeConflict(const engine::Conflict& c);

// "delay", "advance", "none", "impossible".
const char* OutcomeName(engine::Suggestion::Outcome o);

// {"plan", "outcome", "shift_s" (null when impossible), "conflicts_now", "explanation",
//  "blockers": [{"plan", "party", "blocked": [[lo, hi], ...]}]} with null for infinite ends;
// seconds rounded to 0.01 s.
std::string FormatSuggestionJson(const PlanId& plan, const engine::Suggestion& s);
// The explanation, then one line per blocking plan with the shifts it blocks.
std::string FormatSuggestionText(const PlanId& plan, const engine::Suggestion& s);

// The position of a route at scheduled time t (clamped to its first and last waypoints).
// REQUIRES: route.waypoints.size() >= 1.
geo::LatLng RoutePositionAt(const model::Route& route, TimePoint t);

}  // namespace deconflict::cli
