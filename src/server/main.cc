// deconflictd: the Deconflict channel server. See docs/channel.md and `deconflictd --help`.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "channel/channel.h"
#include "channel/policy.h"
#include "http/metrics.h"
#include "http/server.h"
#include "model/rules.h"
#include "server/api.h"
#include "server/config.h"
#include "server/openapi_data.h"
#include "server/seed.h"
#include "server/webhooks.h"
#include "store/sqlite_store.h"

namespace {

using namespace deconflict;

std::string ReadAll(const std::string& path, Status* status) {
  std::ifstream in(path);
  if (!in) {
    *status = Status::IoError("cannot read " + path);
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DefaultScenario() {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates = {
      DECONFLICT_SOURCE_DIR "/scenarios/qahtaniyah-2022-10-08.geojson",
      "/usr/local/share/deconflict/scenarios/qahtaniyah-2022-10-08.geojson",
      "/usr/share/deconflict/scenarios/qahtaniyah-2022-10-08.geojson"};
  for (const auto& c : candidates) {
    if (fs::exists(c)) return c;
  }
  return candidates.front();
}

// Where the console is when --web is not given: the build tree's (a developer's build), then the
// installed copies next to the binary and in the usual prefixes.
std::string DefaultWebDir(const char* argv0) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = argv0;
  std::vector<fs::path> candidates = {
#ifdef DECONFLICT_WEB_BUILD_DIR
      DECONFLICT_WEB_BUILD_DIR,
#endif
      exe.parent_path().parent_path() / "share/deconflict/web", "/usr/local/share/deconflict/web",
      "/usr/share/deconflict/web"};
  for (const auto& c : candidates) {
    if (fs::exists(c / "index.html", ec)) return c.string();
  }
  return "";
}

// Prints "deconflictd: message" and returns `code` (the exit code).
int Fail(int code, const std::string& message) {
  std::cerr << "deconflictd: " << message << "\n";
  return code;
}

void SetUpLogging(const server::Config& cfg) {
  auto logger = spdlog::stderr_color_mt("deconflictd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
}

// The channel's options from --rules, --deadlines and --data. InvalidArgument/IoError with the
// message to print when a file cannot be read or parsed.
Result<channel::ChannelOptions> ChannelOptionsFrom(const server::Config& cfg) {
  channel::ChannelOptions copts;
  copts.disclosure.cell_m = cfg.disclosure_cell_m;
  copts.disclosure.time_s = cfg.disclosure_time_s;
  if (!cfg.rules.empty()) {
    Status s;
    std::string text = ReadAll(cfg.rules, &s);
    if (!s.ok()) return Status::IoError("--rules: " + s.message());
    Result<model::Rules> r = model::ParseRules(text);
    if (!r.ok()) return Status::InvalidArgument(cfg.rules + ": " + r.status().message());
    copts.rules = *r;
  }
  if (!cfg.deadlines.empty()) {
    Status s;
    std::string text = ReadAll(cfg.deadlines, &s);
    if (!s.ok()) return Status::IoError("--deadlines: " + s.message());
    Result<channel::DeadlinePolicy> d = channel::ParseDeadlinePolicy(text);
    if (!d.ok()) return Status::InvalidArgument(cfg.deadlines + ": " + d.status().message());
    copts.deadlines = *d;
  }
  copts.key_file = cfg.data + "/server.key";
  copts.zones_need_approval = cfg.zones_need_approval;
  copts.max_conflicts_per_submission = cfg.max_conflicts_per_submission;
  copts.max_notices_per_party_per_minute = cfg.max_notices_per_party_per_minute;
  copts.allow_private_destinations = cfg.allow_private_destinations;
  copts.max_streams_per_party = static_cast<size_t>(cfg.max_streams_per_party);
  return copts;
}

// The metrics token from --metrics-token-file ("" when not configured): the file's text without
// surrounding whitespace, at least 16 characters.
Result<std::string> MetricsToken(const server::Config& cfg) {
  if (cfg.metrics_token_file.empty()) return std::string();
  Status s;
  std::string text = ReadAll(cfg.metrics_token_file, &s);
  if (!s.ok()) return Status::InvalidArgument("--metrics-token-file: " + s.message());
  const size_t b = text.find_first_not_of(" \t\r\n");
  const size_t e = text.find_last_not_of(" \t\r\n");
  text = b == std::string::npos ? "" : text.substr(b, e - b + 1);
  if (text.size() < 16 || text.find_first_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidArgument("--metrics-token-file: " + cfg.metrics_token_file +
                                   ": expected one token of at least 16 characters");
  }
  struct stat st {};
  if (::stat(cfg.metrics_token_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    spdlog::warn("msg=\"the metrics token file is readable by others; chmod 600 it\" file={}",
                 cfg.metrics_token_file);
  }
  return text;
}

// The web console's files (--web, else the default folder; none with --no-web or when not
// installed). An error (with the message to print) when the chosen folder cannot be loaded.
Result<server::ConsoleAssets> LoadConsole(const server::Config& cfg, const char* argv0) {
  server::ConsoleAssets console;
  if (cfg.no_web) return console;
  std::string dir = cfg.web.empty() ? DefaultWebDir(argv0) : cfg.web;
  if (dir.empty()) {
    spdlog::warn("msg=\"web console not installed; build web/ or pass --web DIR\"");
    return console;
  }
  Result<server::ConsoleAssets> loaded = server::ConsoleAssets::Load(dir);
  if (!loaded.ok()) return Status::InvalidArgument("--web: " + loaded.status().message());
  spdlog::info("msg=\"web console\" dir={} files={}", loaded->dir(), loaded->size());
  return loaded;
}

// Writes the port to `path` atomically (a temporary file renamed), for whoever started us.
void WritePortFile(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::filesystem::rename(tmp, path);
}

// Serves the API, the streams, the console and the webhooks until SIGINT or SIGTERM: the exit
// code (0 after a graceful stop; 2 or 3 when the server cannot start).
int Serve(const server::Config& cfg, channel::Channel* ch, const server::ConsoleAssets* console,
          const std::string& metrics_token) {
  server::WebhookDispatcher webhooks(ch, {});
  http::Metrics metrics;
  http::Router router;
  server::Api api(
      {.channel = ch,
       .metrics = &metrics,
       .openapi_json = std::string(server::kOpenApiJson),
       .console = console,
       .metrics_token = metrics_token,
       .ws_auth_timeout = std::chrono::seconds(cfg.ws_auth_timeout_s),
       .service = {.dry_runs = {.burst = cfg.dry_run_burst, .per_minute = cfg.dry_run_per_minute},
                   .max_area_km2 = static_cast<double>(cfg.max_area_km2)},
       .dry_run_workers = cfg.dry_run_workers,
       .dry_run_queue = cfg.dry_run_queue,
       .dry_run_budget = std::chrono::milliseconds(cfg.dry_run_budget_ms)});
  api.Register(&router);
  http::Router metrics_router;
  server::RegisterMetricsListenerRoutes(&metrics_router, &metrics);

  boost::asio::io_context io(cfg.threads);
  http::ServerOptions sopts;
  sopts.listen = cfg.listen;
  sopts.tls_cert_file = cfg.tls_cert;
  sopts.tls_key_file = cfg.tls_key;
  sopts.metrics = &metrics;
  sopts.max_connections_per_address = static_cast<size_t>(cfg.max_connections_per_address);
  http::Server server(io, router, sopts);
  if (Status s = server.Start(); !s.ok()) {
    return Fail(s.code() == StatusCode::kInvalidArgument ? 2 : 3, s.message());
  }
  std::string scheme = cfg.tls_cert.empty() ? "http" : "https";
  std::string host = cfg.listen.substr(0, cfg.listen.rfind(':'));
  spdlog::info("msg=\"listening\" url={}://{}:{}", scheme, host, server.port());
  if (!cfg.port_file.empty()) WritePortFile(cfg.port_file, server.port());
  // The metrics listener: plain HTTP, GET /metrics only, for loopback or a monitoring network.
  std::optional<http::Server> metrics_server;
  if (!cfg.metrics_listen.empty()) {
    metrics_server.emplace(io, metrics_router, http::ServerOptions{.listen = cfg.metrics_listen});
    if (Status s = metrics_server->Start(); !s.ok()) {
      return Fail(s.code() == StatusCode::kInvalidArgument ? 2 : 3,
                  "--metrics-listen: " + s.message());
    }
    spdlog::info("msg=\"metrics listening\" url=http://{}:{}/metrics",
                 cfg.metrics_listen.substr(0, cfg.metrics_listen.rfind(':')),
                 metrics_server->port());
    if (!cfg.metrics_port_file.empty())
      WritePortFile(cfg.metrics_port_file, metrics_server->port());
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("msg=\"shutting down\" signal={}", sig);
    if (metrics_server) metrics_server->Stop(nullptr);
    server.Stop([&io] { io.stop(); });
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  api.Join();  // before `io` is destroyed: late work posts its result there
  webhooks.Stop();
  return 0;
}

int Run(int argc, char** argv) {
  Result<server::Config> cfg = server::LoadConfig(argc, argv);
  if (!cfg.ok()) return Fail(2, cfg.status().message());
  if (cfg->exit_now) return cfg->exit_code;
  SetUpLogging(*cfg);

  Result<channel::ChannelOptions> copts = ChannelOptionsFrom(*cfg);
  if (!copts.ok()) return Fail(2, copts.status().message());
  Result<std::string> metrics_token = MetricsToken(*cfg);
  if (!metrics_token.ok()) return Fail(2, metrics_token.status().message());
  auto store = store::OpenSqliteStore(
      {.dir = cfg->data, .on_mode_tightened = [](const std::string& change) {
         spdlog::warn("msg=\"data folder was readable by others; mode restricted\" change=\"{}\"",
                      change);
       }});
  if (!store.ok()) {
    return Fail(3, "cannot open the store in " + cfg->data + ": " + store.status().message());
  }
  auto ch = channel::Channel::Open(store->get(), *copts);
  if (!ch.ok()) return Fail(3, "cannot load the channel state: " + ch.status().message());
  spdlog::info("msg=\"state loaded\" data={} plans_active={} conflicts_open={} public_key={}",
               cfg->data, (*ch)->stats().plans_active, (*ch)->stats().conflicts_open,
               (*ch)->key().public_key_hex);

  if (cfg->demo) {
    std::string scenario = cfg->demo_scenario.empty() ? DefaultScenario() : cfg->demo_scenario;
    Result<server::DemoInfo> demo = server::SetUpDemo(ch->get(), cfg->data, scenario);
    if (!demo.ok()) return Fail(3, "--demo: " + demo.status().message());
    spdlog::info("msg=\"demo ready\" plans_loaded={} shift_s={} tokens_file={}", demo->plans_loaded,
                 demo->shift_s, demo->tokens_file);
  }

  Result<server::ConsoleAssets> console = LoadConsole(*cfg, argv[0]);
  if (!console.ok()) return Fail(2, console.status().message());
  const int code = Serve(*cfg, ch->get(), &*console, *metrics_token);
  if (code != 0) return code;
  (*ch)->Stop();
  spdlog::info("msg=\"stopped\" batches={} operations={}", (*ch)->stats().batches,
               (*ch)->stats().operations);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "deconflictd: internal error: " << e.what() << "\n";
    return 3;
  }
}
