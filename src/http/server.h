// A small HTTP/1.1 + WebSocket + Server-Sent Events server on Boost.Beast/Asio with C++20
// coroutines, plain or TLS (OpenSSL), with a router, RFC 9457 problem bodies, request metrics and
// graceful shutdown. It knows nothing about deconfliction: the API (server/api.h) registers routes.
//
//   asio::io_context io;
//   http::Router router;
//   router.Add("GET", "/v1/plans/{id}", [](http::Exchange& ex) -> asio::awaitable<void> {
//     http::Response r = http::JsonResponse(200, {{"id", ex.request().params.at("id")}});
//     co_await ex.Respond(std::move(r));
//   });
//
// GCC 12 coroutine bugs: inside a co_await expression, a braced JSON literal with string keys
// does not compile ("array used as initializer"), and an aggregate temporary such as
// `co_await ex.SendEvent({.id = 1, .data = d})` or `SseEvent{...}` is destroyed twice (heap
// corruption). Name such values in a statement of their own first, as above:
//   const http::SseEvent e{.id = 1, .data = d};  co_await ex.SendEvent(e);
// Temporaries returned by functions (JsonResponse(...), "a" + s) are fine.
//   http::Server server(io, router, {.listen = "127.0.0.1:8080"});
//   CHECK(server.Start().ok());  io.run();
//
// Thread-safety: Router is immutable once the server starts. Server::Start/Stop may be called
// from any thread. Each connection runs on its own strand; handlers of different connections run
// concurrently on the io_context's threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/async_signal.h"
#include "http/metrics.h"

namespace deconflict::http {

namespace asio = boost::asio;

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string target;                         // as received, e.g. "/v1/plans?status=active"
  std::string path;                           // decoded path without query, e.g. "/v1/plans"
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  std::map<std::string, std::string> params;  // path parameters from the route pattern
  std::string body;
  std::string remote;  // "ip:port" of the peer
  std::string route;   // the matched pattern, e.g. "/v1/plans/{id}"
  // Header value by case-insensitive name, or "" if absent.
  std::string header(std::string_view name) const;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};

// A JSON body, written by json::Write (json/write.h: numbers as plain decimals, never "4.163E1";
// non-finite doubles as null). ProblemResponse writes its body the same way.
Response JsonResponse(int status, const boost::json::value& body);
// An RFC 9457 problem: content type application/problem+json, body
//   {"type": "https://deconflict.example/problems/<type>", "title", "status", "detail",
//    "errors": [{"path", "reason"}]  (only when issues are given)}
// plus `extra` members.
Response ProblemResponse(int status, std::string_view type, std::string_view title,
                         std::string_view detail, const std::vector<Issue>& issues = {},
                         const boost::json::object& extra = {});
// The one place that maps Status codes to HTTP: malformed_request 400, unauthenticated 401,
// permission_denied 403, not_found 404, already_exists 409, failed_precondition 409,
// precondition_failed 412, too_large 413, unsupported_media_type 415, invalid_argument 422 (a
// document that does not validate; `errors` lists every issue), upgrade_required 426 (with
// Upgrade: websocket), precondition_required 428, too_many_requests 429 (Retry-After: 1),
// unavailable 503, io_error/internal 500 (logged).
// The problem's type is the code's name, e.g. ".../problems/invalid_argument".
int HttpStatusFor(StatusCode code);
Response ProblemFromStatus(const Status& s);

// One event of a Server-Sent Events stream.
struct SseEvent {
  int64_t id = 0;    // written as "id: <n>" when > 0
  std::string type;  // "event: <type>" when not empty
  std::string data;  // one line of JSON (no newlines)
};

// WebSocket close codes (RFC 6455 §7.4.1) a handler may close with.
enum class CloseCode {
  kNormal = 1000,
  kPolicyViolation = 1008,  // e.g. not authenticated in time, token revoked
  kTryAgainLater = 1013,    // e.g. a limit is reached
};

// A WebSocket accepted by Exchange::AcceptWebSocket. Text frames only.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Sends one text frame. False if the connection is gone.
  virtual asio::awaitable<bool> Send(std::string text) = 0;
  // The next text frame, or nullopt when the peer closed or the connection failed.
  // One Receive may run concurrently with one Send (e.g. with awaitable operators).
  virtual asio::awaitable<std::optional<std::string>> Receive() = 0;
  // Starts the close handshake with `code` (bounded by a 5 s timeout) and returns once it ended;
  // a pending Receive then returns nullopt. Does nothing if a close already began.
  virtual asio::awaitable<void> Close(CloseCode code) = 0;
  asio::awaitable<void> Close() { return Close(CloseCode::kNormal); }
};

// What a handler gets: the request and the ways to answer it. A handler must either Respond once,
// or StartEventStream and then send events, or AcceptWebSocket (only if IsWebSocketUpgrade()).
// A handler that returns without answering gets a 500 problem; one that throws gets a 500 problem
// (if it had not answered yet) and an spdlog error. Answering twice throws std::logic_error.
// After an event stream or a WebSocket, the connection closes when the handler returns.
//
// Threads: the handler runs on the connection's strand (executor()). Every method of the Exchange
// and of its WebSocket must be called from coroutines on that executor: the handler itself, or
// coroutines it runs with awaitable operators (&&, ||) or co_spawn(ex.executor(), ...). To wait
// for something another thread produces, use WaitFor with an AsyncSignal (async_signal.h), a
// Completion (completion.h), or RunOn(pool, blocking_call): never block the io thread.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual Request& request() = 0;
  virtual asio::awaitable<void> Respond(Response r) = 0;

  // Sends "200 text/event-stream" headers (no-cache, no buffering) and keeps the connection.
  virtual asio::awaitable<bool> StartEventStream() = 0;
  // False once the peer is gone or the server is shutting down.
  virtual asio::awaitable<bool> SendEvent(const SseEvent& e) = 0;
  // A ":" comment line (keep-alive). False once the peer is gone.
  virtual asio::awaitable<bool> SendComment(std::string_view text) = 0;

  virtual bool IsWebSocketUpgrade() const = 0;
  virtual asio::awaitable<std::unique_ptr<WebSocket>> AcceptWebSocket() = 0;

  // True once the server has begun shutting down: long-lived handlers (streams) should end.
  virtual bool ShuttingDown() const = 0;
  virtual asio::any_io_executor executor() = 0;

  // Why WaitFor returned.
  enum class Wake {
    kSignal,   // `signal` moved past `seen`
    kEnd,      // the server is shutting down, or the peer of the stream/WebSocket has gone
    kTimeout,  // `timeout` passed: e.g. time to SendComment a keep-alive
  };
  // Waits until `signal` (may be null: then only the other reasons) moves past `seen`, the server
  // begins shutting down, the peer of an event stream disconnects (noticed without writing) or of
  // a WebSocket fails, or `timeout` passes. kEnd wins when several hold. The typical stream loop:
  //   co_await ex.StartEventStream();
  //   for (;;) {
  //     uint64_t seen = feed.generation();          // before reading what the feed guards
  //     for (auto& e : Pending()) if (!co_await ex.SendEvent(e)) co_return;
  //     Exchange::Wake w = co_await ex.WaitFor(&feed, seen, std::chrono::seconds(15));
  //     if (w == Exchange::Wake::kEnd) co_return;
  //     if (w == Exchange::Wake::kTimeout && !co_await ex.SendComment("keep-alive")) co_return;
  //   }
  // DEFAULT implementation (for test fakes): waits on `signal` only.
  virtual asio::awaitable<Wake> WaitFor(const AsyncSignal* signal, uint64_t seen,
                                        std::chrono::milliseconds timeout);
  // WaitFor(nullptr, 0, timeout) == kEnd: true when the handler should end, false on timeout.
  asio::awaitable<bool> WaitShutdownOr(std::chrono::milliseconds timeout);
};

using Handler = std::function<asio::awaitable<void>(Exchange&)>;

class Router {
 public:
  // Pattern segments are literals or "{name}" (matches one non-empty segment). Routes match in
  // the order added. A path that matches a pattern but not its method gets 405 with an Allow
  // header; no match gets 404 (problem bodies). Methods compare case-sensitively ("GET").
  // Throws std::invalid_argument for a pattern that does not start with '/', an empty "{}" or a
  // segment mixing a parameter with literal text ("a{id}").
  void Add(std::string method, std::string pattern, Handler handler);
  struct Route {
    std::string method, pattern;
    Handler handler;
  };
  const std::vector<Route>& routes() const { return routes_; }
  // The route for (method, path) with params filled in, or nullptr; *allowed lists the methods
  // of routes whose pattern matches the path.
  const Route* Match(std::string_view method, std::string_view path,
                     std::map<std::string, std::string>* params,
                     std::vector<std::string>* allowed) const;
  // Like Match, on a path already split into decoded segments (the server splits the raw path
  // before decoding, so that "a%2Fb" is one segment). "/" is {}, "/a/b" is {"a", "b"}.
  const Route* MatchSegments(std::string_view method, const std::vector<std::string>& segments,
                             std::map<std::string, std::string>* params,
                             std::vector<std::string>* allowed) const;

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> split_;  // routes_[i].pattern split into segments
};

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // DEFAULT. "HOST:PORT"; port 0 picks a free port
  std::string tls_cert_file;              // both set: serve HTTPS/WSS only
  std::string tls_key_file;
  size_t max_body_bytes = 1 << 20;         // DEFAULT: 1 MiB; larger bodies get 413
  std::chrono::seconds idle_timeout{60};   // DEFAULT: 60 s without a request closes a connection
  std::chrono::seconds drain_timeout{10};  // DEFAULT: 10 s for in-flight requests at shutdown
  // DEFAULT: 64 open connections per client IP address; a connection over the limit gets a 503
  // problem (Retry-After: 1) at once, without its request being read, and is closed. 0: no limit.
  size_t max_connections_per_address = 64;
  Metrics* metrics = nullptr;  // optional: request counts and latency per route
};

class Server {
 public:
  Server(asio::io_context& io, const Router& router, ServerOptions options);
  ~Server();
  // Binds and starts accepting. InvalidArgument for a bad listen address or TLS files,
  // Unavailable if the address cannot be bound.
  Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // Stops accepting, tells streams to end (ShuttingDown), waits for in-flight handlers up to
  // drain_timeout, then closes every connection. Completes `done` on the io_context.
  void Stop(std::function<void()> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace deconflict::http
