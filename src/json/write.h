// JSON text as people expect to read it: Boost.JSON values written like boost::json::serialize,
// except that numbers of kind double are never in exponent notation ("41.63", not "4.163E1";
// "0.0000001", not "1E-7"), and the rounding that decides how many decimals a number shows.
//
//   boost::json::object o{{"position", {json::RoundTo(lon, json::kDegreeDecimals), ...}}};
//   response.body = json::Write(o);   // {"position":[41.63,37.0400113]}
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace deconflict::json {

// Decimals for the numbers the project computes and writes (docs/semantics.md):
inline constexpr int kDegreeDecimals = 7;  // longitude and latitude: 1e-7° is ~1.1 cm or less
inline constexpr int kMetreDecimals = 1;   // distances and altitudes: 0.1 m
inline constexpr int kSecondDecimals = 2;  // durations and shifts: 0.01 s

// `x` rounded to `decimals` places after the decimal point, half away from zero, as the double
// nearest to that decimal: RoundTo(41.629999999999995, 7) prints as 41.63. Computed as
// round(x * 10^decimals) / 10^decimals (a division by an exact power of ten, not a multiplication
// by 1e-7, which would give 41.629999999999995). Negative zero becomes 0. Returns `x` unchanged
// when it is not finite or already has no more digits than that (|x| * 10^decimals >= 2^52).
// REQUIRES: 0 <= decimals <= 15.
double RoundTo(double x, int decimals);

// One double as JSON number text: the shortest decimal that reads back as the same double
// (std::to_chars, fixed notation, never an exponent), with ".0" when it would have no decimal
// point:
//   41.63 -> "41.63", 1150.0 -> "1150.0", 1e-7 -> "0.0000001", -0.0 -> "-0.0",
//   1e21 -> "1000000000000000000000.0".
// The ".0" keeps the kind: "1150.0" parses as a double, as Boost's "1.15E3" did, so a value written
// by Write and parsed again equals the original (kinds included), and readers that worked with
// boost::json::serialize (as_double(), value ==) keep working. Round with RoundTo first to get
// "0.0" rather than "-0.0" for a computed tiny negative.
// Not finite (NaN, ±infinity, which JSON cannot represent) -> "null", so the text stays valid
// JSON. Magnitudes below 1e-6 or above 1e21 give long digit strings (up to 327 characters); the
// project's numbers (degrees, metres, seconds) never come near them.
std::string WriteDouble(double x);
// Appends WriteDouble(x) to *out.
void AppendDouble(double x, std::string* out);
// Appends `s` as a JSON string literal to *out, escaped exactly as Write escapes strings (and
// boost::json::serialize): the quote, the backslash and the control characters. For writers that
// produce Write's text without building a tree (cli/output.cc).
void AppendString(std::string_view s, std::string* out);

// `v` as compact JSON text: byte for byte what boost::json::serialize writes for null, booleans,
// integers, strings (same escaping), arrays and objects (members in order, no white space);
// doubles as WriteDouble. A value without doubles is therefore written exactly as Boost writes
// it (record/chain.h's canonical forms rely on this).
std::string Write(const boost::json::value& v);

// `v` indented by two spaces for people: one member or element per line, except arrays of at most
// 8 scalars, which stay on one line ("[41.65, 36.95]"); ": " after keys. No trailing newline.
// Numbers and strings as in Write.
std::string WritePretty(const boost::json::value& v);

}  // namespace deconflict::json
