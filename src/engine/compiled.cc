#include "engine/compiled.h"

#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/GeodesicLine.hpp>
#include <algorithm>
#include <cmath>
#include <limits>

namespace deconflict::engine {
namespace {

using geo::LatLng;
using geo::Vec3;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Cuts the geodesic a -> b into n equal elements and calls
// emit(start, end, ecef_start, ecef_end, k, n).
template <typename Emit>
void Cut(LatLng a, LatLng b, Emit&& emit) {
  const Vec3 ea = geo::ToEcef(a), eb = geo::ToEcef(b);
  const double chord = (eb - ea).Norm();
  const int n = std::max(1, static_cast<int>(std::ceil(chord / kMaxElementLengthM)));
  if (n == 1) {
    emit(a, b, ea, eb, 0, 1);
    return;
  }
  const auto& g = GeographicLib::Geodesic::WGS84();
  const GeographicLib::GeodesicLine line =
      g.InverseLine(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg,
                    GeographicLib::Geodesic::LATITUDE | GeographicLib::Geodesic::LONGITUDE |
                        GeographicLib::Geodesic::DISTANCE_IN);
  const double len = line.Distance() / n;
  LatLng start = a;
  Vec3 es = ea;
  for (int k = 0; k < n; ++k) {
    LatLng end = b;
    Vec3 ee = eb;
    if (k < n - 1) {
      line.Position(len * (k + 1), end.lat_deg, end.lon_deg);
      ee = geo::ToEcef(end);
    }
    emit(start, end, es, ee, k, n);
    start = end;
    es = ee;
  }
}

// An element of the given kind along the chord es -> ee.
Element Segment(Element::Kind kind, LatLng s, LatLng e, Vec3 es, Vec3 ee) {
  Element el;
  el.kind = kind;
  el.g0 = s;
  el.g1 = e;
  el.e0 = es;
  el.e1 = ee;
  el.length_m = (ee - es).Norm();
  return el;
}

}  // namespace

PlanClass ClassOf(const model::Plan& p) {
  switch (p.kind) {
    case model::PlanKind::kMovement:
      return PlanClass::kGround;
    case model::PlanKind::kFlight:
      return p.is_route() ? PlanClass::kAirRoute : PlanClass::kAirVolume;
    case model::PlanKind::kSite:
      return PlanClass::kSite;
    case model::PlanKind::kZone:
      return PlanClass::kZone;
  }
  return PlanClass::kGround;
}

Box3 Box3::Around(Vec3 a, Vec3 b) {
  return {{std::min(a.x, b.x), std::min(a.y, b.y), std::min(a.z, b.z)},
          {std::max(a.x, b.x), std::max(a.y, b.y), std::max(a.z, b.z)}};
}

void Box3::Extend(const Box3& o) {
  lo = {std::min(lo.x, o.lo.x), std::min(lo.y, o.lo.y), std::min(lo.z, o.lo.z)};
  hi = {std::max(hi.x, o.hi.x), std::max(hi.y, o.hi.y), std::max(hi.z, o.hi.z)};
}

namespace {
double Fraction(const Element& e, double p) {
  double f = 0;
  if (e.kind == Element::kPiece) {
    f = e.t1 > e.t0 ? (p - e.t0) / (e.t1 - e.t0) : 0.0;
  } else if (e.kind == Element::kEdge && e.length_m > 0) {
    f = p / e.length_m;
  }
  return std::clamp(f, 0.0, 1.0);
}
}  // namespace

LatLng Element::PositionAt(double p) const {
  const double f = Fraction(*this, p);
  if (f <= 0) return g0;
  if (f >= 1) return g1;
  return geo::FromEcef(e0 + (e1 - e0) * f);
}

Vec3 Element::EcefAt(double p) const { return e0 + (e1 - e0) * Fraction(*this, p); }

namespace {

// Appends `e` to *elements as an element of plan `index`, its box grown by the chord slack of its
// length and by `reach` (metres).
void AddElement(Element e, double reach, uint32_t index, std::vector<Element>* elements) {
  e.plan = index;
  e.box = Box3::Around(e.e0, e.e1).Expanded(ChordSlack(e.length_m) + reach);
  elements->push_back(e);
}

// Fills cp's route fields and appends the route's pieces (each with its times, altitudes and
// tolerance-widened span) to *elements.
void CompileRoute(const model::Route& r, uint32_t index, CompiledPlan& cp,
                  std::vector<Element>* elements) {
  cp.corridor_m = r.corridor.value();
  cp.tolerance_s = r.time_tolerance.value();
  cp.window_lo = r.waypoints.front().time.unix_seconds();
  cp.window_hi = r.waypoints.back().time.unix_seconds();
  bool emitted = false;
  for (size_t i = 0; i + 1 < r.waypoints.size(); ++i) {
    const model::Waypoint& a = r.waypoints[i];
    const model::Waypoint& b = r.waypoints[i + 1];
    const double ta = a.time.unix_seconds(), tb = b.time.unix_seconds();
    // An instantaneous leg joins two coincident vertices (validated): nothing to add unless it
    // is the whole route.
    if (tb <= ta && (emitted || i + 2 < r.waypoints.size())) continue;
    Cut(a.position, b.position, [&](LatLng s, LatLng e, Vec3 es, Vec3 ee, int k, int n) {
      Element el = Segment(Element::kPiece, s, e, es, ee);
      const double f0 = static_cast<double>(k) / n, f1 = static_cast<double>(k + 1) / n;
      el.t0 = ta + (tb - ta) * f0;
      el.t1 = (k == n - 1) ? tb : ta + (tb - ta) * f1;
      el.alt0 = a.altitude_m + (b.altitude_m - a.altitude_m) * f0;
      el.alt1 = a.altitude_m + (b.altitude_m - a.altitude_m) * f1;
      el.span_lo = el.t0 - cp.tolerance_s;
      el.span_hi = el.t1 + cp.tolerance_s;
      AddElement(el, cp.corridor_m, index, elements);
    });
    emitted = true;
  }
}

// Fills cp's area fields and appends the area's elements to *elements: one circle, or the edges
// of a polygon followed by one element for its inside, or the edges of a line; every element spans
// the area's window.
void CompileArea(const model::Area& area, uint32_t index, CompiledPlan& cp,
                 std::vector<Element>* elements) {
  cp.window_lo = area.window.start.unix_seconds();
  cp.window_hi = area.window.end.unix_seconds();
  if (area.band) {
    cp.band_lo = area.band->lower_m;
    cp.band_hi = area.band->upper_m;
  }
  auto add_edge = [&](LatLng a, LatLng b, std::vector<Vec3>* ring) {
    Cut(a, b, [&](LatLng s, LatLng e, Vec3 es, Vec3 ee, int, int) {
      Element el = Segment(Element::kEdge, s, e, es, ee);
      if (ring) ring->push_back(el.e0);
      AddElement(el, 0, index, elements);
    });
  };
  if (const auto* c = std::get_if<model::Circle>(&area.footprint)) {
    cp.radius_m = c->radius.value();
    Element el;
    el.kind = Element::kCircle;
    el.g0 = el.g1 = c->center;
    el.e0 = el.e1 = geo::ToEcef(c->center);
    AddElement(el, cp.radius_m, index, elements);
  } else if (const auto* poly = std::get_if<model::Polygon>(&area.footprint)) {
    std::vector<std::vector<Vec3>> rings;
    for (const auto& ring : poly->rings) {
      rings.emplace_back();
      for (size_t i = 0; i < ring.size(); ++i) {
        add_edge(ring[i], ring[(i + 1) % ring.size()], &rings.back());
      }
    }
    cp.rings = std::make_shared<geo::RingSet>(rings);
    Element el;
    el.kind = Element::kArea;
    el.g0 = el.g1 = poly->rings[0][0];
    el.e0 = el.e1 = geo::ToEcef(el.g0);
    el.plan = index;
    el.box = (*elements)[cp.first_element].box;
    for (size_t i = cp.first_element; i < elements->size(); ++i) el.box.Extend((*elements)[i].box);
    elements->push_back(el);
  } else {
    const auto& line = std::get<model::Polyline>(area.footprint);
    for (size_t i = 0; i + 1 < line.points.size(); ++i) {
      add_edge(line.points[i], line.points[i + 1], nullptr);
    }
  }
  for (size_t i = cp.first_element; i < elements->size(); ++i) {
    Element& el = (*elements)[i];
    el.t0 = el.span_lo = cp.window_lo;
    el.t1 = el.span_hi = cp.window_hi;
  }
}

}  // namespace

CompiledPlan Compile(const model::Plan& plan, uint32_t index, std::vector<Element>* elements) {
  CompiledPlan cp;
  cp.plan = &plan;
  cp.cls = ClassOf(plan);
  cp.first_element = static_cast<uint32_t>(elements->size());
  if (plan.is_route()) {
    CompileRoute(plan.route(), index, cp, elements);
  } else {
    CompileArea(plan.area(), index, cp, elements);
  }
  cp.num_elements = static_cast<uint32_t>(elements->size()) - cp.first_element;
  cp.span_lo = kInf;
  cp.span_hi = -kInf;
  for (size_t i = cp.first_element; i < elements->size(); ++i) {
    const Element& el = (*elements)[i];
    if (i == cp.first_element) {
      cp.box = el.box;
    } else {
      cp.box.Extend(el.box);
    }
    cp.span_lo = std::min(cp.span_lo, el.span_lo);
    cp.span_hi = std::max(cp.span_hi, el.span_hi);
  }
  return cp;
}

}  // namespace deconflict::engine
