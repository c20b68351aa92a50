#include "http/sse_parser.h"

#include <charconv>

namespace deconflict::http::internal {

bool SseParser::Feed(std::string_view bytes, const std::function<bool(const SseEvent&)>& on_event) {
  if (!started_) {
    // Skip a UTF-8 BOM (which may itself arrive split).
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    line_.append(bytes);
    if (line_.size() < kBom.size() && kBom.substr(0, line_.size()) == line_) return true;
    started_ = true;
    std::string pending = std::move(line_);
    line_.clear();
    std::string_view rest = pending;
    if (rest.substr(0, kBom.size()) == kBom) rest.remove_prefix(kBom.size());
    return Feed(rest, on_event);
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      std::string line = std::move(line_);
      line_.clear();
      if (!Line(line, on_event)) return false;
      continue;
    }
    // Copy the run of ordinary bytes at once.
    const size_t end = bytes.find_first_of("\r\n", i);
    const size_t stop = end == std::string_view::npos ? bytes.size() : end;
    line_.append(bytes.substr(i, stop - i));
    i = stop - 1;
  }
  return true;
}

bool SseParser::Line(std::string_view line, const std::function<bool(const SseEvent&)>& on_event) {
  if (line.empty()) {  // dispatch
    if (!has_data_) {
      type_.clear();
      return true;
    }
    SseEvent e;
    e.id = last_id_;
    e.type = std::move(type_);
    e.data = std::move(data_);
    if (!e.data.empty() && e.data.back() == '\n') e.data.pop_back();
    data_.clear();
    type_.clear();
    has_data_ = false;
    return on_event(e);
  }
  if (line[0] == ':') return true;  // comment
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    type_ = value;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      int64_t id = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
      last_id_ = (ec == std::errc() && end == value.data() + value.size()) ? id : 0;
    }
  }
  return true;  // "retry" and unknown fields are ignored
}

}  // namespace deconflict::http::internal
