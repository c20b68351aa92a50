// Seeded random scenarios: plans of several parties in a region over a horizon, with a mix of
// movements, flight routes, flight volumes, sites and zones. Deterministic for a seed on every
// platform (own uniform generator over std::mt19937_64).
//
//   ScenarioOptions o;  o.plans = 5000;  o.seed = 7;
//   std::vector<model::Plan> plans = GenerateScenario(o);
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/plan.h"

namespace deconflict::testing {

struct ScenarioOptions {
  uint64_t seed = 1;
  size_t plans = 1000;
  geo::LatLng centre{36.0, 40.0};    // DEFAULT: north-east Syria
  double radius_km = 450;            // plans start within this distance of the centre
  double start_unix_s = 1665187200;  // DEFAULT: 2022-10-08T00:00:00Z
  double horizon_h = 24;             // plans start within [start, start + horizon]
  int parties = 8;
  // Mix, as weights. Zones are rare (a theatre has dozens, not thousands) and each restricts one
  // or two other parties.
  double movements = 0.60, flights = 0.20, volumes = 0.05, sites = 0.10, zones = 0.005;
  int min_legs = 5, max_legs = 30;  // movements
  double max_corridor_m = 300;
  double max_tolerance_s = 300;
};

std::vector<model::Plan> GenerateScenario(const ScenarioOptions& options);

// One random ground movement of `legs` legs starting near the centre within the horizon.
model::Plan RandomMovement(std::mt19937_64& rng, const ScenarioOptions& options, std::string id,
                           std::string party, int legs);

// `plans` as a plans file (docs/plan-format.md): a GeoJSON FeatureCollection, one feature per line,
// coordinates rounded to 7 decimals, altitudes to 0.1 m, times to the millisecond
// (FormatRfc3339Millis). Parsing it back gives the same plans up to that rounding; benchmarks of
// the whole `deconflict check` use it (`deconflict_bench --workload plans-file`).
std::string PlansGeoJson(const std::vector<model::Plan>& plans);

}  // namespace deconflict::testing
