// Writes a Boost.JSON value as text that people can read: numbers in their shortest round-trip
// form ("12.3", "1150", not "1.23E1"), optionally indented, with short arrays of scalars on one
// line ("[41.65, 36.95]").
//
//   std::string text = WriteJson(boost::json::value{{"a", 1.5}}, /*pretty=*/true);
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace deconflict::cli {

// Returns `v` as JSON text; with `pretty`, indented by two spaces and ending without a newline.
// Non-finite doubles (which JSON cannot represent) are written as null.
std::string WriteJson(const boost::json::value& v, bool pretty);

}  // namespace deconflict::cli
