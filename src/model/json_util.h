// Internal helpers shared by the model parsers (plan_parser.cc, rules.cc): parsing JSON text into
// a value with a positioned error, and describing what was found in an issue's reason.
//
//   boost::json::value v;
//   if (std::optional<Issue> bad = internal::ParseJson(text, &v)) return Status::Invalid({*bad});
//
// Not part of the module's interface. Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace deconflict::model::internal {

// Parses `text` as one JSON document into *out. Returns nullopt on success, or an issue with an
// empty path: "malformed JSON at line 3, column 14: syntax error".
inline std::optional<Issue> ParseJson(std::string_view text, boost::json::value* out) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  size_t offset = parser.write(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
    offset = text.size();
  }
  if (!ec) {
    *out = parser.release();
    return std::nullopt;
  }
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return Issue{"", "malformed JSON at line " + std::to_string(line) + ", column " +
                       std::to_string(column) + ": " + ec.message()};
}

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
