#include "model/plan_parser.h"

namespace deconflict::model {
Result<PlanSet> ParsePlans(std::string_view) { return Status::Internal("not yet implemented"); }
Result<Plan> ParsePlanFeature(const boost::json::value&, const std::string&, std::vector<Issue>*) {
  return Status::Internal("not yet implemented");
}
}  // namespace deconflict::model
