// Internal to the http module: one HTTP/1.1 connection, plain (beast::tcp_stream) or TLS
// (beast::ssl_stream<beast::tcp_stream>), served by one coroutine on the connection's strand, and
// the Exchange / WebSocket implementations over it. The same template serves both stream types;
// it is instantiated once each in connection_plain.cc and connection_tls.cc (heavy headers stay
// out of every other file, and the two compile in parallel).
//
// Thread-safety: everything here runs on the connection's strand, except ConnectionBase's
// BeginShutdown/Abort, which post to it.
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "http/server_core.h"
#include "http/uri.h"

namespace deconflict::http::internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;
using tcp = asio::ip::tcp;

inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// How long a TLS close or a lingering close after an error answer may take.
inline constexpr std::chrono::seconds kCloseTimeout{1};
inline constexpr std::chrono::seconds kLingerTimeout{2};
inline constexpr size_t kLingerBytes = 8 << 20;

template <class Stream>
inline constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

inline std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

// The method as a metrics label: standard methods, or "OTHER" (bounded cardinality).
inline std::string MethodLabel(std::string_view m) {
  for (std::string_view known :
       {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"}) {
    if (m == known) return std::string(known);
  }
  return "OTHER";
}

// A mutual exclusion for writes among coroutines of one strand (no thread synchronisation).
class WriteGate {
 public:
  explicit WriteGate(const asio::any_io_executor& ex)
      : timer_(ex, asio::steady_timer::time_point::max()) {}
  asio::awaitable<void> Lock() {
    while (locked_) co_await timer_.async_wait(kTuple);
    locked_ = true;
  }
  void Unlock() {
    locked_ = false;
    timer_.cancel();  // wakes every waiter; the first to run takes the gate
  }

 private:
  bool locked_ = false;
  asio::steady_timer timer_;
};

template <class Stream>
class Connection;

// A WebSocket accepted on a connection. Shared between the handler's handle and the connection
// (which closes it with "going away" at shutdown).
template <class Stream>
class WsState {
 public:
  explicit WsState(std::shared_ptr<Connection<Stream>> conn)
      : conn_(std::move(conn)), ws_(conn_->stream_), gate_(conn_->executor()) {}

  websocket::stream<Stream&>& ws() { return ws_; }

  asio::awaitable<bool> Send(std::string text) {
    if (closed_ || closing_) co_return false;
    co_await gate_.Lock();
    bool ok = false;
    if (!closed_ && !closing_) {
      ws_.text(true);
      auto [ec, n] = co_await ws_.async_write(asio::buffer(text), kTuple);
      ok = !ec;
    }
    gate_.Unlock();
    if (!ok) Gone();
    co_return ok;
  }

  asio::awaitable<std::optional<std::string>> Receive() {
    while (!closed_) {
      auto [ec, n] = co_await ws_.async_read(rbuf_, kTuple);
      if (ec) {
        Gone();
        break;
      }
      const bool text = ws_.got_text();
      std::string s = beast::buffers_to_string(rbuf_.data());
      rbuf_.consume(rbuf_.size());
      if (text) co_return s;  // binary frames are ignored
    }
    co_return std::nullopt;
  }

  asio::awaitable<void> Close(websocket::close_code code) {
    if (closed_ || closing_) co_return;
    closing_ = true;
    co_await gate_.Lock();
    co_await ws_.async_close(code, kTuple);  // failing or not, the WebSocket is over
    gate_.Unlock();
    Gone();
  }

  bool open() const { return !closed_ && !closing_; }

 private:
  void Gone();

  std::shared_ptr<Connection<Stream>> conn_;
  websocket::stream<Stream&> ws_;
  beast::flat_buffer rbuf_;
  WriteGate gate_;
  bool closed_ = false;   // the socket failed or the close handshake ended
  bool closing_ = false;  // a close began
};

template <class Stream>
class WsHandle final : public WebSocket {
 public:
  explicit WsHandle(std::shared_ptr<WsState<Stream>> st) : st_(std::move(st)) {}
  asio::awaitable<bool> Send(std::string text) override { return st_->Send(std::move(text)); }
  asio::awaitable<std::optional<std::string>> Receive() override { return st_->Receive(); }
  using WebSocket::Close;
  asio::awaitable<void> Close(CloseCode code) override {
    return st_->Close(static_cast<websocket::close_code>(static_cast<int>(code)));
  }

 private:
  std::shared_ptr<WsState<Stream>> st_;
};

template <class Stream>
class ExchangeImpl final : public Exchange {
 public:
  enum class Mode { kNone, kResponded, kEventStream, kWebSocket };

  ExchangeImpl(std::shared_ptr<Connection<Stream>> conn, bhttp::request<bhttp::string_body> breq)
      : conn_(std::move(conn)), breq_(std::move(breq)), gate_(conn_->executor()) {}

  // Counts the request in the metrics once: a response when it begins to be written (so a client
  // that has the answer sees it counted), a stream or WebSocket when it ends.
  void Record(int status) {
    if (recorded_) return;
    recorded_ = true;
    conn_->core_->Record(
        MethodLabel(req_.method), req_.route, status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

  Request& request() override { return req_; }

  asio::awaitable<void> Respond(Response r) override {
    Claim(Mode::kResponded);
    status_ = r.status;
    bhttp::response<bhttp::string_body> res;
    res.version(breq_.version());
    res.result(static_cast<unsigned>(r.status));
    const bool no_body = r.status / 100 == 1 || r.status == 204 || r.status == 304;
    if (!no_body && !r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) {
      if (k.find_first_of("\r\n:") != std::string::npos ||
          v.find_first_of("\r\n") != std::string::npos) {
        continue;  // never let a header value split the response
      }
      res.insert(beast::string_view(k.data(), k.size()), beast::string_view(v.data(), v.size()));
    }
    keep_alive_ = breq_.keep_alive() && !conn_->core_->shutting_down.load();
    res.keep_alive(keep_alive_);
    if (!no_body) res.body() = std::move(r.body);
    res.prepare_payload();
    Record(r.status);
    conn_->lowest().expires_after(conn_->core_->options.idle_timeout);
    error_code ec;
    if (breq_.method() == bhttp::verb::head) {  // the headers (Content-Length) without the body
      bhttp::response_serializer<bhttp::string_body> sr{res};
      std::tie(ec, std::ignore) = co_await bhttp::async_write_header(conn_->stream_, sr, kTuple);
    } else {
      std::tie(ec, std::ignore) = co_await bhttp::async_write(conn_->stream_, res, kTuple);
    }
    if (ec) keep_alive_ = false;
  }

  asio::awaitable<bool> StartEventStream() override {
    Claim(Mode::kEventStream);
    status_ = 200;
    keep_alive_ = false;
    bhttp::response<bhttp::empty_body> res{bhttp::status::ok, breq_.version()};
    res.set(bhttp::field::content_type, "text/event-stream");
    res.set(bhttp::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");
    res.keep_alive(false);  // the body lasts until the server closes the connection
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    conn_->lowest().expires_after(conn_->core_->options.idle_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(conn_->stream_, sr, kTuple);
    if (ec) {
      conn_->MarkGone();
      co_return false;
    }
    conn_->WatchPeer();
    co_return true;
  }

  asio::awaitable<bool> SendEvent(const SseEvent& e) override {
    if (mode_ != Mode::kEventStream) throw std::logic_error("SendEvent before StartEventStream");
    if (ShuttingDown()) co_return false;
    std::string text;
    if (e.id > 0) text += "id: " + std::to_string(e.id) + "\n";
    if (!e.type.empty()) text += "event: " + e.type + "\n";
    std::string_view data = e.data;
    for (;;) {  // one "data:" line per line of data
      const size_t nl = data.find('\n');
      text += "data: ";
      text += data.substr(0, nl);
      text += "\n";
      if (nl == std::string_view::npos) break;
      data = data.substr(nl + 1);
    }
    text += "\n";
    co_return co_await WriteRaw(std::move(text));
  }

  asio::awaitable<bool> SendComment(std::string_view comment) override {
    if (mode_ != Mode::kEventStream) throw std::logic_error("SendComment before StartEventStream");
    std::string text;
    for (;;) {
      const size_t nl = comment.find('\n');
      text += ": ";
      text += comment.substr(0, nl);
      text += "\n";
      if (nl == std::string_view::npos) break;
      comment = comment.substr(nl + 1);
    }
    text += "\n";
    co_return co_await WriteRaw(std::move(text));
  }

  bool IsWebSocketUpgrade() const override { return websocket::is_upgrade(breq_); }

  asio::awaitable<std::unique_ptr<WebSocket>> AcceptWebSocket() override {
    if (!IsWebSocketUpgrade()) co_return nullptr;
    Claim(Mode::kWebSocket);
    status_ = 101;
    keep_alive_ = false;
    auto st = std::make_shared<WsState<Stream>>(conn_);
    conn_->lowest().expires_never();  // the websocket stream has its own timeouts
    const auto& opt = conn_->core_->options;
    websocket::stream_base::timeout to{};
    to.handshake_timeout = std::chrono::seconds(5);  // also bounds the close handshake
    to.idle_timeout = opt.idle_timeout;
    to.keep_alive_pings = true;
    st->ws().set_option(to);
    st->ws().read_message_max(opt.max_body_bytes);
    auto [ec] = co_await st->ws().async_accept(breq_, kTuple);
    if (ec) {
      status_ = 400;
      conn_->MarkGone();
      co_return nullptr;
    }
    ws_ = st;
    conn_->ws_ = st;
    if (ShuttingDown()) {  // shutdown began during the handshake: BeginShutdown missed it
      asio::co_spawn(conn_->executor(), st->Close(websocket::close_code::going_away),
                     asio::detached);
    }
    co_return std::make_unique<WsHandle<Stream>>(st);
  }

  bool ShuttingDown() const override { return conn_->core_->shutting_down.load(); }
  asio::any_io_executor executor() override { return conn_->executor(); }

  asio::awaitable<Wake> WaitFor(const AsyncSignal* signal, uint64_t seen,
                                std::chrono::milliseconds timeout) override {
    if (ShuttingDown() || conn_->peer_gone_) co_return Wake::kEnd;
    AsyncSignal::Watch watches[3] = {{&conn_->core_->shutdown, 0}, {&conn_->gone_, 0}, {}};
    size_t n = 2;
    if (signal != nullptr) watches[n++] = {signal, seen};
    const int i =
        co_await AsyncSignal::WaitAny(std::span<const AsyncSignal::Watch>(watches, n), timeout);
    if (ShuttingDown() || conn_->peer_gone_) co_return Wake::kEnd;
    co_return i < 0 ? Wake::kTimeout : Wake::kSignal;
  }

  // Used by the connection after the handler returns.
  Mode mode() const { return mode_; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  const bhttp::request<bhttp::string_body>& beast_request() const { return breq_; }
  bhttp::request<bhttp::string_body>& beast_request() { return breq_; }
  std::shared_ptr<WsState<Stream>> websocket() const { return ws_; }

 private:
  void Claim(Mode m) {
    if (mode_ != Mode::kNone) throw std::logic_error("http::Exchange: the request was answered");
    mode_ = m;
  }

  asio::awaitable<bool> WriteRaw(std::string text) {
    if (conn_->peer_gone_) co_return false;
    co_await gate_.Lock();
    bool ok = false;
    if (!conn_->peer_gone_) {
      conn_->lowest().expires_after(conn_->core_->options.idle_timeout);
      auto [ec, n] = co_await asio::async_write(conn_->stream_, asio::buffer(text), kTuple);
      ok = !ec;
    }
    gate_.Unlock();
    if (!ok) conn_->MarkGone();
    co_return ok;
  }

  std::shared_ptr<Connection<Stream>> conn_;
  bhttp::request<bhttp::string_body> breq_;
  Request req_;
  WriteGate gate_;
  Mode mode_ = Mode::kNone;
  int status_ = 0;
  bool keep_alive_ = false;
  bool recorded_ = false;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::shared_ptr<WsState<Stream>> ws_;
};

template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(std::shared_ptr<ServerCore> core, Stream stream)
      : core_(std::move(core)), stream_(std::move(stream)) {}

  // Serves the connection until it closes; unregisters it at the end.
  static asio::awaitable<void> Run(std::shared_ptr<Connection> self, uint64_t id) {
    struct Unregister {
      ServerCore* core;
      uint64_t id;
      ~Unregister() { core->Unregister(id); }
    } unregister{self->core_.get(), id};
    co_await self->Serve();
  }

  void BeginShutdown() override {
    asio::post(executor(), [self = this->shared_from_this()] { self->OnShutdown(); });
  }
  void Abort() override {
    asio::post(executor(), [self = this->shared_from_this()] {
      self->aborted_ = true;
      self->lowest().close();
    });
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // The peer of an event stream or WebSocket has gone: wake WaitFor.
  void MarkGone() {
    if (peer_gone_) return;
    peer_gone_ = true;
    gone_.Notify();
  }
  // Event streams: notice a disconnect without writing (the client sends nothing more).
  void WatchPeer() {
    lowest().socket().async_wait(tcp::socket::wait_read,
                                 [self = this->shared_from_this()](error_code ec) {
                                   if (!ec) self->MarkGone();
                                 });
  }

  std::shared_ptr<ServerCore> core_;
  Stream stream_;
  bool refuse_ = false;  // over the per-address connection limit: answer 503 and close
  AsyncSignal gone_;
  bool peer_gone_ = false;
  std::weak_ptr<WsState<Stream>> ws_;

 private:
  void OnShutdown() {
    if (waiting_) {  // between requests (or in the TLS handshake): nothing in flight
      aborted_ = true;
      lowest().close();
    }
    if (auto st = ws_.lock(); st && st->open()) {
      asio::co_spawn(executor(), st->Close(websocket::close_code::going_away), asio::detached);
    }
  }

  asio::awaitable<void> Serve() {
    const ServerOptions& opt = core_->options;
    error_code ec;
    const tcp::endpoint ep = lowest().socket().remote_endpoint(ec);
    if (!ec) {
      remote_ =
          ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
      remote_ += ":" + std::to_string(ep.port());
    }
    if constexpr (kIsTls<Stream>) {
      lowest().expires_after(opt.idle_timeout);
      waiting_ = true;
      auto [hec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kTuple);
      waiting_ = false;
      if (hec) {
        lowest().close();
        co_return;
      }
    }
    if (refuse_) {
      co_await Refuse();
      co_return co_await Close();
    }
    for (;;) {
      if (core_->shutting_down.load() || aborted_) break;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(opt.max_body_bytes);
      lowest().expires_after(opt.idle_timeout);
      waiting_ = true;
      auto [rec, rn] = co_await bhttp::async_read_header(stream_, buf_, parser, kTuple);
      waiting_ = false;
      if (!rec && !parser.is_done()) {
        const auto& h = parser.get();
        if (beast::iequals(h[bhttp::field::expect], "100-continue")) {
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          co_await asio::async_write(stream_, asio::buffer(kContinue), kTuple);
        }
        lowest().expires_after(opt.idle_timeout);
        std::tie(rec, rn) = co_await bhttp::async_read(stream_, buf_, parser, kTuple);
      }
      if (rec) {
        co_await AnswerReadError(rec, parser);
        break;
      }
      if (!co_await Dispatch(parser.release())) break;
    }
    co_await Close();
  }

  // Answers a request that could not be read (too large, malformed) and closes; other errors
  // (peer closed, timeout, shutdown) just close.
  asio::awaitable<void> AnswerReadError(error_code ec,
                                        bhttp::request_parser<bhttp::string_body>& parser) {
    if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category() ||
        ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
      co_return;
    }
    const auto start = std::chrono::steady_clock::now();
    Response r;
    if (ec == bhttp::error::body_limit) {
      r = ProblemResponse(
          413, "too_large", "Content too large",
          "the request body exceeds " + std::to_string(core_->options.max_body_bytes) + " bytes");
    } else if (ec == bhttp::error::header_limit) {
      r = ProblemResponse(431, "too_large", "Request header fields too large",
                          "the request header is too large");
    } else {
      r = ProblemResponse(400, "malformed_request", "Malformed request",
                          "the request is not valid HTTP/1.1: " + ec.message());
    }
    const std::string method =
        parser.is_header_done() ? MethodLabel(ToString(parser.get().method_string())) : "OTHER";
    core_->Record(method, "unmatched", r.status,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    co_await AnswerAndClose(std::move(r));
  }

  // Writes `r` with Connection: close (outside any Exchange), then lingers.
  asio::awaitable<void> AnswerAndClose(Response r) {
    bhttp::response<bhttp::string_body> res;
    res.version(11);
    res.result(static_cast<unsigned>(r.status));
    res.set(bhttp::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res.set(name, value);
    res.keep_alive(false);
    res.body() = std::move(r.body);
    res.prepare_payload();
    lowest().expires_after(core_->options.idle_timeout);
    auto [wec, n] = co_await bhttp::async_write(stream_, res, kTuple);
    if (!wec) co_await Linger();
  }

  // Over the per-address connection limit: a 503 problem without reading the request, then close.
  asio::awaitable<void> Refuse() {
    Response r = ProblemResponse(503, "unavailable", "Unavailable",
                                 "too many connections from " +
                                     remote_.substr(0, remote_.rfind(':')) + " (at most " +
                                     std::to_string(core_->options.max_connections_per_address) +
                                     "); reuse a connection (keep-alive) or close some");
    r.headers.emplace_back("Retry-After", "1");
    core_->Record("OTHER", "refused", r.status, 0);
    co_await AnswerAndClose(std::move(r));
  }

  // After an error answer the client may still be sending (a body we refused): half-close and
  // read what arrives for a short while, so that closing does not reset the connection before
  // the client has read the answer.
  asio::awaitable<void> Linger() {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    lowest().expires_after(kLingerTimeout);
    std::string sink(64 << 10, '\0');
    size_t total = 0;
    while (total < kLingerBytes && !aborted_) {
      auto [rec, n] = co_await stream_.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      total += n;
    }
    aborted_ = true;  // nothing more to send: skip the TLS close
  }

  asio::awaitable<void> Close() {
    if constexpr (kIsTls<Stream>) {
      if (!aborted_ && lowest().socket().is_open()) {
        lowest().expires_after(kCloseTimeout);
        co_await stream_.async_shutdown(kTuple);
      }
    }
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  // Routes and answers one request. Returns true to read another request on this connection.
  asio::awaitable<bool> Dispatch(bhttp::request<bhttp::string_body> breq) {
    ExchangeImpl<Stream> ex(this->shared_from_this(), std::move(breq));
    auto& b = ex.beast_request();
    Request& req = ex.request();
    req.method = ToString(b.method_string());
    req.target = ToString(b.target());
    req.remote = remote_;
    req.body = std::move(b.body());
    b.body().clear();
    for (const auto& f : b)
      req.headers.emplace_back(ToString(f.name_string()), ToString(f.value()));
    req.route = "unmatched";

    Result<Target> target = ParseTarget(req.target);
    const Router::Route* route = nullptr;
    if (!target.ok()) {
      co_await ex.Respond(ProblemResponse(400, "malformed_request", "Malformed request",
                                          target.status().message()));
    } else {
      req.path = std::move(target->path);
      req.query = std::move(target->query);
      std::vector<std::string> allowed;
      route = core_->router.MatchSegments(req.method, target->segments, &req.params, &allowed);
      if (route == nullptr && !allowed.empty()) {
        std::string allow;
        for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
        Response r = ProblemResponse(405, "method_not_allowed", "Method not allowed",
                                     req.method + " is not allowed on " + req.path);
        r.headers.emplace_back("Allow", allow);
        co_await ex.Respond(std::move(r));
      } else if (route == nullptr) {
        co_await ex.Respond(
            ProblemResponse(404, "not_found", "Not found", "no route for " + req.path));
      }
    }
    if (route != nullptr) {
      req.route = route->pattern;
      std::exception_ptr failure;
      try {
        co_await route->handler(ex);
      } catch (...) {
        failure = std::current_exception();
      }
      if (failure) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("http: handler {} {} threw: {}", req.method, req.route, what);
      } else if (ex.mode() == ExchangeImpl<Stream>::Mode::kNone) {
        spdlog::error("http: handler {} {} returned without answering", req.method, req.route);
      }
      if (ex.mode() == ExchangeImpl<Stream>::Mode::kNone) {
        co_await ex.Respond(ProblemResponse(500, "internal", "Internal error",
                                            "the server failed to answer the request"));
      }
    }
    if (auto st = ex.websocket(); st && st->open()) {
      co_await st->Close(websocket::close_code::normal);
    }
    ex.Record(ex.status());
    co_return ex.mode() == ExchangeImpl<Stream>::Mode::kResponded&& ex.keep_alive() &&
        !core_->shutting_down.load();
  }

  beast::flat_buffer buf_;
  std::string remote_;
  bool waiting_ = false;  // waiting for a request: shutdown may close at once
  bool aborted_ = false;  // closed hard: skip the TLS close
};

template <class Stream>
void WsState<Stream>::Gone() {
  closed_ = true;
  conn_->MarkGone();
}

// Registers and spawns a connection over `stream` (whose executor is the connection's strand).
template <class Stream>
void StartConnection(const std::shared_ptr<ServerCore>& core, Stream stream) {
  auto conn = std::make_shared<Connection<Stream>>(core, std::move(stream));
  error_code ec;
  const std::string address = conn->lowest().socket().remote_endpoint(ec).address().to_string();
  bool over_limit = false;
  const uint64_t id = core->Register(conn, ec ? std::string("?") : address, &over_limit);
  conn->refuse_ = over_limit;
  if (id == 0) {
    conn->lowest().close();
    return;
  }
  const auto ex = conn->executor();
  asio::co_spawn(ex, Connection<Stream>::Run(std::move(conn), id), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("http: connection failed: {}", x.what());
    } catch (...) {
      spdlog::error("http: connection failed with an unknown exception");
    }
  });
}

}  // namespace deconflict::http::internal
