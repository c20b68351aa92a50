// ParseRfc3339 (src/base/time.h) on arbitrary bytes. Properties, for text that parses:
//   1. the instant is finite;
//   2. FormatRfc3339 of it parses again, to that instant rounded to the nearest second (the
//      formatted text is what the server writes and its clients read back);
//   3. formatting that again gives the same text.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  deconflict::Result<deconflict::TimePoint> t = deconflict::ParseRfc3339(text);
  if (!t.ok()) return 0;
  const std::string input(text);
  FUZZ_CHECK(t->is_finite(), input);
  const std::string formatted = deconflict::FormatRfc3339(*t);
  deconflict::Result<deconflict::TimePoint> again = deconflict::ParseRfc3339(formatted);
  FUZZ_CHECK(again.ok(), input + " -> " + formatted + ": " + again.status().message());
  FUZZ_CHECK(again->unix_seconds() == std::round(t->unix_seconds()), input + " -> " + formatted);
  FUZZ_CHECK(deconflict::FormatRfc3339(*again) == formatted, input + " -> " + formatted);
  return 0;
}
