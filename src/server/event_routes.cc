// The caller's event stream: Server-Sent Events, WebSocket, history and read receipts. Streams
// read their events from the store (through the service, on the worker pool) whenever the hub says
// that new ones were committed, so a missed wake-up never loses an event.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "channel/disclosure.h"
#include "http/async_signal.h"
#include "http/completion.h"
#include "json/parse.h"
#include "json/write.h"
#include "server/handler.h"

namespace deconflict::server {

namespace asio = boost::asio;
namespace json = boost::json;
using http::Exchange;

namespace {

constexpr int kEventsPerRead = 200;

Result<Response> History(const service::Service& svc, const Request& req, const Caller& caller) {
  auto after = QueryInt(req, "after", 0, 0, INT64_MAX);
  if (!after.ok()) return after.status();
  auto limit = QueryInt(req, "limit", 100, 1, 1000);
  if (!limit.ok()) return limit.status();
  auto events = svc.EventsAfter(caller, *after, static_cast<int>(*limit));
  if (!events.ok()) return events.status();
  json::array a;
  std::vector<int64_t> seqs;
  for (const auto& e : *events) {
    a.push_back(channel::EventView(e));
    seqs.push_back(e.seq);
  }
  // Polling is a delivery too: a read receipt needs one (docs/channel.md §5).
  if (!seqs.empty()) svc.RecordDelivered(caller, seqs, ReceiptChannel::kApi);
  return Json(200, json::object{{"events", a}});
}

Result<Response> Read(const service::Service& svc, const Request& req, const Caller& caller) {
  auto seq = PathNumber(req, "seq", "event");
  if (!seq.ok()) return seq.status();
  if (Status s = svc.MarkRead(caller, *seq, ReceiptChannel::kApi); !s.ok()) return s;
  return NoContent();
}

// The first event to send: Last-Event-ID (a reconnecting EventSource) or ?after=.
Result<int64_t> StreamStart(const Request& req) {
  std::string last_id = req.header("Last-Event-ID");
  if (last_id.empty()) return QueryInt(req, "after", 0, 0, INT64_MAX);
  char* end = nullptr;
  long long v = std::strtoll(last_id.c_str(), &end, 10);
  if (end != last_id.c_str() + last_id.size() || v < 0) {
    return Status::MalformedRequest("Last-Event-ID: expected a non-negative integer",
                                    {{"Last-Event-ID", "expected a non-negative integer"}});
  }
  return static_cast<int64_t>(v);
}

// Sends the caller's events after *after with `send`, records each one's delivery on `channel` as
// soon as it is sent (the client may answer it with a read receipt, which needs the delivery), and
// returns false once `send` fails (the peer is gone).
template <typename Send>
asio::awaitable<bool> Drain(const ApiContext& ctx, const Caller& caller, int64_t* after,
                            ReceiptChannel channel, Send send) {
  for (;;) {
    auto events = co_await http::RunOn(
        *ctx.pool, [&] { return ctx.service->EventsAfter(caller, *after, kEventsPerRead); });
    if (!events.ok() || events->empty()) co_return true;
    for (const auto& e : *events) {
      if (!co_await send(e)) co_return false;
      *after = e.seq;
      ctx.service->RecordDelivered(caller, {e.seq}, channel);
    }
  }
}

asio::awaitable<void> EventStream(const ApiContext& ctx, Exchange& ex) {
  const Request& req = ex.request();
  const std::string token = BearerToken(req);
  auto caller = co_await http::RunOn(*ctx.pool, [&] { return ctx.service->Authenticate(token); });
  if (!caller.ok()) co_return co_await ex.Respond(http::ProblemFromStatus(caller.status()));
  Result<int64_t> start = StreamStart(req);
  if (!start.ok()) co_return co_await ex.Respond(http::ProblemFromStatus(start.status()));
  int64_t after = *start;
  auto signal = std::make_shared<http::AsyncSignal>();
  auto sub = ctx.service->Subscribe(*caller, token, [signal] { signal->Notify(); });
  if (!sub.ok()) co_return co_await ex.Respond(http::ProblemFromStatus(sub.status()));
  if (!co_await ex.StartEventStream()) co_return;
  // A first line at once: clients (browsers' fetch among them) know the stream is open without
  // waiting for an event or the first keep-alive.
  if (!co_await ex.SendComment("connected")) co_return;
  auto send = [&ex](const store::EventRecord& e) -> asio::awaitable<bool> {
    const http::SseEvent event{e.seq, std::string(Name(e.type)), e.data_json};
    co_return co_await ex.SendEvent(event);
  };
  for (;;) {
    const uint64_t seen = signal->generation();
    if (sub->ended()) {  // the token was revoked: the response ends (docs/security.md §12)
      co_await ex.SendComment("token revoked");
      co_return;
    }
    if (!co_await Drain(ctx, *caller, &after, ReceiptChannel::kSse, send)) co_return;
    Exchange::Wake w = co_await ex.WaitFor(signal.get(), seen, ctx.keepalive);
    if (w == Exchange::Wake::kEnd) co_return;
    if (w == Exchange::Wake::kTimeout && !co_await ex.SendComment("keep-alive")) co_return;
  }
}

const std::string kAuthFirst = "expected {\"type\":\"auth\",\"token\":\"...\"} first";

// Sends {"type":"error","detail"} and closes the WebSocket with `code`.
asio::awaitable<void> Refuse(http::WebSocket& ws, const std::string& detail, http::CloseCode code) {
  std::string frame = deconflict::json::Write(json::object{{"type", "error"}, {"detail", detail}});
  co_await ws.Send(std::move(frame));
  co_await ws.Close(code);
}

// Refuses the WebSocket unless `timer` is cancelled first (it authenticated or failed).
asio::awaitable<void> AuthDeadline(std::shared_ptr<http::WebSocket> ws,
                                   std::shared_ptr<asio::steady_timer> timer, std::string detail) {
  auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  co_await Refuse(*ws, detail, http::CloseCode::kPolicyViolation);
}

// The WebSocket's first frame when the upgrade carried no token: {"type":"auth","token",
// "after"?}, within ctx.ws_auth_timeout (else the WebSocket is refused). Sets *after and *token.
asio::awaitable<Result<Caller>> AuthFrame(const ApiContext& ctx, Exchange& ex,
                                          const std::shared_ptr<http::WebSocket>& ws,
                                          int64_t* after, std::string* token) {
  auto timer = std::make_shared<asio::steady_timer>(ex.executor(), ctx.ws_auth_timeout);
  std::string late = "no auth frame within " + std::to_string(ctx.ws_auth_timeout.count()) + " ms";
  asio::co_spawn(ex.executor(), AuthDeadline(ws, timer, std::move(late)), asio::detached);
  auto first = co_await ws->Receive();
  timer->cancel();
  if (!first) co_return Status::Unauthenticated("closed before authenticating");
  json::value v;
  if (deconflict::json::Parse(*first, &v) || !v.is_object()) {
    co_return Status::Unauthenticated(kAuthFirst);
  }
  const json::object& o = v.get_object();
  auto* type = o.if_contains("type");
  auto* tok = o.if_contains("token");
  if (!type || !type->is_string() || type->get_string() != "auth" || !tok || !tok->is_string()) {
    co_return Status::Unauthenticated(kAuthFirst);
  }
  if (auto* a = o.if_contains("after"); a && a->is_int64() && a->get_int64() >= 0) {
    *after = a->get_int64();
  }
  *token = std::string(tok->get_string());
  co_return co_await http::RunOn(*ctx.pool, [&] { return ctx.service->Authenticate(*token); });
}

struct WsSession {
  Caller caller;
  channel::Hub::Subscription sub;
};

// The authenticated caller's subscription, or why there is none.
Result<WsSession> Session(const ApiContext& ctx, const Result<Caller>& caller,
                          const std::string& token, std::function<void()> wake) {
  if (!caller.ok()) return caller.status();
  Result<channel::Hub::Subscription> sub = ctx.service->Subscribe(*caller, token, std::move(wake));
  if (!sub.ok()) return sub.status();
  return WsSession{*caller, std::move(*sub)};
}

// The caller of a WebSocket and its subscription: from a token in the upgrade request (a problem
// before the upgrade on failure: 401, or 429 over the party's stream limit), else from the first
// frame (an error frame and close on failure). nullopt: answered.
asio::awaitable<std::optional<WsSession>> OpenWebSocket(const ApiContext& ctx, Exchange& ex,
                                                        std::shared_ptr<http::AsyncSignal> signal,
                                                        std::shared_ptr<http::WebSocket>* ws,
                                                        int64_t* after) {
  auto wake = [signal] { signal->Notify(); };
  std::string token = BearerToken(ex.request());
  std::optional<WsSession> session;
  if (!token.empty()) {
    auto c = co_await http::RunOn(*ctx.pool, [&] { return ctx.service->Authenticate(token); });
    Result<WsSession> s = Session(ctx, c, token, wake);
    if (!s.ok()) {
      co_await ex.Respond(http::ProblemFromStatus(s.status()));
      co_return std::nullopt;
    }
    session = std::move(*s);
  }
  *ws = co_await ex.AcceptWebSocket();
  if (!*ws) co_return std::nullopt;
  if (session) co_return session;
  Result<Caller> c = co_await AuthFrame(ctx, ex, *ws, after, &token);
  Result<WsSession> s = Session(ctx, c, token, wake);
  if (s.ok()) co_return std::move(*s);
  const http::CloseCode code = s.status().code() == StatusCode::kTooManyRequests
                                   ? http::CloseCode::kTryAgainLater
                                   : http::CloseCode::kPolicyViolation;
  co_await Refuse(**ws, s.status().message(), code);
  co_return std::nullopt;
}

// Reads the client's frames until it closes: {"type":"read","seq":N} records a read receipt (of an
// event of the caller's stream that was delivered to it; any other seq is ignored, nothing
// recorded). Then sets *closed and wakes the sender.
asio::awaitable<void> ReadReceipts(std::shared_ptr<http::WebSocket> ws, const ApiContext* ctx,
                                   Caller who, std::shared_ptr<std::atomic<bool>> closed,
                                   std::shared_ptr<http::AsyncSignal> signal) {
  while (auto msg = co_await ws->Receive()) {
    json::value v;
    if (deconflict::json::Parse(*msg, &v) || !v.is_object()) continue;
    const json::object& o = v.get_object();
    auto* type = o.if_contains("type");
    auto* seq = o.if_contains("seq");
    if (type && type->is_string() && type->get_string() == "read" && seq && seq->is_int64() &&
        seq->get_int64() > 0) {
      const int64_t n = seq->get_int64();
      co_await http::RunOn(*ctx->pool,
                           [&] { (void)ctx->service->MarkRead(who, n, ReceiptChannel::kWs); });
    }
  }
  closed->store(true);
  signal->Notify();
}

asio::awaitable<bool> SendWsEvent(http::WebSocket& ws, const store::EventRecord& e) {
  std::string frame = "{\"type\":\"event\",\"seq\":" + std::to_string(e.seq) +
                      ",\"event\":" + deconflict::json::Write(json::string(Name(e.type))) +
                      ",\"data\":" + e.data_json + "}";
  co_return co_await ws.Send(std::move(frame));
}

asio::awaitable<void> WebSocketStream(const ApiContext& ctx, Exchange& ex) {
  if (!ex.IsWebSocketUpgrade()) {
    co_return co_await ex.Respond(http::ProblemFromStatus(Status::UpgradeRequired(
        "GET /v1/ws upgrades to a WebSocket; use GET /v1/events for Server-Sent Events")));
  }
  std::shared_ptr<http::WebSocket> ws;
  int64_t after = 0;
  auto signal = std::make_shared<http::AsyncSignal>();
  std::optional<WsSession> session = co_await OpenWebSocket(ctx, ex, signal, &ws, &after);
  if (!session) co_return;
  const Caller& caller = session->caller;
  auto closed = std::make_shared<std::atomic<bool>>(false);
  asio::co_spawn(ex.executor(), ReadReceipts(ws, &ctx, caller, closed, signal), asio::detached);
  std::string ready = deconflict::json::Write(json::object{
      {"type", "ready"}, {"party", caller.party.value()}, {"role", Name(caller.role)}});
  if (!co_await ws->Send(std::move(ready))) co_return;
  auto send = [&ws](const store::EventRecord& e) { return SendWsEvent(*ws, e); };
  while (!closed->load()) {
    const uint64_t seen = signal->generation();
    if (session->sub.ended()) {  // docs/security.md §12
      co_return co_await Refuse(*ws, "the token was revoked", http::CloseCode::kPolicyViolation);
    }
    if (!co_await Drain(ctx, caller, &after, ReceiptChannel::kWs, send)) co_return;
    if (closed->load()) break;
    Exchange::Wake w = co_await ex.WaitFor(signal.get(), seen, ctx.keepalive);
    if (w == Exchange::Wake::kEnd) break;
    if (w == Exchange::Wake::kTimeout && !co_await ws->Send("{\"type\":\"keepalive\"}")) co_return;
  }
  if (!closed->load()) co_await ws->Close();
}

}  // namespace

void RegisterEventRoutes(http::Router* router, const ApiContext& ctx) {
  AddRoute(router, ctx, "GET", "/v1/events/history", History);
  AddRoute(router, ctx, "POST", "/v1/events/{seq}/read", Read);
  router->Add("GET", "/v1/events",
              [&ctx](Exchange& ex) -> asio::awaitable<void> { co_await EventStream(ctx, ex); });
  router->Add("GET", "/v1/ws",
              [&ctx](Exchange& ex) -> asio::awaitable<void> { co_await WebSocketStream(ctx, ex); });
}

}  // namespace deconflict::server
