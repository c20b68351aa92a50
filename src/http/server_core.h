// Internal to the http module: the state a Server shares with its connections (options, router,
// shutdown flag and signal, the registry of live connections, metrics), and the entry points that
// start one connection (connection_plain.cc, connection_tls.cc; connection.h has the template).
//
// Thread-safety: ServerCore is thread-safe. A ConnectionBase's methods may be called from any
// thread; they post their work to the connection's strand.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/thread_annotations.h"
#include "http/async_signal.h"
#include "http/server.h"

namespace deconflict::http::internal {

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // The server is stopping: close the connection if it waits for a request, close a WebSocket
  // with "going away". Handlers in flight finish (streams see ShuttingDown()).
  virtual void BeginShutdown() = 0;
  // Closes the socket at once (drain timeout passed).
  virtual void Abort() = 0;
};

class ServerCore {
 public:
  ServerCore(const Router& r, ServerOptions o) : router(r), options(std::move(o)) {}

  const Router& router;
  const ServerOptions options;
  std::unique_ptr<asio::ssl::context> tls;  // set when serving HTTPS (before any connection)

  std::atomic<bool> shutting_down{false};
  AsyncSignal shutdown;           // notified once, when Stop begins
  AsyncSignal connections_ended;  // notified whenever a connection ends
  // Open connections, shared with the metrics gauge (which may outlive the server).
  std::shared_ptr<std::atomic<int64_t>> open_connections =
      std::make_shared<std::atomic<int64_t>>(0);

  // Registers a new connection from `address` (the peer's IP) and returns its id, or 0 when the
  // server is shutting down (the caller then closes it). *over_limit: the address already has
  // options.max_connections_per_address connections (this one is then not counted for it, and
  // must be refused).
  uint64_t Register(std::weak_ptr<ConnectionBase> c, const std::string& address, bool* over_limit);
  void Unregister(uint64_t id);
  size_t ConnectionCount();
  // Sets shutting_down (under the registry lock, so no connection registers after) and returns
  // the live connections.
  std::vector<std::shared_ptr<ConnectionBase>> BeginShutdown();
  std::vector<std::shared_ptr<ConnectionBase>> Connections();

  // Counts one answered request in options.metrics (if set). `route` is the pattern or
  // "unmatched".
  void Record(std::string_view method, std::string_view route, int code, double seconds);

 private:
  Mutex mu_;
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  struct Entry {
    std::weak_ptr<ConnectionBase> conn;
    std::string address;  // "" when not counted against its address
  };
  std::unordered_map<uint64_t, Entry> conns_ GUARDED_BY(mu_);
  std::unordered_map<std::string, size_t> per_address_ GUARDED_BY(mu_);
};

// Serve one accepted socket (its executor is the connection's strand) until it closes.
void StartPlainConnection(const std::shared_ptr<ServerCore>& core, asio::ip::tcp::socket socket);
void StartTlsConnection(const std::shared_ptr<ServerCore>& core, asio::ip::tcp::socket socket);

}  // namespace deconflict::http::internal
