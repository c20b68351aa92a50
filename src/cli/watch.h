// `deconflict watch`: follows a channel server's event stream (GET /v1/events, Server-Sent
// Events) and prints each event as it arrives, one line each, for a duty officer's terminal or a
// script. Reconnects by itself, resuming after the last event seen.
//
//   WatchOptions o{.server = "https://channel.example:8443", .token = "dcf_..."};
//   int code = RunWatch(o, io);   // runs until SIGINT/SIGTERM: 0; a refused token: 2
//
// Thread-safety: RunWatch installs SIGINT and SIGTERM handlers for its duration (one call at a
// time per process); the formatting functions are pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/units.h"
#include "cli/commands.h"

namespace deconflict::cli {

struct WatchOptions {
  std::string server;  // REQUIRED. Base URL, http:// or https:// ("/v1/events" is appended)
  std::string token;   // REQUIRED. API token, sent as "Authorization: Bearer <token>"
  // DEFAULT: nullopt: the server decides where the stream starts. Otherwise events after this
  // one (sent as Last-Event-ID; 0 = from the first event).
  std::optional<int64_t> after;
  bool json = false;  // DEFAULT: false = one line for people per event; true = JSON Lines
  // Reconnection delays: first, doubled after each failed attempt up to max. DEFAULT: 1 s, 30 s.
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  // DEFAULT: empty. Also stop when this returns true (checked every 200 ms), besides
  // SIGINT/SIGTERM.
  std::function<bool()> stop;
};

// Follows the stream until stopped. Returns kExitOk when stopped by SIGINT, SIGTERM or `stop`;
// kExitBadInput for a bad URL, a missing token, or an answer that retrying cannot fix (401, 403,
// 404, 400: the server's problem detail is printed). Connection errors, server errors and a closed
// stream are retried with back-off; each retry is noted on io.err.
int RunWatch(const WatchOptions& options, const Io& io);

// One event as a line for people, without a newline:
//   2026-11-22T10:00:03Z  #12 conflict.opened  c-3f2a9b10c4d5e6f7  separation US-PATROL-1 vs
//   RU-PATROL-1  window 09:16–09:20Z  min 120 m  ack by 10:02Z
// (one line). The time is the event's ("at", else the conflict's "updated_at"), else
// `received` (when the line arrived). Times of the window and deadline omit their date when it is
// the line's. Fields missing from data_json are left out; data that is not a conflict event is
// shown as compact JSON.
std::string FormatEventLine(int64_t id, std::string_view type, std::string_view data_json,
                            TimePoint received);

// One event as a JSON line without a newline: {"id":12,"type":"conflict.opened","data":<data>}
// with data_json verbatim (as a JSON string if it is not valid JSON).
std::string FormatEventJson(int64_t id, std::string_view type, std::string_view data_json);

// The delay before reconnection attempt `attempt` (1, 2, ...): first, 2 first, 4 first, ...,
// at most max.
std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds first,
                                       std::chrono::milliseconds max);

// The human part of an error answer's message: "title: detail" of an RFC 9457 problem body found
// in `message`, else `message` itself.
std::string ProblemDetail(const std::string& message);

}  // namespace deconflict::cli
