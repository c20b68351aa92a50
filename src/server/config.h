// deconflictd's configuration: flags > environment > config file > defaults.
//
//   Result<Config> c = LoadConfig(argc, argv);   // --help prints usage (c->exit_now)
//
// Environment: DECONFLICT_DATA, DECONFLICT_LISTEN, DECONFLICT_RULES, DECONFLICT_DEADLINES,
// DECONFLICT_TLS_CERT, DECONFLICT_TLS_KEY, DECONFLICT_THREADS, DECONFLICT_LOG_LEVEL,
// DECONFLICT_DISCLOSURE_CELL_M, DECONFLICT_DISCLOSURE_TIME_S, DECONFLICT_DRY_RUN_BURST,
// DECONFLICT_DRY_RUN_PER_MINUTE, DECONFLICT_MAX_AREA_KM2, DECONFLICT_ZONES_NEED_APPROVAL
// (true|false), the bounded-work limits DECONFLICT_DRY_RUN_WORKERS, _DRY_RUN_QUEUE,
// _DRY_RUN_BUDGET_MS, _MAX_CONFLICTS_PER_SUBMISSION, _MAX_NOTICES_PER_PARTY_PER_MINUTE,
// DECONFLICT_ALLOW_PRIVATE_DESTINATIONS (true/false), DECONFLICT_METRICS_TOKEN_FILE,
// DECONFLICT_METRICS_LISTEN, DECONFLICT_MAX_CONNECTIONS_PER_ADDRESS,
// DECONFLICT_MAX_STREAMS_PER_PARTY, DECONFLICT_WS_AUTH_TIMEOUT.
// Config file (--config FILE or DECONFLICT_CONFIG): a JSON object with the same keys in lower case
// ("data", "listen", "rules", "deadlines", "tls_cert", "tls_key", "threads", "log_level",
// "disclosure_cell_m", "disclosure_time_s", "dry_run_burst", "dry_run_per_minute",
// "max_area_km2", "zones_need_approval" and "allow_private_destinations": JSON booleans).
// Thread-safety: value type.
#pragma once

#include <string>

#include "base/status.h"

namespace deconflict::server {

// One I/O thread per CPU, less the one that the channel's writer thread keeps busy under load;
// at least one.
int DefaultThreads();

struct Config {
  std::string data;                       // REQUIRED: the store directory (created if missing)
  std::string listen = "127.0.0.1:8080";  // DEFAULT
  std::string rules;                      // optional rules JSON file (model/rules.h)
  std::string deadlines;                  // optional deadline policy JSON file (channel/policy.h)
  std::string tls_cert, tls_key;          // both or neither
  int threads = DefaultThreads();         // DEFAULT: one I/O thread per CPU but one (the writer's)
  std::string log_level = "info";         // DEFAULT: trace|debug|info|warn|error
  bool demo = false;                      // load demo parties and the seed scenario
  std::string demo_scenario;              // DEFAULT: the installed seed scenario
  std::string port_file;                  // write the bound port here (tests, scripts)
  // GET /metrics (docs/security.md §12): on the API listener only with the token in this file
  // (DEFAULT: none, then 404 there); and/or on a separate plain-HTTP listener (DEFAULT: none).
  std::string metrics_token_file;
  std::string metrics_listen;            // "HOST:PORT", e.g. "127.0.0.1:9464"
  std::string metrics_port_file;         // write the metrics listener's bound port here
  int max_connections_per_address = 64;  // DEFAULT: per client IP; 0: no limit
  int max_streams_per_party = 16;        // DEFAULT: SSE + WebSocket streams; 0: no limit
  int ws_auth_timeout_s = 10;            // DEFAULT: an unauthenticated WebSocket is closed then
  std::string web;                       // DEFAULT: the built/installed console (main.cc)
  // docs/security.md §2: how coarse a party's view of another party's plan is.
  int disclosure_cell_m = 2000;  // DEFAULT: 2 km; 500 to 100,000 m
  int disclosure_time_s = 60;    // DEFAULT: 1 min; 1 to 3,600 s
  // Probing limits (docs/security.md §11).
  int dry_run_burst = 30;           // DEFAULT: dry runs + suggestions a party may make at once
  int dry_run_per_minute = 30;      // DEFAULT: refill, per party (one every 2 s)
  int max_area_km2 = 10000;         // DEFAULT: largest zone, site or flight volume
  bool zones_need_approval = true;  // DEFAULT: restricting zones wait for a coordinator
  bool no_web = false;              // serve no console
  // Bounded work (docs/security.md §13).
  int dry_run_workers = 2;                    // DEFAULT: threads for dry runs and suggestions
  int dry_run_queue = 16;                     // DEFAULT: waiting beyond the workers before 503
  int dry_run_budget_ms = 2000;               // DEFAULT: one dry run's or suggestion's budget
  int max_conflicts_per_submission = 100;     // DEFAULT: beyond it a plan write gets 422
  int max_notices_per_party_per_minute = 60;  // DEFAULT: beyond it notices are merged
  // DEFAULT: false: webhooks and pagers on loopback, private, link-local addresses are refused
  // (docs/security.md §14).
  bool allow_private_destinations = false;
  bool exit_now = false;  // --help / --version were answered
  int exit_code = 0;
};

// InvalidArgument naming the flag, variable or key and the reason.
Result<Config> LoadConfig(int argc, char** argv);

}  // namespace deconflict::server
