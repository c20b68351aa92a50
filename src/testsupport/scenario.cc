#include "testsupport/scenario.h"

#include <algorithm>
#include <cmath>

#include "geo/geodesic.h"

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

}  // namespace

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
