#include "testsupport/scenario.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "base/time.h"
#include "geo/geodesic.h"
#include "json/write.h"

namespace deconflict::testing {
namespace {

class Rand {
 public:
  explicit Rand(std::mt19937_64& g) : g_(g) {}
  double U() { return static_cast<double>(g_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double U(double lo, double hi) { return lo + (hi - lo) * U(); }
  int I(int lo, int hi) { return lo + static_cast<int>(U() * (hi - lo + 1)); }  // [lo, hi]
  bool Chance(double p) { return U() < p; }

 private:
  std::mt19937_64& g_;
};

geo::LatLng RandomPoint(Rand& r, const ScenarioOptions& o) {
  const double d = o.radius_km * 1000 * std::sqrt(r.U());
  return geo::GeodesicDirect(o.centre, r.U(0, 360), d);
}

model::Plan Base(std::string id, std::string party, model::PlanKind kind) {
  model::Plan p;
  p.id = PlanId(std::move(id));
  p.party = PartyId(std::move(party));
  p.kind = kind;
  return p;
}

model::Route RandomRoute(Rand& r, const ScenarioOptions& o, int legs, double speed_lo_kmh,
                         double speed_hi_kmh, double leg_lo_s, double leg_hi_s, bool air) {
  model::Route route;
  route.has_altitude = air;
  geo::LatLng pos = RandomPoint(r, o);
  double t = o.start_unix_s + r.U(0, o.horizon_h * 3600);
  double heading = r.U(0, 360);
  double alt = air ? r.U(300, 9000) : 0;
  const double speed = r.U(speed_lo_kmh, speed_hi_kmh) / 3.6;  // m/s
  route.waypoints.push_back({pos, alt, TimePoint::FromUnixSeconds(t)});
  for (int i = 0; i < legs; ++i) {
    const double dt = r.U(leg_lo_s, leg_hi_s);
    const bool wait = !air && r.Chance(0.05);  // a halt: zero-length leg
    if (!wait) {
      heading += r.U(-45, 45);
      pos = geo::GeodesicDirect(pos, heading, speed * dt);
    }
    if (air) alt = std::clamp(alt + r.U(-600, 600), 150.0, 12000.0);
    t += dt;
    route.waypoints.push_back({pos, alt, TimePoint::FromUnixSeconds(t)});
  }
  route.corridor = Meters(std::floor(r.U(0, air ? 3 * o.max_corridor_m : o.max_corridor_m)));
  route.time_tolerance = Seconds(std::floor(r.U(0, o.max_tolerance_s)));
  return route;
}

model::Polygon RandomPolygon(Rand& r, geo::LatLng c, double lo_m, double hi_m) {
  model::Polygon poly;
  const int n = r.I(4, 8);
  std::vector<geo::LatLng> ring;
  ring.reserve(static_cast<size_t>(n));
  const double base = r.U(0, 360);
  for (int i = 0; i < n; ++i) {  // star-shaped around c, so never self-intersecting
    ring.push_back(geo::GeodesicDirect(c, base + 360.0 * i / n + r.U(-10, 10), r.U(lo_m, hi_m)));
  }
  std::reverse(ring.begin(), ring.end());  // counter-clockwise like GeoJSON outer rings
  poly.rings.push_back(std::move(ring));
  return poly;
}

TimeInterval RandomWindow(Rand& r, const ScenarioOptions& o, double min_h, double max_h) {
  const double s = o.start_unix_s + r.U(0, o.horizon_h * 3600);
  return {TimePoint::FromUnixSeconds(s), TimePoint::FromUnixSeconds(s + r.U(min_h, max_h) * 3600)};
}

void AppendNumber(double x, int decimals, std::string* out) {
  json::AppendDouble(json::RoundTo(x, decimals), out);
}

void AppendPosition(geo::LatLng p, const double* alt_m, std::string* out) {
  *out += '[';
  AppendNumber(p.lon_deg, json::kDegreeDecimals, out);
  *out += ',';
  AppendNumber(p.lat_deg, json::kDegreeDecimals, out);
  if (alt_m != nullptr) {
    *out += ',';
    AppendNumber(*alt_m, json::kMetreDecimals, out);
  }
  *out += ']';
}

// A closed ring: the first vertex repeated at the end, as GeoJSON wants.
void AppendRing(const std::vector<geo::LatLng>& ring, std::string* out) {
  *out += '[';
  for (size_t k = 0; k <= ring.size(); ++k) {
    if (k > 0) *out += ',';
    AppendPosition(ring[k % ring.size()], nullptr, out);
  }
  *out += ']';
}

void AppendMember(const char* key, std::string* out) {
  *out += ",\"";
  *out += key;
  *out += "\":";
}

void AppendRoute(const model::Route& route, std::string* props, std::string* geometry) {
  AppendMember("corridor_m", props);
  AppendNumber(route.corridor.value(), json::kMetreDecimals, props);
  AppendMember("time_tolerance_s", props);
  AppendNumber(route.time_tolerance.value(), json::kSecondDecimals, props);
  AppendMember("times", props);
  *props += '[';
  *geometry += "{\"type\":\"LineString\",\"coordinates\":[";
  for (size_t k = 0; k < route.waypoints.size(); ++k) {
    const model::Waypoint& w = route.waypoints[k];
    if (k > 0) {
      *props += ',';
      *geometry += ',';
    }
    *props += '"' + FormatRfc3339Millis(w.time) + '"';
    AppendPosition(w.position, route.has_altitude ? &w.altitude_m : nullptr, geometry);
  }
  *props += ']';
  *geometry += "]}";
}

void AppendArea(const model::Plan& plan, std::string* props, std::string* geometry) {
  const model::Area& area = plan.area();
  if (const auto* c = std::get_if<model::Circle>(&area.footprint)) {
    AppendMember("radius_m", props);
    AppendNumber(c->radius.value(), json::kMetreDecimals, props);
    *geometry += "{\"type\":\"Point\",\"coordinates\":";
    AppendPosition(c->center, nullptr, geometry);
  } else if (const auto* poly = std::get_if<model::Polygon>(&area.footprint)) {
    *geometry += "{\"type\":\"Polygon\",\"coordinates\":[";
    for (size_t r = 0; r < poly->rings.size(); ++r) {
      if (r > 0) *geometry += ',';
      AppendRing(poly->rings[r], geometry);
    }
    *geometry += ']';
  } else {
    const auto& line = std::get<model::Polyline>(area.footprint);
    *geometry += "{\"type\":\"LineString\",\"coordinates\":[";
    for (size_t k = 0; k < line.points.size(); ++k) {
      if (k > 0) *geometry += ',';
      AppendPosition(line.points[k], nullptr, geometry);
    }
    *geometry += ']';
  }
  *geometry += '}';
  if (area.window.start.is_finite()) {
    AppendMember("start", props);
    *props += '"' + FormatRfc3339Millis(area.window.start) + '"';
  }
  if (area.window.end.is_finite()) {
    AppendMember("end", props);
    *props += '"' + FormatRfc3339Millis(area.window.end) + '"';
  }
  if (area.band) {
    AppendMember("altitude_lower_m", props);
    AppendNumber(area.band->lower_m, json::kMetreDecimals, props);
    AppendMember("altitude_upper_m", props);
    AppendNumber(area.band->upper_m, json::kMetreDecimals, props);
  }
  if (!plan.restricts_all_others) {
    AppendMember("restricted_parties", props);
    *props += '[';
    for (size_t k = 0; k < plan.restricted_parties.size(); ++k) {
      if (k > 0) *props += ',';
      *props += boost::json::serialize(plan.restricted_parties[k].value());
    }
    *props += ']';
  }
}

}  // namespace

std::string PlansGeoJson(const std::vector<model::Plan>& plans) {
  std::string out = "{\"type\":\"FeatureCollection\",\"features\":[\n";
  std::string props, geometry;
  for (size_t i = 0; i < plans.size(); ++i) {
    const model::Plan& p = plans[i];
    props = "{\"party\":" + boost::json::serialize(p.party.value());
    AppendMember("kind", &props);
    props += '"' + std::string(model::PlanKindName(p.kind)) + '"';
    if (!p.callsign.empty()) {
      AppendMember("callsign", &props);
      props += boost::json::serialize(p.callsign);
    }
    geometry.clear();
    if (p.is_route()) {
      AppendRoute(p.route(), &props, &geometry);
    } else {
      AppendArea(p, &props, &geometry);
    }
    out += "{\"type\":\"Feature\",\"id\":" + boost::json::serialize(p.id.value());
    out.append(",\"properties\":").append(props).append("},\"geometry\":").append(geometry);
    out += '}';
    out += i + 1 < plans.size() ? ",\n" : "\n";
  }
  out += "]}\n";
  return out;
}

model::Plan RandomMovement(std::mt19937_64& rng, const ScenarioOptions& o, std::string id,
                           std::string party, int legs) {
  Rand r(rng);
  model::Plan p = Base(std::move(id), std::move(party), model::PlanKind::kMovement);
  p.shape = RandomRoute(r, o, legs, 15, 60, 60, 600, false);
  return p;
}

std::vector<model::Plan> GenerateScenario(const ScenarioOptions& o) {
  std::mt19937_64 rng(o.seed);
  Rand r(rng);
  const double total = o.movements + o.flights + o.volumes + o.sites + o.zones;
  std::vector<model::Plan> out;
  out.reserve(o.plans);
  for (size_t i = 0; i < o.plans; ++i) {
    const std::string party = "P" + std::to_string(r.I(0, o.parties - 1));
    double pick = r.U(0, total);
    std::string id = "plan-" + std::to_string(i);
    if ((pick -= o.movements) < 0) {
      out.push_back(RandomMovement(rng, o, std::move(id), party, r.I(o.min_legs, o.max_legs)));
    } else if ((pick -= o.flights) < 0) {
      model::Plan p = Base(std::move(id), party, model::PlanKind::kFlight);
      p.shape = RandomRoute(r, o, r.I(3, 10), 150, 900, 120, 1200, true);
      out.push_back(std::move(p));
    } else if ((pick -= o.volumes) < 0) {
      model::Plan p = Base(std::move(id), party, model::PlanKind::kFlight);
      model::Area a;
      const geo::LatLng c = RandomPoint(r, o);
      if (r.Chance(0.5)) {
        a.footprint = model::Circle{c, Meters(r.U(1000, 20000))};
      } else {
        a.footprint = RandomPolygon(r, c, 5000, 30000);
      }
      const double lower = r.U(0, 6000);
      a.band = model::AltitudeBand{lower, lower + r.U(300, 3000)};
      a.window = RandomWindow(r, o, 0.5, 6);
      p.shape = std::move(a);
      out.push_back(std::move(p));
    } else if ((pick -= o.sites) < 0) {
      model::Plan p = Base(std::move(id), party, model::PlanKind::kSite);
      model::Area a;
      const geo::LatLng c = RandomPoint(r, o);
      if (r.Chance(0.7)) {
        a.footprint = model::Circle{c, Meters(r.U(100, 1000))};
      } else {
        a.footprint = RandomPolygon(r, c, 200, 1500);
      }
      if (r.Chance(0.5)) a.window = RandomWindow(r, o, 2, 48);
      p.shape = std::move(a);
      out.push_back(std::move(p));
    } else {
      model::Plan p = Base(std::move(id), party, model::PlanKind::kZone);
      model::Area a;
      const geo::LatLng c = RandomPoint(r, o);
      if (r.Chance(0.6)) {
        a.footprint = RandomPolygon(r, c, 3000, 25000);
      } else {
        model::Polyline line;
        geo::LatLng q = c;
        double heading = r.U(0, 360);
        line.points.push_back(q);
        for (int k = r.I(2, 8); k > 0; --k) {
          heading += r.U(-30, 30);
          q = geo::GeodesicDirect(q, heading, r.U(5000, 30000));
          line.points.push_back(q);
        }
        a.footprint = std::move(line);
      }
      if (r.Chance(0.5)) a.window = RandomWindow(r, o, 2, 48);
      p.shape = std::move(a);
      p.restricts_all_others = false;
      for (int k = r.I(1, 2); k > 0; --k) {
        PartyId other("P" + std::to_string(r.I(0, o.parties - 1)));
        if (other != p.party) p.restricted_parties.push_back(std::move(other));
      }
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace deconflict::testing
