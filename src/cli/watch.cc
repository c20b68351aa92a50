#include "cli/watch.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <csignal>
#include <iostream>
#include <thread>
#include <vector>

#include "base/time.h"
#include "cli/output.h"
#include "http/client.h"
#include "json/write.h"

namespace deconflict::cli {
namespace {

namespace json = boost::json;

// Set by SIGINT/SIGTERM while RunWatch runs.
volatile std::sig_atomic_t g_signalled = 0;

extern "C" void OnStopSignal(int) { g_signalled = 1; }

// Installs the stop handlers; restores the previous ones when destroyed.
class StopSignals {
 public:
  StopSignals() {
    g_signalled = 0;
    struct sigaction sa {};
    sa.sa_handler = OnStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

const json::object* ObjectAt(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const json::value* v = o->if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

std::string StringAt(const json::object* o, std::string_view key) {
  if (o == nullptr) return "";
  const json::value* v = o->if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

std::optional<double> NumberAt(const json::object* o, std::string_view key) {
  if (o == nullptr) return std::nullopt;
  const json::value* v = o->if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

// A parsed RFC 3339 time as "YYYY-MM-DDTHH:MM:SSZ" (rounded to the second); nullopt if the text
// is not one (missing, "infinity", ...).
std::optional<std::string> Canonical(const std::string& text) {
  if (text.empty()) return std::nullopt;
  Result<TimePoint> t = ParseRfc3339(text);
  if (!t.ok() || !t->is_finite()) return std::nullopt;
  return FormatRfc3339(*t);
}

// "09:16" (or "09:16:30" when the seconds are not zero), preceded by "YYYY-MM-DD " when the
// date is not `reference_date`.
std::string ShortTime(const std::string& canonical, const std::string& reference_date) {
  std::string out;
  if (canonical.compare(0, 10, reference_date) != 0) out = canonical.substr(0, 10) + " ";
  out += canonical.substr(11, 5);
  if (canonical.compare(17, 2, "00") != 0) out += canonical.substr(16, 3);
  return out;
}

// "US-PATROL-1" (the callsign), else "US us-patrol-1" (party and, if shown, plan), else "US".
std::string SideLabel(const json::value& side) {
  const json::object* s = side.if_object();
  if (s == nullptr) return "?";
  if (std::string callsign = StringAt(s, "callsign"); !callsign.empty()) return callsign;
  std::string label = StringAt(s, "party");
  if (std::string plan = StringAt(s, "plan"); !plan.empty()) {
    label += (label.empty() ? "" : " ") + plan;
  }
  return label.empty() ? "?" : label;
}

std::string Metres(double m) {
  return FormatThousands(m, std::fabs(m) < 10 && m != std::round(m) ? 1 : 0) + " m";
}

// Compact data for events that are not about a conflict, at most ~160 characters.
std::string Compact(std::string_view data) {
  constexpr size_t kMax = 160;
  std::string s(data);
  if (s.size() > kMax) s = s.substr(0, kMax) + "…";
  return s;
}

// The event's time, canonical RFC 3339: the event's own "at", else its message's, else the
// conflict's last update, else when the line arrived (`received`).
std::string EventTime(const json::object* d, const json::object* message, const json::object* c,
                      TimePoint received) {
  std::optional<std::string> at = Canonical(StringAt(d, "at"));
  if (!at) at = Canonical(StringAt(message, "at"));
  if (!at) at = Canonical(StringAt(c, "updated_at"));
  if (!at) at = FormatRfc3339(received);
  return *at;
}

// Joins the parts of a line with two spaces.
std::string JoinParts(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "  ") + p;
  return out;
}

// Appends the conflict's window ("window 09:40–10:10Z", "window from ..."), if it has one; `date`
// (YYYY-MM-DD) is the line's date, which short times omit.
void AppendWindow(const json::object* c, const std::string& date, std::vector<std::string>& parts) {
  const json::object* w = ObjectAt(c, "window");
  if (w == nullptr) return;
  const std::string start_text = StringAt(w, "start"), end_text = StringAt(w, "end");
  const std::optional<std::string> start = Canonical(start_text), end = Canonical(end_text);
  if (start && end) {
    parts.push_back("window " + ShortTime(*start, date) + "–" +
                    ShortTime(*end, start->substr(0, 10)) + "Z");
  } else if (start) {
    parts.push_back("window from " + ShortTime(*start, date) + "Z");
  } else if (end) {
    parts.push_back("window until " + ShortTime(*end, date) + "Z");
  } else if (!start_text.empty() || !end_text.empty()) {
    parts.push_back("window always");
  }
}

// Appends what the conflict `c` is: its id, type and sides, window and minimum distance.
void AppendConflictSummary(const json::object* c, const std::string& date,
                           std::vector<std::string>& parts) {
  if (std::string cid = StringAt(c, "id"); !cid.empty()) parts.push_back(cid);
  std::string what = StringAt(c, "type");
  const json::value* sides = c->if_contains("sides");
  if (sides != nullptr && sides->is_array() && sides->as_array().size() == 2) {
    what += (what.empty() ? "" : " ") + SideLabel(sides->as_array()[0]) + " vs " +
            SideLabel(sides->as_array()[1]);
  }
  if (!what.empty()) parts.push_back(what);
  AppendWindow(c, date, parts);
  if (std::optional<double> m = NumberAt(c, "min_distance_m")) parts.push_back("min " + Metres(*m));
}

// Appends what the event of this `type` did to the conflict `c` (deadline, who acknowledged or
// accepted, escalation, message), then the conflict's resolution or status when it adds to that.
void AppendEventDetail(std::string_view type, const json::object* d, const json::object* c,
                       const json::object* message, const std::string& date,
                       std::vector<std::string>& parts) {
  const std::string status = StringAt(c, "status");
  const std::string by = StringAt(d, "by");
  if (type == "conflict.opened") {
    if (std::optional<std::string> deadline = Canonical(StringAt(c, "deadline"));
        deadline && (status.empty() || status == "open")) {
      parts.push_back("ack by " + ShortTime(*deadline, date) + "Z");
    }
  } else if (type == "conflict.acknowledged" && !by.empty()) {
    parts.push_back("acknowledged by " + by);
  } else if (type == "conflict.accepted" && !by.empty()) {
    parts.push_back("accepted as coordinated by " + by);
  } else if (type == "conflict.escalated") {
    std::string e = "escalated";
    if (std::string party = StringAt(d, "party"); !party.empty()) e += ": " + party;
    if (std::optional<double> level = NumberAt(d, "level")) {
      e += " level " + std::to_string(static_cast<int64_t>(*level));
    }
    parts.push_back(e);
  } else if (type == "message.posted" && message != nullptr) {
    std::string m = "message";
    if (std::string party = StringAt(message, "party"); !party.empty()) m += " from " + party;
    if (std::string kind = StringAt(message, "kind"); !kind.empty()) m += " (" + kind + ")";
    parts.push_back(m);
  }
  if (std::string resolution = StringAt(c, "resolution"); !resolution.empty()) {
    parts.push_back(status + (status.empty() ? "" : ": ") + resolution);
  } else if (!status.empty() && type != "conflict.opened" && type != "conflict." + status) {
    parts.push_back("status " + status);
  }
}

}  // namespace

std::string FormatEventLine(int64_t id, std::string_view type, std::string_view data_json,
                            TimePoint received) {
  boost::system::error_code ec;
  const json::value data = json::parse(data_json, ec);
  const json::object* d = ec ? nullptr : data.if_object();
  const json::object* c = ObjectAt(d, "conflict");
  const json::object* message = ObjectAt(d, "message");

  const std::string at = EventTime(d, message, c, received);
  const std::string date = at.substr(0, 10);

  std::vector<std::string> parts;
  std::string head = at + "  #" + std::to_string(id) + " " +
                     (type.empty() ? std::string("message") : std::string(type));
  parts.push_back(std::move(head));
  if (c == nullptr) {
    if (!data_json.empty()) parts.push_back(Compact(data_json));
    return JoinParts(parts);
  }
  AppendConflictSummary(c, date, parts);
  AppendEventDetail(type, d, c, message, date, parts);
  return JoinParts(parts);
}

std::string FormatEventJson(int64_t id, std::string_view type, std::string_view data_json) {
  boost::system::error_code ec;
  json::parse(data_json, ec);
  // The data verbatim: a consumer may hash or compare it.
  const std::string data =
      ec ? deconflict::json::Write(json::string(data_json)) : std::string(data_json);
  return "{\"id\":" + std::to_string(id) +
         ",\"type\":" + deconflict::json::Write(json::string(type)) + ",\"data\":" + data + "}";
}

std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds first,
                                       std::chrono::milliseconds max) {
  std::chrono::milliseconds d = first;
  for (int i = 1; i < attempt && d < max; ++i) d *= 2;
  return std::min(d, max);
}

std::string ProblemDetail(const std::string& message) {
  const size_t brace = message.find('{');
  if (brace != std::string::npos) {
    boost::system::error_code ec;
    const json::value v = json::parse(std::string_view(message).substr(brace), ec);
    if (!ec && v.is_object()) {
      std::string title = StringAt(&v.as_object(), "title");  // not const: returned by move
      std::string detail = StringAt(&v.as_object(), "detail");
      if (!title.empty() && !detail.empty()) return title + ": " + detail;
      if (!detail.empty()) return detail;
      if (!title.empty()) return title;
    }
  }
  return message;
}

int RunWatch(const WatchOptions& o, const Io& io) {
  Result<http::Url> parsed = http::ParseUrl(o.server);
  if (!parsed.ok()) {
    io.err << "error: --server: " << parsed.status().message() << "\n";
    return kExitBadInput;
  }
  if (o.server.rfind("http://", 0) != 0 && o.server.rfind("https://", 0) != 0) {
    io.err << "error: --server: '" << o.server << "' is not an http:// or https:// URL\n";
    return kExitBadInput;
  }
  if (o.token.empty()) {
    io.err << "error: no API token: pass --token or set DECONFLICT_TOKEN\n";
    return kExitBadInput;
  }
  http::Url url = *parsed;
  std::string base = url.target;
  if (const size_t q = base.find('?'); q != std::string::npos) base.resize(q);
  while (!base.empty() && base.back() == '/') base.pop_back();
  url.target = base + "/v1/events";

  StopSignals signals;
  const auto stopped = [&] { return g_signalled != 0 || (o.stop && o.stop()); };
  std::optional<int64_t> last_id = o.after;
  int attempt = 0;
  while (!stopped()) {
    http::HeaderList headers = {{"Authorization", "Bearer " + o.token},
                                {"Accept", "text/event-stream"}};
    if (last_id) headers.emplace_back("Last-Event-ID", std::to_string(*last_id));
    bool output_failed = false;
    const Status s = http::FollowSse(
        url, headers,
        [&](const http::SseEvent& e) {
          attempt = 0;  // a working stream: the next failure retries after the first delay
          if (e.id > 0) last_id = e.id;
          io.out << (o.json ? FormatEventJson(e.id, e.type, e.data)
                            : FormatEventLine(e.id, e.type, e.data, NowMillis()))
                 << "\n";
          io.out.flush();
          output_failed = !io.out;
          return !output_failed;
        },
        stopped);
    if (output_failed) return kExitInternal;
    if (s.ok() || stopped()) break;
    switch (s.code()) {
      case StatusCode::kUnauthenticated:
      case StatusCode::kPermissionDenied:
        io.err << "error: the server refused the token: " << ProblemDetail(s.message()) << "\n";
        return kExitBadInput;
      case StatusCode::kInvalidArgument:
      case StatusCode::kNotFound:
        io.err << "error: " << url.host << ": " << ProblemDetail(s.message()) << "\n";
        return kExitBadInput;
      default:
        break;
    }
    ++attempt;
    const std::chrono::milliseconds delay = BackoffDelay(attempt, o.first_backoff, o.max_backoff);
    io.err << "deconflict: " << ProblemDetail(s.message()) << "; reconnecting in "
           << FormatDuration(Seconds(static_cast<double>(delay.count()) / 1000.0));
    if (last_id) io.err << " (after event " << *last_id << ")";
    io.err << "\n";
    io.err.flush();
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!stopped() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return kExitOk;
}

}  // namespace deconflict::cli
