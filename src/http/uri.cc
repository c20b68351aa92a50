#include "http/uri.h"

#include <strings.h>

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <cctype>
#include <cstdio>

#include "http/server.h"

namespace deconflict::http {

namespace urls = boost::urls;

std::string Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

namespace internal {

namespace {

// What an origin-form target may hold unescaped besides the '%' of escapes: path and query
// characters (RFC 3986 pchar, '/', '?').
constexpr urls::grammar::lut_chars kTargetChars = urls::pchars + '/' + '?';

// `target` with every byte that is neither in kTargetChars nor a '%' percent-encoded.
std::string EscapeUnsafe(std::string_view target) {
  std::string out;
  for (size_t start = 0;;) {
    const size_t pct = target.find('%', start);
    out += urls::encode(target.substr(start, pct - start), kTargetChars);
    if (pct == std::string_view::npos) return out;
    out += '%';
    start = pct + 1;
  }
}

// Decodes one escape-checked part (see CheckEscapes).
std::string Decode(std::string_view encoded) {
  return urls::make_pct_string_view(encoded)->decode();
}

// InvalidArgument naming `where` when `part` holds a '%' not followed by two hex digits.
Status CheckEscapes(std::string_view part, std::string_view where) {
  if (!urls::make_pct_string_view(part)) {
    return Status::InvalidArgument("malformed percent-escape in " + std::string(where) +
                                   " ('%' must be followed by two hex digits)");
  }
  return Status::Ok();
}

}  // namespace

std::string ForbiddenByte(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ') return "space at offset " + std::to_string(i);
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      return "control character " + std::string(hex) + " at offset " + std::to_string(i);
    }
  }
  return "";
}

std::string ForbiddenHeaderField(std::string_view name, std::string_view value) {
  // tchar of RFC 9110 §5.6.2.
  static constexpr std::string_view kTokenSymbols = "!#$%&'*+-.^_`|~";
  const auto is_tchar = [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           kTokenSymbols.find(static_cast<char>(c)) != std::string_view::npos;
  };
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_tchar)) {
    std::string shown;
    for (char c : name.substr(0, 40)) shown += is_tchar(static_cast<unsigned char>(c)) ? c : '?';
    return "header name '" + shown + "' is not a token";
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      return "header '" + std::string(name) + "' value holds a control character " + hex +
             " at offset " + std::to_string(i);
    }
  }
  return "";
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty() || path == "/") return segments;
  std::string_view rest = path.substr(1);
  for (;;) {
    const size_t slash = rest.find('/');
    segments.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return segments;
}

Result<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target[0] != '/') {
    return Status::InvalidArgument("request target must start with '/'");
  }
  if (std::string reason = ForbiddenByte(target); !reason.empty()) {
    return Status::InvalidArgument("request target holds a " + reason);
  }
  // Fragments are never sent by clients; tolerate one by ignoring it.
  target = target.substr(0, target.find('#'));
  // Browsers leave some characters RFC 3986 forbids unescaped ('{', '|', '[', '^', non-ASCII
  // bytes, ...): escape them, so that they decode to themselves.
  const std::string normal = EscapeUnsafe(target);
  const size_t q = normal.find('?');
  if (Status s = CheckEscapes(std::string_view(normal).substr(0, q), "path"); !s.ok()) return s;
  if (q != std::string::npos) {
    if (Status s = CheckEscapes(std::string_view(normal).substr(q + 1), "query"); !s.ok()) {
      return s;
    }
  }
  urls::result<urls::url_view> url = urls::parse_origin_form(normal);
  if (!url) return Status::InvalidArgument("malformed request target: " + url.error().message());

  Target t;
  t.path = url->path();
  // Split the raw path, then decode each segment ("a%2Fb" is one segment). Not url->segments(),
  // which hides a leading "/." segment.
  for (const std::string& raw : SplitPath(url->encoded_path())) t.segments.push_back(Decode(raw));
  // By value: the iterator yields decoded `param`s (owning); a param_view would dangle.
  for (const urls::param p : url->params(urls::encoding_opts(/*space_as_plus=*/true))) {
    if (p.key.empty() && !p.has_value) continue;  // "a=1&&b=2", or a bare "?"
    t.query[std::string(p.key)] = std::string(p.value);
  }
  return t;
}

}  // namespace internal
}  // namespace deconflict::http
