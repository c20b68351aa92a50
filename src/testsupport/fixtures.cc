#include "testsupport/fixtures.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace deconflict::testing {
namespace {

[[noreturn]] void Die(std::string_view what, std::string_view text) {
  std::fprintf(stderr, "bad fixture (%.*s): %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(text.size()), text.data());
  std::abort();
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty() || !out.empty()) out.push_back(cur);
  return out;
}

model::Plan Base(std::string id, std::string party, model::PlanKind kind) {
  model::Plan p;
  p.id = PlanId(std::move(id));
  p.party = PartyId(std::move(party));
  p.kind = kind;
  p.callsign = p.id.value();
  return p;
}

model::Route ParseRoute(std::string_view text, bool with_alt) {
  model::Route r;
  r.has_altitude = with_alt;
  for (const std::string& v : Split(text, ',')) {
    const auto at = v.find('@');
    if (at == std::string::npos) Die("vertex needs '@ HH:MM'", v);
    std::istringstream in(v.substr(0, at));
    model::Waypoint w;
    if (!(in >> w.position.lon_deg >> w.position.lat_deg)) Die("vertex", v);
    if (with_alt && !(in >> w.altitude_m)) Die("vertex needs an altitude", v);
    std::string hhmm = v.substr(at + 1);
    hhmm.erase(0, hhmm.find_first_not_of(' '));
    hhmm.erase(hhmm.find_last_not_of(' ') + 1);
    w.time = At(hhmm);
    r.waypoints.push_back(w);
  }
  if (r.waypoints.size() < 2) Die("route needs 2 vertices", text);
  return r;
}

TimeInterval Window(std::string_view start, std::string_view end) {
  TimeInterval w{TimePoint::InfinitePast(), TimePoint::InfiniteFuture()};
  if (!start.empty()) w.start = At(start);
  if (!end.empty()) w.end = At(end);
  return w;
}

model::Footprint Footprint(std::string_view text, double radius_m) {
  if (radius_m > 0) {
    const auto pts = Points(text);
    if (pts.size() != 1) Die("circle centre", text);
    return model::Circle{pts[0], Meters(radius_m)};
  }
  model::Polygon poly;
  poly.rings.push_back(Points(text));
  if (poly.rings[0].size() < 3) Die("polygon needs 3 vertices", text);
  return poly;
}

}  // namespace

TimePoint At(std::string_view hhmm) {
  int h = 0, m = 0, s = 0;
  const std::string t(hhmm);
  if (std::sscanf(t.c_str(), "%d:%d:%d", &h, &m, &s) < 2) Die("time HH:MM", hhmm);
  return TimePoint::FromUnixSeconds(kDay0 + h * 3600.0 + m * 60.0 + s);
}

std::vector<geo::LatLng> Points(std::string_view text) {
  std::vector<geo::LatLng> out;
  for (const std::string& v : Split(text, ',')) {
    std::istringstream in(v);
    geo::LatLng p;
    if (!(in >> p.lon_deg >> p.lat_deg)) Die("position 'lon lat'", v);
    out.push_back(p);
  }
  return out;
}

model::Plan Movement(std::string id, std::string party, std::string_view route, double corridor_m,
                     double tolerance_s) {
  model::Plan p = Base(std::move(id), std::move(party), model::PlanKind::kMovement);
  model::Route r = ParseRoute(route, false);
  r.corridor = Meters(corridor_m);
  r.time_tolerance = Seconds(tolerance_s);
  p.shape = std::move(r);
  return p;
}

model::Plan Flight(std::string id, std::string party, std::string_view route, double corridor_m,
                   double tolerance_s) {
  model::Plan p = Base(std::move(id), std::move(party), model::PlanKind::kFlight);
  model::Route r = ParseRoute(route, true);
  r.corridor = Meters(corridor_m);
  r.time_tolerance = Seconds(tolerance_s);
  p.shape = std::move(r);
  return p;
}

model::Plan Volume(std::string id, std::string party, std::string_view footprint, double radius_m,
                   double lower_m, double upper_m, std::string_view start, std::string_view end) {
  model::Plan p = Base(std::move(id), std::move(party), model::PlanKind::kFlight);
  model::Area a;
  a.footprint = Footprint(footprint, radius_m);
  a.window = Window(start, end);
  a.band = model::AltitudeBand{lower_m, upper_m};
  p.shape = std::move(a);
  return p;
}

model::Plan Site(std::string id, std::string party, std::string_view footprint, double radius_m,
                 std::string_view start, std::string_view end) {
  model::Plan p = Base(std::move(id), std::move(party), model::PlanKind::kSite);
  model::Area a;
  a.footprint = Footprint(footprint, radius_m);
  a.window = Window(start, end);
  p.shape = std::move(a);
  return p;
}

model::Plan ZonePolygon(std::string id, std::string party, std::string_view ring,
                        std::string_view start, std::string_view end) {
  model::Plan p = Base(std::move(id), std::move(party), model::PlanKind::kZone);
  model::Area a;
  a.footprint = Footprint(ring, 0);
  a.window = Window(start, end);
  p.shape = std::move(a);
  return p;
}

model::Plan ZoneLine(std::string id, std::string party, std::string_view line,
                     std::string_view start, std::string_view end) {
  model::Plan p = Base(std::move(id), std::move(party), model::PlanKind::kZone);
  model::Area a;
  a.footprint = model::Polyline{Points(line)};
  a.window = Window(start, end);
  p.shape = std::move(a);
  return p;
}

}  // namespace deconflict::testing
