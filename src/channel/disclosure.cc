#include "channel/disclosure.h"

#include <algorithm>
#include <cmath>

#include "base/time.h"
#include "geo/geodesic.h"
#include "json/write.h"

namespace deconflict::channel {

namespace json = boost::json;

namespace {

// The double nearest the decimal with `decimals` places (prints as that decimal).
double Round(double x, int decimals) { return deconflict::json::RoundTo(x, decimals); }

json::array LonLat(geo::LatLng p) { return json::array{Round(p.lon_deg, 6), Round(p.lat_deg, 6)}; }

}  // namespace

double DisclosureHalfSizeM(const engine::Conflict& c) {
  double m = std::max(c.required.value(), c.min_distance.value()) + 1000.0;
  return std::ceil(m / 1000.0) * 1000.0;
}

json::value TimeOrNull(std::optional<TimePoint> t) {
  if (!t.has_value()) return nullptr;
  return json::value(FormatRfc3339Millis(*t));
}

static std::string TimeText(TimePoint t) {
  if (!t.is_finite()) return t.unix_seconds() < 0 ? "-infinity" : "infinity";
  return FormatRfc3339(t);
}

std::string DisclosureJson(const engine::Conflict& c) {
  double half = DisclosureHalfSizeM(c);
  geo::LatLng n = geo::GeodesicDirect(c.cpa_position, 0, half);
  geo::LatLng e = geo::GeodesicDirect(c.cpa_position, 90, half);
  geo::LatLng s = geo::GeodesicDirect(c.cpa_position, 180, half);
  geo::LatLng w = geo::GeodesicDirect(c.cpa_position, 270, half);
  double west = Round(w.lon_deg, 4), east = Round(e.lon_deg, 4);
  double south = Round(s.lat_deg, 4), north = Round(n.lat_deg, 4);
  json::array ring{json::array{west, south}, json::array{east, south}, json::array{east, north},
                   json::array{west, north}, json::array{west, south}};
  json::object o;
  o["type"] = engine::ConflictTypeName(c.type);
  o["rule"] = c.rule;
  o["window"] = json::object{{"start", TimeText(c.window.start)}, {"end", TimeText(c.window.end)}};
  o["closest_approach"] = json::object{
      {"time", TimeText(c.cpa_time)},
      {"point", json::object{{"type", "Point"}, {"coordinates", LonLat(c.cpa_position)}}}};
  o["min_distance_m"] = Round(c.min_distance.value(), 1);
  o["required_m"] = Round(c.required.value(), 1);
  if (c.vertical_distance_m >= 0) o["vertical_distance_m"] = Round(c.vertical_distance_m, 1);
  o["area"] = json::object{{"type", "Polygon"}, {"coordinates", json::array{ring}}};
  o["area_half_size_m"] = half;
  o["sides"] = json::array{json::object{{"party", c.party_a.value()},
                                        {"callsign", c.callsign_a},
                                        {"kind", model::PlanKindName(c.kind_a)}},
                           json::object{{"party", c.party_b.value()},
                                        {"callsign", c.callsign_b},
                                        {"kind", model::PlanKindName(c.kind_b)}}};
  return deconflict::json::Write(o);
}

int SideOf(const store::ConflictRecord& c, const PartyId& party) {
  if (c.party_a == party) return 0;
  if (c.party_b == party) return 1;
  return -1;
}

bool CanSee(const store::ConflictRecord& c, const Caller& caller) {
  return caller.sees_all() || SideOf(c, caller.party) >= 0;
}

json::object ConflictView(const store::ConflictRecord& c, const Caller& caller) {
  json::value detail = json::parse(c.detail_json);
  return ConflictView(c, caller, detail.as_object());
}

json::object ConflictView(const store::ConflictRecord& c, const Caller& caller,
                          const json::object& d) {
  json::object o;
  o.reserve(20);
  o["id"] = c.id.value();
  o["status"] = Name(c.status);
  if (c.resolution != Resolution::kNone) o["resolution"] = Name(c.resolution);
  for (const char* k :
       {"type", "rule", "window", "windows", "windows_count", "closest_approach", "min_distance_m",
        "required_m", "vertical_distance_m", "area", "area_half_size_m"}) {
    if (auto* v = d.if_contains(k)) o[k] = *v;
  }
  int mine = caller.sees_all() ? -1 : SideOf(c, caller.party);
  json::array sides = d.at("sides").as_array();
  for (int i = 0; i < 2; ++i) {
    json::object& side = sides[static_cast<size_t>(i)].as_object();
    if (caller.sees_all() || i == mine) {
      side["plan"] = (i == 0 ? c.plan_a : c.plan_b).value();
      side["plan_version"] = i == 0 ? c.version_a : c.version_b;
    }
    side["acknowledged_at"] = TimeOrNull(i == 0 ? c.ack_a : c.ack_b);
    side["accepted_at"] = TimeOrNull(i == 0 ? c.accept_a : c.accept_b);
    side["escalation_level"] = i == 0 ? c.escalated_a : c.escalated_b;
  }
  o["sides"] = std::move(sides);
  if (mine >= 0) o["own_side"] = mine;
  o["deadline"] = FormatRfc3339Millis(c.deadline);
  o["created_at"] = FormatRfc3339Millis(c.created);
  o["updated_at"] = FormatRfc3339Millis(c.updated);
  o["resolved_at"] = TimeOrNull(c.resolved);
  return o;
}

json::object PlanView(const store::PlanRecord& p) {
  return PlanView(p, json::parse(p.feature_json));
}

json::object PlanView(const store::PlanRecord& p, json::value feature) {
  json::object o(6);
  o["id"] = p.id.value();
  o["party"] = p.party.value();
  o["version"] = p.version;
  o["status"] = Name(p.status);
  o["stored_at"] = FormatRfc3339Millis(p.created);
  o["feature"] = std::move(feature);
  return o;
}

json::object MessageView(const store::MessageRecord& m) {
  json::object o;
  o["seq"] = m.seq;
  o["conflict"] = m.conflict_id.value();
  o["party"] = m.party.value();
  o["kind"] = Name(m.kind);
  if (!m.language.empty()) o["language"] = m.language;
  o["at"] = FormatRfc3339Millis(m.at);
  json::value body = json::parse(m.body_json);
  if (body.is_object()) {
    for (auto& [k, v] : body.as_object()) o[k] = v;
  }
  return o;
}

json::object EventView(const store::EventRecord& e) {
  json::object o;
  o["seq"] = e.seq;
  o["type"] = Name(e.type);
  o["at"] = FormatRfc3339Millis(e.at);
  o["data"] = json::parse(e.data_json);
  return o;
}

json::object DryRunView(const engine::Conflict& c, const PartyId& own_party) {
  json::value detail = json::parse(DisclosureJson(c));
  json::object o = std::move(detail.as_object());
  json::array& sides = o["sides"].as_array();
  for (size_t i = 0; i < 2; ++i) {
    if ((i == 0 ? c.party_a : c.party_b) == own_party) {
      sides[i].as_object()["plan"] = FromEngineId(i == 0 ? c.plan_a : c.plan_b).id.value();
      o["own_side"] = static_cast<int>(i);
    }
  }
  return o;
}

}  // namespace deconflict::channel
