// Parsing JSON text with an error people can act on: where the text stops being JSON.
//
//   boost::json::value v;
//   if (std::optional<Issue> bad = json::Parse(text, &v)) return Status::Invalid({*bad});
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace deconflict::json {

// Parses `text` as one JSON document (Boost.JSON's default options: no comments, no trailing
// commas) into *out, allocating from out's memory resource (out->storage()): a value made with a
// boost::json::monotonic_resource gets a tree built without a malloc per node and freed at once
// (model/plan_parser.cc does this for large plans files). Returns nullopt on success, or an issue
// with an empty path and a 1-based position: "malformed JSON at line 3, column 14: syntax error";
// *out is then unchanged. Numbers: integers become int64 (or uint64, or double beyond their range);
// the rest doubles. A number beyond the double range reads as an infinity ("1e400"; Write writes it
// as null); a zero with a large exponent ("0e400", which Boost 1.81 reads as NaN) as 0: never NaN.
// Boost 1.81 does not always round a long number to the nearest double: 16 or 17 significant
// digits (what Write gives for an unrounded double) may read up to two units in the last place
// off (about 1e-16 relative); numbers with up to 7 decimals, such as rounded coordinates, read
// exactly (write_test.cc checks both).
// REQUIRES: out != nullptr.
std::optional<Issue> Parse(std::string_view text, boost::json::value* out);

}  // namespace deconflict::json
