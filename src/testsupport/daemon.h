// Integration-test support for deconflictd: runs the real daemon binary on loopback with a fresh
// data folder, creates parties with the real `deconflict admin` CLI, and talks to the daemon over
// HTTP, Server-Sent Events and WebSocket (http/client.h).
//
//   testing::Daemon d({.daemon_binary = DECONFLICTD_BINARY, .cli_binary = DECONFLICT_CLI_BINARY});
//   std::string us = d.AddParty("US");                 // the API token
//   ASSERT_TRUE(d.Start().ok());
//   http::ClientResponse r = d.Request("GET", "/v1/plans", us);
//   d.Stop();                                           // SIGTERM; expects exit code 0
//
// Also: a process runner for the CLI (RunProcess, BackgroundProcess), stream followers that
// collect events on a thread (SseFollower, WsFollower), and the seed scenario shifted in time
// (ShiftedSeedFeatures).
//
// Thread-safety: Daemon::Request and RunProcess may be called from several threads at once; the
// other Daemon methods from the test's thread only. Followers are thread-safe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "http/client.h"
#include "testsupport/temp_dir.h"

namespace deconflict::testing {

// ----- Processes. -----

struct ProcessResult {
  int code = -1;  // exit code; 128 + signal if killed by one; -1 if it could not be started
  std::string out, err;
  std::string LastLine() const;  // the last non-empty line of out, without its newline
};

// Runs `binary args...` with stdin from /dev/null, waits up to `timeout` (then SIGKILLs it and
// reports code 128 + 9) and captures stdout and stderr.
ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

struct ProcessOptions {
  std::string stdin_text;                                        // DEFAULT: none (/dev/null)
  std::vector<std::string> env;                                  // extra "NAME=value" entries
  std::chrono::milliseconds timeout = std::chrono::seconds(60);  // then SIGKILL, code 137
};
// The same with stdin text and extra environment entries.
ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         const ProcessOptions& options);

// A process running in the background with stdout and stderr going to files.
class BackgroundProcess {
 public:
  // Starts `binary args...`; stdout and stderr are appended to the given files, stdin read from
  // stdin_path, `env` ("NAME=value") added to this process's environment.
  // InvalidArgument/IoError when it cannot be started.
  Status Start(const std::string& binary, const std::vector<std::string>& args,
               const std::string& stdout_path, const std::string& stderr_path,
               const std::string& stdin_path = "/dev/null",
               const std::vector<std::string>& env = {});
  ~BackgroundProcess();  // SIGKILLs and reaps a process still running
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits for the process to end: its exit code (128 + signal if killed by one), or nullopt if
  // it is still running after `timeout` (or was not started).
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
};

std::string ReadFileText(const std::filesystem::path& path);  // "" if unreadable
void WriteFileText(const std::filesystem::path& path, const std::string& text);

// ----- The daemon. -----

struct DaemonOptions {
  std::string daemon_binary;            // REQUIRED: the deconflictd binary
  std::string cli_binary;               // REQUIRED: the deconflict binary
  std::vector<std::string> extra_args;  // appended to deconflictd's arguments
  // Serve HTTPS: Start() makes a self-signed certificate (openssl) in the daemon's folder and
  // passes --tls-cert/--tls-key; Request, url() and base_url() then speak TLS (not verified).
  bool tls = false;
  std::chrono::milliseconds start_timeout = std::chrono::seconds(20);
  std::chrono::milliseconds stop_timeout = std::chrono::seconds(30);
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();  // SIGKILLs a daemon still running and removes the temporary folder (kept if
              // the environment has DECONFLICT_KEEP_TEST_DIRS)
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // The temporary folder of this daemon (removed by the destructor) and its store folder in it.
  const std::filesystem::path& dir() const { return dir_; }
  std::string data_dir() const { return (dir_ / "data").string(); }

  // `deconflict admin --data DIR party add NAME --role ROLE`: the API token (the last line of
  // stdout). Adds a failure and returns "" if the command fails.
  std::string AddParty(const std::string& name, const std::string& role = "party");
  // The token AddParty returned for `name` ("" if none).
  std::string Token(const std::string& name) const;
  // `deconflict args...` (the CLI), e.g. Cli({"admin", "--data", d.data_dir(), "token", ...}).
  ProcessResult Cli(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  // Starts deconflictd --data DIR --listen 127.0.0.1:0 --port-file FILE [extra_args] and waits for
  // the port file. On failure the status message carries the daemon's stderr.
  Status Start();
  // SIGTERM and wait: the exit code (128 + signal if killed, -1 on timeout, after which it is
  // SIGKILLed). Adds a test failure (with the daemon's log) unless it is 0.
  int Stop();
  // SIGKILL and reap (a crash).
  void Kill();
  // Stop() if running, then Start() on the same data folder.
  Status Restart();
  bool running() const { return process_.running(); }
  // Replaces DaemonOptions::extra_args for the next Start().
  void set_extra_args(std::vector<std::string> args) { o_.extra_args = std::move(args); }

  uint16_t port() const { return port_; }
  std::string base_url() const;                    // "http://127.0.0.1:PORT"
  http::Url url(const std::string& target) const;  // base + target, for FollowSse / WsClient
  // The daemon's stderr so far (all runs).
  std::string Log() const;

  // One request on a fresh connection. `token` "" sends no Authorization header. On a transport
  // error the response has status 0 and the error message as its body.
  http::ClientResponse Request(const std::string& method, const std::string& path,
                               const std::string& token = "", const std::string& body = "",
                               const http::HeaderList& headers = {},
                               const std::string& content_type = "application/json") const;

 private:
  DaemonOptions o_;
  TempDir tmp_{"deconflictd-test"};  // kept when DECONFLICT_KEEP_TEST_DIRS is set
  const std::filesystem::path& dir_ = tmp_.path();
  std::map<std::string, std::string> tokens_;
  BackgroundProcess process_;
  uint16_t port_ = 0;
  int runs_ = 0;
};

// ----- Streams. -----

// One event received on a stream: SSE (id, event type, data) or a WebSocket "event" frame (seq,
// event, data).
struct StreamEvent {
  int64_t id = 0;
  std::string type;
  std::string data;  // JSON text
};

// Follows GET /v1/events on a thread and collects every event.
class SseFollower {
 public:
  // last_event_id: sent as Last-Event-ID when set.
  SseFollower(http::Url url, const std::string& token, std::optional<int64_t> last_event_id = {});
  ~SseFollower();  // Stop()
  // Ends the stream (the thread notices within ~200 ms) and joins the thread.
  void Stop();
  std::vector<StreamEvent> events() const;
  // Waits until `pred(events)` holds or `timeout` passes; returns whether it holds.
  bool WaitUntil(const std::function<bool(const std::vector<StreamEvent>&)>& pred,
                 std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
  // The status FollowSse returned (once the thread ended), else OK.
  Status status() const;
  // Waits until the stream ended (the server closed it, or an error); returns whether it did.
  bool WaitEnded(std::chrono::milliseconds timeout) const;

 private:
  mutable Mutex mu_;
  mutable CondVar cv_;  // signalled on each event and when the stream ends
  std::vector<StreamEvent> events_ GUARDED_BY(mu_);
  Status status_ GUARDED_BY(mu_);
  bool ended_ GUARDED_BY(mu_) = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A WebSocket on GET /v1/ws, read on a thread once Run() is called. Every text frame is kept
// (frames()); "event" frames are also parsed into events().
class WsFollower {
 public:
  WsFollower() = default;
  ~WsFollower();  // Stop()
  // Connects; with `header_token` authenticates by Authorization header.
  Status Connect(const http::Url& url, const std::string& header_token = "");
  // Sends one text frame (only before Run()).
  Status Send(const std::string& text);
  // Receives one frame synchronously (only before Run()): nullopt on timeout or error.
  std::optional<std::string> ReceiveNow(std::chrono::milliseconds timeout);
  // Starts the reading thread.
  void Run();
  void Stop();
  std::vector<std::string> frames() const;
  std::vector<StreamEvent> events() const;
  bool closed() const;  // the server closed the socket (or an error)
  // Waits until closed(); returns whether it is.
  bool WaitClosed(std::chrono::milliseconds timeout) const;
  // Why it closed, e.g. "WebSocket closed by the server (1008)"; "" while open.
  std::string close_reason() const;
  bool WaitUntil(const std::function<bool(const std::vector<StreamEvent>&)>& pred,
                 std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
  bool WaitFrames(const std::function<bool(const std::vector<std::string>&)>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;

 private:
  void Add(const std::string& frame);
  http::WsClient ws_;
  mutable Mutex mu_;
  mutable CondVar cv_;  // signalled on each frame and when the socket closes
  std::vector<std::string> frames_ GUARDED_BY(mu_);
  std::vector<StreamEvent> events_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  std::string close_reason_ GUARDED_BY(mu_);
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// True if some event has this type and its data's conflict.id is `conflict_id`.
bool HasConflictEvent(const std::vector<StreamEvent>& events, const std::string& type,
                      const std::string& conflict_id);

// ----- The seed scenario. -----

struct SeedFeature {
  std::string id;
  std::string party;
  std::string json;  // the Feature, times shifted
};

// The features of the seed scenario file (scenarios/qahtaniyah-2022-10-08.geojson) with every
// time (properties.times[], start, end) shifted by one amount so that the earliest time in the
// file becomes `first_unix_s`. In file order. Adds a test failure if the file cannot be read.
std::vector<SeedFeature> ShiftedSeedFeatures(const std::string& scenario_path, double first_unix_s);
// The same, as Feature JSON text by plan id.
std::map<std::string, std::string> ShiftedSeedFeaturesById(const std::string& scenario_path,
                                                           double first_unix_s);
// The seconds by which ShiftedSeedFeatures shifts for `first_unix_s`.
double SeedShiftSeconds(const std::string& scenario_path, double first_unix_s);

// ----- Plans and JSON. -----

// A ground movement Feature along `coords` ([lon, lat]) with one time per vertex (unix seconds).
// `party` "" leaves properties.party out (the server takes it from the token).
std::string MovementJson(const std::string& id,
                         const std::vector<std::pair<double, double>>& coords,
                         const std::vector<double>& times, double corridor_m = 50,
                         double tolerance_s = 60, const std::string& callsign = "",
                         const std::string& party = "");
// Parses JSON; null on failure.
boost::json::value ParseJson(const std::string& text);

// Now (system clock), in whole seconds since the epoch.
int64_t NowUnixSeconds();
// RFC 3339 UTC for unix seconds.
std::string Rfc3339(double unix_s);

}  // namespace deconflict::testing
