// A conflict between two plans of different parties: the engine's answer.
//
//   for (const Conflict& c : index.DetectAll()) std::cout << c.plan_a.value() << ...
//
// Thread-safety: value type.
#pragma once

#include <string>

#include "base/units.h"
#include "geo/latlng.h"
#include "model/plan.h"

namespace deconflict::engine {

// What was violated.
enum class ConflictType {
  kSeparation,    // two moving plans (or volumes) closer than the separation minimum
  kSiteBuffer,    // a movement or flight within the buffer of an active site
  kZoneEntry,     // a restricted party's plan enters a restricted area
  kLineCrossing,  // a restricted party's plan crosses (or comes within the buffer of) a line
};
const char* ConflictTypeName(ConflictType t);  // "separation", "site_buffer", ...

struct Conflict {
  // The two plans, sorted so that plan_a < plan_b (by id).
  PlanId plan_a, plan_b;
  PartyId party_a, party_b;
  model::PlanKind kind_a = model::PlanKind::kMovement, kind_b = model::PlanKind::kMovement;
  std::string callsign_a, callsign_b;
  ConflictType type = ConflictType::kSeparation;
  std::string rule;        // the rule applied, e.g. "ground_ground", "air_air", "movement_site"
  Meters min_distance{0};  // geodesic, between centre lines / footprints; 0 inside an area
  Meters required{0};      // rule + corridors (the distance below which separation is lost)
  // Smallest vertical distance at the closest approach, for pairs with a vertical rule (air_air);
  // negative when not applicable.
  double vertical_distance_m = -1;
  // The scheduled (real) times during which separation is lost: the hull of every scheduled
  // instant of either plan that takes part in a violating pair of positions.
  TimeInterval window;
  // Closest point of approach.
  TimePoint cpa_time;
  // Two movers: the midpoint of both positions; a mover and an area: the mover's position; two
  // areas: b's point (see cpa_position_a/_b).
  geo::LatLng cpa_position;
  // Each plan's own point at the closest approach: a mover's position at cpa_time_a / cpa_time_b;
  // for an area (site, zone, flight volume) the point of its outline nearest the other plan, or
  // its first vertex / centre when the other plan is inside it. Computed only for reported
  // conflicts (never in the detector's inner loop).
  geo::LatLng cpa_position_a, cpa_position_b;
  // Whether each plan moves (a ground movement or a flight route); false for areas.
  bool moves_a = false, moves_b = false;
  // The scheduled times of each plan at the closest approach (equal when tolerances are 0;
  // for areas, the time of the closest approach).
  TimePoint cpa_time_a, cpa_time_b;
};

// Sorts by window start, then plan_a, then plan_b (the output order of every API).
void SortConflicts(std::vector<Conflict>* conflicts);

}  // namespace deconflict::engine
