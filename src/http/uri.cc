#include "http/uri.h"

#include <strings.h>

#include "http/server.h"

namespace deconflict::http {

std::string Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

namespace internal {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
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
  Target t;
  const size_t q = target.find('?');
  const std::string_view raw_path = target.substr(0, q);
  // Fragments are never sent by clients; tolerate one by ignoring it.
  std::string_view raw_query = q == std::string_view::npos ? "" : target.substr(q + 1);
  if (const size_t hash = raw_query.find('#'); hash != std::string_view::npos) {
    raw_query = raw_query.substr(0, hash);
  }

  std::string decoded;
  if (!PercentDecode(raw_path, false, &t.path)) {
    return Status::InvalidArgument("malformed percent-escape in path");
  }
  for (const std::string& raw : SplitPath(raw_path)) {
    if (!PercentDecode(raw, false, &decoded)) {
      return Status::InvalidArgument("malformed percent-escape in path");
    }
    t.segments.push_back(decoded);
  }

  while (!raw_query.empty()) {
    const size_t amp = raw_query.find('&');
    const std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? "" : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name, value;
    if (!PercentDecode(pair.substr(0, eq), true, &name) ||
        (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))) {
      return Status::InvalidArgument("malformed percent-escape in query");
    }
    t.query[std::move(name)] = std::move(value);
  }
  return t;
}

}  // namespace internal
}  // namespace deconflict::http
