// A space-time hash grid over element boxes: ECEF cubes of `cell_m` x time buckets of
// `bucket_s`. Elements whose time span covers more than `max_buckets` buckets (or is unbounded,
// like a standing zone) live in a second, space-only layer. No lat/lon arithmetic: poles and the
// antimeridian need no special case.
//
//   SpaceTimeGrid g({.cell_m = 10000, .bucket_s = 3600});
//   g.Insert(id, box, t_lo, t_hi);
//   g.ForEach(query_box, t_lo, t_hi, [&](uint32_t id) { ... });  // may repeat an id
//
// Thread-safety: ForEach may run concurrently with other ForEach calls; Insert/Erase need
// exclusive access.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstdint>

#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/compiled.h"

namespace deconflict::engine {

struct GridOptions {
  double cell_m = 10000;    // DEFAULT: 10 km cubes (speed only)
  double bucket_s = 3600;   // DEFAULT: 1 h buckets (speed only)
  int max_buckets = 24;     // DEFAULT: longer spans go to the space-only layer (speed only)
};

class SpaceTimeGrid {
 public:
  explicit SpaceTimeGrid(GridOptions options = {}) : o_(options) {}

  void Insert(uint32_t id, const Box3& box, double t_lo, double t_hi);
  // REQUIRES: the same arguments as the Insert of `id`.
  void Erase(uint32_t id, const Box3& box, double t_lo, double t_hi);

  // Calls visit(id) for every id whose cells and buckets meet the query; ids may repeat and may
  // not actually overlap (callers test boxes and spans exactly). With `timeless_only`, visits only
  // the space-only layer (used when the caller discovers pairs from the timed side).
  template <typename Visit>
  void ForEach(const Box3& box, double t_lo, double t_hi, bool timeless_only,
               Visit&& visit) const {
    const Range r = RangeOf(box);
    int64_t b0 = 0, b1 = -1;
    if (!timeless_only && !cells_.empty()) {
      b0 = std::isfinite(t_lo) ? std::max(Bucket(t_lo), data_b0_) : data_b0_;
      b1 = std::isfinite(t_hi) ? std::min(Bucket(t_hi), data_b1_) : data_b1_;
    }
    for (int64_t x = r.x0; x <= r.x1; ++x) {
      for (int64_t y = r.y0; y <= r.y1; ++y) {
        for (int64_t z = r.z0; z <= r.z1; ++z) {
          const uint64_t cell = CellKey(x, y, z);
          if (!timeless_.empty()) {
            if (auto it = timeless_.find(cell); it != timeless_.end()) {
              for (uint32_t id : it->second) visit(id);
            }
          }
          for (int64_t b = b0; b <= b1; ++b) {
            if (auto it = cells_.find(cell | BucketBits(b)); it != cells_.end()) {
              for (uint32_t id : it->second) visit(id);
            }
          }
        }
      }
    }
  }

  // True if an element with this span goes to the space-only layer.
  bool IsTimeless(double t_lo, double t_hi) const {
    return !std::isfinite(t_lo) || !std::isfinite(t_hi) ||
           Bucket(t_hi) - Bucket(t_lo) >= o_.max_buckets;
  }

  // Number of (cell or cell-bucket, id) entries, and an estimate of the bytes they take.
  size_t entries() const { return entries_; }
  size_t MemoryBytes() const;

 private:
  struct Range {
    int64_t x0, x1, y0, y1, z0, z1;
  };
  static constexpr int kCellBits = 14;
  static constexpr int64_t kCellOffset = int64_t{1} << (kCellBits - 1);
  static constexpr int kBucketShift = 3 * kCellBits;

  Range RangeOf(const Box3& b) const;
  int64_t Bucket(double t) const { return static_cast<int64_t>(std::floor(t / o_.bucket_s)); }
  static uint64_t CellKey(int64_t x, int64_t y, int64_t z) {
    const uint64_t mask = (uint64_t{1} << kCellBits) - 1;
    return (static_cast<uint64_t>(x + kCellOffset) & mask) |
           ((static_cast<uint64_t>(y + kCellOffset) & mask) << kCellBits) |
           ((static_cast<uint64_t>(z + kCellOffset) & mask) << (2 * kCellBits));
  }
  // Buckets wrap modulo 2^22 (~478 years of 1 h buckets): a collision only adds candidates.
  static uint64_t BucketBits(int64_t b) {
    return (static_cast<uint64_t>(b) & ((uint64_t{1} << 22) - 1)) << kBucketShift;
  }

  GridOptions o_;
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> cells_;     // cell | bucket -> ids
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> timeless_;  // cell -> ids
  size_t entries_ = 0;
  // The bucket range holding timed entries (grows only).
  int64_t data_b0_ = INT64_MAX, data_b1_ = INT64_MIN;
};

}  // namespace deconflict::engine
