// Closest approach of two linearly parametrised points under linear constraints: the kernel every
// conflict predicate reduces to.
//
// Two points move in a plane: A(x) = a0 + x*u and B(y) = b0 + y*w, where x and y are independent
// parameters (a time in seconds for a moving plan, an arc length in metres along a static edge).
// Their difference D(x, y) = d0 + x*u - y*w (d0 = a0 - b0) has squared length q(x, y), a convex
// quadratic. The admissible (x, y) form a convex polygon (`Region`): a box clipped by half-planes
// such as |x - y| <= T (time tolerance) or |alt_a(x) - alt_b(y)| < V (vertical separation).
//
//   Region r = Region::Box(0, 600, 0, 900);
//   r.Clip({1, -1, tol});  r.Clip({-1, 1, tol});          // |x - y| <= tol
//   Approach m{d0, u, w};
//   Minimum best = MinimizeOver(r, m);                    // smallest q and where
//   double first = ExtremeOver(r, m, R * R, {1, 0}, false, 0.01);  // earliest x with q < R^2
//
// Numbered properties (each tested in approach_test.cc):
//  1. MinimizeOver returns the exact minimum of q over the polygon (up to round-off); it is 0 when
//     the two paths cross at admissible parameters.
//  2. MinimizeOver is symmetric: swapping the roles of A and B (x<->y, u<->w, d0 -> -d0) gives the
//     same value.
//  3. Clipping never enlarges a region, so the minimum never decreases when constraints are added.
//  4. ExtremeOver's answer e satisfies: region ∩ {f < e - tol} has no point with q < r2, and region
//     ∩ {f <= e + tol} has one, for any tol > 0 (minimisation; mirrored for maximisation).
// Thread-safety: value types and pure functions.
#pragma once

#include <array>
#include <cassert>
#include <span>

#include "geo/latlng.h"

namespace deconflict::geo {

// a*x + b*y <= c
struct HalfPlane {
  double a, b, c;
};

// A convex polygon in the (x, y) parameter plane, counter-clockwise, at most kMaxVertices.
class Region {
 public:
  static constexpr int kMaxVertices = 20;

  // REQUIRES: x0 <= x1, y0 <= y1 (a degenerate box is a segment or a point).
  static Region Box(double x0, double x1, double y0, double y1);

  // Intersects with the half-plane. REQUIRES: fewer than kMaxVertices - 4 clips so far.
  void Clip(const HalfPlane& h);

  bool empty() const { return n_ == 0; }
  std::span<const Vec2> vertices() const { return {v_.data(), static_cast<size_t>(n_)}; }
  // Smallest and largest value of fx*x + fy*y over the region. REQUIRES: !empty().
  double MinOf(Vec2 f) const;
  double MaxOf(Vec2 f) const;
  // True if p is inside or on the boundary (within a relative tolerance).
  bool Contains(Vec2 p) const;

 private:
  std::array<Vec2, kMaxVertices> v_{};
  int n_ = 0;
};

// D(x, y) = d0 + x*u - y*w.
struct Approach {
  Vec2 d0, u, w;
  Vec2 At(double x, double y) const { return d0 + u * x - w * y; }
  double Q(double x, double y) const { return At(x, y).Norm2(); }
};

struct Minimum {
  double q;  // the smallest squared distance
  double x;  // where it is reached
  double y;
};

// The minimum of q over the region (property 1). REQUIRES: !region.empty().
Minimum MinimizeOver(const Region& region, const Approach& m);

// The smallest (maximize = false) or largest value of f = f.x*x + f.y*y over
// region ∩ {q <= r2}, exactly (up to round-off): the optimum is a region vertex, a crossing of a
// region edge with the boundary q = r2, or the tangent point of a level line of f with that
// boundary. `tolerance` is kept for interface stability and ignored.
// REQUIRES: MinimizeOver(region, m).q < r2, tolerance > 0.
double ExtremeOver(const Region& region, const Approach& m, double r2, Vec2 f, bool maximize,
                   double tolerance);

}  // namespace deconflict::geo
