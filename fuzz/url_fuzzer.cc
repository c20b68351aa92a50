// Absolute URLs (src/http/url.h: ParseUrl, and ParseWebUrl, the check on every webhook and pager
// URL a party registers). Properties, for a URL that parses:
//   1. ParseWebUrl accepts exactly the http:// and https:// URLs ParseUrl accepts, with the
//      same result;
//   2. host is not empty, port is not 0, target starts with '/';
//   3. the URL rebuilt from the result ("scheme://host:port" + target, IPv6 in brackets) parses
//      to the same Url;
//   4. the target is a request target the server accepts (internal::ParseTarget).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/uri.h"
#include "http/url.h"

namespace http = deconflict::http;

namespace {

bool Same(const http::Url& a, const http::Url& b) {
  return a.tls == b.tls && a.host == b.host && a.port == b.port && a.target == b.target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string input(text);
  deconflict::Result<http::Url> u = http::ParseUrl(text);
  deconflict::Result<http::Url> web = http::ParseWebUrl(text);
  if (!u.ok()) {
    FUZZ_CHECK(!web.ok(), "ParseWebUrl accepts what ParseUrl refuses: " + input);
    return 0;
  }
  FUZZ_CHECK(!u->host.empty() && u->port != 0, input);
  FUZZ_CHECK(!u->target.empty() && u->target[0] == '/', input + " -> " + u->target);
  std::string scheme;
  for (char c : input.substr(0, input.find(':'))) scheme += static_cast<char>(c | 0x20);
  if (scheme == "http" || scheme == "https") {
    FUZZ_CHECK(web.ok() && Same(*u, *web), input);
  } else {
    FUZZ_CHECK(!web.ok(), "ParseWebUrl accepts a " + scheme + " URL: " + input);
  }

  const std::string host = u->host.find(':') != std::string::npos ? "[" + u->host + "]" : u->host;
  const std::string rebuilt = scheme + "://" + host + ":" + std::to_string(u->port) + u->target;
  deconflict::Result<http::Url> again = http::ParseUrl(rebuilt);
  FUZZ_CHECK(again.ok(), input + " -> " + rebuilt + ": " + again.status().message());
  FUZZ_CHECK(Same(*u, *again), input + " -> " + rebuilt);

  deconflict::Result<http::internal::Target> t = http::internal::ParseTarget(u->target);
  FUZZ_CHECK(t.ok(), input + ": target " + u->target + ": " + t.status().message());
  return 0;
}
