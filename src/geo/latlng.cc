#include "geo/latlng.h"

#include <GeographicLib/Geocentric.hpp>
#include <cstdio>

namespace deconflict::geo {

Vec3 ToEcef(LatLng p) {
  Vec3 v;
  GeographicLib::Geocentric::WGS84().Forward(p.lat_deg, p.lon_deg, 0.0, v.x, v.y, v.z);
  return v;
}

Vec3 UpVector(LatLng p) {
  constexpr double kDeg = M_PI / 180.0;
  const double phi = p.lat_deg * kDeg, lam = p.lon_deg * kDeg;
  return {std::cos(phi) * std::cos(lam), std::cos(phi) * std::sin(lam), std::sin(phi)};
}

Vec3 UpVectorAt(Vec3 p) {
  // Gradient of x^2/a^2 + y^2/a^2 + z^2/b^2.
  const auto& g = GeographicLib::Geocentric::WGS84();
  const double a2 = g.EquatorialRadius() * g.EquatorialRadius();
  const double b = g.EquatorialRadius() * (1 - g.Flattening());
  return Vec3{p.x / a2, p.y / a2, p.z / (b * b)}.Normalized();
}

LatLng FromEcef(Vec3 p) {
  LatLng out;
  double h;
  GeographicLib::Geocentric::WGS84().Reverse(p.x, p.y, p.z, out.lat_deg, out.lon_deg, h);
  return out;
}

std::string ToString(LatLng p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f %.6f", p.lon_deg, p.lat_deg);
  return buf;
}

}  // namespace deconflict::geo
