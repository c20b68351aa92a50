// Internal to the http module: request-target parsing and percent-decoding.
//
//   Result<Target> t = ParseTarget("/v1/plans/a%20b?status=active");
//   // t->path == "/v1/plans/a b", t->segments == {"v1", "plans", "a b"}, t->query["status"]
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace deconflict::http::internal {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings). Returns
// false on a malformed escape ("%", "%4", "%zz"); *out is then unspecified.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

// The path segments of an already decoded path: "/" -> {}, "/a/b" -> {"a", "b"},
// "/a/" -> {"a", ""}. REQUIRES: path starts with '/'.
std::vector<std::string> SplitPath(std::string_view path);

struct Target {
  std::string path;                          // decoded, without the query
  std::vector<std::string> segments;         // each decoded separately ("a%2Fb" stays one)
  std::map<std::string, std::string> query;  // decoded; the last of repeated names wins
};
// Parses an origin-form request target ("/path?query"). InvalidArgument when it does not start
// with '/' or holds a malformed escape.
Result<Target> ParseTarget(std::string_view target);

}  // namespace deconflict::http::internal
