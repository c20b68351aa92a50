// The rules parser (src/model/rules.h) on arbitrary bytes. Properties, for text that parses:
// every value is finite and >= 0, and the two horizontal minima that must be > 0 are (the engine
// divides by neither, but a zero minimum would make every pair of plans conflict-free).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "model/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  deconflict::Result<deconflict::model::Rules> r = deconflict::model::ParseRules(text);
  if (!r.ok()) return 0;
  const std::string input(text);
  const double values[] = {r->ground_ground_horizontal_m, r->air_air_horizontal_m,
                           r->air_air_vertical_m,         r->ground_air_horizontal_m,
                           r->low_level_ceiling_m,        r->movement_site_buffer_m,
                           r->flight_site_buffer_m,       r->zone_buffer_m};
  for (double v : values) FUZZ_CHECK(std::isfinite(v) && v >= 0, input);
  FUZZ_CHECK(r->ground_ground_horizontal_m > 0 && r->air_air_horizontal_m > 0, input);
  return 0;
}
