// Internal to the http module: an incremental Server-Sent Events parser (the WHATWG "event stream
// interpretation"), fed with bytes as they arrive in chunks of any size.
//
//   SseParser p;
//   p.Feed(chunk, [](const SseEvent& e) { Print(e); return true; });
//
// Lines end with CRLF, LF or CR (a CRLF split across chunks counts once). ':' lines are comments.
// Fields: "data" (several lines join with '\n'), "event" (SseEvent::type; "" when absent), "id"
// (kept for later events, as the spec's last event id; a non-numeric id reads as 0), "retry"
// (ignored). A blank line dispatches the event if it has data. A leading UTF-8 BOM is skipped.
//
// Thread-safety: not thread-safe; one stream per parser.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/server.h"

namespace deconflict::http::internal {

class SseParser {
 public:
  // Parses `bytes`, calling on_event for each complete event. Returns false as soon as on_event
  // returns false (the rest of `bytes` is then dropped).
  bool Feed(std::string_view bytes, const std::function<bool(const SseEvent&)>& on_event);

 private:
  bool Line(std::string_view line, const std::function<bool(const SseEvent&)>& on_event);

  std::string line_;       // the incomplete current line
  bool after_cr_ = false;  // the last byte was a CR: a following LF belongs to it
  bool started_ = false;   // past a possible BOM
  std::string data_;       // data lines, each followed by '\n'
  bool has_data_ = false;
  std::string type_;
  int64_t last_id_ = 0;
};

}  // namespace deconflict::http::internal
