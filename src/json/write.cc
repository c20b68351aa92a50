#include "json/write.h"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace deconflict::json {
namespace {

namespace bj = boost::json;

// Exact powers of ten as doubles (10^0 .. 10^15 are exactly representable).
constexpr std::array<double, 16> kPow10 = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

bool IsScalar(const bj::value& v) { return !v.is_object() && !v.is_array(); }

void Newline(int depth, std::string* out) {
  *out += '\n';
  out->append(static_cast<size_t>(depth) * 2, ' ');
}

// True if `s` has a byte that JSON must escape: a control character, '"' or '\\'. Eight bytes at
// a time (the "has a byte less than n" test of Bit Twiddling Hacks, exact as a yes/no answer).
bool NeedsEscape(bj::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  const auto has_less = [](uint64_t x, uint64_t n) { return (x - kOnes * n) & ~x & kHighs; };
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    if (has_less(x, 0x20) | has_less(x ^ (kOnes * '"'), 1) | has_less(x ^ (kOnes * '\\'), 1)) {
      return true;
    }
  }
  for (; n > 0; ++p, --n) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

template <typename Int>
void AppendInteger(Int x, std::string* out) {
  char buf[24];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, x);
  out->append(buf, r.ptr);
}

void WriteValue(const bj::value& v, bool pretty, int depth, std::string* out) {
  switch (v.kind()) {
    case bj::kind::null:
      *out += "null";
      break;
    case bj::kind::bool_:
      *out += v.get_bool() ? "true" : "false";
      break;
    case bj::kind::int64:
      AppendInteger(v.get_int64(), out);
      break;
    case bj::kind::uint64:
      AppendInteger(v.get_uint64(), out);
      break;
    case bj::kind::double_:
      AppendDouble(v.get_double(), out);
      break;
    case bj::kind::string:
      AppendString(std::string_view(v.get_string()), out);
      break;
    case bj::kind::array: {
      const bj::array& a = v.get_array();
      if (a.empty()) {
        *out += "[]";
        break;
      }
      bool one_line = !pretty || a.size() <= 8;
      for (const bj::value& e : a) one_line = one_line && IsScalar(e);
      *out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i > 0) *out += pretty && one_line ? ", " : ",";
        if (pretty && !one_line) Newline(depth + 1, out);
        WriteValue(a[i], pretty, depth + 1, out);
      }
      if (pretty && !one_line) Newline(depth, out);
      *out += ']';
      break;
    }
    case bj::kind::object: {
      const bj::object& o = v.get_object();
      if (o.empty()) {
        *out += "{}";
        break;
      }
      *out += '{';
      bool first = true;
      for (const bj::key_value_pair& kv : o) {
        if (!first) *out += ',';
        first = false;
        if (pretty) Newline(depth + 1, out);
        AppendString(std::string_view(kv.key()), out);
        *out += pretty ? ": " : ":";
        WriteValue(kv.value(), pretty, depth + 1, out);
      }
      if (pretty) Newline(depth, out);
      *out += '}';
      break;
    }
  }
}

}  // namespace

double RoundTo(double x, int decimals) {
  if (!std::isfinite(x) || decimals < 0 || decimals >= static_cast<int>(kPow10.size())) return x;
  const double k = kPow10[static_cast<size_t>(decimals)];
  const double scaled = x * k;
  if (std::fabs(scaled) >= 0x1p52) return x;  // no digits beyond that place
  const double r = std::round(scaled) / k;
  return r == 0 ? 0.0 : r;  // no -0
}

void AppendDouble(double x, std::string* out) {
  if (!std::isfinite(x)) {
    *out += "null";
    return;
  }
  // The longest fixed-notation shortest form is 327 characters (-2.2250738585072009e-308).
  char buf[400];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed);
  out->append(buf, r.ptr);
  // An integral double keeps a decimal point, so that it reads back as a double, as Boost's
  // "1.15E3" does: a value written here and parsed again equals the original, kinds included.
  if (std::find(buf, r.ptr, '.') == r.ptr) *out += ".0";
}

void AppendString(std::string_view s, std::string* out) {
  // Text with nothing to escape (the common case: ids, names, keys) is copied between quotes;
  // anything else is escaped by Boost.JSON, which escapes exactly the quote, the backslash and
  // the control characters.
  const bj::string_view sv(s.data(), s.size());
  if (NeedsEscape(sv)) {
    *out += bj::serialize(sv);
    return;
  }
  out->reserve(out->size() + s.size() + 2);
  *out += '"';
  out->append(s.data(), s.size());
  *out += '"';
}

std::string WriteDouble(double x) {
  std::string out;
  AppendDouble(x, &out);
  return out;
}

std::string Write(const boost::json::value& v) {
  std::string out;
  out.reserve(256);
  WriteValue(v, /*pretty=*/false, 0, &out);
  return out;
}

std::string WritePretty(const boost::json::value& v) {
  std::string out;
  WriteValue(v, /*pretty=*/true, 0, &out);
  return out;
}

}  // namespace deconflict::json
