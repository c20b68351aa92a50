#include <algorithm>
#include <stdexcept>

#include "http/server.h"
#include "http/uri.h"

namespace deconflict::http {

namespace {

bool IsParam(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  if (pattern.empty() || pattern[0] != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  std::vector<std::string> segments = internal::SplitPath(pattern);
  for (const std::string& seg : segments) {
    const bool has_brace = seg.find_first_of("{}") != std::string::npos;
    if (has_brace &&
        (!IsParam(seg) || seg.size() == 2 || seg.find_first_of("{}", 1) != seg.size() - 1)) {
      throw std::invalid_argument("bad route pattern segment '" + seg + "' in " + pattern);
    }
  }
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
  split_.push_back(std::move(segments));
}

const Router::Route* Router::Match(std::string_view method, std::string_view path,
                                   std::map<std::string, std::string>* params,
                                   std::vector<std::string>* allowed) const {
  return MatchSegments(method, internal::SplitPath(path), params, allowed);
}

const Router::Route* Router::MatchSegments(std::string_view method,
                                           const std::vector<std::string>& segments,
                                           std::map<std::string, std::string>* params,
                                           std::vector<std::string>* allowed) const {
  if (allowed != nullptr) allowed->clear();
  std::map<std::string, std::string> found;
  for (size_t r = 0; r < routes_.size(); ++r) {
    const std::vector<std::string>& pattern = split_[r];
    if (pattern.size() != segments.size()) continue;
    found.clear();
    bool match = true;
    for (size_t i = 0; i < pattern.size() && match; ++i) {
      if (IsParam(pattern[i])) {
        if (segments[i].empty()) {
          match = false;
        } else {
          found[pattern[i].substr(1, pattern[i].size() - 2)] = segments[i];
        }
      } else {
        match = pattern[i] == segments[i];
      }
    }
    if (!match) continue;
    if (routes_[r].method == method) {
      if (params != nullptr) *params = std::move(found);
      return &routes_[r];
    }
    if (allowed != nullptr &&
        std::find(allowed->begin(), allowed->end(), routes_[r].method) == allowed->end()) {
      allowed->push_back(routes_[r].method);
    }
  }
  return nullptr;
}

}  // namespace deconflict::http
