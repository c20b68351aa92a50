#include "cli/flags.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace deconflict::cli {

Result<Seconds> ParseDuration(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid duration " + quoted + ": " + why +
                                   " (examples: 90s, 15m, 6h, 1h30m, or plain seconds)");
  };
  if (text.empty()) return bad("empty");
  constexpr std::string_view kUnits = "dhms";
  constexpr double kUnitSeconds[] = {86400, 3600, 60, 1};
  double total = 0;
  size_t next_unit = 0;  // units must appear in the order d, h, m, s
  size_t i = 0;
  while (i < text.size()) {
    const char* begin = text.data() + i;
    if (*begin == '-' || *begin == '+') return bad("must be a positive number of seconds or units");
    double number = 0;
    const auto r = std::from_chars(begin, text.data() + text.size(), number);
    if (r.ec != std::errc() || !std::isfinite(number)) return bad("expected a number");
    i = static_cast<size_t>(r.ptr - text.data());
    if (i == text.size()) {
      if (next_unit != 0) return bad("missing unit after the last number");
      total = number;  // plain seconds
      break;
    }
    const size_t unit = kUnits.find(text[i]);
    if (unit == std::string_view::npos) {
      return bad("unknown unit '" + std::string(1, text[i]) + "'");
    }
    if (unit < next_unit) return bad("units must be given once each, in the order d, h, m, s");
    next_unit = unit + 1;
    total += number * kUnitSeconds[unit];
    ++i;
  }
  return Seconds(total);
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace deconflict::cli
