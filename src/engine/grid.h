// A space-time hash grid over element boxes. Space: the ECEF box is projected onto the faces of
// the cube around the Earth that its points can belong to (the face of a point is its largest
// |coordinate|); on a face, the surface is a graph over the two other coordinates, which are cut
// into squares of `cell_m`. Time: buckets of `bucket_s`. Elements whose span covers more than
// `max_buckets` buckets (or is unbounded, like a standing zone) live in a second, space-only
// layer. No lat/lon arithmetic: poles and the antimeridian need no special case.
//
//   SpaceTimeGrid g({.cell_m = 20000, .bucket_s = 3600});
//   g.Insert(id, box, t_lo, t_hi);
//   g.ForEach(query_box, t_lo, t_hi, [&](const GridEntry& e) { ... });  // may repeat an entry
//
// Memory follows the entries held, whatever the history: Erase drops empty buckets and cells and
// releases an entry vector's capacity once it is three-quarters empty; Renumber (the detector's
// compaction) also shrinks the cell map.
//
// Thread-safety: ForEach may run concurrently with other ForEach calls; Insert/Erase/Renumber need
// exclusive access.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/compiled.h"

namespace deconflict::engine {

// What the candidate loop reads of an element, stored inline in the grid cells so that a query
// scans memory sequentially (52 bytes). Boxes and altitudes are rounded outwards to floats
// (+-1 m) and spans to whole seconds since 2000, so that tests on them stay conservative.
struct GridEntry {
  float lo[3], hi[3];  // ECEF box
  int32_t span_lo, span_hi;
  float alt_lo, alt_hi;  // altitude range (routes: over the element; volumes: the band)
  uint32_t id;           // element index
  uint32_t plan;
  uint32_t party;
  uint8_t cls;    // PlanClass
  bool timeless;  // in the space-only layer
};

// Releases the capacity of a vector that holds less than half of it (amortised: it doubles again
// only after as many insertions as it then holds). Used by compaction.
template <typename T>
void ShrinkIfSparse(std::vector<T>* v) {
  if (v->capacity() > 2 * v->size() + 2) v->shrink_to_fit();
}

// Whole seconds since 2000-01-01, rounded down (up = false) or up; +-infinity saturate.
int32_t GridTime(double unix_s, bool up);

struct GridOptions {
  double cell_m = 20000;   // DEFAULT: 20 km squares (speed only). REQUIRES: >= 200.
  double bucket_s = 3600;  // DEFAULT: 1 h buckets (speed only)
  int max_buckets = 24;    // DEFAULT: longer spans go to the space-only layer (speed only)
};

class SpaceTimeGrid {
 public:
  explicit SpaceTimeGrid(GridOptions options = {}) : o_(options) {}

  // Inserts the entry for the element with this box and span.
  void Insert(GridEntry entry, const Box3& box, double t_lo, double t_hi);
  // REQUIRES: the same arguments as the Insert of `id`.
  void Erase(uint32_t id, const Box3& box, double t_lo, double t_hi);
  // Rewrites every entry's id as new_id[id] and plan as new_plan[plan] (the detector's compaction:
  // both maps keep the order of the entries that remain), and releases spare capacity: entry
  // vectors and bucket lists filled to less than half, the cell map when it is mostly empty.
  // REQUIRES: every entry's id < new_id.size() and plan < new_plan.size().
  void Renumber(std::span<const uint32_t> new_id, std::span<const uint32_t> new_plan);

  // Calls visit(entry) for every entry whose cells and buckets meet the query; may repeat and may
  // not actually overlap (callers test boxes and spans exactly). An unbounded span visits every
  // bucket of the cells.
  template <typename Visit>
  void ForEach(const Box3& box, double t_lo, double t_hi, Visit&& visit) const {
    const int64_t b0 = std::isfinite(t_lo) ? Bucket(t_lo) : INT64_MIN;
    const int64_t b1 = std::isfinite(t_hi) ? Bucket(t_hi) : INT64_MAX;
    ForEachCell(box, [&](uint64_t key) {
      const auto it = cells_.find(key);
      if (it == cells_.end()) return;
      const Cell& cell = it->second;
      for (const GridEntry& e : cell.timeless) visit(e);
      auto b = std::lower_bound(cell.buckets.begin(), cell.buckets.end(), b0,
                                [](const Bucketed& x, int64_t v) { return x.bucket < v; });
      for (; b != cell.buckets.end() && b->bucket <= b1; ++b) {
        for (const GridEntry& e : b->entries) visit(e);
      }
    });
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
  static constexpr int kCellBits = 16;
  static constexpr int64_t kCellOffset = int64_t{1} << (kCellBits - 1);

  // Calls fn(cell key) for every (face, i, j) square the box can touch.
  template <typename Fn>
  void ForEachCell(const Box3& b, Fn&& fn) const {
    const double lo[3] = {b.lo.x, b.lo.y, b.lo.z};
    const double hi[3] = {b.hi.x, b.hi.y, b.hi.z};
    for (int axis = 0; axis < 3; ++axis) {
      const int u = (axis + 1) % 3, v = (axis + 2) % 3;
      const double reach_other = std::max(MinAbs(lo[u], hi[u]), MinAbs(lo[v], hi[v]));
      for (int sign = 0; sign < 2; ++sign) {
        const double extent = sign == 0 ? hi[axis] : -lo[axis];
        if (extent <= 0 || extent < reach_other) continue;
        const uint64_t face = static_cast<uint64_t>(axis) * 2 + static_cast<uint64_t>(sign);
        const int64_t i0 = Index(lo[u]), i1 = Index(hi[u]);
        const int64_t j0 = Index(lo[v]), j1 = Index(hi[v]);
        for (int64_t i = i0; i <= i1; ++i) {
          for (int64_t j = j0; j <= j1; ++j) fn(CellKey(face, i, j));
        }
      }
    }
  }
  static double MinAbs(double lo, double hi) {
    if (lo <= 0 && hi >= 0) return 0;
    return std::min(std::fabs(lo), std::fabs(hi));
  }
  int64_t Index(double c) const { return static_cast<int64_t>(std::floor(c / o_.cell_m)); }
  int64_t Bucket(double t) const { return static_cast<int64_t>(std::floor(t / o_.bucket_s)); }
  static uint64_t CellKey(uint64_t face, int64_t i, int64_t j) {
    const uint64_t mask = (uint64_t{1} << kCellBits) - 1;
    return face | ((static_cast<uint64_t>(i + kCellOffset) & mask) << 3) |
           ((static_cast<uint64_t>(j + kCellOffset) & mask) << (3 + kCellBits));
  }

  struct Bucketed {
    int64_t bucket;
    std::vector<GridEntry> entries;
  };
  // One spatial cell: its space-only entries and its time buckets, sorted by bucket.
  struct Cell {
    std::vector<GridEntry> timeless;
    std::vector<Bucketed> buckets;
  };

  GridOptions o_;
  absl::flat_hash_map<uint64_t, Cell> cells_;  // (face, i, j) -> cell
  size_t entries_ = 0;
};

}  // namespace deconflict::engine
