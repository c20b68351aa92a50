#include "geo/tangent_plane.h"

#include <cmath>

namespace deconflict::geo {

TangentPlane::TangentPlane(LatLng ref) : TangentPlane(ToEcef(ref), UpVector(ref)) {}

TangentPlane::TangentPlane(Vec3 ref_ecef, Vec3 up) : origin_(ref_ecef) {
  // Any orthonormal basis of the plane perpendicular to `up`: start from the axis least aligned
  // with it, so that the construction is stable at the poles too.
  const Vec3 n = up.Normalized();
  Vec3 axis{1, 0, 0};
  if (std::fabs(n.y) < std::fabs(n.x) && std::fabs(n.y) <= std::fabs(n.z)) {
    axis = {0, 1, 0};
  } else if (std::fabs(n.z) < std::fabs(n.x)) {
    axis = {0, 0, 1};
  }
  e1_ = axis.Cross(n).Normalized();
  e2_ = n.Cross(e1_);
}

}  // namespace deconflict::geo
