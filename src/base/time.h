// RFC 3339 timestamps <-> TimePoint.
//
//   Result<TimePoint> t = ParseRfc3339("2022-10-08T09:30:00Z");
//   std::string s = FormatRfc3339(*t);   // "2022-10-08T09:30:00Z"
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "base/units.h"

namespace deconflict {

// Parses an RFC 3339 date-time ("YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; 't' and ' ' are
// accepted for 'T', 'z' for 'Z'). Returns InvalidArgument with a reason (no field path) when the
// text is not a valid date-time: wrong shape, month 13, 31 April, hour 24, missing offset, ...
// Leap second ":60" is accepted and treated as ":59.999999". The instant, rounded to the second,
// must fall within years 0000 to 9999 in UTC (what FormatRfc3339 writes): "9999-12-31T23:59:60Z"
// and "0000-01-01T00:00:00+01:00" are refused.
Result<TimePoint> ParseRfc3339(std::string_view text);

// Formats as UTC "YYYY-MM-DDTHH:MM:SSZ", rounding to the nearest second.
// REQUIRES: t.is_finite().
std::string FormatRfc3339(TimePoint t);

// Formats a duration in seconds as a short human string: "45 s", "12 min 5 s", "3 h 20 min".
std::string FormatDuration(Seconds d);

}  // namespace deconflict
