// Blocking clients: each runs its own io_context on the calling thread; time limits come from
// beast::tcp_stream expiry (or websocket timeouts), so a stuck peer never blocks for ever.
#include "http/client.h"

#include <openssl/ssl.h>
#include <strings.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <deque>

#include "http/sse_parser.h"
#include "http/uri.h"

namespace deconflict::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kConnectTimeout{30};
constexpr std::chrono::milliseconds kStopPoll{200};
constexpr uint64_t kMaxResponseBytes = uint64_t{1} << 30;

std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

std::string HostHeader(const std::string& host, uint16_t port, bool tls) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::unique_ptr<ssl::context> MakeClientContext(bool insecure) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (insecure) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(ssl::verify_peer);
  }
  return ctx;
}

// Runs `io` until it has nothing left to do (the one pending operation completed).
void RunAll(asio::io_context& io) {
  io.restart();
  io.run();
}

std::string Describe(const error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return "timed out after " + std::to_string(timeout.count()) + " ms";
  return ec.message();
}

// One connection, plain or TLS, not yet used for anything.
struct Conn {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;

  explicit operator bool() const { return plain || tls; }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <class F>
  decltype(auto) Visit(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }
  void Close() {
    if (!*this) return;
    error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
    plain.reset();
    tls.reset();
  }
};

// Resolves, connects and (for TLS) handshakes before `deadline`.
Status Connect(asio::io_context& io, ssl::context* ctx, const std::string& host, uint16_t port,
               bool insecure, Clock::time_point deadline, Conn* out) {
  const std::string where = host + ":" + std::to_string(port);
  const auto limit = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  tcp::resolver resolver(io);
  error_code ec;
  tcp::resolver::results_type endpoints;
  bool resolved = false;
  resolver.async_resolve(host, std::to_string(port),
                         [&](error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                           resolved = true;
                         });
  io.restart();
  io.run_until(deadline);
  if (!resolved) {
    resolver.cancel();
    RunAll(io);
    return Status::Unavailable("cannot resolve " + host + ": timed out");
  }
  if (ec) return Status::Unavailable("cannot resolve " + host + ": " + ec.message());

  auto stream = std::make_unique<beast::tcp_stream>(io);
  stream->expires_at(deadline);
  stream->async_connect(endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
  RunAll(io);
  if (ec) return Status::Unavailable("cannot connect to " + where + ": " + Describe(ec, limit));
  error_code ignored;
  stream->socket().set_option(tcp::no_delay(true), ignored);

  if (ctx == nullptr) {
    out->plain = std::move(stream);
    return Status::Ok();
  }
  auto tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *ctx);
  error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (not_ip) {  // SNI for names only
    SSL_ctrl(tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  if (!insecure) tls->set_verify_callback(ssl::host_name_verification(host));
  beast::get_lowest_layer(*tls).expires_at(deadline);
  tls->async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e; });
  RunAll(io);
  if (ec) {
    return Status::Unavailable("TLS handshake with " + where + " failed: " + Describe(ec, limit));
  }
  out->tls = std::move(tls);
  return Status::Ok();
}

// The header fields a caller passes are checked before anything is sent: a CR or LF in a value
// would end the field and inject another (or a second request).
Status CheckHeaders(const HeaderList& headers) {
  for (const auto& [k, v] : headers) {
    if (std::string reason = internal::ForbiddenHeaderField(k, v); !reason.empty()) {
      return Status::InvalidArgument(reason);
    }
  }
  return Status::Ok();
}

bhttp::request<bhttp::string_body> MakeRequest(const std::string& method, const std::string& target,
                                               const Url& url, const HeaderList& headers) {
  bhttp::request<bhttp::string_body> req;
  const bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target.empty() ? "/" : target);
  req.version(11);
  req.set(bhttp::field::host, HostHeader(url.host, url.port, url.tls));
  req.set(bhttp::field::user_agent, "deconflict");
  for (const auto& [k, v] : headers) req.insert(k, v);
  return req;
}

std::vector<std::pair<std::string, std::string>> HeadersOf(const bhttp::fields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) out.emplace_back(ToString(f.name_string()), ToString(f.value()));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

Status StatusFromHttp(int http_status, std::string_view body) {
  std::string message = "HTTP " + std::to_string(http_status) + ": " + std::string(body);
  // A problem body names its code.
  error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    if (const auto* type = v.as_object().if_contains("type"); type && type->is_string()) {
      const std::string_view t = type->as_string();
      const std::string_view name = t.substr(t.rfind('/') + 1);
      for (int c = static_cast<int>(StatusCode::kInvalidArgument);
           c <= static_cast<int>(StatusCode::kResourceExhausted); ++c) {
        const auto code = static_cast<StatusCode>(c);
        if (name != StatusCodeName(code)) continue;
        switch (code) {
          case StatusCode::kInvalidArgument:
            return Status::InvalidArgument(message);
          case StatusCode::kNotFound:
            return Status::NotFound(message);
          case StatusCode::kAlreadyExists:
            return Status::AlreadyExists(message);
          case StatusCode::kFailedPrecondition:
            return Status::FailedPrecondition(message);
          case StatusCode::kIoError:
            return Status::IoError(message);
          case StatusCode::kInternal:
            return Status::Internal(message);
          case StatusCode::kUnauthenticated:
            return Status::Unauthenticated(message);
          case StatusCode::kPermissionDenied:
            return Status::PermissionDenied(message);
          case StatusCode::kPreconditionFailed:
            return Status::PreconditionFailed(message);
          case StatusCode::kTooLarge:
            return Status::TooLarge(message);
          case StatusCode::kUnavailable:
            return Status::Unavailable(message);
          case StatusCode::kMalformedRequest:
            return Status::MalformedRequest(message);
          case StatusCode::kUnsupportedMediaType:
            return Status::UnsupportedMediaType(message);
          case StatusCode::kPreconditionRequired:
            return Status::PreconditionRequired(message);
          case StatusCode::kUpgradeRequired:
            return Status::UpgradeRequired(message);
          case StatusCode::kResourceExhausted:
            return Status::ResourceExhausted(message);
          case StatusCode::kOk:
            break;
        }
      }
    }
  }
  switch (http_status) {
    case 400:
      return Status::InvalidArgument(message);
    case 401:
      return Status::Unauthenticated(message);
    case 403:
      return Status::PermissionDenied(message);
    case 404:
      return Status::NotFound(message);
    case 409:
      return Status::FailedPrecondition(message);
    case 412:
      return Status::PreconditionFailed(message);
    case 413:
      return Status::TooLarge(message);
    case 502:
    case 503:
    case 504:
      return Status::Unavailable(message);
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) return Status::InvalidArgument(message);
  return Status::Internal(message);
}

// ---------------------------------------------------------------------------------------------
// Client

struct Client::Impl {
  Url base;
  std::chrono::milliseconds timeout;
  bool insecure;
  asio::io_context io;
  std::unique_ptr<ssl::context> ctx;
  Conn conn;
  beast::flat_buffer buf;

  void Disconnect() {
    conn.Close();
    buf.clear();
  }
};

Client::Client(Url base, std::chrono::milliseconds timeout, bool insecure_tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->base = std::move(base);
  impl_->timeout = timeout;
  impl_->insecure = insecure_tls;
  if (impl_->base.tls) impl_->ctx = MakeClientContext(insecure_tls);
}

Client::~Client() { impl_->Disconnect(); }

Result<ClientResponse> Client::Send(const std::string& method, const std::string& target,
                                    const std::string& body, const HeaderList& headers,
                                    const std::string& content_type) {
  Impl& im = *impl_;
  if (std::string reason = internal::ForbiddenByte(target); !reason.empty()) {
    return Status::InvalidArgument("request target holds a " + reason);
  }
  if (Status s = CheckHeaders(headers); !s.ok()) return s;
  if (std::string reason = internal::ForbiddenHeaderField(method, ""); !reason.empty()) {
    return Status::InvalidArgument("method is not a token");
  }
  const auto deadline = Clock::now() + im.timeout;
  bhttp::request<bhttp::string_body> req = MakeRequest(method, target, im.base, headers);
  if (!body.empty()) {
    if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    const bool reused = static_cast<bool>(im.conn);
    if (!reused) {
      if (Status s = Connect(im.io, im.ctx.get(), im.base.host, im.base.port, im.insecure, deadline,
                             &im.conn);
          !s.ok()) {
        im.Disconnect();
        return s;
      }
    }
    error_code ec;
    im.conn.lowest().expires_at(deadline);
    im.conn.Visit(
        [&](auto& s) { bhttp::async_write(s, req, [&](error_code e, size_t) { ec = e; }); });
    RunAll(im.io);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    if (req.method() == bhttp::verb::head) parser.skip(true);
    if (!ec) {
      im.conn.Visit([&](auto& s) {
        bhttp::async_read(s, im.buf, parser, [&](error_code e, size_t) { ec = e; });
      });
      RunAll(im.io);
    }
    if (ec) {
      im.Disconnect();
      if (reused && attempt == 0 && !parser.is_header_done() && ec != beast::error::timeout) {
        continue;  // the server had closed the kept-alive connection: once more, afresh
      }
      // NOLINTNEXTLINE(performance-inefficient-string-concatenation): the loop's last pass, once
      return Status::Unavailable(method + " " + target + " to " + im.base.host + ":" +
                                 std::to_string(im.base.port) +
                                 " failed: " + Describe(ec, im.timeout));
    }
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    out.headers = HeadersOf(res.base());
    out.body = std::move(res.body());
    if (!res.keep_alive()) im.Disconnect();
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// FollowSse

namespace {

// Runs one asynchronous operation at a time on a connection, polling `stop` (if set) every
// kStopPoll while it waits. Not thread-safe: the caller's thread runs `io`.
class StoppableOp {
 public:
  StoppableOp(asio::io_context& io, Conn& conn, const std::function<bool()>& stop)
      : io_(io), conn_(conn), stop_(stop) {}

  // Starts an operation with start(stream, on_done) and runs `io` until on_done ran (returns
  // true; its error is ec()) or `stop` says to give up (closes the connection, returns false).
  template <class Start>
  bool Run(Start&& start) {
    done_ = false;
    auto on_done = [this](error_code e, size_t) {
      ec_ = e;
      done_ = true;
    };
    conn_.Visit([&](auto& s) { start(s, on_done); });
    while (!done_) {
      io_.restart();
      io_.run_for(kStopPoll);
      if (!done_ && stop_ && stop_()) {
        conn_.Close();
        RunAll(io_);
        return false;
      }
    }
    return true;
  }

  // The last operation's error (the caller may clear it).
  error_code& ec() { return ec_; }

 private:
  asio::io_context& io_;
  Conn& conn_;
  const std::function<bool()>& stop_;
  bool done_ = false;
  error_code ec_;
};

}  // namespace

Status FollowSse(const Url& url, const HeaderList& headers,
                 const std::function<bool(const SseEvent&)>& on_event,
                 const std::function<bool()>& stop, bool insecure_tls) {
  if (Status s = CheckHeaders(headers); !s.ok()) return s;
  asio::io_context io;
  std::unique_ptr<ssl::context> ctx = url.tls ? MakeClientContext(insecure_tls) : nullptr;
  Conn conn;
  const auto deadline = Clock::now() + kConnectTimeout;
  if (Status s = Connect(io, ctx.get(), url.host, url.port, insecure_tls, deadline, &conn);
      !s.ok()) {
    return s;
  }

  StoppableOp op(io, conn, stop);
  error_code& ec = op.ec();

  bhttp::request<bhttp::string_body> req = MakeRequest("GET", url.target, url, headers);
  if (req[bhttp::field::accept].empty()) req.set(bhttp::field::accept, "text/event-stream");
  req.set(bhttp::field::cache_control, "no-cache");
  conn.lowest().expires_at(deadline);
  if (!op.Run([&](auto& s, auto on_done) { bhttp::async_write(s, req, on_done); })) {
    return Status::Ok();
  }
  if (ec) return Status::Unavailable("cannot send the event stream request: " + ec.message());

  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  beast::flat_buffer buf;
  if (!op.Run([&](auto& s, auto on_done) { bhttp::async_read_header(s, buf, parser, on_done); })) {
    return Status::Ok();
  }
  if (ec) {
    conn.Close();
    return Status::Unavailable("no answer to the event stream request: " +
                               Describe(ec, kConnectTimeout));
  }

  conn.lowest().expires_never();
  const int status = static_cast<int>(parser.get().result_int());
  char chunk[16 << 10];
  std::string problem_body;
  internal::SseParser sse;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    if (!op.Run([&](auto& s, auto on_done) { bhttp::async_read_some(s, buf, parser, on_done); })) {
      return Status::Ok();
    }
    if (ec == bhttp::error::need_buffer) ec = {};
    const size_t n = sizeof chunk - parser.get().body().size;
    if (status != 200) {
      if (problem_body.size() < (64 << 10)) problem_body.append(chunk, n);
    } else if (!sse.Feed(std::string_view(chunk, n), on_event)) {
      conn.Close();
      RunAll(io);
      return Status::Ok();
    }
    if (ec) break;
  }
  conn.Close();
  RunAll(io);
  if (status != 200) return StatusFromHttp(status, problem_body);
  if (ec && ec != bhttp::error::end_of_stream && ec != asio::error::eof) {
    return Status::Unavailable("event stream failed: " + ec.message());
  }
  return Status::Unavailable("the server closed the event stream");
}

// ---------------------------------------------------------------------------------------------
// WsClient

struct WsClient::Impl {
  // Fresh for every connection: a failed handshake leaves websocket timers behind.
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  std::unique_ptr<ssl::context> ctx;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> plain;
  std::unique_ptr<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> tls;
  beast::flat_buffer rbuf;
  std::deque<std::string> inbox;
  bool reading = false;
  bool closed = true;
  std::string close_reason = "not connected";

  template <class F>
  void Visit(F&& f) {
    if (tls) {
      f(*tls);
    } else if (plain) {
      f(*plain);
    }
  }
  beast::tcp_stream& lowest() {
    return tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain);
  }

  // Keeps one read pending; completed frames queue in `inbox`.
  void ArmRead() {
    if (reading || closed) return;
    reading = true;
    Visit([this](auto& ws) {
      ws.async_read(rbuf, [this, &ws](error_code ec, size_t) {
        reading = false;
        if (ec) {
          closed = true;
          close_reason = ec == websocket::error::closed
                             ? "closed by the server (" + std::to_string(ws.reason().code) + ")"
                             : ec.message();
          return;
        }
        if (ws.got_text()) inbox.push_back(beast::buffers_to_string(rbuf.data()));
        rbuf.consume(rbuf.size());
        ArmRead();
      });
    });
  }

  // Runs handlers until `cond()` holds or `deadline` passes; false on timeout.
  template <class Cond>
  bool RunUntil(Cond cond, Clock::time_point deadline) {
    while (!cond()) {
      io->restart();
      if (io->run_one_until(deadline) == 0) return cond();  // timed out, or nothing left to run
    }
    return true;
  }

  // Closes the socket, lets the pending read end, and drops the streams (their leftover timers
  // die with the io_context, which the next Connect replaces).
  void Shutdown() {
    if (plain || tls) {
      error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().close();
      RunUntil([this] { return !reading; }, Clock::now() + std::chrono::seconds(2));
    }
    closed = true;
    plain.reset();
    tls.reset();
    inbox.clear();
    rbuf.clear();
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() {
  try {
    Close();
  } catch (...) {
    // A destructor must not throw. Close failed part way (an allocation): the Impl's members,
    // destroyed next, close the socket anyway.
  }
}

Status WsClient::Connect(const Url& url, const HeaderList& headers, bool insecure_tls) {
  if (Status s = CheckHeaders(headers); !s.ok()) return s;
  Impl& im = *impl_;
  Close();
  im.io = std::make_unique<asio::io_context>();
  im.ctx = url.tls ? MakeClientContext(insecure_tls) : nullptr;
  const auto deadline = Clock::now() + kConnectTimeout;
  Conn conn;
  if (Status s =
          http::Connect(*im.io, im.ctx.get(), url.host, url.port, insecure_tls, deadline, &conn);
      !s.ok()) {
    return s;
  }
  if (conn.tls) {
    im.tls = std::make_unique<websocket::stream<beast::ssl_stream<beast::tcp_stream>>>(
        std::move(*conn.tls));
  } else {
    im.plain = std::make_unique<websocket::stream<beast::tcp_stream>>(std::move(*conn.plain));
  }
  websocket::response_type res;
  error_code ec;
  bool done = false;
  const std::string host = HostHeader(url.host, url.port, url.tls);
  im.Visit([&](auto& ws) {
    beast::get_lowest_layer(ws).expires_never();  // websocket timeouts from here on
    websocket::stream_base::timeout to =
        websocket::stream_base::timeout::suggested(beast::role_type::client);
    to.handshake_timeout = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::ceil<std::chrono::seconds>(deadline - Clock::now()));
    ws.set_option(to);
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      req.set(bhttp::field::user_agent, "deconflict");
      for (const auto& [k, v] : headers) req.insert(k, v);
    }));
    ws.async_handshake(res, host, url.target, [&](error_code e) {
      ec = e;
      done = true;
    });
  });
  if (!im.RunUntil([&] { return done; }, deadline + std::chrono::seconds(1))) {
    im.Shutdown();
    return Status::Unavailable("WebSocket upgrade timed out");
  }
  if (ec) {
    const int status = static_cast<int>(res.result_int());
    im.Shutdown();
    if (status != 0 && status != 101) return StatusFromHttp(status, res.body());
    return Status::Unavailable("WebSocket upgrade failed: " + ec.message());
  }
  im.Visit([](auto& ws) { ws.text(true); });
  im.closed = false;
  im.close_reason.clear();
  im.ArmRead();
  return Status::Ok();
}

Status WsClient::Send(const std::string& text) {
  Impl& im = *impl_;
  if (im.closed) return Status::Unavailable("WebSocket " + im.close_reason);
  bool done = false;
  error_code ec;
  im.Visit([&](auto& ws) {
    ws.async_write(asio::buffer(text), [&](error_code e, size_t) {
      ec = e;
      done = true;
    });
  });
  if (!im.RunUntil([&] { return done; }, Clock::now() + kConnectTimeout)) {
    im.Shutdown();
    return Status::Unavailable("WebSocket send timed out");
  }
  if (ec) return Status::Unavailable("WebSocket send failed: " + ec.message());
  return Status::Ok();
}

Result<std::optional<std::string>> WsClient::Receive(std::chrono::milliseconds timeout) {
  Impl& im = *impl_;
  im.RunUntil([&] { return !im.inbox.empty() || im.closed; }, Clock::now() + timeout);
  if (!im.inbox.empty()) {
    std::string s = std::move(im.inbox.front());
    im.inbox.pop_front();
    return std::optional<std::string>(std::move(s));
  }
  if (im.closed) return Status::Unavailable("WebSocket " + im.close_reason);
  return std::optional<std::string>();
}

void WsClient::Close() {
  Impl& im = *impl_;
  if (!im.plain && !im.tls) return;
  if (!im.closed) {
    bool done = false;
    im.Visit([&](auto& ws) {
      ws.async_close(websocket::close_code::normal, [&](error_code) { done = true; });
    });
    im.RunUntil([&] { return done; }, Clock::now() + std::chrono::seconds(2));
  }
  im.Shutdown();
  im.close_reason = "closed";
}

}  // namespace deconflict::http
