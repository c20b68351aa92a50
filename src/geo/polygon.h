// Point-in-polygon for polygons with geodesic edges, any size up to a hemisphere, at the poles and
// across the antimeridian. Rings are tested by the even-odd rule after a gnomonic (central)
// projection of the ECEF directions, in which great-ellipse edges are straight; callers densify
// edges (<= 20 km) so that great ellipse and geodesic coincide to millimetres.
//
//   RingSet poly({ring0_ecef, hole_ecef});
//   bool in = poly.Contains(ToEcef(p));
//
// Thread-safety: immutable after construction; Contains may be called concurrently.
#pragma once

#include <vector>

#include "geo/latlng.h"

namespace deconflict::geo {

class RingSet {
 public:
  // Each ring is a list of ECEF vertices, implicitly closed. REQUIRES: every vertex within 90
  // degrees of the rings' mean direction.
  explicit RingSet(const std::vector<std::vector<Vec3>>& rings);
  RingSet() = default;
  // True if p (ECEF) is inside by the even-odd rule (inside the outer ring, outside every hole).
  bool Contains(Vec3 p) const;

 private:
  Vec3 c_, e1_, e2_;
  std::vector<std::vector<Vec2>> rings_;  // gnomonic coordinates
};

}  // namespace deconflict::geo
