// Values of command-line flags that need more than CLI11's built-in conversions.
//
//   Result<Seconds> d = ParseDuration("1h30m");   // 5400 s
//   size_t typo = EditDistance("chekc", "check");  // 2
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "base/status.h"
#include "base/units.h"

namespace deconflict::cli {

// Parses a non-negative duration: plain seconds ("5400", "90.5") or one or more number+unit
// parts with units d, h, m, s in that order, each at most once ("90s", "15m", "6h", "1h30m",
// "1.5h", "2d"). Returns InvalidArgument naming the problem for anything else (empty text,
// negative numbers, unknown or repeated units, trailing junk).
Result<Seconds> ParseDuration(std::string_view text);

// The Levenshtein distance between a and b (bytes), for "did you mean" hints on mistyped
// commands and plan ids.
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace deconflict::cli
