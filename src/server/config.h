// deconflictd's configuration: flags > environment > config file > defaults.
//
//   Result<Config> c = LoadConfig(argc, argv);   // --help prints usage (c->exit_now)
//
// Environment: DECONFLICT_DATA, DECONFLICT_LISTEN, DECONFLICT_RULES, DECONFLICT_DEADLINES,
// DECONFLICT_TLS_CERT, DECONFLICT_TLS_KEY, DECONFLICT_THREADS, DECONFLICT_LOG_LEVEL,
// DECONFLICT_METRICS_TOKEN_FILE, DECONFLICT_METRICS_LISTEN, DECONFLICT_MAX_CONNECTIONS_PER_ADDRESS,
// DECONFLICT_MAX_STREAMS_PER_PARTY, DECONFLICT_WS_AUTH_TIMEOUT.
// Config file (--config FILE or DECONFLICT_CONFIG): a JSON object with the same keys in lower case
// ("data", "listen", "rules", "deadlines", "tls_cert", "tls_key", "threads", "log_level").
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
  bool no_web = false;                   // serve no console
  bool exit_now = false;                 // --help / --version were answered
  int exit_code = 0;
};

// InvalidArgument naming the flag, variable or key and the reason.
Result<Config> LoadConfig(int argc, char** argv);

}  // namespace deconflict::server
