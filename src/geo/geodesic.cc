#include "geo/geodesic.h"

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/PolygonArea.hpp>
#include <algorithm>
#include <cmath>

namespace deconflict::geo {
namespace {
const GeographicLib::Geodesic& G() { return GeographicLib::Geodesic::WGS84(); }
}  // namespace

double GeodesicDistance(LatLng a, LatLng b) {
  double s12;
  G().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s12);
  return s12;
}

InverseResult GeodesicInverse(LatLng a, LatLng b) {
  double s12, azi1, azi2;
  G().Inverse(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg, s12, azi1, azi2);
  return {s12, azi1};
}

LatLng GeodesicDirect(LatLng from, double azimuth_deg, double distance_m) {
  LatLng out;
  G().Direct(from.lat_deg, from.lon_deg, azimuth_deg, distance_m, out.lat_deg, out.lon_deg);
  return out;
}

LatLng GeodesicPoint(LatLng a, LatLng b, double f) {
  if (f <= 0) return a;
  if (f >= 1) return b;
  const InverseResult inv = GeodesicInverse(a, b);
  if (inv.distance_m == 0) return a;
  return GeodesicDirect(a, inv.azimuth1_deg, inv.distance_m * f);
}

double GeodesicRingAreaM2(const std::vector<LatLng>& ring) {
  if (ring.size() < 3) return 0;
  GeographicLib::PolygonArea poly(G());
  for (const LatLng& p : ring) poly.AddPoint(p.lat_deg, p.lon_deg);
  double perimeter = 0, area = 0;
  // reverse = false, sign = true: signed by orientation; the smaller side is |area| or the rest.
  poly.Compute(false, true, perimeter, area);
  area = std::fabs(area);
  const double total = G().EllipsoidArea();
  return std::min(area, total - area);
}

}  // namespace deconflict::geo
