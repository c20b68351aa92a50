// Request targets (src/http/uri.h, internal::ParseTarget): the first thing the server parses of
// every request. Properties:
//   1. a target holding a forbidden byte (ForbiddenByte not empty) or not starting with '/' is
//      refused;
//   2. an accepted target's decoded path starts with '/', and it has one decoded segment per
//      segment of the raw path (SplitPath of the text before '?' or '#').
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/uri.h"

namespace http = deconflict::http::internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  deconflict::Result<http::Target> t = http::ParseTarget(text);
  const std::string input(text);
  if (!http::ForbiddenByte(text).empty() || text.empty() || text[0] != '/') {
    FUZZ_CHECK(!t.ok(), "accepted: " + input);
    return 0;
  }
  if (!t.ok()) return 0;
  FUZZ_CHECK(!t->path.empty() && t->path[0] == '/', input + " -> path " + t->path);
  const std::string_view raw = text.substr(0, text.find_first_of("?#"));
  FUZZ_CHECK(t->segments.size() == http::SplitPath(raw).size(), input);
  return 0;
}
