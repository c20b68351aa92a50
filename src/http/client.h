// Blocking HTTP/1.1, Server-Sent Events and WebSocket clients on Boost.Beast, plain or TLS. Used by
// webhooks (server side), `deconflict watch`, the integration tests and the load driver.
//
//   http::Client c(*http::ParseUrl("http://127.0.0.1:8080"));
//   Result<http::ClientResponse> r = c.Send("GET", "/v1/plans", "", {{"Authorization", "Bearer
//   x"}});
//
// Thread-safety: a Client, SseClient or WsClient is used by one thread at a time.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/server.h"
#include "http/url.h"  // Url, ParseUrl, ParseWebUrl

namespace deconflict::http {

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool body_cut = false;  // the body was longer than ClientLimits::max_body_bytes: cut there
  std::string header(std::string_view name) const;  // case-insensitive, "" if absent
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What a Client reads and where it may connect (webhooks: the receivers are chosen by parties).
struct ClientLimits {
  using AddressFilter = std::function<bool(const boost::asio::ip::address&)>;
  // DEFAULT: 1 GiB. A longer body is cut there (ClientResponse::body_cut), the rest is not read
  // and the connection is closed.
  uint64_t max_body_bytes = uint64_t{1} << 30;
  // DEFAULT: any. Called with every address the host resolves to (an IP literal: itself); only
  // addresses it allows are connected to. None allowed: PermissionDenied "destination not
  // allowed" (the message names the host and the refused address, for the operator's log).
  AddressFilter allow_address;
};

// Keeps one connection alive across requests (reconnects when the server closed it).
class Client {
 public:
  // `base`: scheme, host and port are used (target ignored). TLS verifies nothing when
  // `insecure_tls` (tests with self-signed certificates).
  explicit Client(Url base, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                  bool insecure_tls = false, ClientLimits limits = {});
  ~Client();
  // Unavailable on connection errors and timeouts (message says which; a timeout's says "timed
  // out"); PermissionDenied when ClientLimits::allow_address refuses every address. Any HTTP answer
  // (also 4xx/5xx) is a ClientResponse; see StatusFromHttp. `timeout` bounds the whole call
  // (connect, TLS handshake, write, read). A request on a kept-alive connection that the server had
  // closed is sent again once on a new connection (only when no answer byte had arrived).
  // InvalidArgument, before connecting, when `target` holds a control character (CR, LF, ...)
  // or a space.
  Result<ClientResponse> Send(const std::string& method, const std::string& target,
                              const std::string& body = "", const HeaderList& headers = {},
                              const std::string& content_type = "application/json");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The Status for a non-2xx HTTP answer, message "HTTP <status>: <body>". The code comes from the
// problem type of an RFC 9457 body made by ProblemFromStatus (".../problems/not_found" ->
// kNotFound), else from the HTTP status (the inverse of HttpStatusFor; 409 -> kFailedPrecondition,
// other 4xx -> kInvalidArgument, 502/503/504 -> kUnavailable, other 5xx -> kInternal).
Status StatusFromHttp(int http_status, std::string_view body);

// Follows a Server-Sent Events stream: calls on_event for each event until it returns false, the
// stream ends, `stop` returns true (checked at least every 200 ms), or an error. Returns OK when
// ended by on_event/stop, Unavailable on errors (and when the server closes the stream), or a
// problem status built from a non-200 answer (the response body in the message). Connecting and
// reading the answer's header time out after 30 s; the stream itself may stay quiet for ever.
// Parsing follows the WHATWG rules: multi-line data is joined with '\n', ':' comments are
// skipped, the last "id:" carries over to later events, an event without "event:" has type "".
Status FollowSse(const Url& url, const HeaderList& headers,
                 const std::function<bool(const SseEvent&)>& on_event,
                 const std::function<bool()>& stop = {}, bool insecure_tls = false);

class WsClient {
 public:
  WsClient();
  ~WsClient();
  // Connects and performs the upgrade (30 s time limit). On a refused upgrade, the status message
  // carries the HTTP status and body (code as in StatusFromHttp).
  Status Connect(const Url& url, const HeaderList& headers = {}, bool insecure_tls = false);
  // Sends one text frame (30 s time limit). Unavailable when closed or on errors.
  Status Send(const std::string& text);
  // The next text frame; nullopt on timeout; Unavailable when closed. Frames are read in the
  // background of every call (also Send), so none is lost to a timeout.
  Result<std::optional<std::string>> Receive(std::chrono::milliseconds timeout);
  // Closes with a close handshake (waits up to 2 s). Also done by the destructor.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace deconflict::http
