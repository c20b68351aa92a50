#include "server/config.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "json/parse.h"

namespace deconflict::server {

namespace json = boost::json;

namespace {

struct Field {
  const char* key;   // config file key
  const char* env;   // environment variable
  const char* flag;  // command-line flag
  const char* help;  // the flag's --help text
  std::string Config::*str = nullptr;
  int Config::*num = nullptr;
  long lo = 1, hi = 64;             // the range of a number
  bool Config::*boolean = nullptr;  // an option taking true|false
  bool Config::*on_off = nullptr;   // a switch: a flag without value; true/false in the file or
                                    // the environment ("1"/"0" too)
};

const Field kFields[] = {
    {"data", "DECONFLICT_DATA", "--data", "store directory (created if missing)", &Config::data},
    {"listen", "DECONFLICT_LISTEN", "--listen", "HOST:PORT to listen on (port 0: any)",
     &Config::listen},
    {"rules", "DECONFLICT_RULES", "--rules", "separation rules JSON file", &Config::rules},
    {"deadlines", "DECONFLICT_DEADLINES", "--deadlines", "deadline policy JSON file",
     &Config::deadlines},
    {"tls_cert", "DECONFLICT_TLS_CERT", "--tls-cert", "TLS certificate chain (PEM)",
     &Config::tls_cert},
    {"tls_key", "DECONFLICT_TLS_KEY", "--tls-key", "TLS private key (PEM)", &Config::tls_key},
    {"threads", "DECONFLICT_THREADS", "--threads", "I/O threads (default: CPUs - 1, at least 1)",
     nullptr, &Config::threads},
    {"log_level", "DECONFLICT_LOG_LEVEL", "--log-level", "trace|debug|info|warn|error",
     &Config::log_level},
    {"web", "DECONFLICT_WEB", "--web", "web console folder (default: the built one)", &Config::web},
    {"disclosure_cell_m", "DECONFLICT_DISCLOSURE_CELL_M", "--disclosure-cell-m",
     "metres: smallest grid cell of another party's plan a party is shown (default 2000)", nullptr,
     &Config::disclosure_cell_m, 500, 100000},
    {"disclosure_time_s", "DECONFLICT_DISCLOSURE_TIME_S", "--disclosure-time-s",
     "seconds: times of another party's plan are rounded to this (default 60)", nullptr,
     &Config::disclosure_time_s, 1, 3600},
    {"dry_run_burst", "DECONFLICT_DRY_RUN_BURST", "--dry-run-burst",
     "dry runs and suggestions a party may make at once (default 30)", nullptr,
     &Config::dry_run_burst, 1, 100000},
    {"dry_run_per_minute", "DECONFLICT_DRY_RUN_PER_MINUTE", "--dry-run-per-minute",
     "dry runs and suggestions a party regains per minute (default 30)", nullptr,
     &Config::dry_run_per_minute, 1, 600000},
    {"max_area_km2", "DECONFLICT_MAX_AREA_KM2", "--max-area-km2",
     "largest zone, site or flight volume in km2 (default 10000)", nullptr, &Config::max_area_km2,
     1, 100000000},
    {"zones_need_approval", "DECONFLICT_ZONES_NEED_APPROVAL", "--zones-need-approval",
     "true|false: zones restricting other parties wait for a coordinator (default true)", nullptr,
     nullptr, 0, 0, &Config::zones_need_approval},
    // Bounded work (docs/security.md §13).
    {"dry_run_workers", "DECONFLICT_DRY_RUN_WORKERS", "--dry-run-workers",
     "threads for dry runs and suggestions (default 2)", nullptr, &Config::dry_run_workers, 1, 64},
    {"dry_run_queue", "DECONFLICT_DRY_RUN_QUEUE", "--dry-run-queue",
     "dry runs and suggestions waiting for a thread before 503 (default 16)", nullptr,
     &Config::dry_run_queue, 0, 4096},
    {"dry_run_budget_ms", "DECONFLICT_DRY_RUN_BUDGET_MS", "--dry-run-budget-ms",
     "time budget of one dry run or suggestion, ms (default 2000)", nullptr,
     &Config::dry_run_budget_ms, 10, 600000},
    {"max_conflicts_per_submission", "DECONFLICT_MAX_CONFLICTS_PER_SUBMISSION",
     "--max-conflicts-per-submission", "conflicts one plan write may open (default 100)", nullptr,
     &Config::max_conflicts_per_submission, 1, 1000000},
    {"max_notices_per_party_per_minute", "DECONFLICT_MAX_NOTICES_PER_PARTY_PER_MINUTE",
     "--max-notices-per-party-per-minute",
     "conflict.opened notices to one party per minute before they are merged (default 60)", nullptr,
     &Config::max_notices_per_party_per_minute, 1, 1000000},
    {"allow_private_destinations", "DECONFLICT_ALLOW_PRIVATE_DESTINATIONS",
     "--allow-private-destinations",
     "let webhooks and pagers reach loopback, private and link-local addresses", nullptr, nullptr,
     0, 0, nullptr, &Config::allow_private_destinations},
    {"metrics_token_file", "DECONFLICT_METRICS_TOKEN_FILE", "--metrics-token-file",
     "file holding the bearer token GET /metrics needs on the API listener",
     &Config::metrics_token_file},
    {"metrics_listen", "DECONFLICT_METRICS_LISTEN", "--metrics-listen",
     "HOST:PORT of a plain-HTTP listener serving only GET /metrics, without a token",
     &Config::metrics_listen},
    {"max_connections_per_address", "DECONFLICT_MAX_CONNECTIONS_PER_ADDRESS",
     "--max-connections-per-address", "open connections per client IP (0: no limit; default 64)",
     nullptr, &Config::max_connections_per_address, 0, 1000000},
    {"max_streams_per_party", "DECONFLICT_MAX_STREAMS_PER_PARTY", "--max-streams-per-party",
     "open SSE and WebSocket streams per party (0: no limit; default 16)", nullptr,
     &Config::max_streams_per_party, 0, 100000},
    {"ws_auth_timeout", "DECONFLICT_WS_AUTH_TIMEOUT", "--ws-auth-timeout",
     "seconds a WebSocket may stay unauthenticated (default 10)", nullptr,
     &Config::ws_auth_timeout_s, 1, 600},
};

Status SetFlag(Config* c, const Field& f, const std::string& text, const std::string& where) {
  if (text != "true" && text != "false") {
    return Status::InvalidArgument(where + ": expected true or false, got \"" + text + "\"");
  }
  c->*(f.boolean) = text == "true";
  return Status::Ok();
}

// A switch's value from the environment or the file.
Status SetSwitch(Config* c, const Field& f, const std::string& text, const std::string& where) {
  if (text != "true" && text != "false" && text != "1" && text != "0") {
    return Status::InvalidArgument(where + ": expected true or false, got \"" + text + "\"");
  }
  c->*(f.on_off) = text == "true" || text == "1";
  return Status::Ok();
}

Status SetNumber(Config* c, const Field& f, const std::string& text, const std::string& where) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || v < f.lo || v > f.hi) {
    return Status::InvalidArgument(where + ": expected an integer from " + std::to_string(f.lo) +
                                   " to " + std::to_string(f.hi) + ", got \"" + text + "\"");
  }
  c->*(f.num) = static_cast<int>(v);
  return Status::Ok();
}

// Sets field `f` of `c` from a config-file value, the place named by `where`.
Status SetFromJson(Config* c, const Field& f, const json::value& val, const std::string& where) {
  if (f.on_off) {
    if (!val.is_bool()) return Status::InvalidArgument(where + ": expected true or false");
    c->*(f.on_off) = val.get_bool();
    return Status::Ok();
  }
  if (f.num) {
    if (!val.is_int64()) return Status::InvalidArgument(where + ": expected an integer");
    return SetNumber(c, f, std::to_string(val.get_int64()), where);
  }
  if (f.boolean) {
    if (!val.is_bool()) return Status::InvalidArgument(where + ": expected true or false");
    c->*(f.boolean) = val.get_bool();
    return Status::Ok();
  }
  if (!val.is_string()) return Status::InvalidArgument(where + ": expected a string");
  c->*(f.str) = val.get_string();
  return Status::Ok();
}

// The keys of the JSON config file at `path` (a JSON object), into `c`.
Status ApplyConfigFile(const std::string& path, Config* c) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("--config: cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  json::value v;
  if (auto issue = deconflict::json::Parse(ss.str(), &v)) {
    return Status::InvalidArgument(path + ": " + issue->ToString());
  }
  if (!v.is_object()) return Status::InvalidArgument(path + ": expected a JSON object");
  for (const auto& [k, val] : v.get_object()) {
    const Field* f = nullptr;
    for (const Field& x : kFields) {
      if (k == x.key) f = &x;
    }
    std::string where = path + ": " + std::string(k);
    if (f == nullptr) return Status::InvalidArgument(where + ": unknown key");
    if (Status s = SetFromJson(c, *f, val, where); !s.ok()) return s;
  }
  return Status::Ok();
}

// The DECONFLICT_* environment variables that are set, into `c`.
Status ApplyEnvironment(Config* c) {
  for (const Field& f : kFields) {
    const char* e = std::getenv(f.env);
    if (e == nullptr) continue;
    if (f.on_off) {
      if (Status s = SetSwitch(c, f, e, f.env); !s.ok()) return s;
    } else if (f.num) {
      if (Status s = SetNumber(c, f, e, f.env); !s.ok()) return s;
    } else if (f.boolean) {
      if (Status s = SetFlag(c, f, e, f.env); !s.ok()) return s;
    } else {
      c->*(f.str) = e;
    }
  }
  return Status::Ok();
}

// The checks across fields, once every source is applied.
Status Validate(const Config& c) {
  if (c.data.empty()) {
    return Status::InvalidArgument(
        "--data: required (or DECONFLICT_DATA, or \"data\" in --config)");
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key: give both or neither");
  }
  const bool any_port = c.listen.size() >= 2 && c.listen.compare(c.listen.size() - 2, 2, ":0") == 0;
  if (!c.metrics_listen.empty() && c.metrics_listen == c.listen && !any_port) {
    return Status::InvalidArgument("--metrics-listen: must differ from --listen");
  }
  const char* levels[] = {"trace", "debug", "info", "warn", "error"};
  bool ok = false;
  for (const char* l : levels) ok |= c.log_level == l;
  if (!ok) {
    return Status::InvalidArgument("--log-level: expected trace, debug, info, warn or error");
  }
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
  std::vector<std::pair<const Field*, CLI::Option*>> given;  // the fields' flags, in kFields order
  std::map<const Field*, std::string> flag_text;             // boolean options, as given
  for (const Field& f : kFields) {
    if (f.boolean) {
      given.emplace_back(&f, app.add_option(f.flag, flag_text[&f], f.help));
    } else if (f.on_off) {
      given.emplace_back(&f, app.add_flag(f.flag, flags.*(f.on_off), f.help));
    } else {
      given.emplace_back(&f, f.num ? app.add_option(f.flag, flags.*(f.num), f.help)
                                   : app.add_option(f.flag, flags.*(f.str), f.help));
    }
  }
  app.add_flag("--no-web", c.no_web, "serve no web console");
  app.add_flag("--demo", c.demo, "create demo parties and load the seed scenario");
  app.add_option("--demo-scenario", c.demo_scenario, "scenario file for --demo");
  app.add_option("--port-file", c.port_file, "write the bound port to this file");
  app.add_option("--metrics-port-file", c.metrics_port_file,
                 "write the metrics listener's bound port to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    c.exit_now = true;
    c.exit_code = app.exit(e);
    if (c.exit_code != 0) c.exit_code = 2;
    return c;
  }

  // The config file, then the environment, then the flags: each overrides the one before.
  if (config_file.empty()) {
    if (const char* e = std::getenv("DECONFLICT_CONFIG")) config_file = e;
  }
  if (!config_file.empty()) {
    if (Status s = ApplyConfigFile(config_file, &c); !s.ok()) return s;
  }
  if (Status s = ApplyEnvironment(&c); !s.ok()) return s;
  for (const auto& [f, option] : given) {
    if (!*option) continue;
    if (f->on_off) {
      c.*(f->on_off) = flags.*(f->on_off);
    } else if (f->num) {
      Status s = SetNumber(&c, *f, std::to_string(flags.*(f->num)), f->flag);
      if (!s.ok()) return s;
    } else if (f->boolean) {
      if (Status s = SetFlag(&c, *f, flag_text[f], f->flag); !s.ok()) return s;
    } else {
      c.*(f->str) = flags.*(f->str);
    }
  }
  if (Status s = Validate(c); !s.ok()) return s;
  return c;
}

}  // namespace deconflict::server
