#include "engine/grid.h"

#include <algorithm>
#include <climits>

namespace deconflict::engine {

int32_t GridTime(double t, bool up) {
  constexpr double kEpoch = 946684800;  // 2000-01-01T00:00:00Z
  if (!(t > -2e9 + kEpoch)) return INT32_MIN;
  if (!(t < 2e9 + kEpoch)) return INT32_MAX;
  return static_cast<int32_t>(up ? std::ceil(t - kEpoch) : std::floor(t - kEpoch));
}

void SpaceTimeGrid::Insert(GridEntry entry, const Box3& box, double t_lo, double t_hi) {
  const bool timeless = IsTimeless(t_lo, t_hi);
  const int64_t b0 = timeless ? 0 : Bucket(t_lo), b1 = timeless ? 0 : Bucket(t_hi);
  ForEachCell(box, [&](uint64_t key) {
    Cell& cell = cells_[key];
    if (timeless) {
      cell.timeless.push_back(entry);
      ++entries_;
      return;
    }
    auto it = std::lower_bound(cell.buckets.begin(), cell.buckets.end(), b0,
                               [](const Bucketed& x, int64_t v) { return x.bucket < v; });
    for (int64_t b = b0; b <= b1; ++b) {
      if (it == cell.buckets.end() || it->bucket != b) it = cell.buckets.insert(it, {b, {}});
      it->entries.push_back(entry);
      ++it;
      ++entries_;
    }
  });
}

void SpaceTimeGrid::Erase(uint32_t id, const Box3& box, double t_lo, double t_hi) {
  const bool timeless = IsTimeless(t_lo, t_hi);
  const int64_t b0 = timeless ? 0 : Bucket(t_lo), b1 = timeless ? 0 : Bucket(t_hi);
  auto erase_from = [&](std::vector<GridEntry>& v) {
    auto pos = std::find_if(v.begin(), v.end(), [&](const GridEntry& e) { return e.id == id; });
    if (pos == v.end()) return;
    *pos = v.back();
    v.pop_back();
    --entries_;
    // Halving when three-quarters empty keeps Erase amortised O(1) and the slack bounded.
    if (v.capacity() >= 8 && v.size() * 4 <= v.capacity()) v.shrink_to_fit();
  };
  ForEachCell(box, [&](uint64_t key) {
    auto it = cells_.find(key);
    if (it == cells_.end()) return;
    Cell& cell = it->second;
    if (timeless) {
      erase_from(cell.timeless);
    } else {
      for (auto& b : cell.buckets) {
        if (b.bucket >= b0 && b.bucket <= b1) erase_from(b.entries);
      }
      std::erase_if(cell.buckets, [](const Bucketed& b) { return b.entries.empty(); });
    }
    if (cell.timeless.empty() && cell.buckets.empty()) cells_.erase(it);
  });
}

void SpaceTimeGrid::Renumber(std::span<const uint32_t> new_id, std::span<const uint32_t> new_plan) {
  auto renumber = [&](std::vector<GridEntry>* entries) {
    for (GridEntry& e : *entries) {
      e.id = new_id[e.id];
      e.plan = new_plan[e.plan];
    }
    ShrinkIfSparse(entries);
  };
  for (auto& [key, cell] : cells_) {
    renumber(&cell.timeless);
    for (Bucketed& b : cell.buckets) renumber(&b.entries);
    ShrinkIfSparse(&cell.buckets);
  }
  // absl tables never shrink on erase: rehash(0) resizes to fit the cells that remain.
  if (cells_.capacity() > 4 * cells_.size()) cells_.rehash(0);
}

size_t SpaceTimeGrid::MemoryBytes() const {
  size_t bytes = cells_.capacity() * (sizeof(uint64_t) + sizeof(Cell) + 1);
  for (const auto& [k, c] : cells_) {
    bytes += c.timeless.capacity() * sizeof(GridEntry) + c.buckets.capacity() * sizeof(Bucketed);
    for (const auto& b : c.buckets) bytes += b.entries.capacity() * sizeof(GridEntry);
  }
  return bytes;
}

}  // namespace deconflict::engine
