// WGS84 geodesics (GeographicLib, Karney 2013): exact to round-off. These give every figure
// Deconflict reports; the fast kernels (tangent_plane.h) are only used to decide and locate.
//
//   double d = GeodesicDistance({36.95, 41.62}, {37.04, 41.62});   // metres
//   LatLng mid = GeodesicPoint(a, b, 0.5);
#pragma once

#include <vector>

#include "geo/latlng.h"

namespace deconflict::geo {

constexpr double kEarthMeanRadiusM = 6371008.8;

struct InverseResult {
  double distance_m;
  double azimuth1_deg;  // at the first point, clockwise from north
};

// Geodesic distance in metres between a and b (shortest path on the WGS84 ellipsoid).
double GeodesicDistance(LatLng a, LatLng b);
InverseResult GeodesicInverse(LatLng a, LatLng b);

// The point reached from `from` travelling `distance_m` along azimuth `azimuth_deg`.
LatLng GeodesicDirect(LatLng from, double azimuth_deg, double distance_m);

// The point at fraction f in [0, 1] of the geodesic from a to b (by arc length).
LatLng GeodesicPoint(LatLng a, LatLng b, double f);

// The area in square metres enclosed by `ring` (geodesic edges, implicitly closed, either
// orientation; GeographicLib PolygonArea): the smaller of the two areas the ring divides the
// ellipsoid into. 0 for fewer than 3 vertices.
double GeodesicRingAreaM2(const std::vector<LatLng>& ring);

}  // namespace deconflict::geo
