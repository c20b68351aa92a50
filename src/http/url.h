// Absolute URLs the clients connect to (client.h), parsed and checked by Boost.URL; and the one
// check for the URL of a webhook or a pager that the server will POST to.
//
//   Result<http::Url> u = http::ParseWebUrl("https://ops.example/hooks/deconflict");
//   if (!u.ok()) return u.status();   // InvalidArgument, e.g. "URL: unsupported scheme 'ftp'"
//
// Thread-safety: pure functions; Url is a value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace deconflict::http {

struct Url {
  bool tls = false;    // https:// or wss://
  std::string host;    // a name or an IP address; an IPv6 address without its brackets ("::1")
  uint16_t port = 0;   // the URL's port, else the default: 80 (http, ws) or 443 (https, wss)
  std::string target;  // the request target: the path, still percent-encoded, and "?query" if
                       // any; "/" when the URL has no path. Never a fragment.
};

// Parses an absolute http://, https://, ws:// or wss:// URL (RFC 3986; the scheme is
// case-insensitive; a fragment is dropped). On success, the Url (see its fields). On failure,
// InvalidArgument with the reason, one of: a control character (CR, LF, ...) or a space anywhere;
// no scheme; another scheme; no host; user information ("user:pass@"); a percent-escape in the host
// name; an IPvFuture host; a port that is not 1-65535 (an empty port, "http://h:/", means the
// default); a malformed percent-escape; anything else RFC 3986 forbids. The reason quotes the URL
// unless it holds a control character or a space.
Result<Url> ParseUrl(std::string_view url);

// The URL of a webhook or of a contact's pager, to which the server POSTs notices: what ParseUrl
// accepts, restricted to the http:// and https:// schemes. On success, the Url to give to Client.
// On failure, InvalidArgument whose message is the reason (as for ParseUrl, or "'ws://...' is not
// an http:// or https:// URL"); callers prefix it with the field, e.g. "--webhook: ...".
Result<Url> ParseWebUrl(std::string_view url);

}  // namespace deconflict::http
