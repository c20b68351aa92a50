#include "channel/disclosure.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "base/time.h"
#include "geo/geodesic.h"
#include "json/write.h"

namespace deconflict::channel {

namespace json = boost::json;

namespace {

// The double nearest the decimal with `decimals` places (prints as that decimal).
double Round(double x, int decimals) { return deconflict::json::RoundTo(x, decimals); }

json::array LonLat(geo::LatLng p) { return json::array{Round(p.lon_deg, 6), Round(p.lat_deg, 6)}; }

constexpr double kPi = 3.14159265358979323846;
// Metres per degree of latitude are at least this (WGS84, at the equator).
constexpr double kMinMeridianDegreeM = 110574.0;

// Metres per degree of longitude along the parallel at lat_deg (WGS84).
double ParallelDegreeM(double lat_deg) {
  constexpr double a = 6378137.0, e2 = 6.69437999014e-3;
  const double phi = lat_deg * kPi / 180, sin_phi = std::sin(phi);
  return kPi / 180 * a * std::cos(phi) / std::sqrt(1 - e2 * sin_phi * sin_phi);
}

std::string TimeText(TimePoint t) {
  if (!t.is_finite()) return t.unix_seconds() < 0 ? "-infinity" : "infinity";
  return FormatRfc3339(t);
}

// The inverse of TimeText (an unreadable text reads as the infinite past, which no view shows
// finer than it is).
TimePoint ParseTimeText(const json::value* v) {
  if (v == nullptr || !v->is_string()) return TimePoint::InfinitePast();
  const std::string_view text = v->get_string();
  if (text == "infinity") return TimePoint::InfiniteFuture();
  Result<TimePoint> t = ParseRfc3339(text);
  return t.ok() ? *t : TimePoint::InfinitePast();
}

std::optional<geo::LatLng> PointOf(const json::value* v) {
  const json::array* a = v ? v->if_array() : nullptr;
  if (a == nullptr || a->size() != 2) return std::nullopt;
  return geo::LatLng{(*a)[1].to_number<double>(), (*a)[0].to_number<double>()};
}

// The conflict region: the points of the sides that move at the closest approach, or (two areas,
// or a document stored before sides had points) the closest-approach point.
std::vector<geo::LatLng> RegionPoints(const json::object& d) {
  std::vector<geo::LatLng> out;
  for (const json::value& side : d.at("sides").as_array()) {
    const json::object& s = side.as_object();
    const json::value* moves = s.if_contains("moves");
    if (moves == nullptr || !moves->is_bool() || !moves->get_bool()) continue;
    if (auto p = PointOf(s.if_contains("position"))) out.push_back(*p);
  }
  if (out.empty()) {
    const json::object& cpa = d.at("closest_approach").as_object();
    if (auto p = PointOf(cpa.at("point").as_object().if_contains("coordinates"))) out.push_back(*p);
  }
  return out;
}

json::object AreaJson(const GridCell& g) {
  const double w = Round(g.west, 7), e = Round(g.east, 7);
  const double s = Round(g.south, 7), n = Round(g.north, 7);
  json::array ring{json::array{w, s}, json::array{e, s}, json::array{e, n}, json::array{w, n},
                   json::array{w, s}};
  return json::object{{"type", "Polygon"}, {"coordinates", json::array{ring}}};
}

double FloorTo(double x, double step) { return std::floor(x / step) * step; }

// A window as a party sees it: rounded outward to whole time steps.
json::object CoarseWindow(const json::object& w, const DisclosureOptions& o) {
  return json::object{
      {"start", TimeText(SnapTime(ParseTimeText(w.if_contains("start")), o.time_s, false))},
      {"end", TimeText(SnapTime(ParseTimeText(w.if_contains("end")), o.time_s, true))}};
}

// The windows of the episodes of a merged conflict (`windows`, `windows_count`), if it has them.
void AddEpisodeWindows(const json::object& d, const DisclosureOptions& o, bool exact,
                       json::object* v) {
  const json::value* windows = d.if_contains("windows");
  if (windows == nullptr || !windows->is_array()) return;
  if (exact) {
    (*v)["windows"] = *windows;
  } else {
    json::array coarse;
    for (const json::value& w : windows->get_array()) {
      coarse.push_back(CoarseWindow(w.as_object(), o));
    }
    (*v)["windows"] = std::move(coarse);
  }
  if (const json::value* n = d.if_contains("windows_count")) (*v)["windows_count"] = *n;
}

// The part of the view that depends on the caller: coarse (a party, the record) or exact.
json::object BaseView(const json::object& d, const DisclosureOptions& o, bool exact) {
  json::object v;
  v.reserve(20);
  v["type"] = d.at("type");
  v["rule"] = d.at("rule");
  const json::object& w = d.at("window").as_object();
  const json::object& cpa = d.at("closest_approach").as_object();
  const double min_m = d.at("min_distance_m").to_number<double>();
  const json::value* vertical = d.if_contains("vertical_distance_m");
  if (exact) {
    v["window"] = w;
    v["closest_approach"] = cpa;
    v["min_distance_m"] = min_m;
  } else {
    v["window"] = CoarseWindow(w, o);
    // Rounded down, like the window's start: to the nearest would tell which half of the step.
    const TimePoint t = SnapTime(ParseTimeText(cpa.if_contains("time")), o.time_s, false);
    v["closest_approach"] = json::object{{"time", TimeText(t)}};
    v["min_distance_m"] = FloorTo(min_m, o.cell_m);
  }
  AddEpisodeWindows(d, o, exact, &v);
  v["required_m"] = d.at("required_m");
  if (vertical != nullptr) {
    const double m = vertical->to_number<double>();
    v["vertical_distance_m"] = exact ? m : FloorTo(m, kVerticalStepM);
  }
  v["area"] = AreaJson(CoveringCells(RegionPoints(d), o.cell_m));
  v["disclosure"] = json::object{{"cell_m", o.cell_m}, {"time_s", o.time_s}, {"exact", exact}};
  json::array sides;
  for (const json::value& side : d.at("sides").as_array()) {
    const json::object& s = side.as_object();
    json::object out{
        {"party", s.at("party")}, {"callsign", s.at("callsign")}, {"kind", s.at("kind")}};
    if (exact) {
      for (const char* k : {"moves", "position", "time"}) {
        if (const json::value* x = s.if_contains(k)) out[k] = *x;
      }
    }
    sides.push_back(std::move(out));
  }
  v["sides"] = std::move(sides);
  return v;
}

// A party's view: the coarse view and its own point at the closest approach when its own plan
// moves (`mine`: its side; none when its own plan is an area or the document has no point).
json::object PartyView(const json::object& d, const DisclosureOptions& o, int mine) {
  json::object v = BaseView(d, o, false);
  const json::object& own = d.at("sides").as_array().at(static_cast<size_t>(mine)).as_object();
  const json::value* moves = own.if_contains("moves");
  if (moves != nullptr && moves->is_bool() && moves->get_bool()) {
    if (auto p = PointOf(own.if_contains("position"))) {
      v["closest_approach"].as_object()["point"] =
          json::object{{"type", "Point"}, {"coordinates", LonLat(*p)}};
    }
  }
  return v;
}

}  // namespace

GridCell GridCellOf(geo::LatLng p, double cell_m) {
  const int rows = std::max(1, static_cast<int>(std::floor(180 * kMinMeridianDegreeM / cell_m)));
  const double dlat = 180.0 / rows;
  const int j = std::clamp(static_cast<int>(std::floor((p.lat_deg + 90) / dlat)), 0, rows - 1);
  GridCell g;
  g.south = -90 + j * dlat;
  g.north = j + 1 == rows ? 90.0 : -90 + (j + 1) * dlat;
  const double narrowest = std::max(std::fabs(g.south), std::fabs(g.north));
  int cols = std::max(1, static_cast<int>(std::floor(360 * ParallelDegreeM(narrowest) / cell_m)));
  // Near the poles the geodesic between a cell's corners is shorter than the parallel's arc.
  while (cols > 1 && geo::GeodesicDistance({narrowest, 0}, {narrowest, 360.0 / cols}) < cell_m) {
    --cols;
  }
  const double dlon = 360.0 / cols;
  double lon = std::fmod(p.lon_deg + 180, 360.0);
  if (lon < 0) lon += 360;
  const int i = std::clamp(static_cast<int>(std::floor(lon / dlon)), 0, cols - 1);
  g.west = -180 + i * dlon;
  g.east = i + 1 == cols ? 180.0 : -180 + (i + 1) * dlon;
  return g;
}

GridCell CoveringCells(const std::vector<geo::LatLng>& points, double cell_m) {
  GridCell box = GridCellOf(points.front(), cell_m);
  for (size_t i = 1; i < points.size(); ++i) {
    const GridCell g = GridCellOf(points[i], cell_m);
    box.west = std::min(box.west, g.west);
    box.east = std::max(box.east, g.east);
    box.south = std::min(box.south, g.south);
    box.north = std::max(box.north, g.north);
  }
  return box;
}

TimePoint SnapTime(TimePoint t, int64_t step_s, bool up) {
  if (!t.is_finite()) return t;
  const double step = static_cast<double>(step_s);
  const double k = t.unix_seconds() / step;
  return TimePoint::FromUnixSeconds((up ? std::ceil(k) : std::floor(k)) * step);
}

json::value TimeOrNull(std::optional<TimePoint> t) {
  if (!t.has_value()) return nullptr;
  return json::value(FormatRfc3339Millis(*t));
}

std::string DisclosureJson(const engine::Conflict& c) {
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
  auto side = [](const PartyId& party, const std::string& callsign, model::PlanKind kind,
                 bool moves, geo::LatLng at, TimePoint t) {
    return json::object{
        {"party", party.value()}, {"callsign", callsign},   {"kind", model::PlanKindName(kind)},
        {"moves", moves},         {"position", LonLat(at)}, {"time", TimeText(t)}};
  };
  o["sides"] = json::array{
      side(c.party_a, c.callsign_a, c.kind_a, c.moves_a, c.cpa_position_a, c.cpa_time_a),
      side(c.party_b, c.callsign_b, c.kind_b, c.moves_b, c.cpa_position_b, c.cpa_time_b)};
  return deconflict::json::Write(o);
}

json::object SharedView(const json::object& exact, const DisclosureOptions& o) {
  return BaseView(exact, o, false);
}

int SideOf(const store::ConflictRecord& c, const PartyId& party) {
  if (c.party_a == party) return 0;
  if (c.party_b == party) return 1;
  return -1;
}

bool CanSee(const store::ConflictRecord& c, const Caller& caller) {
  return caller.sees_all() || SideOf(c, caller.party) >= 0;
}

json::object ConflictView(const store::ConflictRecord& c, const Caller& caller,
                          const DisclosureOptions& o) {
  json::value detail = json::parse(c.detail_json);
  return ConflictView(c, caller, detail.as_object(), o);
}

json::object ConflictView(const store::ConflictRecord& c, const Caller& caller,
                          const json::object& d, const DisclosureOptions& opts) {
  const int mine = caller.sees_all() ? -1 : SideOf(c, caller.party);
  json::object o;
  o.reserve(24);
  o["id"] = c.id.value();
  o["status"] = Name(c.status);
  if (c.resolution != Resolution::kNone) o["resolution"] = Name(c.resolution);
  json::object v = caller.sees_all() ? BaseView(d, opts, true) : PartyView(d, opts, mine);
  for (auto& [k, x] : v) o[k] = std::move(x);
  json::array& sides = o["sides"].as_array();
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

namespace {

// A plan view's fields before "feature", in their order; room for one more.
json::object PlanViewHead(const store::PlanRecord& p) {
  json::object o(6);
  o["id"] = p.id.value();
  o["party"] = p.party.value();
  o["version"] = p.version;
  o["status"] = Name(p.status);
  o["stored_at"] = FormatRfc3339Millis(p.created);
  return o;
}

}  // namespace

std::string PlanViewText(const store::PlanRecord& p) {
  std::string out = deconflict::json::Write(PlanViewHead(p));
  out.pop_back();  // the closing brace
  out.reserve(out.size() + p.feature_json.size() + 12);
  out += ",\"feature\":";
  out += p.feature_json;
  out += '}';
  return out;
}

json::object PlanView(const store::PlanRecord& p, json::value feature) {
  json::object o = PlanViewHead(p);
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

json::object DryRunView(const engine::Conflict& c, const PartyId& own_party,
                        const DisclosureOptions& opts) {
  const int mine = c.party_a == own_party ? 0 : 1;
  json::value detail = json::parse(DisclosureJson(c));
  json::object o = PartyView(detail.as_object(), opts, mine);
  o["sides"].as_array()[static_cast<size_t>(mine)].as_object()["plan"] =
      FromEngineId(mine == 0 ? c.plan_a : c.plan_b).id.value();
  o["own_side"] = mine;
  return o;
}

}  // namespace deconflict::channel
