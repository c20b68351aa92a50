// Operations and static content: health, readiness, metrics, the OpenAPI document and the web
// console. None needs a party's token; none says anything about the parties' data (no counts in
// /healthz and /readyz), and /metrics is served on this listener only with the metrics token
// (docs/security.md §12).
#include <boost/json.hpp>

#include "http/completion.h"
#include "server/handler.h"
#include "store/sqlite_store.h"

namespace deconflict::server {

namespace json = boost::json;
using http::Exchange;

namespace {

void RegisterGauges(http::Metrics* metrics, const service::Service* svc) {
  struct Gauge {
    const char* name;
    const char* help;
    int64_t (*get)(const channel::Channel::Stats&, const service::Service&);
  };
  static constexpr Gauge kGauges[] = {
      {"deconflict_conflicts_open", "Conflicts open or acknowledged (not resolved)",
       [](const auto& s, const auto&) { return s.conflicts_open; }},
      {"deconflict_notices_unacknowledged",
       "Sides of open conflicts that have not acknowledged their notice",
       [](const auto& s, const auto&) { return s.notices_unacknowledged; }},
      {"deconflict_plans_active", "Active plans in the detector",
       [](const auto& s, const auto&) { return s.plans_active; }},
      {"deconflict_writer_batches", "Transactions committed by the writer",
       [](const auto& s, const auto&) { return s.batches; }},
      {"deconflict_writer_operations", "Operations applied by the writer",
       [](const auto& s, const auto&) { return s.operations; }},
      {"deconflict_escalations", "Escalations since start",
       [](const auto& s, const auto&) { return s.escalations; }},
      {"deconflict_stream_subscribers", "Open SSE and WebSocket streams",
       [](const auto&, const auto& service) {
         return static_cast<int64_t>(service.subscribers());
       }},
  };
  for (const Gauge& g : kGauges) {
    metrics->Gauge(g.name, g.help,
                   [svc, get = g.get] { return static_cast<double>(get(svc->stats(), *svc)); });
  }
  // The soak test (bench/soak_verdict.h) judges the RSS less this bounded cache.
  metrics->Gauge("deconflict_sqlite_memory_bytes",
                 "Heap held by SQLite in this process (page caches, statements), bytes",
                 [] { return static_cast<double>(store::SqliteHeapBytes()); });
}

Response Asset(const ConsoleAssets* console, const Request& req, const std::string& name) {
  const ConsoleAssets::File* f = console == nullptr ? nullptr : console->Find(name);
  if (f == nullptr) {
    const bool none = console == nullptr || console->empty();
    return http::ProblemFromStatus(Status::NotFound(
        none ? "the web console is not installed: build web/ and start deconflictd with --web DIR"
             : "no such console file"));
  }
  Response r;
  r.headers.emplace_back("Content-Security-Policy",
                         std::string(ConsoleAssets::kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", f->etag);
  if (req.header("If-None-Match") == f->etag) {
    r.status = 304;
    r.content_type.clear();
  } else {
    r.content_type = f->content_type;
    r.body = f->body;
  }
  return r;
}

// /metrics on the API listener: NotFound when no metrics token is configured, Unauthenticated
// unless the request carries it (compared in constant time).
Status MetricsAllowed(const std::string& metrics_token, const Request& req) {
  if (metrics_token.empty()) {
    return Status::NotFound(
        "metrics are not served on this listener: configure metrics_token_file (then scrape "
        "with that token) or metrics_listen (docs/security.md §12)");
  }
  if (!TokensEqual(BearerToken(req), metrics_token)) {
    return Status::Unauthenticated("/metrics needs the metrics token (metrics_token_file)");
  }
  return Status::Ok();
}

}  // namespace

Response MetricsResponse(const http::Metrics& metrics) {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics.Render();
  return r;
}

void RegisterMetricsListenerRoutes(http::Router* router, const http::Metrics* metrics) {
  router->Add("GET", "/metrics", [metrics](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.Respond(MetricsResponse(*metrics));
  });
}

void RegisterOperationRoutes(http::Router* router, const ApiContext& ctx) {
  RegisterGauges(ctx.metrics, ctx.service);
  router->Add("GET", "/healthz", [](Exchange& ex) -> boost::asio::awaitable<void> {
    Response r = Json(200, json::object{{"status", "ok"}});
    co_await ex.Respond(std::move(r));
  });
  router->Add("GET", "/readyz", [&ctx](Exchange& ex) -> boost::asio::awaitable<void> {
    if (ex.ShuttingDown()) {
      co_return co_await ex.Respond(http::ProblemFromStatus(Status::Unavailable("shutting down")));
    }
    Status r = co_await http::RunOn(*ctx.pool, [&] { return ctx.service->Ready(); });
    if (!r.ok()) co_return co_await ex.Respond(http::ProblemFromStatus(r));
    Response ok = Json(200, json::object{{"status", "ready"}});
    co_await ex.Respond(std::move(ok));
  });
  router->Add("GET", "/metrics", [&ctx](Exchange& ex) -> boost::asio::awaitable<void> {
    Status allowed = MetricsAllowed(ctx.metrics_token, ex.request());
    if (!allowed.ok()) co_return co_await ex.Respond(http::ProblemFromStatus(allowed));
    co_await ex.Respond(MetricsResponse(*ctx.metrics));
  });
  router->Add("GET", "/openapi.json", [&ctx](Exchange& ex) -> boost::asio::awaitable<void> {
    Response r;
    r.body = ctx.openapi_json;
    co_await ex.Respond(std::move(r));
  });
  router->Add("GET", "/", [&ctx](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.Respond(Asset(ctx.console, ex.request(), "index.html"));
  });
  router->Add("GET", "/ui/{name}", [&ctx](Exchange& ex) -> boost::asio::awaitable<void> {
    co_await ex.Respond(Asset(ctx.console, ex.request(), ex.request().params.at("name")));
  });
}

}  // namespace deconflict::server
