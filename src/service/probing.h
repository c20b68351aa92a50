// Limits on probing the other parties' plans through dry runs (docs/security.md §11): a token
// bucket per party, the maximum area of a plan, and the coarse extent a dry run is recorded with.
//
//   ProbeLimiter limiter({.burst = 30, .per_minute = 30});
//   if (Status s = limiter.Take(caller.party, now); !s.ok()) return s;   // 429, Retry-After
//   if (Status s = CheckArea(plan, 10000); !s.ok()) return s;           // 422 naming "geometry"
//
// Thread-safety: ProbeLimiter is thread-safe; the functions are pure.
#pragma once

#include <array>
#include <map>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/units.h"
#include "model/plan.h"

namespace deconflict::service {

struct ProbeLimits {
  int burst = 30;       // DEFAULT: requests a party may make at once (the bucket's size)
  int per_minute = 30;  // DEFAULT: tokens added per minute (one every 2 s)
};

// One token bucket per party: each request takes a token; a party whose bucket is empty gets
// TooManyRequests saying in whole seconds (>= 1) when the next token is there. Buckets start full.
class ProbeLimiter {
 public:
  // REQUIRES: limits.burst >= 1, limits.per_minute >= 1.
  explicit ProbeLimiter(ProbeLimits limits) : limits_(limits) {}
  // OK (a token taken) or TooManyRequests with retry_after_s().
  Status Take(const PartyId& party, TimePoint now);

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint at;
  };
  const ProbeLimits limits_;
  Mutex mu_;
  std::map<PartyId, Bucket> buckets_ GUARDED_BY(mu_);
};

// The area a plan encloses, in km² (WGS84, GeographicLib): a polygon's outer ring, a circle's
// spherical cap; 0 for routes and lines.
double PlanAreaKm2(const model::Plan& p);
// InvalidArgument naming "geometry" and the figures when the plan encloses more than
// `max_area_km2`.
Status CheckArea(const model::Plan& p, double max_area_km2);

// The plan's bounding box [west, south, east, north] in degrees, widened outwards to multiples of
// 0.1° (a circle by its radius): what the record says of where a dry run looked.
std::array<double, 4> CoarseExtent(const model::Plan& p);

}  // namespace deconflict::service
