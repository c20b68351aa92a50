// json::Parse (src/json/parse.h) on arbitrary bytes. Properties, for text that parses:
//   1. Write(v) parses again, to a value equal to v: same kinds, same strings, keys in the same
//      order, integers exact, doubles within 4 units in the last place (parse.h: Boost 1.81 may
//      read a 17-digit number up to two units off); a number beyond the double range, which
//      parses as an infinity, comes back as null (write.h: JSON has no infinity).
//   2. WritePretty(v) parses again to a value equal to v in the same sense.
// For text that does not parse: the issue has an empty path and names a line and column.
#include <boost/json.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "json/parse.h"
#include "json/write.h"

namespace {

namespace bj = boost::json;

bool NearlyEqual(double a, double b) {
  if (a == b) return true;
  if (std::isnan(a) || std::isnan(b)) return false;
  double x = a;
  for (int i = 0; i < 4; ++i) x = std::nextafter(x, b);
  return x == b;
}

// "" when a and b are equivalent (property 1), else where and how they first differ.
std::string Difference(const bj::value& a, const bj::value& b, const std::string& path = "$") {
  if (a.is_double() && std::isinf(a.get_double()) && b.is_null()) return "";
  const std::string here = path + ": " + bj::serialize(a) + " vs " + bj::serialize(b);
  if (a.kind() != b.kind()) return here;
  switch (a.kind()) {
    case bj::kind::null:
      return "";
    case bj::kind::bool_:
      return a.get_bool() == b.get_bool() ? "" : here;
    case bj::kind::int64:
      return a.get_int64() == b.get_int64() ? "" : here;
    case bj::kind::uint64:
      return a.get_uint64() == b.get_uint64() ? "" : here;
    case bj::kind::double_:
      return NearlyEqual(a.get_double(), b.get_double()) ? "" : here;
    case bj::kind::string:
      return a.get_string() == b.get_string() ? "" : here;
    case bj::kind::array: {
      const bj::array& x = a.get_array();
      const bj::array& y = b.get_array();
      if (x.size() != y.size()) return path + ": sizes differ";
      for (size_t i = 0; i < x.size(); ++i) {
        std::string d = Difference(x[i], y[i], path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case bj::kind::object: {
      const bj::object& x = a.get_object();
      const bj::object& y = b.get_object();
      if (x.size() != y.size()) return path + ": sizes differ";
      auto i = x.begin();
      auto j = y.begin();
      for (; i != x.end(); ++i, ++j) {
        if (i->key() != j->key()) return path + ": keys differ";
        std::string d = Difference(i->value(), j->value(), path + "." + std::string(i->key()));
        if (!d.empty()) return d;
      }
      return "";
    }
  }
  return here;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  bj::value v;
  if (std::optional<deconflict::Issue> bad = deconflict::json::Parse(text, &v)) {
    FUZZ_CHECK(bad->path.empty(), bad->path);
    FUZZ_CHECK(bad->reason.find("line ") != std::string::npos, bad->reason);
    return 0;
  }
  const std::string written = deconflict::json::Write(v);
  bj::value again;
  std::optional<deconflict::Issue> bad = deconflict::json::Parse(written, &again);
  FUZZ_CHECK(!bad, "Write(Parse(x)) does not parse: " + written);
  const std::string diff = Difference(v, again);
  FUZZ_CHECK(diff.empty(), "Parse(Write(v)) != v at " + diff + "\n  " + written);

  const std::string pretty = deconflict::json::WritePretty(v);
  bj::value from_pretty;
  bad = deconflict::json::Parse(pretty, &from_pretty);
  FUZZ_CHECK(!bad, "WritePretty(Parse(x)) does not parse: " + pretty);
  const std::string pretty_diff = Difference(v, from_pretty);
  FUZZ_CHECK(pretty_diff.empty(), "Parse(WritePretty(v)) != v at " + pretty_diff + "\n  " + pretty);
  return 0;
}
