// deconflictd's configuration: flags > environment > config file > defaults.
//
//   Result<Config> c = LoadConfig(argc, argv);   // --help prints usage (c->exit_now)
//
// Environment: DECONFLICT_DATA, DECONFLICT_LISTEN, DECONFLICT_RULES, DECONFLICT_DEADLINES,
// DECONFLICT_TLS_CERT, DECONFLICT_TLS_KEY, DECONFLICT_THREADS, DECONFLICT_LOG_LEVEL,
// DECONFLICT_ALLOW_PRIVATE_DESTINATIONS (true/false).
// Config file (--config FILE or DECONFLICT_CONFIG): a JSON object with the same keys in lower case
// ("data", "listen", "rules", "deadlines", "tls_cert", "tls_key", "threads", "log_level",
// "allow_private_destinations": a JSON boolean).
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
  std::string web;                        // DEFAULT: the built/installed console (main.cc)
  bool no_web = false;                    // serve no console
  // DEFAULT: false: webhooks and pagers on loopback, private, link-local addresses are refused
  // (docs/security.md §14).
  bool allow_private_destinations = false;
  bool exit_now = false;  // --help / --version were answered
  int exit_code = 0;
};

// InvalidArgument naming the flag, variable or key and the reason.
Result<Config> LoadConfig(int argc, char** argv);

}  // namespace deconflict::server
