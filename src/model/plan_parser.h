// Validation at the edge: GeoJSON plans (docs/plan-format.md) -> model::Plan.
//
//   Result<PlanSet> set = ParsePlans(file_text);
//   if (!set.ok()) for (const Issue& i : set.status().issues()) std::cerr << i.ToString() << "\n";
//
// Every problem is reported at once, each naming the field by its JSON path and the reason, e.g.
// "features[3].properties.times[2]: earlier than times[1] (2022-10-08T09:40:00Z)". Nothing is
// partially accepted: either every feature is valid and ParsePlans returns them all, or it returns
// InvalidArgument listing every issue. Warnings (plausible-but-suspicious input such as swapped
// lat/lon or an implausible speed) never fail parsing; they are returned beside the plans.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/plan.h"

namespace deconflict::model {

struct PlanSet {
  std::vector<Plan> plans;  // in file order
  std::vector<Issue>
      warnings;  // e.g. {"features[2].geometry.coordinates[4]", "looks like [lat, lon] ..."}
};

// Parses a whole plans file: a GeoJSON FeatureCollection. Feature ids must be unique in the file.
// `threads` workers validate the features (each at least 1,000 of them; 0 = one per core); the
// result, issues and their order included, is the same for every value. DEFAULT: 0.
Result<PlanSet> ParsePlans(std::string_view geojson_text, int threads = 0);

// Parses one Feature (the unit a server accepts). `path` prefixes every issue ("" for a bare
// feature, "features[3]" inside a collection). Appends warnings to *warnings (may be null).
Result<Plan> ParsePlanFeature(const boost::json::value& feature, const std::string& path,
                              std::vector<Issue>* warnings);

}  // namespace deconflict::model
