// The listening side: binding, the accept loop, the connection registry and graceful shutdown.
// Connections themselves live in connection.h.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "http/server_core.h"

namespace deconflict::http {

namespace {

using boost::system::error_code;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The drain after the drain timeout: connections closed hard get this long to end.
constexpr std::chrono::seconds kAbortGrace{2};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

Result<ListenAddress> ParseListen(const std::string& listen) {
  ListenAddress a;
  std::string_view port;
  if (!listen.empty() && listen[0] == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return Status::InvalidArgument("listen address must be HOST:PORT or [IPV6]:PORT: " + listen);
    }
    a.host = listen.substr(1, close - 1);
    port = std::string_view(listen).substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument("listen address must be HOST:PORT: " + listen);
    }
    a.host = listen.substr(0, colon);
    port = std::string_view(listen).substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument("bad port in listen address: " + listen);
  }
  a.port = static_cast<uint16_t>(value);
  if (a.host.empty()) a.host = "0.0.0.0";
  return a;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ServerCore

namespace internal {

uint64_t ServerCore::Register(std::weak_ptr<ConnectionBase> c, const std::string& address,
                              bool* over_limit) {
  MutexLock lock(mu_);
  *over_limit = false;
  if (shutting_down.load()) return 0;
  const uint64_t id = next_id_++;
  std::string counted = address;
  const size_t limit = options.max_connections_per_address;
  if (limit > 0) {
    size_t& n = per_address_[address];
    if (n >= limit) {
      *over_limit = true;
      counted.clear();
    } else {
      ++n;
    }
  }
  if (limit == 0) counted.clear();
  conns_.emplace(id, Entry{std::move(c), std::move(counted)});
  open_connections->fetch_add(1);
  return id;
}

void ServerCore::Unregister(uint64_t id) {
  {
    MutexLock lock(mu_);
    auto it = conns_.find(id);
    if (it == conns_.end()) return;
    if (!it->second.address.empty()) {
      auto n = per_address_.find(it->second.address);
      if (n != per_address_.end() && --n->second == 0) per_address_.erase(n);
    }
    conns_.erase(it);
    open_connections->fetch_sub(1);
  }
  connections_ended.Notify();
}

size_t ServerCore::ConnectionCount() {
  MutexLock lock(mu_);
  return conns_.size();
}

std::vector<std::shared_ptr<ConnectionBase>> ServerCore::BeginShutdown() {
  MutexLock lock(mu_);
  shutting_down.store(true);
  std::vector<std::shared_ptr<ConnectionBase>> out;
  for (auto& [id, e] : conns_) {
    if (auto c = e.conn.lock()) out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::shared_ptr<ConnectionBase>> ServerCore::Connections() {
  MutexLock lock(mu_);
  std::vector<std::shared_ptr<ConnectionBase>> out;
  for (auto& [id, e] : conns_) {
    if (auto c = e.conn.lock()) out.push_back(std::move(c));
  }
  return out;
}

void ServerCore::Record(std::string_view method, std::string_view route, int code, double seconds) {
  Metrics* m = options.metrics;
  if (m == nullptr) return;
  const std::string r(route);
  m->Counter("deconflict_http_requests_total",
             "HTTP requests answered, by method, route pattern and status code.",
             {{"method", std::string(method)}, {"route", r}, {"code", std::to_string(code)}})
      .Add(1);
  m->Histogram("deconflict_http_request_duration_seconds",
               "Seconds from a request read to the end of its answer (the whole stream for "
               "event streams and WebSockets), by route pattern.",
               {{"route", r}})
      .Observe(seconds);
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Exchange defaults

asio::awaitable<Exchange::Wake> Exchange::WaitFor(const AsyncSignal* signal, uint64_t seen,
                                                  std::chrono::milliseconds timeout) {
  AsyncSignal never;
  const bool notified =
      signal != nullptr ? co_await signal->Wait(seen, timeout) : co_await never.Wait(0, timeout);
  if (ShuttingDown()) co_return Wake::kEnd;
  co_return notified ? Wake::kSignal : Wake::kTimeout;
}

asio::awaitable<bool> Exchange::WaitShutdownOr(std::chrono::milliseconds timeout) {
  co_return (co_await WaitFor(nullptr, 0, timeout)) == Wake::kEnd;
}

// ---------------------------------------------------------------------------------------------
// Server

struct Server::Impl {
  Impl(asio::io_context& context, const Router& router, ServerOptions options)
      : io(context),
        core(std::make_shared<internal::ServerCore>(router, std::move(options))),
        acceptor(asio::make_strand(context)) {}

  static asio::awaitable<void> AcceptLoop(std::shared_ptr<Impl> self) {
    for (;;) {
      auto [ec, socket] = co_await self->acceptor.async_accept(asio::make_strand(self->io), kTuple);
      if (ec) {
        if (self->core->shutting_down.load() || !self->acceptor.is_open() ||
            ec == asio::error::operation_aborted) {
          break;
        }
        spdlog::warn("http: accept failed: {}", ec.message());
        asio::steady_timer backoff(self->acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await backoff.async_wait(kTuple);
        continue;
      }
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (self->core->tls) {
        internal::StartTlsConnection(self->core, std::move(socket));
      } else {
        internal::StartPlainConnection(self->core, std::move(socket));
      }
    }
  }

  static asio::awaitable<void> Drain(std::shared_ptr<Impl> self, std::function<void()> done) {
    internal::ServerCore& core = *self->core;
    auto wait_until =
        [&core](std::chrono::steady_clock::time_point deadline) -> asio::awaitable<void> {
      for (;;) {
        const uint64_t seen = core.connections_ended.generation();
        if (core.ConnectionCount() == 0) co_return;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) co_return;
        co_await core.connections_ended.Wait(
            seen, std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
      }
    };
    co_await wait_until(std::chrono::steady_clock::now() + core.options.drain_timeout);
    if (const size_t busy = core.ConnectionCount(); busy > 0) {
      spdlog::warn("http: {} connection(s) still busy after the drain timeout; closing them", busy);
      for (auto& c : core.Connections()) c->Abort();
      co_await wait_until(std::chrono::steady_clock::now() + kAbortGrace);
      if (const size_t left = core.ConnectionCount(); left > 0) {
        spdlog::error("http: {} handler(s) did not end after their connections were closed", left);
      }
    }
    if (done) done();
  }

  static void BeginShutdown(const std::shared_ptr<Impl>& self) {
    for (auto& c : self->core->BeginShutdown()) c->BeginShutdown();
    self->core->shutdown.Notify();
    asio::post(self->acceptor.get_executor(), [self] {
      error_code ignored;
      self->acceptor.close(ignored);
    });
  }

  asio::io_context& io;
  std::shared_ptr<internal::ServerCore> core;
  tcp::acceptor acceptor;  // used on its strand once accepting
  std::atomic<uint16_t> port{0};
  std::atomic<bool> started{false};
  std::atomic<bool> stop_called{false};
};

Server::Server(asio::io_context& io, const Router& router, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, router, std::move(options))) {}

Server::~Server() {
  if (impl_->started.load() && !impl_->stop_called.exchange(true)) {
    // Not stopped: close everything without waiting (handlers still in flight end with errors).
    // A destructor must not throw: a failure here (an allocation) is logged, and the connections
    // left open end when the io_context does.
    try {
      Impl::BeginShutdown(impl_);
      for (auto& c : impl_->core->Connections()) c->Abort();
    } catch (const std::exception& e) {
      spdlog::error("http: closing the server's connections in ~Server failed: {}", e.what());
    } catch (...) {
      spdlog::error("http: closing the server's connections in ~Server failed");
    }
  }
}

Status Server::Start() {
  if (impl_->started.exchange(true)) return Status::FailedPrecondition("server already started");
  const ServerOptions& opt = impl_->core->options;
  Result<ListenAddress> addr = ParseListen(opt.listen);
  if (!addr.ok()) {
    impl_->started = false;
    return addr.status();
  }

  if (opt.tls_cert_file.empty() != opt.tls_key_file.empty()) {
    impl_->started = false;
    return Status::InvalidArgument("TLS needs both a certificate file and a key file");
  }
  if (!opt.tls_cert_file.empty()) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    error_code ec;
    ctx->use_certificate_chain_file(opt.tls_cert_file, ec);
    if (ec) {
      impl_->started = false;
      return Status::InvalidArgument("cannot load TLS certificate " + opt.tls_cert_file + ": " +
                                     ec.message());
    }
    ctx->use_private_key_file(opt.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      impl_->started = false;
      return Status::InvalidArgument("cannot load TLS key " + opt.tls_key_file + ": " +
                                     ec.message());
    }
    impl_->core->tls = std::move(ctx);
  }

  error_code ec;
  tcp::endpoint endpoint;
  const asio::ip::address ip = asio::ip::make_address(addr->host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(ip, addr->port);
  } else {
    tcp::resolver resolver(impl_->io);
    auto results =
        resolver.resolve(addr->host, std::to_string(addr->port), tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      impl_->started = false;
      return Status::InvalidArgument("cannot resolve listen host " + addr->host + ": " +
                                     (ec ? ec.message() : "no address"));
    }
    endpoint = results.begin()->endpoint();
  }

  tcp::acceptor& acc = impl_->acceptor;
  auto fail = [&](const char* what) {
    error_code ignored;
    acc.close(ignored);
    impl_->started = false;
    return Status::Unavailable(std::string("cannot ") + what + " " + opt.listen + ": " +
                               ec.message());
  };
  if (acc.open(endpoint.protocol(), ec); ec) return fail("open a socket for");
  if (acc.set_option(tcp::acceptor::reuse_address(true), ec); ec) return fail("configure");
  if (acc.bind(endpoint, ec); ec) return fail("bind");
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  impl_->port = acc.local_endpoint(ec).port();

  if (opt.metrics != nullptr) {
    opt.metrics->Gauge(
        "deconflict_http_connections", "Open HTTP connections.",
        [open = impl_->core->open_connections] { return static_cast<double>(open->load()); });
  }
  asio::co_spawn(acc.get_executor(), Impl::AcceptLoop(impl_), [](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("http: accept loop failed: {}", x.what());
    }
  });
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->port.load(); }

void Server::Stop(std::function<void()> done) {
  auto impl = impl_;
  if (!impl->started.load()) {
    if (done) asio::post(impl->io, std::move(done));
    return;
  }
  impl->stop_called = true;
  Impl::BeginShutdown(impl);
  asio::co_spawn(impl->io, Impl::Drain(impl, std::move(done)), asio::detached);
}

}  // namespace deconflict::http
