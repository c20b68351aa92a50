// deconflictd: the Deconflict channel server. See docs/channel.md and `deconflictd --help`.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
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

int Run(int argc, char** argv) {
  Result<server::Config> cfg = server::LoadConfig(argc, argv);
  if (!cfg.ok()) {
    std::cerr << "deconflictd: " << cfg.status().message() << "\n";
    return 2;
  }
  if (cfg->exit_now) return cfg->exit_code;

  auto logger = spdlog::stderr_color_mt("deconflictd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(cfg->log_level));

  model::Rules rules;
  if (!cfg->rules.empty()) {
    Status s;
    std::string text = ReadAll(cfg->rules, &s);
    if (!s.ok()) return std::cerr << "deconflictd: --rules: " << s.message() << "\n", 2;
    Result<model::Rules> r = model::ParseRules(text);
    if (!r.ok())
      return std::cerr << "deconflictd: " << cfg->rules << ": " << r.status().message() << "\n", 2;
    rules = *r;
  }
  channel::DeadlinePolicy deadlines;
  if (!cfg->deadlines.empty()) {
    Status s;
    std::string text = ReadAll(cfg->deadlines, &s);
    if (!s.ok()) return std::cerr << "deconflictd: --deadlines: " << s.message() << "\n", 2;
    Result<channel::DeadlinePolicy> d = channel::ParseDeadlinePolicy(text);
    if (!d.ok()) {
      return std::cerr << "deconflictd: " << cfg->deadlines << ": " << d.status().message() << "\n",
             2;
    }
    deadlines = *d;
  }

  auto store = store::OpenSqliteStore({.dir = cfg->data});
  if (!store.ok()) {
    std::cerr << "deconflictd: cannot open the store in " << cfg->data << ": "
              << store.status().message() << "\n";
    return 3;
  }
  channel::ChannelOptions copts;
  copts.rules = rules;
  copts.deadlines = deadlines;
  copts.key_file = cfg->data + "/server.key";
  auto ch = channel::Channel::Open(store->get(), copts);
  if (!ch.ok()) {
    std::cerr << "deconflictd: cannot load the channel state: " << ch.status().message() << "\n";
    return 3;
  }
  spdlog::info("msg=\"state loaded\" data={} plans_active={} conflicts_open={} public_key={}",
               cfg->data, (*ch)->stats().plans_active, (*ch)->stats().conflicts_open,
               (*ch)->key().public_key_hex);

  if (cfg->demo) {
    std::string scenario = cfg->demo_scenario.empty() ? DefaultScenario() : cfg->demo_scenario;
    Result<server::DemoInfo> demo = server::SetUpDemo(ch->get(), cfg->data, scenario);
    if (!demo.ok()) {
      std::cerr << "deconflictd: --demo: " << demo.status().message() << "\n";
      return 3;
    }
    spdlog::info("msg=\"demo ready\" plans_loaded={} shift_s={} tokens_file={}", demo->plans_loaded,
                 demo->shift_s, demo->tokens_file);
  }

  server::ConsoleAssets console;
  if (!cfg->no_web) {
    const bool chosen = !cfg->web.empty();
    std::string dir = chosen ? cfg->web : DefaultWebDir(argv[0]);
    if (dir.empty()) {
      spdlog::warn("msg=\"web console not installed; build web/ or pass --web DIR\"");
    } else {
      Result<server::ConsoleAssets> loaded = server::ConsoleAssets::Load(dir);
      if (!loaded.ok()) {
        std::cerr << "deconflictd: --web: " << loaded.status().message() << "\n";
        return 2;
      }
      console = std::move(*loaded);
      spdlog::info("msg=\"web console\" dir={} files={}", console.dir(), console.size());
    }
  }

  server::WebhookDispatcher webhooks(ch->get(), {});
  http::Metrics metrics;
  http::Router router;
  server::Api api({.channel = ch->get(),
                   .metrics = &metrics,
                   .openapi_json = std::string(server::kOpenApiJson),
                   .console = &console});
  api.Register(&router);

  boost::asio::io_context io(cfg->threads);
  http::ServerOptions sopts;
  sopts.listen = cfg->listen;
  sopts.tls_cert_file = cfg->tls_cert;
  sopts.tls_key_file = cfg->tls_key;
  sopts.metrics = &metrics;
  http::Server server(io, router, sopts);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "deconflictd: " << s.message() << "\n";
    return s.code() == StatusCode::kInvalidArgument ? 2 : 3;
  }
  std::string scheme = cfg->tls_cert.empty() ? "http" : "https";
  std::string host = cfg->listen.substr(0, cfg->listen.rfind(':'));
  spdlog::info("msg=\"listening\" url={}://{}:{}", scheme, host, server.port());
  if (!cfg->port_file.empty()) {
    std::string tmp = cfg->port_file + ".tmp";
    std::ofstream(tmp) << server.port() << "\n";
    std::filesystem::rename(tmp, cfg->port_file);
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("msg=\"shutting down\" signal={}", sig);
    server.Stop([&io] { io.stop(); });
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg->threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  api.Join();  // before `io` is destroyed: late work posts its result there

  webhooks.Stop();
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
