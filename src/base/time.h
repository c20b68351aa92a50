// RFC 3339 timestamps <-> TimePoint.
//
//   Result<TimePoint> t = ParseRfc3339("2022-10-08T09:30:00Z");
//   std::string s = FormatRfc3339(*t);   // "2022-10-08T09:30:00Z"
//   int64_t ms = ToUnixMillis(NowMillis());   // the store's and the API's integer milliseconds
#pragma once

#include <cstdint>
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

// The instant `ms` milliseconds after the Unix epoch (negative: before it). Exact for whole
// milliseconds in 1900..2200: ToUnixMillis(FromUnixMillis(ms)) == ms. These two are the only
// conversions between TimePoint and integer milliseconds (the store's columns, the API's
// "..._ms" fields, the signed log text).
TimePoint FromUnixMillis(int64_t ms);

// `t` in whole milliseconds since the Unix epoch, rounded to the nearest (halves away from zero).
// REQUIRES: t.is_finite().
int64_t ToUnixMillis(TimePoint t);

// `t` rounded to the nearest whole millisecond, as a store keeps it; infinite instants unchanged.
// Sums such as deadline + Seconds(600) are rounded with this so that they compare exactly with
// instants read back from the store.
TimePoint WholeMillis(TimePoint t);

// The system clock now, truncated to whole milliseconds, so that an instant kept in memory equals
// the one read back from the store.
TimePoint NowMillis();

// Formats as UTC "YYYY-MM-DDTHH:MM:SSZ" for whole seconds, "YYYY-MM-DDTHH:MM:SS.mmmZ" otherwise
// (`t` rounded to whole milliseconds first). REQUIRES: t.is_finite().
std::string FormatRfc3339Millis(TimePoint t);

// Formats a duration in seconds as a short human string: "45 s", "12 min 5 s", "3 h 20 min".
std::string FormatDuration(Seconds d);

}  // namespace deconflict
