#include "geo/polygon.h"

#include <cmath>

#include "geo/tangent_plane.h"

namespace deconflict::geo {

RingSet::RingSet(const std::vector<std::vector<Vec3>>& rings) {
  Vec3 sum;
  for (const auto& r : rings) {
    for (const Vec3& v : r) sum = sum + v.Normalized();
  }
  c_ = sum.Normalized();
  Vec3 axis{1, 0, 0};
  if (std::fabs(c_.y) < std::fabs(c_.x) && std::fabs(c_.y) <= std::fabs(c_.z)) {
    axis = {0, 1, 0};
  } else if (std::fabs(c_.z) < std::fabs(c_.x)) {
    axis = {0, 0, 1};
  }
  e1_ = axis.Cross(c_).Normalized();
  e2_ = c_.Cross(e1_);
  for (const auto& r : rings) {
    std::vector<Vec2> g;
    g.reserve(r.size());
    for (const Vec3& v : r) {
      const double h = v.Dot(c_);
      g.push_back({v.Dot(e1_) / h, v.Dot(e2_) / h});
    }
    rings_.push_back(std::move(g));
  }
}

bool RingSet::Contains(Vec3 p) const {
  const double h = p.Dot(c_);
  if (h <= 0) return false;  // the far hemisphere is outside any polygon we accept
  const Vec2 q{p.Dot(e1_) / h, p.Dot(e2_) / h};
  bool inside = false;
  for (const auto& ring : rings_) {
    const size_t n = ring.size();
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
      const Vec2 a = ring[i], b = ring[j];
      if ((a.y > q.y) != (b.y > q.y)) {
        const double x = a.x + (q.y - a.y) * (b.x - a.x) / (b.y - a.y);
        if (q.x < x) inside = !inside;
      }
    }
  }
  return inside;
}

}  // namespace deconflict::geo
