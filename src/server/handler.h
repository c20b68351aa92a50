// The shape every HTTP handler of the API has: read the request (validating at the edge), call
// one service function with the caller, render the result. Authentication, running the blocking
// part off the network threads, and mapping a Status to an RFC 9457 problem
// (http::ProblemFromStatus, the one mapping) happen here, once.
//
//   router->Add("GET", "/v1/plans/{id}", Authenticated(ctx, [&ctx](const Request& req,
//                                                                   const Caller& caller) {
//     return Json(200, ctx.service->GetPlan(caller, req.params.at("id")));
//   }));
//
// Thread-safety: the functions given to Authenticated and Public run on the worker pool, several
// at once; the context is immutable after set-up.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "base/status.h"
#include "http/metrics.h"
#include "http/server.h"
#include "server/console.h"
#include "service/service.h"

namespace deconflict::server {

using http::Request;
using http::Response;
using service::Caller;

// A small pool for reads that may be long (dry runs, suggestions), with a bounded queue: at most
// `workers` run at once and `queue` more wait; beyond that TryAdmit fails (the route answers 503
// with Retry-After). Thread-safe.
class BoundedPool {
 public:
  BoundedPool(int workers, int queue, std::chrono::milliseconds budget);
  // A place for one piece of work, released by the returned guard's destruction; nullopt when
  // every worker and queue place is taken.
  struct Slot {
    BoundedPool* pool;
    Slot(Slot&& o) noexcept : pool(std::exchange(o.pool, nullptr)) {}
    explicit Slot(BoundedPool* p) : pool(p) {}
    ~Slot() {
      if (pool) pool->admitted_.fetch_sub(1);
    }
  };
  std::optional<Slot> TryAdmit();
  boost::asio::thread_pool& pool() { return pool_; }
  std::chrono::milliseconds budget() const { return budget_; }  // each piece of work's
  void Join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
  const int capacity_;
  const std::chrono::milliseconds budget_;
  std::atomic<int> admitted_{0};
};

// What the handlers share.
struct ApiContext {
  const service::Service* service = nullptr;  // REQUIRED
  boost::asio::thread_pool* pool = nullptr;   // REQUIRED: blocking work (store, writer waits)
  http::Metrics* metrics = nullptr;           // REQUIRED
  std::string openapi_json;                   // served at /openapi.json
  const ConsoleAssets* console = nullptr;     // the web console (none: 404s)
  std::chrono::seconds keepalive{15};         // SSE/WebSocket keep-alive interval
  BoundedPool* heavy = nullptr;               // REQUIRED: dry runs and suggestions
  std::string metrics_token;  // GET /metrics needs it as a bearer token (empty: 404 there)
  // An upgraded WebSocket that has not authenticated (no token in the upgrade, no auth frame)
  // within this time gets an error frame and is closed.
  std::chrono::milliseconds ws_auth_timeout{10000};
};

// A route's work: a response, or a Status the caller gets as a problem.
using AuthedBody = std::function<Result<Response>(const Request&, const Caller&)>;
using PublicBody = std::function<Result<Response>(const Request&)>;

// Authenticates the bearer token (401 otherwise), then runs `body` on the worker pool.
http::Handler Authenticated(const ApiContext& ctx, AuthedBody body);
// The common case: an authenticated route whose work is one function of the service.
using ServiceBody = Result<Response> (*)(const service::Service&, const Request&, const Caller&);
void AddRoute(http::Router* router, const ApiContext& ctx, const char* method, const char* pattern,
              ServiceBody body);
struct RouteSpec {
  const char* method;
  const char* pattern;
  ServiceBody body;
};
// AddRoute for each, in order.
void AddRoutes(http::Router* router, const ApiContext& ctx,
               std::initializer_list<RouteSpec> routes);
// For reads that memory can usually answer: when the token is in the authentication cache,
// `now` runs on the network thread (it must not block: no store access) and its answer is sent;
// when it returns nullopt, or the token must be checked against the store, `body` runs as with
// Authenticated. Both must give the same answer for the same state.
using NowBody = std::function<std::optional<Result<Response>>(const Request&, const Caller&)>;
http::Handler MemoryFirst(const ApiContext& ctx, NowBody now, AuthedBody body);
// Authenticated, but `body` runs on ctx.heavy (its time budget is ctx.heavy->budget()): when that
// pool is full, 503 with Retry-After and nothing runs.
http::Handler Heavy(const ApiContext& ctx, AuthedBody body);

// Runs `body` on the worker pool without a token.
http::Handler Public(const ApiContext& ctx, PublicBody body);

// ----- Reading the request. Each fails with MalformedRequest (400) or UnsupportedMediaType
// (415) naming the parameter or header.

// "Bearer <token>" (scheme case-insensitive), or "".
std::string BearerToken(const Request& req);
// a == b, in time independent of where they differ (their SHA-256 digests are compared). False
// when either is empty.
bool TokensEqual(std::string_view a, std::string_view b);
// The body as one JSON document (application/json or application/geo+json, or no Content-Type).
Result<boost::json::value> JsonBody(const Request& req);
// An integer query parameter in [lo, hi]; `def` when absent or empty.
Result<int64_t> QueryInt(const Request& req, const std::string& name, int64_t def, int64_t lo,
                         int64_t hi);
// If-Match: "3", W/"3" or 3; nullopt when absent.
Result<std::optional<int64_t>> IfMatch(const Request& req);
// A positive integer path parameter; NotFound("<what> does not exist") otherwise.
Result<int64_t> PathNumber(const Request& req, const std::string& name, const std::string& what);

// ----- Rendering.
Response Json(int status, const boost::json::value& body);
// `r` as JSON with status `ok_status`, or its problem.
template <typename T>
Result<Response> Json(int ok_status, Result<T> r) {
  if (!r.ok()) return r.status();
  return Json(ok_status, boost::json::value_from(std::move(*r)));
}
Response NoContent();
boost::json::array IssuesJson(const std::vector<Issue>& issues);
std::string ETag(int64_t version);

// The route groups, one file each.
void RegisterOperationRoutes(http::Router* router, const ApiContext& ctx);  // ops_routes.cc
// The metrics listener (metrics_listen): GET /metrics without a token, nothing else.
void RegisterMetricsListenerRoutes(http::Router* router, const http::Metrics* metrics);
// The Prometheus text of `metrics`.
Response MetricsResponse(const http::Metrics& metrics);
void RegisterPartyRoutes(http::Router* router, const ApiContext& ctx);     // party_routes.cc
void RegisterPlanRoutes(http::Router* router, const ApiContext& ctx);      // plan_routes.cc
void RegisterConflictRoutes(http::Router* router, const ApiContext& ctx);  // conflict_routes.cc
void RegisterEventRoutes(http::Router* router, const ApiContext& ctx);     // event_routes.cc
void RegisterRecordRoutes(http::Router* router, const ApiContext& ctx);    // record_routes.cc

}  // namespace deconflict::server
