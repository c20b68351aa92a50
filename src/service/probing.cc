#include "service/probing.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "geo/geodesic.h"

namespace deconflict::service {

namespace {

constexpr double kPi = 3.14159265358979323846;

// A figure as a person reads it: 12,345.
std::string Thousands(double v) {
  std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

struct Box {
  double w = std::numeric_limits<double>::infinity(), s = w, e = -w, n = -w;
  void Add(const geo::LatLng& p, double margin_m = 0) {
    const double dlat = margin_m / 111320.0;
    const double coslat = std::max(0.01, std::cos(p.lat_deg * kPi / 180));
    const double dlon = margin_m / (111320.0 * coslat);
    w = std::min(w, p.lon_deg - dlon);
    e = std::max(e, p.lon_deg + dlon);
    s = std::min(s, p.lat_deg - dlat);
    n = std::max(n, p.lat_deg + dlat);
  }
};

}  // namespace

Status ProbeLimiter::Take(const PartyId& party, TimePoint now) {
  const double per_s = limits_.per_minute / 60.0;
  MutexLock lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(party, Bucket{static_cast<double>(limits_.burst), now});
  Bucket& b = it->second;
  if (!fresh && now > b.at) {
    b.tokens = std::min<double>(limits_.burst, b.tokens + (now - b.at).value() * per_s);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return Status::Ok();
  }
  const double wait_s = (1 - b.tokens) / per_s;
  return Status::TooManyRequests(
      "dry runs and suggestions are limited to " + std::to_string(limits_.burst) + " at once and " +
          std::to_string(limits_.per_minute) + " a minute per party; try again in " +
          std::to_string(static_cast<int>(std::ceil(wait_s))) + " s",
      static_cast<int>(std::ceil(wait_s)));
}

double PlanAreaKm2(const model::Plan& p) {
  if (p.is_route()) return 0;
  const model::Footprint& f = p.area().footprint;
  if (const auto* c = std::get_if<model::Circle>(&f)) {
    // A spherical cap of geodesic radius r: 2 pi R^2 (1 - cos(r / R)).
    const double r = geo::kEarthMeanRadiusM;
    return 2 * kPi * r * r * (1 - std::cos(c->radius.value() / r)) / 1e6;
  }
  if (const auto* poly = std::get_if<model::Polygon>(&f)) {
    return poly->rings.empty() ? 0 : geo::GeodesicRingAreaM2(poly->rings[0]) / 1e6;
  }
  return 0;  // a line
}

Status CheckArea(const model::Plan& p, double max_area_km2) {
  const double area = PlanAreaKm2(p);
  if (area <= max_area_km2) return Status::Ok();
  const std::string reason = "encloses " + Thousands(area) + " km², more than the maximum of " +
                             Thousands(max_area_km2) + " km² (max_area_km2)";
  return Status::Invalid("the plan's area is too large: " + reason, {{"geometry", reason}});
}

std::array<double, 4> CoarseExtent(const model::Plan& p) {
  Box box;
  if (p.is_route()) {
    for (const model::Waypoint& w : p.route().waypoints)
      box.Add(w.position, p.route().corridor.value());
  } else {
    const model::Footprint& f = p.area().footprint;
    if (const auto* c = std::get_if<model::Circle>(&f)) box.Add(c->center, c->radius.value());
    if (const auto* poly = std::get_if<model::Polygon>(&f)) {
      for (const auto& ring : poly->rings)
        for (const geo::LatLng& v : ring) box.Add(v);
    }
    if (const auto* line = std::get_if<model::Polyline>(&f)) {
      for (const geo::LatLng& v : line->points) box.Add(v);
    }
  }
  // (1e-9: a vertex on a grid line, 41.2 being 412.00000000000006 tenths, stays on it.)
  auto down = [](double v, double lo) { return std::max(lo, std::floor(v * 10 + 1e-9) / 10); };
  auto up = [](double v, double hi) { return std::min(hi, std::ceil(v * 10 - 1e-9) / 10); };
  return {down(box.w, -180), down(box.s, -90), up(box.e, 180), up(box.n, 90)};
}

}  // namespace deconflict::service
