#include "geo/approach.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace deconflict::geo {

Region Region::Box(double x0, double x1, double y0, double y1) {
  assert(x0 <= x1 && y0 <= y1);
  Region r;
  r.v_[0] = {x0, y0};
  r.v_[1] = {x1, y0};
  r.v_[2] = {x1, y1};
  r.v_[3] = {x0, y1};
  r.n_ = 4;
  return r;
}

void Region::Clip(const HalfPlane& h) {
  if (n_ == 0) return;
  // Sutherland-Hodgman against one half-plane. The tolerance keeps degenerate regions (segments,
  // points) alive when they lie on the boundary line.
  double scale = std::fabs(h.c);
  for (int i = 0; i < n_; ++i) {
    scale = std::max(scale, std::fabs(h.a * v_[i].x) + std::fabs(h.b * v_[i].y));
  }
  const double eps = 1e-12 * scale + 1e-300;
  std::array<Vec2, kMaxVertices> out{};
  int m = 0;
  for (int i = 0; i < n_; ++i) {
    const Vec2 p = v_[i];
    const Vec2 q = v_[(i + 1) % n_];
    const double fp = h.a * p.x + h.b * p.y - h.c;
    const double fq = h.a * q.x + h.b * q.y - h.c;
    const bool in_p = fp <= eps, in_q = fq <= eps;
    if (in_p) out[m++] = p;
    if (in_p != in_q && std::fabs(fp - fq) > 0) {
      const double t = fp / (fp - fq);
      if (t > 0 && t < 1) out[m++] = p + (q - p) * t;
    }
    assert(m < kMaxVertices);
  }
  v_ = out;
  n_ = m;
}

double Region::MinOf(Vec2 f) const {
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < n_; ++i) best = std::min(best, f.Dot(v_[i]));
  return best;
}

double Region::MaxOf(Vec2 f) const {
  double best = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n_; ++i) best = std::max(best, f.Dot(v_[i]));
  return best;
}

bool Region::Contains(Vec2 p) const {
  if (n_ == 0) return false;
  // The bounding box first: for a degenerate region (a segment or a point) the edge tests below
  // only confine p to the supporting line, or not at all.
  Vec2 lo = v_[0], hi = v_[0];
  for (int i = 1; i < n_; ++i) {
    lo = {std::min(lo.x, v_[i].x), std::min(lo.y, v_[i].y)};
    hi = {std::max(hi.x, v_[i].x), std::max(hi.y, v_[i].y)};
  }
  const double tol = 1e-9 * ((hi - lo).Norm() + std::fabs(p.x) + std::fabs(p.y));
  if (p.x < lo.x - tol || p.x > hi.x + tol || p.y < lo.y - tol || p.y > hi.y + tol) return false;
  for (int i = 0; i < n_; ++i) {
    const Vec2 a = v_[i], b = v_[(i + 1) % n_];
    const Vec2 e = b - a;
    const double len = e.Norm();
    if (len == 0) continue;
    // Signed distance of p from the edge line, with a relative tolerance.
    if (e.Cross(p - a) / len < -1e-9 * (len + (p - a).Norm())) return false;
  }
  return true;
}

namespace {

// Minimum of q along the segment p -> p + e.
Minimum MinOnSegment(const Approach& m, Vec2 p, Vec2 e) {
  const Vec2 d = m.At(p.x, p.y);
  const Vec2 g = m.u * e.x - m.w * e.y;  // dD/dt
  const double gg = g.Norm2();
  double t = 0;
  if (gg > 0) t = std::clamp(-d.Dot(g) / gg, 0.0, 1.0);
  const Vec2 at = p + e * t;
  return {(d + g * t).Norm2(), at.x, at.y};
}

}  // namespace

Minimum MinimizeOver(const Region& region, const Approach& m) {
  assert(!region.empty());
  const auto v = region.vertices();
  // The unconstrained minimum: D(x, y) = 0 has a unique solution when u and w are independent.
  const double det = -m.u.x * m.w.y + m.u.y * m.w.x;  // det [u, -w]
  const double scale = m.u.Norm() * m.w.Norm();
  if (std::fabs(det) > 1e-12 * scale && scale > 0) {
    // Solve x*u - y*w = -d0 by Cramer's rule.
    const double x = (-m.d0.x * -m.w.y - -m.d0.y * -m.w.x) / det;
    const double y = (m.u.x * -m.d0.y - m.u.y * -m.d0.x) / det;
    if (region.Contains({x, y})) return {0.0, x, y};
  }
  Minimum best{std::numeric_limits<double>::infinity(), v[0].x, v[0].y};
  if (v.size() == 1) return {m.Q(v[0].x, v[0].y), v[0].x, v[0].y};
  for (size_t i = 0; i < v.size(); ++i) {
    const Vec2 p = v[i], q = v[(i + 1) % v.size()];
    const Minimum c = MinOnSegment(m, p, q - p);
    if (c.q < best.q) best = c;
  }
  return best;
}

double ExtremeOver(const Region& region, const Approach& m, double r2, Vec2 f, bool maximize,
                   double tolerance) {
  assert(tolerance > 0);
  (void)tolerance;  // the answer is exact up to round-off
  // Minimise g = s*f over region ∩ {q <= r2} (the closure of the convex set; same infimum).
  // The optimum is a region vertex inside the disc-like set, a point where a region edge crosses
  // its boundary q = r2, or the point where a level line of g touches that boundary.
  const double s = maximize ? -1.0 : 1.0;
  const Vec2 g = f * s;
  const auto v = region.vertices();
  double best = std::numeric_limits<double>::infinity();
  auto consider = [&](Vec2 p) { best = std::min(best, g.Dot(p)); };
  for (size_t i = 0; i < v.size(); ++i) {
    const Vec2 p = v[i];
    if (m.Q(p.x, p.y) <= r2) consider(p);
    if (v.size() < 2) break;
    const Vec2 e = v[(i + 1) % v.size()] - p;
    // |D(p) + t*h|^2 = r2 along the edge.
    const Vec2 d = m.At(p.x, p.y);
    const Vec2 h = m.u * e.x - m.w * e.y;
    const double a = h.Norm2(), b = d.Dot(h), c = d.Norm2() - r2;
    if (a <= 0) continue;
    const double disc = b * b - a * c;
    if (disc < 0) continue;
    const double root = std::sqrt(disc);
    for (double t : {(-b - root) / a, (-b + root) / a}) {
      if (t >= 0 && t <= 1) consider(p + e * t);
    }
  }
  // Tangent point: q(z) = |M (z - zc)|^2 with M = [u, -w] invertible; the minimiser of g·z over
  // q <= r2 is zc - sqrt(r2 / |M^-T g|^2) * M^-1 M^-T g.
  const double det = -m.u.x * m.w.y + m.u.y * m.w.x;
  const double scale = m.u.Norm() * m.w.Norm();
  if (std::fabs(det) > 1e-12 * scale && scale > 0) {
    // M = [[u.x, -w.x], [u.y, -w.y]]; inverse = 1/det * [[-w.y, w.x], [-u.y, u.x]].
    auto solve = [&](Vec2 rhs) {  // M^-1 rhs
      return Vec2{(-m.w.y * rhs.x + m.w.x * rhs.y) / det, (-m.u.y * rhs.x + m.u.x * rhs.y) / det};
    };
    auto solve_t = [&](Vec2 rhs) {  // M^-T rhs
      return Vec2{(-m.w.y * rhs.x - m.u.y * rhs.y) / det, (m.w.x * rhs.x + m.u.x * rhs.y) / det};
    };
    const Vec2 zc = solve(m.d0 * -1.0);
    const Vec2 k = solve_t(g);
    const double kk = k.Norm2();
    if (kk > 0) {
      const Vec2 z = zc - solve(k) * std::sqrt(r2 / kk);
      if (region.Contains(z)) consider(z);
    }
  }
  assert(std::isfinite(best));
  return s * best;
}

}  // namespace deconflict::geo
