// Internal helpers of the model parsers (plan_parser.cc, rules.cc): describing what was found in an
// issue's reason.
//
//   issues.push_back({path, "expected a number, got " + internal::Describe(v)});
//
// Not part of the module's interface (JSON text is read with json/parse.h). Thread-safety: pure
// functions.
#pragma once

#include <boost/json.hpp>
#include <cstdio>
#include <string>

namespace deconflict::model::internal {

// A number as people write it: "-5", "0.25", "100000", "1e+20".
inline std::string FormatNumber(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

// What a value is, for "got ..." in a reason: a number or short string verbatim, otherwise its
// JSON type ("an object", "an array", "null", "true").
inline std::string Describe(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return FormatNumber(v.to_number<double>());
    case boost::json::kind::string: {
      std::string s(v.get_string());
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return "\"" + s + "\"";
    }
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "an unknown value";
}

}  // namespace deconflict::model::internal
