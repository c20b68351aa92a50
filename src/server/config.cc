#include "server/config.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "json/parse.h"

namespace deconflict::server {

namespace json = boost::json;

namespace {

struct Field {
  const char* key;  // config file key
  const char* env;  // environment variable
  std::string Config::*str = nullptr;
  int Config::*num = nullptr;
};

const Field kFields[] = {
    {"data", "DECONFLICT_DATA", &Config::data},
    {"listen", "DECONFLICT_LISTEN", &Config::listen},
    {"rules", "DECONFLICT_RULES", &Config::rules},
    {"deadlines", "DECONFLICT_DEADLINES", &Config::deadlines},
    {"tls_cert", "DECONFLICT_TLS_CERT", &Config::tls_cert},
    {"tls_key", "DECONFLICT_TLS_KEY", &Config::tls_key},
    {"threads", "DECONFLICT_THREADS", nullptr, &Config::threads},
    {"log_level", "DECONFLICT_LOG_LEVEL", &Config::log_level},
    {"web", "DECONFLICT_WEB", &Config::web},
};

Status SetNumber(Config* c, const Field& f, const std::string& text, const std::string& where) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || v < 1 || v > 64) {
    return Status::InvalidArgument(where + ": expected an integer from 1 to 64, got \"" + text +
                                   "\"");
  }
  c->*(f.num) = static_cast<int>(v);
  return Status::Ok();
}

}  // namespace

int DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n <= 2 ? 1 : static_cast<int>(std::min(64u, n - 1));
}

Result<Config> LoadConfig(int argc, char** argv) {
  Config c;
  CLI::App app{"deconflictd: the Deconflict channel server (docs/channel.md)", "deconflictd"};
  std::string config_file;
  Config flags;
  app.add_option("--config", config_file, "JSON config file (keys as the long flags)");
  auto* o_data = app.add_option("--data", flags.data, "store directory (created if missing)");
  auto* o_listen = app.add_option("--listen", flags.listen, "HOST:PORT to listen on (port 0: any)");
  auto* o_rules = app.add_option("--rules", flags.rules, "separation rules JSON file");
  auto* o_dead = app.add_option("--deadlines", flags.deadlines, "deadline policy JSON file");
  auto* o_cert = app.add_option("--tls-cert", flags.tls_cert, "TLS certificate chain (PEM)");
  auto* o_key = app.add_option("--tls-key", flags.tls_key, "TLS private key (PEM)");
  auto* o_threads =
      app.add_option("--threads", flags.threads, "I/O threads (default: CPUs - 1, at least 1)");
  auto* o_log = app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error");
  auto* o_web = app.add_option("--web", flags.web, "web console folder (default: the built one)");
  app.add_flag("--no-web", c.no_web, "serve no web console");
  app.add_flag("--demo", c.demo, "create demo parties and load the seed scenario");
  app.add_option("--demo-scenario", c.demo_scenario, "scenario file for --demo");
  app.add_option("--port-file", c.port_file, "write the bound port to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    c.exit_now = true;
    c.exit_code = app.exit(e);
    if (c.exit_code != 0) c.exit_code = 2;
    return c;
  }

  // Config file.
  if (config_file.empty()) {
    if (const char* e = std::getenv("DECONFLICT_CONFIG")) config_file = e;
  }
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) return Status::InvalidArgument("--config: cannot read " + config_file);
    std::stringstream ss;
    ss << in.rdbuf();
    json::value v;
    if (auto issue = deconflict::json::Parse(ss.str(), &v)) {
      return Status::InvalidArgument(config_file + ": " + issue->ToString());
    }
    if (!v.is_object()) return Status::InvalidArgument(config_file + ": expected a JSON object");
    for (const auto& [k, val] : v.get_object()) {
      const Field* f = nullptr;
      for (const Field& x : kFields) {
        if (k == x.key) f = &x;
      }
      std::string where = config_file + ": " + std::string(k);
      if (f == nullptr) return Status::InvalidArgument(where + ": unknown key");
      if (f->num) {
        if (!val.is_int64()) return Status::InvalidArgument(where + ": expected an integer");
        if (Status s = SetNumber(&c, *f, std::to_string(val.get_int64()), where); !s.ok()) {
          return s;
        }
      } else {
        if (!val.is_string()) return Status::InvalidArgument(where + ": expected a string");
        c.*(f->str) = val.get_string();
      }
    }
  }
  // Environment.
  for (const Field& f : kFields) {
    const char* e = std::getenv(f.env);
    if (e == nullptr) continue;
    if (f.num) {
      if (Status s = SetNumber(&c, f, e, f.env); !s.ok()) return s;
    } else {
      c.*(f.str) = e;
    }
  }
  // Flags.
  if (*o_data) c.data = flags.data;
  if (*o_listen) c.listen = flags.listen;
  if (*o_rules) c.rules = flags.rules;
  if (*o_dead) c.deadlines = flags.deadlines;
  if (*o_cert) c.tls_cert = flags.tls_cert;
  if (*o_key) c.tls_key = flags.tls_key;
  if (*o_threads) {
    if (Status s = SetNumber(&c, kFields[6], std::to_string(flags.threads), "--threads"); !s.ok()) {
      return s;
    }
  }
  if (*o_log) c.log_level = flags.log_level;
  if (*o_web) c.web = flags.web;

  if (c.data.empty()) {
    return Status::InvalidArgument(
        "--data: required (or DECONFLICT_DATA, or \"data\" in --config)");
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key: give both or neither");
  }
  const char* levels[] = {"trace", "debug", "info", "warn", "error"};
  bool ok = false;
  for (const char* l : levels) ok |= c.log_level == l;
  if (!ok)
    return Status::InvalidArgument("--log-level: expected trace, debug, info, warn or error");
  return c;
}

}  // namespace deconflict::server
