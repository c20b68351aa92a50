// Separation minima and buffers (the "rules"). Defaults are documented in docs/semantics.md and
// can be overridden by a rules JSON file whose keys are exactly the field names below, e.g.
//   {"ground_ground_horizontal_m": 1500, "low_level_ceiling_m": 2500}
//
//   Result<Rules> r = ParseRules(text);   // unknown keys, negatives, non-numbers ->
//   InvalidArgument
#pragma once

#include <string_view>

#include "base/status.h"

namespace deconflict::model {

struct Rules {
  // Ground movement vs ground movement, horizontal. DEFAULT: 1,000 m.
  double ground_ground_horizontal_m = 1000;
  // Flight vs flight (trajectories and volumes): both minima lost at once. DEFAULT: 5 NM, 1,000 ft.
  double air_air_horizontal_m = 9260;
  double air_air_vertical_m = 304.8;
  // Flight vs ground movement: horizontal minimum, applied only while the flight is at or below
  // low_level_ceiling_m (metres above the WGS84 ellipsoid; there is no terrain model, so set this
  // per theatre). DEFAULT: 1,000 m and 1,500 m.
  double ground_air_horizontal_m = 1000;
  double low_level_ceiling_m = 1500;
  // Ground movement vs an active site: buffer around the site's footprint. DEFAULT: 200 m.
  double movement_site_buffer_m = 200;
  // Flight at or below low_level_ceiling_m vs an active site. DEFAULT: 1,000 m.
  double flight_site_buffer_m = 1000;
  // Extra buffer around restricted zones and lines; 0 means "entering or crossing". DEFAULT: 0 m.
  double zone_buffer_m = 0;
};

// Parses a rules JSON object. Every key must be one of the fields above; values are finite
// numbers >= 0 (air_air_horizontal_m and ground_ground_horizontal_m > 0). Reports every bad key.
Result<Rules> ParseRules(std::string_view json_text);

}  // namespace deconflict::model
