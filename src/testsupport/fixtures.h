// Plans from short text, for tests: vertices are "lon lat[ alt] @ HH:MM[:SS]" on 2022-10-08 UTC.
//
//   model::Plan us = Movement("us-1", "US", "41.60 36.95 @ 09:00, 41.66 36.97 @ 09:20", 50);
//   model::Plan zone = ZonePolygon("m4", "RU", "41.5 36.9, 41.7 36.9, 41.7 37.0, 41.5 37.0");
//
// Malformed fixture text aborts the test binary with a message (these are programmer errors).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/plan.h"

namespace deconflict::testing {

// 2022-10-08T00:00:00Z
constexpr double kDay0 = 1665187200.0;
// kDay0 + "HH:MM[:SS]"
TimePoint At(std::string_view hhmm);

model::Plan Movement(std::string id, std::string party, std::string_view route,
                     double corridor_m = 0, double tolerance_s = 0);
// "lon lat alt @ HH:MM, ..."
model::Plan Flight(std::string id, std::string party, std::string_view route, double corridor_m = 0,
                   double tolerance_s = 0);
// A flight volume over a polygon ("lon lat, lon lat, ...", not closed) or, with radius_m > 0, a
// circle around "lon lat".
model::Plan Volume(std::string id, std::string party, std::string_view footprint, double radius_m,
                   double lower_m, double upper_m, std::string_view start, std::string_view end);
// A site: circle (radius_m > 0) or polygon; start/end empty for "always".
model::Plan Site(std::string id, std::string party, std::string_view footprint, double radius_m,
                 std::string_view start = "", std::string_view end = "");
model::Plan ZonePolygon(std::string id, std::string party, std::string_view ring,
                        std::string_view start = "", std::string_view end = "");
model::Plan ZoneLine(std::string id, std::string party, std::string_view line,
                     std::string_view start = "", std::string_view end = "");

// "lon lat, lon lat" -> positions.
std::vector<geo::LatLng> Points(std::string_view text);

}  // namespace deconflict::testing
