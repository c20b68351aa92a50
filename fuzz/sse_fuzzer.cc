// The Server-Sent Events parser (src/http/sse_parser.h), which `deconflict watch` runs on the
// server's stream. The first input byte chooses chunk sizes; the rest is the stream.
// Properties:
//   1. the events are the same whether the stream arrives at once, in chunks of the chosen sizes,
//      or one byte at a time (a CRLF or a BOM split across chunks counts once);
//   2. when on_event returns false at the first event, Feed returns false and no other event is
//      delivered.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "http/sse_parser.h"

namespace {

using deconflict::http::SseEvent;
using deconflict::http::internal::SseParser;

std::string Show(const std::vector<SseEvent>& events) {
  std::string s;
  for (const SseEvent& e : events) {
    s += "{" + std::to_string(e.id) + " '" + e.type + "' '" + e.data + "'} ";
  }
  return s;
}

bool Equal(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].type != b[i].type || a[i].data != b[i].data) return false;
  }
  return true;
}

std::vector<SseEvent> FeedInChunks(std::string_view stream, size_t seed) {
  std::vector<SseEvent> events;
  SseParser p;
  auto collect = [&](const SseEvent& e) {
    events.push_back(e);
    return true;
  };
  size_t i = 0;
  while (i < stream.size()) {
    seed = seed * 1103515245 + 12345;
    const size_t n = 1 + (seed >> 8) % 7;  // 1..7 bytes
    FUZZ_CHECK(p.Feed(stream.substr(i, n), collect), "Feed returned false");
    i += n;
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t seed = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::vector<SseEvent> whole;
  SseParser p;
  FUZZ_CHECK(p.Feed(stream,
                    [&](const SseEvent& e) {
                      whole.push_back(e);
                      return true;
                    }),
             "Feed returned false");

  const std::vector<SseEvent> chunked = FeedInChunks(stream, seed);
  FUZZ_CHECK(Equal(whole, chunked), "whole: " + Show(whole) + "\n  chunked: " + Show(chunked));

  std::vector<SseEvent> bytewise;
  SseParser b;
  for (char c : stream) {
    b.Feed(std::string_view(&c, 1), [&](const SseEvent& e) {
      bytewise.push_back(e);
      return true;
    });
  }
  FUZZ_CHECK(Equal(whole, bytewise), "whole: " + Show(whole) + "\n  bytewise: " + Show(bytewise));

  int calls = 0;
  SseParser s;
  const bool went_on = s.Feed(stream, [&](const SseEvent&) {
    ++calls;
    return false;
  });
  FUZZ_CHECK(calls == (whole.empty() ? 0 : 1), "events after on_event returned false");
  FUZZ_CHECK(went_on == whole.empty(), "Feed's result");
  return 0;
}
