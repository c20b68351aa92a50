// The plans parser (src/model/plan_parser.h) on arbitrary bytes: ParsePlans on the text, and
// ParsePlanFeature when the text is one JSON object (a Feature, as the server receives it).
// Properties, for every plan accepted ("validate at the edge, trust inside": what the engine may
// assume):
//   1. positions are finite and in range (lat [-90, 90], lon [-180, 180]); altitudes finite;
//   2. a route has at least 2 waypoints at non-decreasing finite times, a corridor and a time
//      tolerance that are finite and >= 0; an area's window is not empty and its band, if any,
//      has lower <= upper; a circle's radius is finite and > 0; a polygon ring has >= 3 distinct
//      points (rings are kept open);
//   3. the plan's Feature written back as JSON (json::Write, as the server stores it) parses
//      and is accepted again as the same plan (id, party, kind, callsign, note, number of
//      vertices, times exactly; positions within 4 units in the last place).
// On failure: InvalidArgument with at least one issue.
#include <boost/json.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "json/parse.h"
#include "json/write.h"
#include "model/plan_parser.h"

namespace {

namespace bj = boost::json;
using deconflict::model::Plan;

bool Near(double a, double b) {
  double x = a;
  for (int i = 0; i < 4 && x != b; ++i) x = std::nextafter(x, b);
  return x == b;
}

void CheckPosition(const deconflict::geo::LatLng& p, const std::string& where) {
  FUZZ_CHECK(std::isfinite(p.lat_deg) && p.lat_deg >= -90 && p.lat_deg <= 90, where);
  FUZZ_CHECK(std::isfinite(p.lon_deg) && p.lon_deg >= -180 && p.lon_deg <= 180, where);
}

// Property 1 and 2.
void CheckValid(const Plan& p) {
  const std::string where = "plan " + p.id.value();
  FUZZ_CHECK(!p.id.value().empty(), where);
  if (p.is_route()) {
    const auto& r = p.route();
    FUZZ_CHECK(r.waypoints.size() >= 2, where);
    FUZZ_CHECK(std::isfinite(r.corridor.value()) && r.corridor.value() >= 0, where);
    FUZZ_CHECK(std::isfinite(r.time_tolerance.value()) && r.time_tolerance.value() >= 0, where);
    for (size_t i = 0; i < r.waypoints.size(); ++i) {
      const auto& w = r.waypoints[i];
      CheckPosition(w.position, where);
      FUZZ_CHECK(std::isfinite(w.altitude_m), where);
      FUZZ_CHECK(w.time.is_finite(), where);
      if (i > 0) FUZZ_CHECK(!(w.time < r.waypoints[i - 1].time), where + ": times decrease");
    }
  } else {
    const auto& a = p.area();
    FUZZ_CHECK(!a.window.empty(), where + ": empty window");
    if (a.band) {
      FUZZ_CHECK(std::isfinite(a.band->lower_m) && std::isfinite(a.band->upper_m), where);
      FUZZ_CHECK(a.band->lower_m <= a.band->upper_m, where);
    }
    if (const auto* c = std::get_if<deconflict::model::Circle>(&a.footprint)) {
      CheckPosition(c->center, where);
      FUZZ_CHECK(std::isfinite(c->radius.value()) && c->radius.value() > 0, where);
    } else if (const auto* poly = std::get_if<deconflict::model::Polygon>(&a.footprint)) {
      FUZZ_CHECK(!poly->rings.empty(), where);
      for (const auto& ring : poly->rings) {
        FUZZ_CHECK(ring.size() >= 3, where + ": ring of " + std::to_string(ring.size()));
        for (const auto& q : ring) CheckPosition(q, where);
      }
    } else {
      const auto& line = std::get<deconflict::model::Polyline>(a.footprint);
      FUZZ_CHECK(line.points.size() >= 2, where);
      for (const auto& q : line.points) CheckPosition(q, where);
    }
  }
}

bool SamePositions(const Plan& a, const Plan& b) {
  auto same = [](const deconflict::geo::LatLng& x, const deconflict::geo::LatLng& y) {
    return Near(x.lat_deg, y.lat_deg) && Near(x.lon_deg, y.lon_deg);
  };
  if (a.is_route()) {
    const auto& x = a.route().waypoints;
    const auto& y = b.route().waypoints;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!same(x[i].position, y[i].position) || !(x[i].time == y[i].time)) return false;
    }
    return true;
  }
  if (a.area().footprint.index() != b.area().footprint.index()) return false;
  if (!(a.area().window.start == b.area().window.start) ||
      !(a.area().window.end == b.area().window.end)) {
    return false;
  }
  return true;
}

size_t Vertices(const Plan& p) {
  if (p.is_route()) return p.route().waypoints.size();
  return std::visit(
      [](const auto& f) -> size_t {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, deconflict::model::Circle>) {
          return 1;
        } else if constexpr (std::is_same_v<F, deconflict::model::Polygon>) {
          size_t n = 0;
          for (const auto& r : f.rings) n += r.size();
          return n;
        } else {
          return f.points.size();
        }
      },
      p.area().footprint);
}

// Property 3.
void CheckRoundTrip(const bj::value& feature, const Plan& p) {
  const std::string text = deconflict::json::Write(feature);
  bj::value again;
  std::optional<deconflict::Issue> bad = deconflict::json::Parse(text, &again);
  FUZZ_CHECK(!bad, "Write(feature) does not parse: " + text);
  deconflict::Result<Plan> q = deconflict::model::ParsePlanFeature(again, "", nullptr);
  FUZZ_CHECK(q.ok(), "Write(feature) is refused: " + q.status().message() + "\n  " + text);
  FUZZ_CHECK(q->id == p.id && q->party == p.party && q->kind == p.kind, text);
  FUZZ_CHECK(q->callsign == p.callsign && q->note == p.note, text);
  FUZZ_CHECK(q->is_route() == p.is_route() && Vertices(*q) == Vertices(p), text);
  FUZZ_CHECK(SamePositions(p, *q), text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  deconflict::Result<deconflict::model::PlanSet> set = deconflict::model::ParsePlans(text);
  if (set.ok()) {
    bj::value doc;
    FUZZ_CHECK(!deconflict::json::Parse(text, &doc), "ParsePlans accepted malformed JSON");
    const bj::array& features = doc.at("features").as_array();
    FUZZ_CHECK(features.size() == set->plans.size(), "one plan per feature");
    for (size_t i = 0; i < set->plans.size(); ++i) {
      CheckValid(set->plans[i]);
      CheckRoundTrip(features[i], set->plans[i]);
    }
  } else {
    FUZZ_CHECK(!set.status().issues().empty() || !set.status().message().empty(), "no reason");
  }

  bj::value doc;
  if (deconflict::json::Parse(text, &doc) || !doc.is_object()) return 0;
  std::vector<deconflict::Issue> warnings;
  deconflict::Result<Plan> plan = deconflict::model::ParsePlanFeature(doc, "", &warnings);
  if (plan.ok()) {
    CheckValid(*plan);
    CheckRoundTrip(doc, *plan);
  }
  return 0;
}
