// The HTTP API of deconflictd (docs/openapi.json is its contract; docs/security.md its access
// policy): one function that registers every route on a router.
//
//   server::Api api({.channel = ch.get(), .metrics = &metrics, .openapi_json = text});
//   api.Register(&router);
//
// Every handler authenticates the bearer token, validates its input at the edge (RFC 9457 problem
// bodies naming the field and the reason) and applies the need-to-know rule through
// channel/views.h. Writes go through the channel's single writer; handlers never block an I/O
// thread on them.
// Thread-safety: handlers run concurrently; Api itself is immutable after Register.
#pragma once

#include <string>

#include "channel/channel.h"
#include "http/metrics.h"
#include "http/server.h"
#include "server/console.h"

namespace deconflict::server {

struct ApiOptions {
  channel::Channel* channel = nullptr;     // REQUIRED
  http::Metrics* metrics = nullptr;        // REQUIRED
  std::string openapi_json;                // served at /openapi.json
  const ConsoleAssets* console = nullptr;  // the web console at / and /ui/NAME (none: 404s)
  std::chrono::seconds keepalive{15};      // DEFAULT: SSE/WebSocket keep-alive interval
};

class Api {
 public:
  explicit Api(ApiOptions options);
  void Register(http::Router* router);
  // Handlers registered (for the OpenAPI coverage test): "METHOD /pattern".
  static std::vector<std::string> RouteNames(const http::Router& router);

 private:
  ApiOptions o_;
};

}  // namespace deconflict::server
