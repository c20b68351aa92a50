// The validated, in-memory form of one plan (one GeoJSON Feature of a plans file; the format is
// specified in docs/plan-format.md). Everything here has passed validation (plan_parser.h): the
// engine trusts these values.
//
//   Result<PlanSet> set = ParsePlans(text);
//   for (const Plan& p : set->plans) if (p.kind == PlanKind::kMovement) ...
//
// Thread-safety: value types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "base/units.h"
#include "geo/latlng.h"

namespace deconflict::model {

enum class PlanKind { kMovement, kFlight, kSite, kZone };

// Length limits of the free-text properties, in characters (Unicode code points, as
// CountCharacters counts them), not bytes. docs/plan-format.md.
inline constexpr size_t kMaxCallsignChars = 64;
inline constexpr size_t kMaxNoteChars = 2000;

// The number of Unicode code points in `utf8` (valid UTF-8, as every parsed JSON string is): the
// bytes that do not continue a multi-byte sequence.
inline size_t CountCharacters(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// "movement", "flight", "site", "zone".
const char* PlanKindName(PlanKind k);

// One vertex of a movement or 4D trajectory.
struct Waypoint {
  geo::LatLng position;
  double altitude_m = 0;  // metres above the WGS84 ellipsoid; 0 for ground movements
  TimePoint time;
};

// A ground movement or a flight's 4D trajectory: at waypoints[i].position at waypoints[i].time,
// moving along the geodesic between consecutive vertices at constant speed. Times are
// non-decreasing; two consecutive waypoints with the same time are at the same position.
struct Route {
  std::vector<Waypoint> waypoints;  // >= 2
  Meters corridor{0};               // half-width of the corridor around the centre line
  Seconds time_tolerance{0};        // the plan may run up to this much early or late
  bool has_altitude = false;        // true for flight trajectories
};

struct Circle {
  geo::LatLng center;
  Meters radius{0};  // > 0
};

// rings[0] is the outer ring, the others holes. Each ring is closed implicitly: the repeated
// closing vertex of GeoJSON is removed, so a ring has >= 3 distinct vertices. Edges are geodesics.
struct Polygon {
  std::vector<std::vector<geo::LatLng>> rings;
};

// A demarcation line (open polyline, geodesic edges), >= 2 vertices.
struct Polyline {
  std::vector<geo::LatLng> points;
};

using Footprint = std::variant<Circle, Polygon, Polyline>;

struct AltitudeBand {
  double lower_m = 0;  // metres above the WGS84 ellipsoid, lower_m <= upper_m
  double upper_m = 0;
};

// A flight volume, a fixed site or a zone: a footprint, active during `window` (unbounded ends are
// +-infinity), optionally limited to an altitude band (flight volumes only).
struct Area {
  Footprint
      footprint;  // flight volume: Circle|Polygon; site: Circle|Polygon; zone: Polygon|Polyline
  TimeInterval window{TimePoint::InfinitePast(), TimePoint::InfiniteFuture()};
  std::optional<AltitudeBand> band;  // set for flight volumes only
};

struct Plan {
  PlanId id;
  PartyId party;
  PlanKind kind = PlanKind::kMovement;
  std::string callsign;  // optional, may be empty; at most kMaxCallsignChars characters
  std::string note;      // optional, may be empty; at most kMaxNoteChars characters
  // kMovement: Route without altitude. kFlight: Route with altitude (4D trajectory) or Area with a
  // band (4D volume). kSite, kZone: Area.
  std::variant<Route, Area> shape;
  // Zones only: the parties that must not enter/cross. Empty and restricts_all_others = true means
  // every party other than the owner (the default).
  std::vector<PartyId> restricted_parties;
  bool restricts_all_others = true;
  int feature_index = -1;  // position in the source FeatureCollection, for messages; -1 if none

  bool is_route() const { return std::holds_alternative<Route>(shape); }
  const Route& route() const { return std::get<Route>(shape); }
  const Area& area() const { return std::get<Area>(shape); }
  // True if this zone restricts `other` (always false for non-zones).
  bool Restricts(const PartyId& other) const;
};

// The earliest and latest instants at which the plan exists (routes: first/last waypoint time
// widened by the time tolerance; areas: the window).
TimeInterval ActiveInterval(const Plan& p);

}  // namespace deconflict::model
