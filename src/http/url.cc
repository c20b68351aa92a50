#include "http/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/scheme.hpp>
#include <charconv>

#include "http/uri.h"

namespace deconflict::http {

namespace {

namespace urls = boost::urls;

enum class Schemes { kAny, kWebOnly };

Status Invalid(std::string_view reason, std::string_view url) {
  return Status::InvalidArgument(std::string(reason) + ": " + std::string(url));
}

Result<Url> Parse(std::string_view text, Schemes schemes) {
  if (std::string reason = internal::ForbiddenByte(text); !reason.empty()) {
    return Status::InvalidArgument("URL holds a " + reason);
  }
  urls::result<urls::url_view> u = urls::parse_uri(text);
  if (!u) {
    if (text.find("://") == std::string_view::npos) return Invalid("URL without a scheme", text);
    if (!urls::make_pct_string_view(text)) {
      return Invalid("malformed percent-escape ('%' must be followed by two hex digits)", text);
    }
    return Invalid("malformed URL (" + u.error().message() + ")", text);
  }
  Url out;
  switch (u->scheme_id()) {
    case urls::scheme::http:
      out.tls = false;
      break;
    case urls::scheme::https:
      out.tls = true;
      break;
    case urls::scheme::ws:
    case urls::scheme::wss:
      if (schemes == Schemes::kWebOnly) {
        return Status::InvalidArgument("'" + std::string(text) +
                                       "' is not an http:// or https:// URL");
      }
      out.tls = u->scheme_id() == urls::scheme::wss;
      break;
    default:
      return Invalid("unsupported URL scheme '" + std::string(u->scheme()) + "'", text);
  }
  if (!u->has_authority() || u->encoded_host().empty()) return Invalid("URL without a host", text);
  // After an authority the path is empty or starts with '/' (RFC 3986 path-abempty), but Boost.URL
  // 1.81 lets "http://h:8o" through as port "8" and path "o".
  if (const urls::pct_string_view path = u->encoded_path(); !path.empty() && path[0] != '/') {
    return Invalid("bad host or port", text);
  }
  if (u->has_userinfo()) return Invalid("user information in URLs is not supported", text);
  switch (u->host_type()) {
    case urls::host_type::name:
      if (u->encoded_host().find('%') != urls::string_view::npos) {
        return Invalid("percent-escapes in host names are not supported", text);
      }
      break;
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      break;
    default:
      return Invalid("unsupported host (IPvFuture)", text);
  }
  out.host = u->host_address();  // an IPv6 address without its brackets
  out.port = out.tls ? 443 : 80;
  if (const urls::string_view port = u->port(); !port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) {
      return Invalid("bad port (must be 1-65535)", text);
    }
    out.port = static_cast<uint16_t>(p);
  }
  out.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) out.target += "?" + std::string(u->encoded_query());
  return out;
}

}  // namespace

Result<Url> ParseUrl(std::string_view url) { return Parse(url, Schemes::kAny); }

Result<Url> ParseWebUrl(std::string_view url) { return Parse(url, Schemes::kWebOnly); }

}  // namespace deconflict::http
