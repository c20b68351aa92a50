// Internal to the http module: origin-form request targets ("/path?query"), parsed and decoded by
// Boost.URL.
//
//   Result<Target> t = ParseTarget("/v1/plans/a%20b?status=active");
//   // t->path == "/v1/plans/a b", t->segments == {"v1", "plans", "a b"}, t->query["status"]
//
// Absolute URLs ("https://host/path") are url.h's. Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace deconflict::http::internal {

// The segments of a path, split at every '/' and not decoded: "/" -> {}, "/a/b" -> {"a", "b"},
// "/a/" -> {"a", ""}, "//a" -> {"", "a"}. Used for route patterns and for raw paths before
// their segments are decoded. REQUIRES: path starts with '/'.
std::vector<std::string> SplitPath(std::string_view path);

// Why `text` cannot be a URL or request target as it stands, when it holds a byte that may never
// appear unescaped in one: "control character 0x0D at offset 6" (0x00-0x1F, 0x7F) or "space at
// offset 6"; "" when it holds none. The byte itself is never copied into the reason.
std::string ForbiddenByte(std::string_view text);

// Why a header field cannot be sent as given: a name that is not an RFC 9110 token ("header name
// 'X Y' is not a token"), or a value holding a control character other than HTAB, such as CR or
// LF that would end the field and inject another ("header 'X-A' value holds a control character
// 0x0D at offset 3"); "" when the field is well formed. A client checks every field it sends.
std::string ForbiddenHeaderField(std::string_view name, std::string_view value);

struct Target {
  std::string path;                          // decoded, without the query
  std::vector<std::string> segments;         // each decoded separately ("a%2Fb" stays one)
  std::map<std::string, std::string> query;  // decoded; the last of repeated names wins
};

// Parses an origin-form request target (RFC 9112 section 3.2.1). Path and query are decoded
// (%XX escapes; in the query also '+' as a space); a query item without '=' has the value "";
// empty items ("a=1&&b=2") are skipped. A fragment ("#...") is ignored. Bytes RFC 3986 forbids
// but WHATWG clients send unescaped ('{', '|', '[', non-ASCII, ...) are accepted as themselves.
// InvalidArgument, with the reason, when the target does not start with '/', holds a control
// character (0x00-0x1F, 0x7F) or a space, or a malformed escape ('%' not followed by two hex
// digits: "%", "%4", "%zz").
Result<Target> ParseTarget(std::string_view target);

}  // namespace deconflict::http::internal
