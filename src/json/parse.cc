#include "json/parse.h"

#include <boost/json/stream_parser.hpp>
#include <string>

namespace deconflict::json {

std::optional<Issue> Parse(std::string_view text, boost::json::value* out) {
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

}  // namespace deconflict::json
