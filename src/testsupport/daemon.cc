#include "testsupport/daemon.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "base/time.h"

extern char** environ;

namespace deconflict::testing {

namespace fs = std::filesystem;
namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// posix_spawn with stdin from in_path and stdout/stderr appended to files, in this process's
// environment plus `env` ("NAME=value", first wins); every other descriptor of the test process
// is closed in the child.
Result<pid_t> Spawn(const std::string& binary, const std::vector<std::string>& args,
                    const std::string& out_path, const std::string& err_path,
                    const std::string& in_path = "/dev/null",
                    const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv_s;
  argv_s.push_back(binary);
  for (const auto& a : args) argv_s.push_back(a);
  std::vector<char*> argv;
  argv.reserve(argv_s.size() + 1);
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  pid_t pid = -1;
  std::vector<std::string> env_s(env);
  for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
  std::vector<char*> envp;
  envp.reserve(env_s.size() + 1);
  for (std::string& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  int rc = posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    return Status::IoError("cannot start " + binary + ": " + std::strerror(rc));
  }
  return pid;
}

std::string TempPath(const std::string& stem) {
  std::string t = (fs::temp_directory_path() / (stem + "-XXXXXX")).string();
  int fd = ::mkstemp(t.data());
  if (fd >= 0) ::close(fd);
  return t;
}

}  // namespace

// ----- Processes. -----

std::string ProcessResult::LastLine() const {
  std::string s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

std::string ReadFileText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         milliseconds timeout) {
  return RunProcess(binary, args, ProcessOptions{.timeout = timeout});
}

ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         const ProcessOptions& options) {
  const milliseconds timeout = options.timeout;
  ProcessResult r;
  std::string out = TempPath("deconflict-out"), err = TempPath("deconflict-err");
  std::string in = "/dev/null";
  if (!options.stdin_text.empty()) {
    in = TempPath("deconflict-in");
    WriteFileText(in, options.stdin_text);
  }
  BackgroundProcess p;
  Status s = p.Start(binary, args, out, err, in, options.env);
  if (!s.ok()) {
    r.err = s.message();
  } else {
    std::optional<int> code = p.Wait(timeout);
    if (!code) {
      p.Signal(SIGKILL);
      code = p.Wait(std::chrono::seconds(10));
      r.err = "(timed out after " + std::to_string(timeout.count()) + " ms)\n";
    }
    r.code = code.value_or(-1);
  }
  r.out = ReadFileText(out);
  r.err += ReadFileText(err);
  fs::remove(out);
  fs::remove(err);
  if (in != "/dev/null") fs::remove(in);
  return r;
}

Status BackgroundProcess::Start(const std::string& binary, const std::vector<std::string>& args,
                                const std::string& stdout_path, const std::string& stderr_path,
                                const std::string& stdin_path,
                                const std::vector<std::string>& env) {
  if (pid_ > 0) return Status::InvalidArgument("already running");
  Result<pid_t> pid = Spawn(binary, args, stdout_path, stderr_path, stdin_path, env);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return Status::Ok();
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void BackgroundProcess::Signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> BackgroundProcess::Wait(milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto until = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return DecodeWaitStatus(status);
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;
      return -1;
    }
    if (Clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

// ----- The daemon. -----

Daemon::Daemon(DaemonOptions options) : o_(std::move(options)) {}

Daemon::~Daemon() {
  if (process_.running()) Kill();
  if (std::getenv("DECONFLICT_KEEP_TEST_DIRS") != nullptr) tmp_.Keep();
}

ProcessResult Daemon::Cli(const std::vector<std::string>& args, milliseconds timeout) const {
  return RunProcess(o_.cli_binary, args, timeout);
}

std::string Daemon::AddParty(const std::string& name, const std::string& role) {
  ProcessResult r = Cli({"admin", "--data", data_dir(), "party", "add", name, "--role", role});
  if (r.code != 0) {
    ADD_FAILURE() << "deconflict admin party add " << name << " --role " << role << " exited "
                  << r.code << "\nstdout:\n"
                  << r.out << "\nstderr:\n"
                  << r.err;
    return "";
  }
  std::string token = r.LastLine();
  tokens_[name] = token;
  return token;
}

std::string Daemon::Token(const std::string& name) const {
  auto it = tokens_.find(name);
  return it == tokens_.end() ? "" : it->second;
}

std::string Daemon::Log() const { return ReadFileText(dir_ / "daemon.log"); }

Status Daemon::Start() {
  if (process_.running()) return Status::InvalidArgument("the daemon is already running");
  ++runs_;
  const fs::path port_file = dir_ / "port";
  std::error_code ec;
  fs::remove(port_file, ec);
  const std::string log = (dir_ / "daemon.log").string();
  { std::ofstream(log, std::ios::app) << "----- run " << runs_ << " -----\n"; }
  std::vector<std::string> args = {"--data",      data_dir(),    "--listen",
                                   "127.0.0.1:0", "--port-file", port_file.string()};
  if (o_.tls) {
    const std::string key = (dir_ / "tls-key.pem").string(),
                      cert = (dir_ / "tls-cert.pem").string();
    if (!fs::exists(cert)) {
      ProcessResult r = RunProcess("/usr/bin/openssl",
                                   {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                                    "/CN=127.0.0.1", "-days", "2", "-keyout", key, "-out", cert});
      if (r.code != 0) return Status::Unavailable("openssl could not make a certificate: " + r.err);
    }
    for (const std::string& a : {std::string("--tls-cert"), cert, std::string("--tls-key"), key}) {
      args.push_back(a);
    }
  }
  for (const auto& a : o_.extra_args) args.push_back(a);
  if (Status s = process_.Start(o_.daemon_binary, args, log, log); !s.ok()) return s;
  const auto until = Clock::now() + o_.start_timeout;
  port_ = 0;
  while (Clock::now() < until) {
    if (std::optional<int> code = process_.Wait(milliseconds(0))) {
      return Status::Unavailable("deconflictd exited with " + std::to_string(*code) +
                                 " before writing its port file; its log:\n" + Log());
    }
    std::string text = ReadFileText(port_file);
    if (!text.empty() && text.back() == '\n') {
      port_ = static_cast<uint16_t>(std::stoi(text));
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  if (port_ == 0) {
    process_.Signal(SIGKILL);
    process_.Wait(std::chrono::seconds(10));
    return Status::Unavailable("deconflictd did not write its port file within " +
                               std::to_string(o_.start_timeout.count()) + " ms; its log:\n" +
                               Log());
  }
  // Ready: the state is loaded before the server listens, but check /readyz anyway.
  while (Clock::now() < until) {
    http::ClientResponse r = Request("GET", "/readyz");
    if (r.status == 200) return Status::Ok();
    std::this_thread::sleep_for(milliseconds(50));
  }
  return Status::Unavailable("deconflictd is not ready; its log:\n" + Log());
}

int Daemon::Stop() {
  if (!process_.running()) {
    ADD_FAILURE() << "Stop: the daemon is not running";
    return -1;
  }
  process_.Signal(SIGTERM);
  std::optional<int> code = process_.Wait(o_.stop_timeout);
  if (!code) {
    process_.Signal(SIGKILL);
    process_.Wait(std::chrono::seconds(10));
    ADD_FAILURE() << "deconflictd did not stop within " << o_.stop_timeout.count()
                  << " ms of SIGTERM; its log:\n"
                  << Log();
    return -1;
  }
  EXPECT_EQ(*code, 0) << "deconflictd exit code after SIGTERM; its log:\n" << Log();
  return *code;
}

void Daemon::Kill() {
  process_.Signal(SIGKILL);
  process_.Wait(std::chrono::seconds(10));
}

Status Daemon::Restart() {
  if (process_.running()) Stop();
  return Start();
}

std::string Daemon::base_url() const {
  return std::string(o_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

http::Url Daemon::url(const std::string& target) const {
  http::Url u;
  u.tls = o_.tls;
  u.host = "127.0.0.1";
  u.port = port_;
  u.target = target;
  return u;
}

http::ClientResponse Daemon::Request(const std::string& method, const std::string& path,
                                     const std::string& token, const std::string& body,
                                     const http::HeaderList& headers,
                                     const std::string& content_type) const {
  http::Client client(url("/"), std::chrono::seconds(30), /*insecure_tls=*/o_.tls);
  http::HeaderList h = headers;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  Result<http::ClientResponse> r = client.Send(method, path, body, h, content_type);
  if (!r.ok()) {
    http::ClientResponse failed;
    failed.status = 0;
    failed.body = r.status().ToString();
    return failed;
  }
  return std::move(*r);
}

// ----- Streams. -----

SseFollower::SseFollower(http::Url url, const std::string& token,
                         std::optional<int64_t> last_event_id) {
  http::HeaderList headers = {{"Authorization", "Bearer " + token},
                              {"Accept", "text/event-stream"}};
  if (last_event_id) headers.emplace_back("Last-Event-ID", std::to_string(*last_event_id));
  thread_ = std::thread([this, url = std::move(url), headers = std::move(headers)] {
    Status s = http::FollowSse(
        url, headers,
        [this](const http::SseEvent& e) {
          MutexLock lock(mu_);
          events_.push_back({e.id, e.type, e.data});
          cv_.NotifyAll();
          return !stop_.load();
        },
        [this] { return stop_.load(); });
    MutexLock lock(mu_);
    status_ = s;
    ended_ = true;
    cv_.NotifyAll();
  });
}

SseFollower::~SseFollower() { Stop(); }

void SseFollower::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::vector<StreamEvent> SseFollower::events() const {
  MutexLock lock(mu_);
  return events_;
}

Status SseFollower::status() const {
  MutexLock lock(mu_);
  return status_;
}

bool SseFollower::WaitEnded(milliseconds timeout) const {
  const auto until = Clock::now() + timeout;
  MutexLock lock(mu_);
  while (!ended_) {
    if (Clock::now() >= until) return false;
    cv_.WaitFor(lock, until - Clock::now());
  }
  return true;
}

bool SseFollower::WaitUntil(const std::function<bool(const std::vector<StreamEvent>&)>& pred,
                            milliseconds timeout) const {
  const auto until = Clock::now() + timeout;
  MutexLock lock(mu_);
  while (!pred(events_)) {
    if (Clock::now() >= until) return false;
    cv_.WaitFor(lock, until - Clock::now());
  }
  return true;
}

WsFollower::~WsFollower() { Stop(); }

Status WsFollower::Connect(const http::Url& url, const std::string& header_token) {
  http::HeaderList headers;
  if (!header_token.empty()) headers.emplace_back("Authorization", "Bearer " + header_token);
  return ws_.Connect(url, headers);
}

Status WsFollower::Send(const std::string& text) { return ws_.Send(text); }

std::optional<std::string> WsFollower::ReceiveNow(milliseconds timeout) {
  Result<std::optional<std::string>> r = ws_.Receive(timeout);
  if (!r.ok()) {
    MutexLock lock(mu_);
    closed_ = true;
    close_reason_ = r.status().message();
    return std::nullopt;
  }
  if (*r) Add(**r);
  return *r;
}

void WsFollower::Add(const std::string& frame) {
  MutexLock lock(mu_);
  frames_.push_back(frame);
  boost::system::error_code ec;
  json::value v = json::parse(frame, ec);
  if (!ec && v.is_object()) {
    const json::object& o = v.get_object();
    const json::value* type = o.if_contains("type");
    if (type && type->is_string() && type->get_string() == "event") {
      StreamEvent e;
      if (const json::value* s = o.if_contains("seq"); s && s->is_int64()) e.id = s->get_int64();
      if (const json::value* t = o.if_contains("event"); t && t->is_string()) {
        e.type = t->get_string();
      }
      if (const json::value* d = o.if_contains("data")) e.data = json::serialize(*d);
      events_.push_back(std::move(e));
    }
  }
  cv_.NotifyAll();
}

void WsFollower::Run() {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      Result<std::optional<std::string>> r = ws_.Receive(milliseconds(200));
      if (!r.ok()) {
        MutexLock lock(mu_);
        closed_ = true;
        close_reason_ = r.status().message();
        cv_.NotifyAll();
        return;
      }
      if (*r) Add(**r);
    }
  });
}

void WsFollower::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  ws_.Close();
}

std::vector<std::string> WsFollower::frames() const {
  MutexLock lock(mu_);
  return frames_;
}

std::vector<StreamEvent> WsFollower::events() const {
  MutexLock lock(mu_);
  return events_;
}

bool WsFollower::closed() const {
  MutexLock lock(mu_);
  return closed_;
}

bool WsFollower::WaitClosed(milliseconds timeout) const {
  const auto until = Clock::now() + timeout;
  MutexLock lock(mu_);
  while (!closed_) {
    if (Clock::now() >= until) return false;
    cv_.WaitFor(lock, until - Clock::now());
  }
  return true;
}

std::string WsFollower::close_reason() const {
  MutexLock lock(mu_);
  return close_reason_;
}

bool WsFollower::WaitUntil(const std::function<bool(const std::vector<StreamEvent>&)>& pred,
                           milliseconds timeout) const {
  const auto until = Clock::now() + timeout;
  MutexLock lock(mu_);
  while (!pred(events_)) {
    if (Clock::now() >= until) return false;
    cv_.WaitFor(lock, until - Clock::now());
  }
  return true;
}

bool WsFollower::WaitFrames(const std::function<bool(const std::vector<std::string>&)>& pred,
                            milliseconds timeout) const {
  const auto until = Clock::now() + timeout;
  MutexLock lock(mu_);
  while (!pred(frames_)) {
    if (closed_ || Clock::now() >= until) return false;
    cv_.WaitFor(lock, until - Clock::now());
  }
  return true;
}

bool HasConflictEvent(const std::vector<StreamEvent>& events, const std::string& type,
                      const std::string& conflict_id) {
  for (const StreamEvent& e : events) {
    if (e.type != type) continue;
    boost::system::error_code ec;
    json::value v = json::parse(e.data, ec);
    if (ec || !v.is_object()) continue;
    const json::value* c = v.get_object().if_contains("conflict");
    if (c == nullptr || !c->is_object()) continue;
    const json::value* id = c->get_object().if_contains("id");
    if (id != nullptr && id->is_string() && id->get_string() == conflict_id) return true;
  }
  return false;
}

// ----- The seed scenario. -----

namespace {

json::value ReadScenario(const std::string& path) {
  std::string text = ReadFileText(path);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object() || !v.get_object().contains("features")) {
    ADD_FAILURE() << "cannot read the scenario " << path << ": " << ec.message();
    return json::object{{"features", json::array{}}};
  }
  return v;
}

// Calls f(string&) on every time of a feature.
template <typename F>
void ForEachTime(json::object& feature, F f) {
  json::value* props = feature.if_contains("properties");
  if (props == nullptr || !props->is_object()) return;
  json::object& p = props->get_object();
  if (json::value* times = p.if_contains("times"); times && times->is_array()) {
    for (json::value& t : times->get_array()) {
      if (t.is_string()) f(t.get_string());
    }
  }
  for (const char* k : {"start", "end"}) {
    if (json::value* t = p.if_contains(k); t && t->is_string()) f(t->get_string());
  }
}

double ParseTime(const json::string& s) {
  Result<TimePoint> t = ParseRfc3339(std::string(s));
  if (!t.ok()) {
    ADD_FAILURE() << "bad time in the scenario: " << s;
    return 0;
  }
  return t->unix_seconds();
}

}  // namespace

double SeedShiftSeconds(const std::string& scenario_path, double first_unix_s) {
  json::value v = ReadScenario(scenario_path);
  double earliest = std::numeric_limits<double>::infinity();
  for (json::value& f : v.get_object()["features"].as_array()) {
    if (!f.is_object()) continue;
    ForEachTime(f.get_object(),
                [&](json::string& s) { earliest = std::min(earliest, ParseTime(s)); });
  }
  if (!std::isfinite(earliest)) return 0;
  return std::round(first_unix_s - earliest);
}

std::vector<SeedFeature> ShiftedSeedFeatures(const std::string& scenario_path,
                                             double first_unix_s) {
  const double shift = SeedShiftSeconds(scenario_path, first_unix_s);
  json::value v = ReadScenario(scenario_path);
  std::vector<SeedFeature> out;
  for (json::value& f : v.get_object()["features"].as_array()) {
    if (!f.is_object()) continue;
    json::object& o = f.get_object();
    ForEachTime(o, [&](json::string& s) {
      const std::string shifted = Rfc3339(ParseTime(s) + shift);
      s.assign(shifted.data(), shifted.size());
    });
    SeedFeature sf;
    if (const json::value* id = o.if_contains("id"); id && id->is_string())
      sf.id = id->get_string();
    if (const json::value* p = o.if_contains("properties"); p && p->is_object()) {
      if (const json::value* party = p->get_object().if_contains("party");
          party && party->is_string()) {
        sf.party = party->get_string();
      }
    }
    sf.json = json::serialize(f);
    out.push_back(std::move(sf));
  }
  return out;
}

std::string MovementJson(const std::string& id,
                         const std::vector<std::pair<double, double>>& coords,
                         const std::vector<double>& times, double corridor_m, double tolerance_s,
                         const std::string& callsign, const std::string& party) {
  json::array c, t;
  for (auto [lon, lat] : coords) c.push_back(json::array{lon, lat});
  for (double s : times) t.push_back(json::value(Rfc3339(s)));
  json::object props{{"kind", "movement"},
                     {"callsign", callsign.empty() ? id : callsign},
                     {"times", t},
                     {"corridor_m", corridor_m},
                     {"time_tolerance_s", tolerance_s}};
  if (!party.empty()) props["party"] = party;
  return json::serialize(
      json::object{{"type", "Feature"},
                   {"id", id},
                   {"properties", props},
                   {"geometry", json::object{{"type", "LineString"}, {"coordinates", c}}}});
}

json::value ParseJson(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return nullptr;
  return v;
}

std::map<std::string, std::string> ShiftedSeedFeaturesById(const std::string& scenario_path,
                                                           double first_unix_s) {
  std::map<std::string, std::string> out;
  for (SeedFeature& f : ShiftedSeedFeatures(scenario_path, first_unix_s)) {
    out[f.id] = std::move(f.json);
  }
  return out;
}

int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339(double unix_s) { return FormatRfc3339(TimePoint::FromUnixSeconds(unix_s)); }

}  // namespace deconflict::testing
