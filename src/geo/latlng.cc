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

std::string ToString(LatLng p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f %.6f", p.lon_deg, p.lat_deg);
  return buf;
}

}  // namespace deconflict::geo
