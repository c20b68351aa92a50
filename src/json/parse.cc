#include "json/parse.h"

#include <boost/json/stream_parser.hpp>
#include <cmath>
#include <string>

namespace deconflict::json {
namespace {

// Boost 1.81 reads a zero with a large exponent ("0e400", "-0.0E999") as NaN (0 times an
// infinite power of ten). No other JSON number gives NaN: each one found becomes the zero it is.
void ZeroTheNaNs(boost::json::value* v) {
  switch (v->kind()) {
    case boost::json::kind::double_:
      if (std::isnan(v->get_double())) *v = std::copysign(0.0, v->get_double());
      break;
    case boost::json::kind::array:
      for (boost::json::value& e : v->get_array()) ZeroTheNaNs(&e);
      break;
    case boost::json::kind::object:
      for (auto& m : v->get_object()) ZeroTheNaNs(&m.value());
      break;
    default:
      break;
  }
}

// True if some number in the JSON text `text` may have an exponent: a digit right before an 'e' or
// 'E' (an exponent always follows a digit). Keys such as "type" have letters before theirs, so a
// plans file without exponents needs no walk of its tree.
bool MayHaveExponent(std::string_view text) {
  for (size_t i = text.find_first_of("eE", 1); i != std::string_view::npos;
       i = text.find_first_of("eE", i + 1)) {
    if (text[i - 1] >= '0' && text[i - 1] <= '9') return true;
  }
  return false;
}

}  // namespace

std::optional<Issue> Parse(std::string_view text, boost::json::value* out) {
  boost::json::stream_parser parser;
  parser.reset(out->storage());
  boost::system::error_code ec;
  size_t offset = parser.write(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
    offset = text.size();
  }
  if (!ec) {
    *out = parser.release();  // the same storage: moved, not copied
    // Only a number with an exponent can read as NaN.
    if (MayHaveExponent(text)) ZeroTheNaNs(out);
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
