#include "cli/json_writer.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace deconflict::cli {
namespace {

namespace json = boost::json;

void WriteDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    *out += "null";
    return;
  }
  if (d == 0) d = 0;  // no "-0"
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, r.ptr);
}

bool IsScalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

void Newline(int depth, std::string* out) {
  *out += '\n';
  out->append(static_cast<size_t>(depth) * 2, ' ');
}

void Write(const json::value& v, bool pretty, int depth, std::string* out) {
  switch (v.kind()) {
    case json::kind::null:
      *out += "null";
      break;
    case json::kind::bool_:
      *out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      *out += std::to_string(v.get_int64());
      break;
    case json::kind::uint64:
      *out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      WriteDouble(v.get_double(), out);
      break;
    case json::kind::string:
      *out += json::serialize(v);
      break;
    case json::kind::array: {
      const json::array& a = v.get_array();
      if (a.empty()) {
        *out += "[]";
        break;
      }
      bool inline_array = !pretty || a.size() <= 8;
      for (const json::value& e : a) inline_array = inline_array && IsScalar(e);
      *out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) *out += inline_array && pretty ? ", " : ",";
        if (pretty && !inline_array) Newline(depth + 1, out);
        Write(a[i], pretty, depth + 1, out);
      }
      if (pretty && !inline_array) Newline(depth, out);
      *out += ']';
      break;
    }
    case json::kind::object: {
      const json::object& o = v.get_object();
      if (o.empty()) {
        *out += "{}";
        break;
      }
      *out += '{';
      bool first = true;
      for (const json::key_value_pair& kv : o) {
        if (!first) *out += ',';
        first = false;
        if (pretty) Newline(depth + 1, out);
        *out += json::serialize(json::value(kv.key()));
        *out += pretty ? ": " : ":";
        Write(kv.value(), pretty, depth + 1, out);
      }
      if (pretty) Newline(depth, out);
      *out += '}';
      break;
    }
  }
}

}  // namespace

std::string WriteJson(const boost::json::value& v, bool pretty) {
  std::string out;
  Write(v, pretty, 0, &out);
  return out;
}

}  // namespace deconflict::cli
