#include "engine/pair_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "geo/approach.h"
#include "geo/geodesic.h"
#include "geo/tangent_plane.h"

namespace deconflict::engine {
namespace {

using geo::HalfPlane;
using geo::Region;
using geo::Vec2;

constexpr double kTimeTolS = 0.01;  // precision of window ends
constexpr double kMinBandS = 1e-6;  // |x - y| <= T uses at least this T (keeps the band 2-D)
constexpr double kZoneSlackM = 0.001;
constexpr double kStrictM = 1e-6;

// One element in the pair's tangent plane: position(v) = c + v * vel for v in [lo, hi], where v is
// the element's parameter minus `shift` (times are shifted to keep the numbers small).
struct Side {
  const Element* e = nullptr;
  const CompiledPlan* p = nullptr;
  bool timed = false;
  double shift = 0;
  double lo = 0, hi = 0;
  Vec2 c, vel;
  double radius = 0;
  // altitude(v) = alt_c + alt_k * v (air routes)
  double alt_c = 0, alt_k = 0;
};

Side MakeSide(const Element& e, const CompiledPlan& p, const geo::TangentPlane& tp,
              double time_origin) {
  Side s;
  s.e = &e;
  s.p = &p;
  s.timed = e.kind == Element::kPiece;
  const Vec2 p0 = tp.Project(e.e0), p1 = tp.Project(e.e1);
  if (s.timed) {
    s.shift = time_origin;
    s.lo = e.t0 - time_origin;
    s.hi = e.t1 - time_origin;
    const double dt = e.t1 - e.t0;
    if (dt > 0) {
      s.vel = (p1 - p0) * (1.0 / dt);
      s.alt_k = (e.alt1 - e.alt0) / dt;
    }
    s.alt_c = e.alt0 - s.alt_k * s.lo;
  } else if (e.kind == Element::kEdge) {
    s.hi = e.length_m;
    if (e.length_m > 0) s.vel = (p1 - p0) * (1.0 / e.length_m);
  } else if (e.kind == Element::kCircle) {
    s.radius = p.radius_m;
  }
  s.c = p0 - s.vel * s.lo;
  return s;
}

// Clips `coef * v <= rhs` where v is x (on_x) or y.
void ClipAxis(Region* r, bool on_x, double coef, double rhs) {
  r->Clip(on_x ? HalfPlane{coef, 0, rhs} : HalfPlane{0, coef, rhs});
}

// The linear constraints of the rule on the pair (x for side a, y for side b).
// With `ignore_time`, only the constraints that do not depend on when the plans run (altitudes)
// are added: used to compute which time shifts would produce a conflict.
void AddConstraints(const PairRule& rule, const Side& a, const Side& b, bool ignore_time,
                    Region* r) {
  if (a.timed && b.timed && !ignore_time) {
    const double t = std::max(rule.tolerance_s, kMinBandS);
    r->Clip({1, -1, t});
    r->Clip({-1, 1, t});
  }
  // A moving element against an area: only while the area is active (widened by the tolerance).
  auto window = [&](const Side& m, const Side& s, bool m_is_x) {
    const double lo = s.p->window_lo - m.p->tolerance_s - m.shift;
    const double hi = s.p->window_hi + m.p->tolerance_s - m.shift;
    if (std::isfinite(lo)) ClipAxis(r, m_is_x, -1, -lo);
    if (std::isfinite(hi)) ClipAxis(r, m_is_x, 1, hi);
  };
  if (a.timed && !b.timed && !ignore_time) window(a, b, true);
  if (b.timed && !a.timed && !ignore_time) window(b, a, false);

  const bool a_route = a.p->cls == PlanClass::kAirRoute, b_route = b.p->cls == PlanClass::kAirRoute;
  if (rule.vertical) {
    // Separation is lost only when the vertical distance is strictly below the minimum: the
    // closed half-planes are pulled in by a micrometre.
    const double v = rule.vertical_m - kStrictM;
    if (a_route && b_route) {
      // |alt_a(x) - alt_b(y)| <= v
      r->Clip({a.alt_k, -b.alt_k, v - (a.alt_c - b.alt_c)});
      r->Clip({-a.alt_k, b.alt_k, v + (a.alt_c - b.alt_c)});
    } else if (a_route != b_route) {
      const Side& m = a_route ? a : b;
      const Side& vol = a_route ? b : a;
      // band_lo - v <= alt(t) <= band_hi + v
      ClipAxis(r, a_route, -m.alt_k, m.alt_c - (vol.p->band_lo - v));
      ClipAxis(r, a_route, m.alt_k, vol.p->band_hi + v - m.alt_c);
    }
  }
  if (rule.has_ceiling) {
    if (a_route) ClipAxis(r, true, a.alt_k, rule.ceiling_m - a.alt_c);
    if (b_route) ClipAxis(r, false, b.alt_k, rule.ceiling_m - b.alt_c);
  }
}

struct Hit {
  double start, end;  // absolute times
  double q;           // planar squared distance at the closest approach (centre/centre)
  uint32_t ea, eb;
  double x, y;          // absolute parameters of the closest approach
  bool inside = false;  // one footprint contains the other / the mover is inside the area
  // Shift mode: the range of (b's scheduled time - a's scheduled time) over violating pairs of
  // positions, widened by `slack` (see ShiftBlocks).
  double rel_lo = 0, rel_hi = 0, slack = 0;
};

// Fills the shift-mode fields of a hit from the extremes of a's and b's parameters.
// Plan a shifted by d conflicts iff d in [rel_lo - slack, rel_hi + slack].
void SetShift(const CompiledPlan& pa, const CompiledPlan& pb, bool ta, bool tb, double xlo,
              double xhi, double ylo, double yhi, Hit* h) {
  if (ta && tb) {  // xlo/xhi here are the extremes of y - x
    h->rel_lo = xlo;
    h->rel_hi = xhi;
    h->slack = pa.tolerance_s + pb.tolerance_s;
  } else if (ta) {
    h->rel_lo = pb.window_lo - xhi;
    h->rel_hi = pb.window_hi - xlo;
    h->slack = pa.tolerance_s;
  } else if (tb) {
    h->rel_lo = ylo - pa.window_hi;
    h->rel_hi = yhi - pa.window_lo;
    h->slack = pb.tolerance_s;
  } else {
    h->rel_lo = pb.window_lo - pa.window_hi;
    h->rel_hi = pb.window_hi - pa.window_lo;
  }
}

// The smallest distance between the 3-D segments p0-p1 and q0-q1 (ECEF chords).
double SegmentDistance(geo::Vec3 p0, geo::Vec3 p1, geo::Vec3 q0, geo::Vec3 q1) {
  const geo::Vec3 d1 = p1 - p0, d2 = q1 - q0, r = p0 - q0;
  const double a = d1.Norm2(), e = d2.Norm2(), f = d2.Dot(r);
  double s = 0, t = 0;
  if (a <= 1e-12 && e <= 1e-12) return r.Norm();
  if (a <= 1e-12) {
    t = std::clamp(f / e, 0.0, 1.0);
  } else {
    const double c = d1.Dot(r);
    if (e <= 1e-12) {
      s = std::clamp(-c / a, 0.0, 1.0);
    } else {
      const double b = d1.Dot(d2), denom = a * e - b * b;
      s = denom > 0 ? std::clamp((b * f - c * e) / denom, 0.0, 1.0) : 0.0;
      t = (b * s + f) / e;
      if (t < 0) {
        t = 0;
        s = std::clamp(-c / a, 0.0, 1.0);
      } else if (t > 1) {
        t = 1;
        s = std::clamp((b - c) / a, 0.0, 1.0);
      }
    }
  }
  return ((p0 + d1 * s) - (q0 + d2 * t)).Norm();
}

// Evaluates one element pair; false if no conflict.
bool EvalElements(const PairRule& rule, const CompiledPlan& pa, const CompiledPlan& pb,
                  const Element& ea, const Element& eb, uint32_t ia, uint32_t ib, bool shift_mode,
                  Hit* hit) {
  // A necessary condition first: the chords (within their slack of the geodesics, and straight
  // lines being no longer than surface paths) must come within reach, at any times.
  {
    const double reach = rule.required_m + rule.slack_m + ChordSlack(ea.length_m) +
                         ChordSlack(eb.length_m) + (ea.kind == Element::kCircle ? pa.radius_m : 0) +
                         (eb.kind == Element::kCircle ? pb.radius_m : 0);
    if (SegmentDistance(ea.e0, ea.e1, eb.e0, eb.e1) > reach) return false;
  }
  const geo::TangentPlane tp(ea.e0, geo::UpVectorAt(ea.e0));
  const double origin = ea.kind == Element::kPiece ? ea.t0 : eb.kind == Element::kPiece ? eb.t0 : 0;
  const Side a = MakeSide(ea, pa, tp, origin), b = MakeSide(eb, pb, tp, origin);
  Region region = Region::Box(a.lo, a.hi, b.lo, b.hi);
  AddConstraints(rule, a, b, shift_mode, &region);
  if (region.empty()) return false;
  const geo::Approach m{a.c - b.c, a.vel, b.vel};
  const double reach = rule.required_m + rule.slack_m + a.radius + b.radius;
  const double r2 = reach * reach;
  const geo::Minimum best = geo::MinimizeOver(region, m);
  if (!(best.q < r2)) return false;
  hit->q = best.q;
  hit->ea = ia;
  hit->eb = ib;
  hit->x = best.x + a.shift;
  hit->y = best.y + b.shift;
  auto extreme = [&](Vec2 f, bool maximize) {
    return geo::ExtremeOver(region, m, r2, f, maximize, kTimeTolS);
  };
  if (shift_mode) {
    // Parameters are relative to `origin` on timed sides; y - x is origin-free.
    if (a.timed && b.timed) {
      SetShift(pa, pb, true, true, extreme({-1, 1}, false), extreme({-1, 1}, true), 0, 0, hit);
    } else if (a.timed) {
      hit->start = extreme({1, 0}, false) + origin;
      hit->end = extreme({1, 0}, true) + origin;
      SetShift(pa, pb, true, false, hit->start, hit->end, 0, 0, hit);
    } else if (b.timed) {
      hit->start = extreme({0, 1}, false) + origin;
      hit->end = extreme({0, 1}, true) + origin;
      SetShift(pa, pb, false, true, 0, 0, hit->start, hit->end, hit);
    } else {
      SetShift(pa, pb, false, false, 0, 0, 0, 0, hit);
    }
    return true;
  }
  if (a.timed && b.timed) {
    hit->start = extreme({1, 0}, false);
    hit->end = extreme({1, 0}, true);
    if (rule.tolerance_s > kTimeTolS) {
      hit->start = std::min(hit->start, extreme({0, 1}, false));
      hit->end = std::max(hit->end, extreme({0, 1}, true));
    }
    hit->start += origin;
    hit->end += origin;
  } else if (a.timed) {
    hit->start = extreme({1, 0}, false) + origin;
    hit->end = extreme({1, 0}, true) + origin;
  } else if (b.timed) {
    hit->start = extreme({0, 1}, false) + origin;
    hit->end = extreme({0, 1}, true) + origin;
  } else {
    hit->start = std::max(pa.window_lo, pb.window_lo);
    hit->end = std::min(pa.window_hi, pb.window_hi);
  }
  return true;
}

// The scheduled times at which a moving element may take part in a conflict with an area (window,
// altitude band, ceiling), as [lo, hi]; false if none.
bool FeasibleSpan(const PairRule& rule, const Side& mover, const Side& area, bool mover_is_a,
                  bool ignore_time, double* lo, double* hi) {
  Region r =
      mover_is_a ? Region::Box(mover.lo, mover.hi, 0, 0) : Region::Box(0, 0, mover.lo, mover.hi);
  if (mover_is_a) {
    AddConstraints(rule, mover, area, ignore_time, &r);
  } else {
    AddConstraints(rule, area, mover, ignore_time, &r);
  }
  if (r.empty()) return false;
  const Vec2 f = mover_is_a ? Vec2{1, 0} : Vec2{0, 1};
  *lo = r.MinOf(f) + mover.shift;
  *hi = r.MaxOf(f) + mover.shift;
  return true;
}

// Mover vs polygon interior: for every moving element that came near the polygon, the times not
// covered by a boundary hit are inside or outside as a whole; inside ones become hits.
void FillInside(const PlanView& view, const PairRule& rule, uint32_t a, uint32_t b,
                std::span<const ElementPair> candidates, bool shift_mode, std::vector<Hit>* hits) {
  const CompiledPlan& pa = view.plan(a);
  const CompiledPlan& pb = view.plan(b);
  const bool mover_is_a = IsMover(pa.cls);
  const CompiledPlan& area = mover_is_a ? pb : pa;
  if (!area.rings) return;
  const Element& area_el = view.element(area.first_element + area.num_elements - 1);
  std::vector<uint32_t> movers;
  for (const ElementPair& c : candidates) movers.push_back(mover_is_a ? c.a : c.b);
  std::sort(movers.begin(), movers.end());
  movers.erase(std::unique(movers.begin(), movers.end()), movers.end());
  const size_t boundary_hits = hits->size();
  for (uint32_t mi : movers) {
    const Element& me = view.element(mi);
    const geo::TangentPlane tp(me.e0, geo::UpVectorAt(me.e0));
    const Side ms = MakeSide(me, mover_is_a ? pa : pb, tp, me.t0);
    const Side as = MakeSide(area_el, area, tp, me.t0);
    double lo, hi;
    if (!FeasibleSpan(rule, ms, as, mover_is_a, shift_mode, &lo, &hi)) continue;
    std::vector<std::pair<double, double>> covered;
    for (size_t i = 0; i < boundary_hits; ++i) {
      const Hit& h = (*hits)[i];
      if ((mover_is_a ? h.ea : h.eb) == mi) covered.emplace_back(h.start, h.end);
    }
    std::sort(covered.begin(), covered.end());
    double cursor = lo;
    auto gap = [&](double g0, double g1) {
      if (g1 < g0) return;
      const double mid = 0.5 * (g0 + g1);
      if (!area.rings->Contains(me.EcefAt(mid))) return;
      const uint32_t area_index = area.first_element + area.num_elements - 1;
      Hit h{g0, g1, 0.0, mover_is_a ? mi : area_index, mover_is_a ? area_index : mi, 0, 0, true};
      if (shift_mode) {
        SetShift(pa, pb, mover_is_a, !mover_is_a, g0, g1, g0, g1, &h);
      }
      h.x = mover_is_a ? g0 : 0;
      h.y = mover_is_a ? 0 : g0;
      hits->push_back(h);
    };
    for (const auto& [s, e] : covered) {
      if (e < lo || s > hi) continue;
      gap(cursor, std::min(s, hi));
      cursor = std::max(cursor, e);
    }
    gap(cursor, hi);
  }
}

// Area vs area: one footprint inside the other (no boundary need be near).
void CheckContainment(const PlanView& view, uint32_t a, uint32_t b, bool shift_mode,
                      std::vector<Hit>* hits) {
  const CompiledPlan& pa = view.plan(a);
  const CompiledPlan& pb = view.plan(b);
  const double lo = std::max(pa.window_lo, pb.window_lo), hi = std::min(pa.window_hi, pb.window_hi);
  if (hi < lo && !shift_mode) return;
  const Element& fa = view.element(pa.first_element);
  const Element& fb = view.element(pb.first_element);
  const bool b_in_a = pa.rings && pa.rings->Contains(fb.e0);
  const bool a_in_b = pb.rings && pb.rings->Contains(fa.e0);
  if (!b_in_a && !a_in_b) return;
  Hit h{lo, hi, 0.0, pa.first_element, pb.first_element, 0, 0, true};
  SetShift(pa, pb, false, false, 0, 0, 0, 0, &h);
  hits->push_back(h);
}

double VerticalDistance(const CompiledPlan& pa, const CompiledPlan& pb, const Element& ea,
                        const Element& eb, double x, double y) {
  auto band = [](const CompiledPlan& p, const Element& e, double t, double* lo, double* hi) {
    if (p.cls == PlanClass::kAirRoute) {
      *lo = *hi = e.AltitudeAt(t);
    } else {
      *lo = p.band_lo;
      *hi = p.band_hi;
    }
  };
  double alo, ahi, blo, bhi;
  band(pa, ea, x, &alo, &ahi);
  band(pb, eb, y, &blo, &bhi);
  return std::max({0.0, blo - ahi, alo - bhi});
}

Conflict MakeConflict(const PlanView& view, uint32_t a, uint32_t b, const PairRule& rule,
                      const Hit& best, double start, double end) {
  const CompiledPlan& pa = view.plan(a);
  const CompiledPlan& pb = view.plan(b);
  const model::Plan& plan_a = *pa.plan;
  const model::Plan& plan_b = *pb.plan;
  const Element& ea = view.element(best.ea);
  const Element& eb = view.element(best.eb);
  Conflict c;
  c.plan_a = plan_a.id;
  c.plan_b = plan_b.id;
  c.party_a = plan_a.party;
  c.party_b = plan_b.party;
  c.kind_a = plan_a.kind;
  c.kind_b = plan_b.kind;
  c.callsign_a = plan_a.callsign;
  c.callsign_b = plan_b.callsign;
  c.type = rule.type;
  c.rule = rule.name;
  c.required = Meters(rule.required_m);
  c.window = {TimePoint::FromUnixSeconds(start), TimePoint::FromUnixSeconds(end)};
  const bool ma = IsMover(pa.cls), mb = IsMover(pb.cls);
  const geo::LatLng pos_a = ea.PositionAt(best.x);
  const geo::LatLng pos_b = eb.PositionAt(best.y);
  c.cpa_position_a = pos_a;
  c.cpa_position_b = pos_b;
  c.moves_a = ma;
  c.moves_b = mb;
  if (best.inside) {
    c.min_distance = Meters(0);
    c.cpa_position = ma ? pos_a : pos_b;  // the mover's position (b's when neither moves)
  } else {
    const double d = geo::GeodesicDistance(pos_a, pos_b) -
                     (ea.kind == Element::kCircle ? pa.radius_m : 0) -
                     (eb.kind == Element::kCircle ? pb.radius_m : 0);
    c.min_distance = Meters(std::max(0.0, d));
    if (ma && !mb) {
      c.cpa_position = pos_a;
    } else if (mb && !ma) {
      c.cpa_position = pos_b;
    } else {
      c.cpa_position = geo::FromEcef((ea.EcefAt(best.x) + eb.EcefAt(best.y)) * 0.5);
    }
  }
  double ta = ma ? best.x : 0, tb = mb ? best.y : 0;
  if (!ma && !mb) ta = tb = start;
  if (!ma && mb) ta = tb;
  if (ma && !mb) tb = ta;
  c.cpa_time_a = TimePoint::FromUnixSeconds(ta);
  c.cpa_time_b = TimePoint::FromUnixSeconds(tb);
  c.cpa_time = TimePoint::FromUnixSeconds(0.5 * (ta + tb));
  if (rule.vertical) c.vertical_distance_m = VerticalDistance(pa, pb, ea, eb, ta, tb);
  return c;
}

}  // namespace

const char* ConflictTypeName(ConflictType t) {
  switch (t) {
    case ConflictType::kSeparation:
      return "separation";
    case ConflictType::kSiteBuffer:
      return "site_buffer";
    case ConflictType::kZoneEntry:
      return "zone_entry";
    case ConflictType::kLineCrossing:
      return "line_crossing";
  }
  return "separation";
}

void SortConflicts(std::vector<Conflict>* conflicts) {
  std::sort(conflicts->begin(), conflicts->end(), [](const Conflict& x, const Conflict& y) {
    if (x.window.start != y.window.start) return x.window.start < y.window.start;
    if (x.plan_a != y.plan_a) return x.plan_a < y.plan_a;
    if (x.plan_b != y.plan_b) return x.plan_b < y.plan_b;
    return x.window.end < y.window.end;
  });
}

double ReachBetween(PlanClass a, PlanClass b, const model::Rules& r) {
  if (b < a) std::swap(a, b);
  using C = PlanClass;
  switch (a) {
    case C::kGround:
      switch (b) {
        case C::kGround:
          return r.ground_ground_horizontal_m;
        case C::kAirRoute:
        case C::kAirVolume:
          return r.ground_air_horizontal_m;
        case C::kSite:
          return r.movement_site_buffer_m;
        case C::kZone:
          return r.zone_buffer_m + kZoneSlackM;
      }
      break;
    case C::kAirRoute:
    case C::kAirVolume:
      switch (b) {
        case C::kAirRoute:
        case C::kAirVolume:
          return r.air_air_horizontal_m;
        case C::kSite:
          return r.flight_site_buffer_m;
        case C::kZone:
          return r.zone_buffer_m + kZoneSlackM;
        default:
          break;
      }
      break;
    default:
      break;
  }
  return 0;
}

std::optional<PairRule> RuleFor(const CompiledPlan& a, const CompiledPlan& b,
                                const model::Rules& r) {
  const model::Plan& pa = *a.plan;
  const model::Plan& pb = *b.plan;
  if (pa.party == pb.party) return std::nullopt;
  PairRule rule;
  rule.tolerance_s = a.tolerance_s + b.tolerance_s;
  const double corridors = a.corridor_m + b.corridor_m;
  using C = PlanClass;
  const C lo = std::min(a.cls, b.cls), hi = std::max(a.cls, b.cls);
  const CompiledPlan& first = a.cls == lo ? a : b;  // the plan of class lo
  const CompiledPlan& second = a.cls == lo ? b : a;
  auto low_level = [&](const CompiledPlan& p) {
    return p.cls != C::kAirVolume || p.band_lo <= r.low_level_ceiling_m;
  };
  if (hi == C::kZone) {
    if (lo == C::kSite || lo == C::kZone) return std::nullopt;
    if (!second.plan->Restricts(first.plan->party)) return std::nullopt;
    const bool line = std::holds_alternative<model::Polyline>(second.plan->area().footprint);
    rule.name = "zone";
    rule.type = line ? ConflictType::kLineCrossing : ConflictType::kZoneEntry;
    rule.required_m = r.zone_buffer_m + corridors;
    rule.slack_m = kZoneSlackM;
    return rule;
  }
  if (hi == C::kSite) {
    if (lo == C::kSite) return std::nullopt;
    rule.type = ConflictType::kSiteBuffer;
    if (lo == C::kGround) {
      rule.name = "movement_site";
      rule.required_m = r.movement_site_buffer_m + corridors;
      return rule;
    }
    if (!low_level(first)) return std::nullopt;
    rule.name = "flight_site";
    rule.required_m = r.flight_site_buffer_m + corridors;
    rule.has_ceiling = true;
    rule.ceiling_m = r.low_level_ceiling_m;
    return rule;
  }
  rule.type = ConflictType::kSeparation;
  if (lo == C::kGround && hi == C::kGround) {
    rule.name = "ground_ground";
    rule.required_m = r.ground_ground_horizontal_m + corridors;
    return rule;
  }
  if (lo == C::kGround) {  // vs air
    if (!low_level(second)) return std::nullopt;
    rule.name = "ground_air";
    rule.required_m = r.ground_air_horizontal_m + corridors;
    rule.has_ceiling = true;
    rule.ceiling_m = r.low_level_ceiling_m;
    return rule;
  }
  // air vs air
  if (a.cls == C::kAirVolume && b.cls == C::kAirVolume) {
    const double gap = std::max({0.0, a.band_lo - b.band_hi, b.band_lo - a.band_hi});
    if (!(gap < r.air_air_vertical_m)) return std::nullopt;
  }
  rule.name = "air_air";
  rule.required_m = r.air_air_horizontal_m + corridors;
  rule.vertical = true;
  rule.vertical_m = r.air_air_vertical_m;
  return rule;
}

namespace {

// Sets *stopped (and returns nothing) when `stop` says so; it is asked every 4,096 candidates.
std::vector<Hit> CollectHits(const PlanView& view, uint32_t a, uint32_t b, const PairRule& rule,
                             std::span<const ElementPair> candidates, bool shift_mode,
                             const StopFn& stop = {}, bool* stopped = nullptr) {
  const CompiledPlan& pa = view.plan(a);
  const CompiledPlan& pb = view.plan(b);
  const bool ma = IsMover(pa.cls), mb = IsMover(pb.cls);
  std::vector<Hit> hits;
  size_t n = 0;
  for (const ElementPair& c : candidates) {
    if (stop && (++n & 4095) == 0 && stop()) {
      *stopped = true;
      return {};
    }
    const Element& ea = view.element(c.a);
    const Element& eb = view.element(c.b);
    if (ea.kind == Element::kArea || eb.kind == Element::kArea) continue;
    Hit h;
    if (EvalElements(rule, pa, pb, ea, eb, c.a, c.b, shift_mode, &h)) hits.push_back(h);
  }
  if (ma != mb) FillInside(view, rule, a, b, candidates, shift_mode, &hits);
  if (!ma && !mb && (pa.rings || pb.rings)) CheckContainment(view, a, b, shift_mode, &hits);
  return hits;
}

}  // namespace

bool EvaluatePair(const PlanView& view, uint32_t a, uint32_t b, const PairRule& rule,
                  std::span<const ElementPair> candidates, std::vector<Conflict>* out,
                  const StopFn& stop) {
  const CompiledPlan& pa = view.plan(a);
  const CompiledPlan& pb = view.plan(b);
  if (!IsMover(pa.cls) && !IsMover(pb.cls) &&
      std::max(pa.window_lo, pb.window_lo) > std::min(pa.window_hi, pb.window_hi)) {
    return true;
  }
  bool stopped = false;
  std::vector<Hit> hits =
      CollectHits(view, a, b, rule, candidates, /*shift_mode=*/false, stop, &stopped);
  if (stopped) return false;
  if (hits.empty()) return true;
  std::sort(hits.begin(), hits.end(), [](const Hit& x, const Hit& y) {
    if (x.start != y.start) return x.start < y.start;
    return x.end < y.end;
  });
  size_t i = 0;
  while (i < hits.size()) {
    double start = hits[i].start, end = hits[i].end;
    const Hit* best = &hits[i];
    size_t j = i + 1;
    for (; j < hits.size() && hits[j].start <= end + kEpisodeGapS; ++j) {
      end = std::max(end, hits[j].end);
      if (hits[j].q < best->q) best = &hits[j];
    }
    out->push_back(MakeConflict(view, a, b, rule, *best, start, end));
    i = j;
  }
  return true;
}

void ShiftBlocks(const PlanView& view, uint32_t a, uint32_t b, const PairRule& rule,
                 std::span<const ElementPair> candidates, std::vector<ShiftBlock>* out) {
  for (const Hit& h : CollectHits(view, a, b, rule, candidates, /*shift_mode=*/true)) {
    out->push_back({h.rel_lo - h.slack, h.rel_hi + h.slack});
  }
}

}  // namespace deconflict::engine
