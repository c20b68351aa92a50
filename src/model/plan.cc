#include "model/plan.h"

#include <algorithm>

namespace deconflict::model {

const char* PlanKindName(PlanKind k) {
  switch (k) {
    case PlanKind::kMovement:
      return "movement";
    case PlanKind::kFlight:
      return "flight";
    case PlanKind::kSite:
      return "site";
    case PlanKind::kZone:
      return "zone";
  }
  return "unknown";
}

bool Plan::Restricts(const PartyId& other) const {
  if (kind != PlanKind::kZone || other == party) return false;
  if (restricts_all_others) return true;
  return std::find(restricted_parties.begin(), restricted_parties.end(), other) !=
         restricted_parties.end();
}

TimeInterval ActiveInterval(const Plan& p) {
  if (p.is_route()) {
    const Route& r = p.route();
    return {r.waypoints.front().time - r.time_tolerance,
            r.waypoints.back().time + r.time_tolerance};
  }
  return p.area().window;
}

}  // namespace deconflict::model
