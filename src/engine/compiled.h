// Plans compiled for detection: every route leg, polygon edge and line segment is cut into
// geodesic elements no longer than kMaxElementLengthM, each with its ECEF end points, its time
// span and a conservative ECEF bounding box. Circles are one element; a polygon also gets one
// kArea element that stands for its interior.
//
//   CompiledPlan cp = Compile(plan, &elements);   // appends elements, returns the plan record
//
// Thread-safety: value types; Compile is a pure function of its arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "geo/latlng.h"
#include "geo/polygon.h"
#include "model/plan.h"

namespace deconflict::engine {

// Elements are cut to at most this length, which bounds both the chord sagitta (< 8 m) and the
// tangent-plane error of the kernels (< 1 cm).
constexpr double kMaxElementLengthM = 20000;

// How far the geodesic of an element of this length can stray from its chord (the sagitta on
// the smallest radius of curvature of WGS84, 6,335 km) plus a metre for round-off, in metres.
inline double ChordSlack(double length_m) { return length_m * length_m / (8 * 6.335e6) + 1.0; }

// The five classes the rules distinguish.
enum class PlanClass : uint8_t { kGround, kAirRoute, kAirVolume, kSite, kZone };
constexpr int kNumPlanClasses = 5;
PlanClass ClassOf(const model::Plan& p);
inline bool IsMover(PlanClass c) { return c == PlanClass::kGround || c == PlanClass::kAirRoute; }

// An axis-aligned box in ECEF metres.
struct Box3 {
  geo::Vec3 lo, hi;
  static Box3 Around(geo::Vec3 a, geo::Vec3 b);
  Box3 Expanded(double m) const { return {lo - geo::Vec3{m, m, m}, hi + geo::Vec3{m, m, m}}; }
  void Extend(const Box3& o);
  bool Overlaps(const Box3& o) const {
    return lo.x <= o.hi.x && o.lo.x <= hi.x && lo.y <= o.hi.y && o.lo.y <= hi.y && lo.z <= o.hi.z &&
           o.lo.z <= hi.z;
  }
};

struct Element {
  enum Kind : uint8_t {
    kPiece,   // part of a route leg; parameter = time t0..t1 (unix seconds)
    kEdge,    // part of a polygon ring or polyline; parameter = arc length 0..length_m
    kCircle,  // a circle's centre (g0); the radius is CompiledPlan::radius_m
    kArea,    // a polygon's interior; g0 is its first vertex
  };
  uint32_t plan = 0;  // index of the CompiledPlan in its set
  Kind kind = kPiece;
  geo::LatLng g0, g1;         // start and end (geodetic)
  double length_m = 0;        // chord length |e1 - e0|: shorter than the geodesic by < 1 cm
  geo::Vec3 e0, e1;           // ECEF of start and end (on the ellipsoid surface)
  double t0 = 0, t1 = 0;      // kPiece: times at start and end; others: the plan's window
  double alt0 = 0, alt1 = 0;  // kPiece of an air route: altitude at start and end
  Box3 box;                   // contains the whole element widened by its plan's corridor or radius
  // Time span during which the element can be anywhere (piece: [t0, t1] widened by the plan's
  // time tolerance; others: the plan's window, possibly infinite).
  double span_lo = 0, span_hi = 0;

  // The position at parameter p (kPiece: a time; kEdge: metres from g0): the point of the chord
  // at that fraction, projected onto the ellipsoid along its normal, which is within 1 cm of
  // the geodesic point at the same fraction of arc length for elements up to 20 km.
  geo::LatLng PositionAt(double p) const;
  // The chord point at parameter p (ECEF; below the surface by at most the sagitta, 8 m).
  geo::Vec3 EcefAt(double p) const;
  double AltitudeAt(double t) const {
    return t1 > t0 ? alt0 + (alt1 - alt0) * (t - t0) / (t1 - t0) : alt0;
  }
};

struct CompiledPlan {
  const model::Plan* plan = nullptr;  // owned by the set that compiled it
  uint32_t party = 0;  // a small integer naming the party, assigned by the owning set
  PlanClass cls = PlanClass::kGround;
  double corridor_m = 0;
  double tolerance_s = 0;
  double radius_m = 0;                        // circles
  double band_lo = 0, band_hi = 0;            // air volumes
  double window_lo = 0, window_hi = 0;        // areas: the window; routes: first and last time
  std::shared_ptr<const geo::RingSet> rings;  // polygons: for point-in-polygon
  uint32_t first_element = 0, num_elements = 0;
  Box3 box;                         // union of the element boxes
  double span_lo = 0, span_hi = 0;  // union of the element spans
  bool alive = true;
};

// Compiles `plan` (which must outlive the result) as plan number `index`, appending its elements
// to *elements.
CompiledPlan Compile(const model::Plan& plan, uint32_t index, std::vector<Element>* elements);

}  // namespace deconflict::engine
