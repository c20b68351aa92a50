#include "engine/grid.h"

#include <algorithm>

namespace deconflict::engine {

SpaceTimeGrid::Range SpaceTimeGrid::RangeOf(const Box3& b) const {
  auto idx = [&](double v) { return static_cast<int64_t>(std::floor(v / o_.cell_m)); };
  return {idx(b.lo.x), idx(b.hi.x), idx(b.lo.y), idx(b.hi.y), idx(b.lo.z), idx(b.hi.z)};
}

void SpaceTimeGrid::Insert(uint32_t id, const Box3& box, double t_lo, double t_hi) {
  const Range r = RangeOf(box);
  const bool timeless = IsTimeless(t_lo, t_hi);
  const int64_t b0 = timeless ? 0 : Bucket(t_lo), b1 = timeless ? 0 : Bucket(t_hi);
  if (!timeless) {
    data_b0_ = std::min(data_b0_, b0);
    data_b1_ = std::max(data_b1_, b1);
  }
  for (int64_t x = r.x0; x <= r.x1; ++x) {
    for (int64_t y = r.y0; y <= r.y1; ++y) {
      for (int64_t z = r.z0; z <= r.z1; ++z) {
        const uint64_t cell = CellKey(x, y, z);
        if (timeless) {
          timeless_[cell].push_back(id);
          ++entries_;
          continue;
        }
        for (int64_t b = b0; b <= b1; ++b) {
          cells_[cell | BucketBits(b)].push_back(id);
          ++entries_;
        }
      }
    }
  }
}

void SpaceTimeGrid::Erase(uint32_t id, const Box3& box, double t_lo, double t_hi) {
  const Range r = RangeOf(box);
  const bool timeless = IsTimeless(t_lo, t_hi);
  const int64_t b0 = timeless ? 0 : Bucket(t_lo), b1 = timeless ? 0 : Bucket(t_hi);
  auto erase_from = [&](auto& map, uint64_t key) {
    auto it = map.find(key);
    if (it == map.end()) return;
    auto& ids = it->second;
    auto pos = std::find(ids.begin(), ids.end(), id);
    if (pos == ids.end()) return;
    *pos = ids.back();
    ids.pop_back();
    --entries_;
    if (ids.empty()) map.erase(it);
  };
  for (int64_t x = r.x0; x <= r.x1; ++x) {
    for (int64_t y = r.y0; y <= r.y1; ++y) {
      for (int64_t z = r.z0; z <= r.z1; ++z) {
        const uint64_t cell = CellKey(x, y, z);
        if (timeless) {
          erase_from(timeless_, cell);
          continue;
        }
        for (int64_t b = b0; b <= b1; ++b) erase_from(cells_, cell | BucketBits(b));
      }
    }
  }
}

size_t SpaceTimeGrid::MemoryBytes() const {
  auto map_bytes = [](const auto& map) {
    size_t bytes = map.capacity() * (sizeof(uint64_t) + sizeof(std::vector<uint32_t>) + 1);
    for (const auto& [k, v] : map) bytes += v.capacity() * sizeof(uint32_t);
    return bytes;
  };
  return map_bytes(cells_) + map_bytes(timeless_);
}

}  // namespace deconflict::engine
