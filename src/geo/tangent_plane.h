// A local tangent plane: orthographic projection of ECEF points onto the plane touching the
// ellipsoid at a reference point. Within ~50 km of the reference, distances between projected
// surface points differ from geodesic distances by < 3e-5 relative (the orthographic shrink
// rho^2 / 2R^2; measured 1.1e-5 at 30 km, 3e-5 at 50 km), which is why kernels decide in this plane
// and report with GeographicLib.
//
//   TangentPlane tp(ref);               // ref: LatLng
//   Vec2 p = tp.Project(ToEcef(q));     // metres in the plane
//
// Works at the poles and across the antimeridian (no lat/lon arithmetic). Thread-safety: value
// type.
#pragma once

#include "geo/latlng.h"

namespace deconflict::geo {

class TangentPlane {
 public:
  explicit TangentPlane(LatLng ref);
  TangentPlane(Vec3 ref_ecef, Vec3 up);
  Vec2 Project(Vec3 ecef) const {
    const Vec3 d = ecef - origin_;
    return {d.Dot(e1_), d.Dot(e2_)};
  }
  // Projects a direction (difference of two ECEF points).
  Vec2 ProjectDirection(Vec3 d) const { return {d.Dot(e1_), d.Dot(e2_)}; }

 private:
  Vec3 origin_, e1_, e2_;
};

}  // namespace deconflict::geo
