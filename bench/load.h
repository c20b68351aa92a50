// What the load driver's modes share (bench/load_driver.cc: the phases; bench/soak.cc: the soak):
// the command line, the random workload of plans, the deconflictd process it starts, and small
// readers of /proc and /metrics.
//
//   load::Daemon daemon;
//   std::vector<load::PartyToken> tokens;
//   std::string dir;
//   if (load::StartLocalServer(flags, daemon, &dir, &tokens) == 0) { ... daemon.port() ... }
//
// Thread-safety: the functions are thread-safe; a Daemon is used by one thread.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"

namespace deconflict::load {

using Clock = std::chrono::steady_clock;

// The command line (load_driver.cc's main; the soak's own options are soak.h's SoakOptions).
struct Flags {
  std::string deconflictd;  // the daemon binary (own-server mode)
  std::string server;       // URL of a running server (external mode)
  std::string tokens_file;  // external mode: tokens, one per line ("[NAME] TOKEN")
  // External mode: the file holding the server's metrics token (its metrics_token_file), for
  // /metrics. Own-server mode writes one and passes it to deconflictd.
  std::string metrics_token_file;
  int server_pid = 0;  // external mode: for CPU figures (optional)
  int parties = 16;
  int coordinators = 1;
  int clients = 64;
  double duration_s = 10;
  double warmup_s = 2;
  double baseline_s = -1;  // DEFAULT: duration
  double read_s = -1;      // DEFAULT: duration / 2
  int runs = 5;
  std::string density = "dense";
  double box_km = 0;  // DEFAULT: from --density
  double horizon_h = 6;
  double amend = 0.1;
  double flights = 0.1;
  int server_threads = 0;  // DEFAULT: deconflictd's own default
  std::string data_root;   // DEFAULT: $TMPDIR or /var/tmp
  bool keep_data = false;
  uint64_t seed = 20221008;
  std::string out;
  std::vector<std::string> daemon_args;  // extra deconflictd arguments
};

// Seconds of a steady-clock duration.
double Seconds(Clock::duration d);
// "YYYY-MM-DDTHH:MM:SSZ" now; the 1, 5 and 15 min load averages as text; the file system type
// of `path` ("ext4", "tmpfs", ..., "?" if unknown).
std::string UtcNow();
std::string LoadAverage();
std::string FsType(const std::string& path);

// ---------------------------------------------------------------------------------------------
// The workload: random plans in a box, within the next hours.

struct Workload {
  double lat0 = 37.0, lon0 = 41.6;  // the box's centre (al-Qahtaniyah, NE Syria)
  double half_km = 30;              // half the box's side
  double horizon_s = 6 * 3600;      // plans lie within [now + lead, now + horizon]
  double lead_s = 300;              // earliest start: 5 min from now (never in the past)
  double flights = 0.1;             // fraction of flight routes (the rest: ground movements)
  double amend = 0.1;               // fraction of submissions that are amendments
};

struct Shape {
  bool flight = false;
  std::vector<double> lon, lat, alt;  // alt: flights only
  std::vector<int64_t> t;             // unix seconds, one per vertex
  double corridor_m = 0, tolerance_s = 0;
};

// A uniform double in [lo, hi).
double Uniform(std::mt19937_64& rng, double lo, double hi);
// Now (system clock) in whole seconds since the epoch.
int64_t NowUnix();
// A random ground movement or flight route of the workload starting after `now` (unix s).
Shape RandomShape(std::mt19937_64& rng, const Workload& w, int64_t now);
// The plan Feature of `s` with this id (and callsign); no party property.
std::string FeatureJson(const std::string& id, const Shape& s);
// An amendment: the same route 5-30 min later or earlier (never starting within a minute).
void ShiftInTime(std::mt19937_64& rng, Shape* s, int64_t now);

struct OwnPlan {
  std::string id;
  int64_t version = 1;
  Shape shape;
};

// The version in an ETag ("3", W/"3"); -1 if there is none.
int64_t ParseEtag(const std::string& etag);

// /metrics (Prometheus text): "name{labels}" -> value; Get: 0 if absent.
using MetricMap = std::map<std::string, double>;
MetricMap ParseMetrics(const std::string& text);
double Get(const MetricMap& m, const std::string& key);

// `v` with `prec` decimals; "-" for a negative value (unknown).
std::string Fmt(double v, int prec = 1);

// ---------------------------------------------------------------------------------------------
// The server this driver starts.

class Daemon {
 public:
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  Status Start(const std::string& binary, const std::string& dir,
               const std::vector<std::string>& extra) {
    port_file_ = dir + "/port";
    log_ = dir + "/deconflictd.log";
    std::vector<std::string> args = {binary,        "--data",      dir + "/data", "--listen",
                                     "127.0.0.1:0", "--port-file", port_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    const pid_t pid = fork();
    if (pid < 0) return Status::Internal("fork failed");
    if (pid == 0) {
      const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int null = open("/dev/null", O_RDONLY);
      if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
      if (null >= 0) dup2(null, 0);
      std::vector<char*> argv;
      argv.reserve(args.size() + 1);
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    pid_ = pid;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return Status::Internal("deconflictd exited at start: " + Log());
      }
      std::ifstream in(port_file_);
      int port = 0;
      if (in >> port && port > 0) {
        port_ = port;
        return Status::Ok();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Status::Internal("deconflictd did not write its port file within 60 s: " + Log());
  }

  // SIGTERM and wait (up to 60 s): the exit code, or -1.
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return -1;
  }

  std::string Log() const {
    std::ifstream in(log_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
  }
  int pid() const { return pid_; }
  int port() const { return port_; }

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string port_file_, log_;
};

struct PartyToken {
  std::string party, token;
};

// Creates a fresh data folder under f.data_root with the parties (*dir, *tokens; the tokens
// also in tokens.txt there) and starts deconflictd on it (with a metrics token in
// *dir/metrics-token); returns 0, or 3 after saying why on stderr.
int StartLocalServer(const Flags& f, Daemon& daemon, std::string* dir,
                     std::vector<PartyToken>* tokens);

}  // namespace deconflict::load
