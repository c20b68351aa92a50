// The HTTP API of deconflictd (docs/openapi.json is its contract; docs/security.md its access
// policy): the route groups registered on a router, over one service layer.
//
//   server::Api api({.channel = ch.get(), .metrics = &metrics, .openapi_json = text});
//   api.Register(&router);
//
// Handlers are short and all of one shape (handler.h): read and validate the request, call one
// function of service::Service with the authenticated caller, render. Authorization and
// disclosure live in the service; blocking work (the store, waits for the writer) runs on the
// API's worker pool, never on an I/O thread.
// Thread-safety: handlers run concurrently; Api is immutable after Register and must outlive the
// server that uses its routes.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <string>
#include <vector>

#include "channel/channel.h"
#include "http/metrics.h"
#include "http/server.h"
#include "server/console.h"
#include "server/handler.h"
#include "service/service.h"

namespace deconflict::server {

struct ApiOptions {
  channel::Channel* channel = nullptr;     // REQUIRED
  http::Metrics* metrics = nullptr;        // REQUIRED
  std::string openapi_json;                // served at /openapi.json
  const ConsoleAssets* console = nullptr;  // the web console at / and /ui/NAME (none: 404s)
  std::chrono::seconds keepalive{15};      // DEFAULT: SSE/WebSocket keep-alive interval
  std::string metrics_token;  // DEFAULT: none, and GET /metrics answers 404 on the API listener
  std::chrono::milliseconds ws_auth_timeout{10000};  // DEFAULT: 10 s to authenticate a WebSocket
  // Threads for blocking work (store reads; writes other than plan writes wait on them for the
  // writer's commit). DEFAULT: 0, meaning two per CPU core and at least 4. Few threads that stay
  // busy serve reads with fewer thread wake-ups than many idle ones (docs/PERFORMANCE.md: 64
  // threads cost 75-85 µs of CPU per GET /v1/plans/{id}, 4 threads 50-58 µs, on 2 cores).
  int workers = 0;
  service::ServiceOptions service;  // dry-run limits, maximum area (service.h)
  // Dry runs and suggestions (docs/security.md §13): their own pool of `dry_run_workers` threads,
  // `dry_run_queue` more waiting (then 503), each stopped after `dry_run_budget` (then 422).
  int dry_run_workers = 2;                         // DEFAULT
  int dry_run_queue = 16;                          // DEFAULT
  std::chrono::milliseconds dry_run_budget{2000};  // DEFAULT
};

class Api {
 public:
  explicit Api(ApiOptions options);
  ~Api();  // joins the worker pool
  void Register(http::Router* router);
  // Waits for the blocking work in flight to finish. Call it once the io_context has stopped
  // running and before it is destroyed: a piece of work that outlived the drain (a long dry run)
  // posts its result to the handler's executor when it ends. Idempotent.
  void Join();
  // Handlers registered (for the OpenAPI coverage test): "METHOD /pattern".
  static std::vector<std::string> RouteNames(const http::Router& router);

 private:
  ApiOptions o_;
  service::Service service_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::unique_ptr<BoundedPool> heavy_;
  ApiContext ctx_;
};

}  // namespace deconflict::server
