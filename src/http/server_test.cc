// Real loopback tests: a Server on 127.0.0.1:0 on an io_context run by two threads, driven by the
// blocking Client, FollowSse and WsClient (and a raw socket where HTTP must be broken on purpose).
#include "http/server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "http/async_signal.h"
#include "http/client.h"
#include "http/completion.h"
#include "testsupport/status_macros.h"
#include "testsupport/temp_dir.h"

namespace deconflict::http {
namespace {

using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
namespace json = boost::json;

asio::awaitable<void> Sleep(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opt = {}) {
    opt.listen = "127.0.0.1:0";
    opt.metrics = &metrics_;
    server_ = std::make_unique<Server>(io_, router_, opt);
    const Status s = server_->Start();
    ASSERT_OK(s);
    ASSERT_NE(server_->port(), 0);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  Url BaseUrl(bool tls = false, std::string target = "/") const {
    return Url{tls, "127.0.0.1", server_->port(), std::move(target)};
  }

  // Stops the server and waits for `done`.
  void StopServer() {
    if (!server_ || stopped_) return;
    stopped_ = true;
    auto done = std::make_shared<std::promise<void>>();
    server_->Stop([done] { done->set_value(); });
    ASSERT_EQ(done->get_future().wait_for(30s), std::future_status::ready);
  }

  void TearDown() override {
    StopServer();
    work_.reset();
    for (auto& t : threads_) t.join();
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::vector<std::thread> threads_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  bool stopped_ = false;
};

// Sends raw bytes and returns everything the server sends until it closes (10 s at most).
std::string RawExchange(uint16_t port, const std::string& bytes) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{10, 0};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (!bytes.empty()) asio::write(s, asio::buffer(bytes));
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();  // closed by the server, not timed out
  return out;
}

json::value BodyJson(const ClientResponse& r) { return json::parse(r.body); }

// ---------------------------------------------------------------------------------------------

TEST_F(ServerTest, RoutesParamsQueryAndJson) {
  router_.Add("GET", "/v1/plans/{id}", [](Exchange& ex) -> asio::awaitable<void> {
    const Request& r = ex.request();
    {
      Response resp = JsonResponse(200, {{"id", r.params.at("id")},
                                         {"path", r.path},
                                         {"target", r.target},
                                         {"q", r.query.count("q") ? r.query.at("q") : ""},
                                         {"z", r.query.count("z") ? r.query.at("z") : ""},
                                         {"route", r.route},
                                         {"method", r.method},
                                         {"agent", r.header("user-agent")},
                                         {"remote", r.remote}});
      co_await ex.Respond(std::move(resp));
    }
  });
  StartServer();
  Client c(BaseUrl());

  Result<ClientResponse> r = c.Send("GET", "/v1/plans/a%20b?q=hello%20world&z=a+b");
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  const json::value v = BodyJson(*r);
  EXPECT_EQ(v.at("id").as_string(), "a b");
  EXPECT_EQ(v.at("path").as_string(), "/v1/plans/a b");
  EXPECT_EQ(v.at("target").as_string(), "/v1/plans/a%20b?q=hello%20world&z=a+b");
  EXPECT_EQ(v.at("q").as_string(), "hello world");
  EXPECT_EQ(v.at("z").as_string(), "a b");
  EXPECT_EQ(v.at("route").as_string(), "/v1/plans/{id}");
  EXPECT_EQ(v.at("method").as_string(), "GET");
  EXPECT_EQ(v.at("agent").as_string(), "deconflict");
  EXPECT_EQ(std::string(v.at("remote").as_string()).substr(0, 10), "127.0.0.1:");

  r = c.Send("GET", "/v1/nothing");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
  EXPECT_EQ(BodyJson(*r).at("type").as_string(), "https://deconflict.example/problems/not_found");
  EXPECT_EQ(BodyJson(*r).at("status").as_int64(), 404);

  r = c.Send("DELETE", "/v1/plans/x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("Allow"), "GET");
  EXPECT_EQ(BodyJson(*r).at("type").as_string(),
            "https://deconflict.example/problems/method_not_allowed");

  r = c.Send("GET", "/v1/plans/%zz");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
}

TEST_F(ServerTest, PostBodyHeadersAndStatusProblems) {
  router_.Add("POST", "/echo", [](Exchange& ex) -> asio::awaitable<void> {
    Response r;
    r.status = 201;
    r.content_type = "text/plain";
    r.body = ex.request().body;
    r.headers.emplace_back("X-Seen", ex.request().header("x-test"));
    co_await ex.Respond(std::move(r));
  });
  router_.Add("GET", "/missing", [](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.Respond(ProblemFromStatus(Status::NotFound("no plan p9")));
  });
  StartServer();
  Client c(BaseUrl());
  Result<ClientResponse> r = c.Send("POST", "/echo", "payload", {{"X-Test", "yes"}}, "text/plain");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "payload");
  EXPECT_EQ(r->header("x-seen"), "yes");
  EXPECT_EQ(r->header("content-type"), "text/plain");

  r = c.Send("GET", "/missing");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  const Status s = StatusFromHttp(r->status, r->body);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no plan p9"), std::string::npos);
}

// ClientLimits: a body longer than max_body_bytes is cut there (the status is kept, the
// connection closed, the next request works); an address filter that refuses every address the
// host resolves to means no connection at all (PermissionDenied, naming the address).
TEST_F(ServerTest, ClientLimitsCutLongBodiesAndRefuseAddresses) {
  router_.Add("GET", "/big", [](Exchange& ex) -> asio::awaitable<void> {
    Response r;
    r.status = 200;
    r.body = std::string(200 << 10, 'x');
    co_await ex.Respond(std::move(r));
  });
  StartServer();
  Client c(BaseUrl(), 10s, false, {.max_body_bytes = 64 << 10});
  for (int i = 0; i < 2; ++i) {
    Result<ClientResponse> r = c.Send("GET", "/big");
    ASSERT_OK(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->body_cut);
    EXPECT_LE(r->body.size(), size_t{64} << 10);
  }
  Client whole(BaseUrl());
  EXPECT_EQ(whole.Send("GET", "/big")->body.size(), size_t{200} << 10);
  EXPECT_FALSE(whole.Send("GET", "/big")->body_cut);

  int asked = 0;
  ClientLimits none;
  none.allow_address = [&](const asio::ip::address&) {
    ++asked;
    return false;
  };
  Client refused(BaseUrl(), 10s, false, none);
  Result<ClientResponse> r = refused.Send("GET", "/big");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
  EXPECT_NE(r.status().message().find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(asked, 1);
}

TEST_F(ServerTest, HeadAnswersHeadersWithoutBody) {
  auto handler = [](Exchange& ex) -> asio::awaitable<void> {
    Response r = JsonResponse(200, {{"size", "twenty-ish bytes"}});
    co_await ex.Respond(std::move(r));
  };
  router_.Add("GET", "/doc", handler);
  router_.Add("HEAD", "/doc", handler);
  StartServer();
  Client c(BaseUrl());
  Result<ClientResponse> head = c.Send("HEAD", "/doc");
  ASSERT_OK(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  Result<ClientResponse> get = c.Send("GET", "/doc");  // same connection: framing intact
  ASSERT_OK(get);
  EXPECT_EQ(head->header("Content-Length"), std::to_string(get->body.size()));
}

TEST_F(ServerTest, OversizedBodyGets413ProblemAndClose) {
  router_.Add("POST", "/upload", [](Exchange& ex) -> asio::awaitable<void> {
    {
      Response resp = JsonResponse(200, {{"bytes", ex.request().body.size()}});
      co_await ex.Respond(std::move(resp));
    }
  });
  StartServer();  // DEFAULT max_body_bytes: 1 MiB
  Client c(BaseUrl());
  Result<ClientResponse> r = c.Send("POST", "/upload", std::string(2 << 20, 'x'));
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
  EXPECT_EQ(r->header("Connection"), "close");
  const json::value v = BodyJson(*r);
  EXPECT_EQ(v.at("type").as_string(), "https://deconflict.example/problems/too_large");
  EXPECT_EQ(v.at("status").as_int64(), 413);
  EXPECT_TRUE(v.at("title").is_string());
  EXPECT_NE(v.at("detail").as_string().find("1048576"), std::string::npos);

  // Exactly at the limit is fine (and the client reconnects after the close).
  r = c.Send("POST", "/upload", std::string(1 << 20, 'y'));
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(BodyJson(*r).at("bytes").as_int64(), 1 << 20);
}

TEST_F(ServerTest, MalformedRequestGets400ProblemAndClose) {
  StartServer();
  const std::string out = RawExchange(server_->port(), "THIS IS NOT HTTP\r\n\r\n");
  ASSERT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Type: application/problem+json"), std::string::npos) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  const json::value v = json::parse(out.substr(out.find("\r\n\r\n") + 4));
  EXPECT_EQ(v.at("status").as_int64(), 400);
  EXPECT_EQ(v.at("type").as_string(), "https://deconflict.example/problems/malformed_request");

  // A bad header line after a good request line.
  const std::string out2 =
      RawExchange(server_->port(), "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
  EXPECT_EQ(out2.rfind("HTTP/1.1 400", 0), 0u) << out2;
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  router_.Add("GET", "/who", [](Exchange& ex) -> asio::awaitable<void> {
    {
      Response resp = JsonResponse(200, {{"remote", ex.request().remote}});
      co_await ex.Respond(std::move(resp));
    }
  });
  StartServer();
  Client c(BaseUrl());
  Result<ClientResponse> a = c.Send("GET", "/who");
  Result<ClientResponse> b = c.Send("GET", "/who");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->header("Connection"), "close");
  // Same client port: the same TCP connection.
  EXPECT_EQ(BodyJson(*a).at("remote"), BodyJson(*b).at("remote"));

  // And both requests pipelined on a raw connection are answered in order.
  const std::string out = RawExchange(server_->port(),
                                      "GET /who HTTP/1.1\r\nHost: x\r\n\r\nGET /who "
                                      "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t first = out.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 200", first + 1), std::string::npos) << out;
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterIdleTimeout) {
  StartServer({.idle_timeout = std::chrono::seconds(1)});
  EXPECT_EQ(RawExchange(server_->port(), ""), "");  // EOF (asserted inside), not our 10 s limit
}

TEST_F(ServerTest, HandlerFailuresBecome500Problems) {
  router_.Add("GET", "/throw", [](Exchange&) -> asio::awaitable<void> {
    throw std::runtime_error("handler bug");
    co_return;
  });
  router_.Add("GET", "/silent", [](Exchange&) -> asio::awaitable<void> { co_return; });
  router_.Add("GET", "/twice", [](Exchange& ex) -> asio::awaitable<void> {
    {
      Response resp = JsonResponse(200, {{"ok", true}});
      co_await ex.Respond(std::move(resp));
    }
    {
      Response resp = JsonResponse(200, {{"ok", false}});
      co_await ex.Respond(std::move(resp));
    }  // throws logic_error: logged
  });
  StartServer();
  Client c(BaseUrl());
  for (const char* path : {"/throw", "/silent"}) {
    Result<ClientResponse> r = c.Send("GET", path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_EQ(BodyJson(*r).at("type").as_string(), "https://deconflict.example/problems/internal");
  }
  Result<ClientResponse> r = c.Send("GET", "/twice");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(BodyJson(*r).at("ok").as_bool(), true);
}

TEST_F(ServerTest, EventStreamDeliversEventsInOrderWithIds) {
  router_.Add("GET", "/events", [](Exchange& ex) -> asio::awaitable<void> {
    if (!co_await ex.StartEventStream()) co_return;
    for (int i = 1; i <= 5; ++i) {
      if (!co_await ex.SendComment("keep-alive")) co_return;
      const SseEvent e{.id = i, .type = "tick", .data = "{\"n\":" + std::to_string(i) + "}"};
      if (!co_await ex.SendEvent(e)) co_return;
    }
  });
  StartServer();

  std::vector<SseEvent> events;
  const Status s = FollowSse(BaseUrl(false, "/events"), {}, [&](const SseEvent& e) {
    events.push_back(e);
    return true;
  });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();  // the server ended the stream
  ASSERT_EQ(events.size(), 5u);
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(events[i - 1].id, i);
    EXPECT_EQ(events[i - 1].type, "tick");
    EXPECT_EQ(events[i - 1].data, "{\"n\":" + std::to_string(i) + "}");
  }

  // The raw answer: headers and wire format.
  Client c(BaseUrl());
  Result<ClientResponse> r = c.Send("GET", "/events");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(r->header("Cache-Control"), "no-cache");
  EXPECT_EQ(r->header("X-Accel-Buffering"), "no");
  EXPECT_EQ(r->header("Content-Length"), "");
  EXPECT_EQ(r->body.rfind(
                ": keep-alive\n\nid: 1\nevent: tick\ndata: {\"n\":1}\n\n: keep-alive\n\nid: 2", 0),
            0u)
      << r->body;
}

TEST_F(ServerTest, EventStreamWakesOnSignalFromAnotherThreadAndNoticesDisconnect) {
  AsyncSignal feed;
  std::mutex mu;
  std::vector<std::string> items;  // guarded by mu
  std::promise<void> handler_ended;
  router_.Add("GET", "/feed", [&](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.StartEventStream();
    size_t sent = 0;
    for (;;) {
      const uint64_t seen = feed.generation();
      std::vector<std::string> batch;
      {
        std::lock_guard<std::mutex> lock(mu);
        batch.assign(items.begin() + static_cast<long>(sent), items.end());
      }
      for (const std::string& d : batch) {
        const SseEvent e{.id = static_cast<int64_t>(++sent), .data = d};
        if (!co_await ex.SendEvent(e)) break;
      }
      const Exchange::Wake w = co_await ex.WaitFor(&feed, seen, 10s);
      if (w == Exchange::Wake::kEnd) break;
    }
    handler_ended.set_value();
  });
  StartServer();

  std::thread producer([&] {
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(10ms);  // pacing: one item per wake-up, not synchronisation
      {
        std::lock_guard<std::mutex> lock(mu);
        items.push_back("item" + std::to_string(i));
      }
      feed.Notify();
    }
  });
  std::vector<SseEvent> got;
  const Status s = FollowSse(BaseUrl(false, "/feed"), {}, [&](const SseEvent& e) {
    got.push_back(e);
    return got.size() < 3;  // then disconnect
  });
  producer.join();
  EXPECT_OK(s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].id, 3);
  EXPECT_EQ(got[2].data, "item2");
  // The handler learns of the disconnect without writing (its wait was 10 s).
  EXPECT_EQ(handler_ended.get_future().wait_for(5s), std::future_status::ready);
}

TEST_F(ServerTest, WebSocketEchoWithConcurrentSendAndReceive) {
  router_.Add("GET", "/ws", [](Exchange& ex) -> asio::awaitable<void> {
    if (!ex.IsWebSocketUpgrade()) {
      co_await ex.Respond(ProblemResponse(426, "upgrade_required", "Upgrade required", "ws only"));
      co_return;
    }
    std::unique_ptr<WebSocket> ws = co_await ex.AcceptWebSocket();
    if (!ws) co_return;
    auto echo = [&]() -> asio::awaitable<void> {
      while (std::optional<std::string> m = co_await ws->Receive()) {
        if (!co_await ws->Send("echo:" + *m)) break;
      }
    };
    auto ticks = [&]() -> asio::awaitable<void> {  // writes while echo's Receive is pending
      for (int i = 0; i < 3; ++i) {
        co_await Sleep(5ms);
        co_await ws->Send("tick" + std::to_string(i));
      }
    };
    co_await (echo() && ticks());
  });
  StartServer();

  WsClient ws;
  Status s = ws.Connect(BaseUrl(false, "/ws"));
  ASSERT_OK(s);
  ASSERT_TRUE(ws.Send("a").ok());
  ASSERT_TRUE(ws.Send("b").ok());
  std::vector<std::string> echoes, ticks;
  while (echoes.size() < 2 || ticks.size() < 3) {
    Result<std::optional<std::string>> m = ws.Receive(5s);
    ASSERT_OK(m);
    ASSERT_TRUE(m->has_value()) << "timed out";
    (m->value().rfind("echo:", 0) == 0 ? echoes : ticks).push_back(**m);
  }
  EXPECT_EQ(echoes, (std::vector<std::string>{"echo:a", "echo:b"}));
  EXPECT_EQ(ticks, (std::vector<std::string>{"tick0", "tick1", "tick2"}));
  Result<std::optional<std::string>> none = ws.Receive(20ms);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ws.Close();

  // Not an upgrade: the handler answers itself.
  Client c(BaseUrl());
  Result<ClientResponse> r = c.Send("GET", "/ws");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 426);
  // A refused upgrade reports the status.
  WsClient refused;
  s = refused.Connect(BaseUrl(false, "/nope"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 404"), std::string::npos);
}

TEST_F(ServerTest, TlsRequestsEventStreamsAndWebSockets) {
  const testing::TempDir tmp("deconflict_http_tls");
  const std::filesystem::path& dir = tmp.path();
  const std::string key = (dir / "key.pem").string(), cert = (dir / "cert.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 "
      "-keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);

  router_.Add("GET", "/hello", [](Exchange& ex) -> asio::awaitable<void> {
    {
      Response resp = JsonResponse(200, {{"hello", "tls"}});
      co_await ex.Respond(std::move(resp));
    }
  });
  router_.Add("GET", "/events", [](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.StartEventStream();
    const SseEvent e{.id = 1, .type = "t", .data = "secure"};
    co_await ex.SendEvent(e);
  });
  router_.Add("GET", "/ws", [](Exchange& ex) -> asio::awaitable<void> {
    auto ws = co_await ex.AcceptWebSocket();
    while (auto m = co_await ws->Receive()) co_await ws->Send("echo:" + *m);
  });
  StartServer({.tls_cert_file = cert, .tls_key_file = key});

  Client c(BaseUrl(true), 10s, /*insecure_tls=*/true);
  for (int i = 0; i < 2; ++i) {  // the second on the kept-alive TLS connection
    Result<ClientResponse> r = c.Send("GET", "/hello");
    ASSERT_OK(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(BodyJson(*r).at("hello").as_string(), "tls");
  }

  std::vector<SseEvent> events;
  Status s = FollowSse(
      BaseUrl(true, "/events"), {},
      [&](const SseEvent& e) {
        events.push_back(e);
        return true;
      },
      {}, /*insecure_tls=*/true);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "secure");

  WsClient ws;
  s = ws.Connect(BaseUrl(true, "/ws"), {}, /*insecure_tls=*/true);
  ASSERT_OK(s);
  ASSERT_TRUE(ws.Send("x").ok());
  Result<std::optional<std::string>> m = ws.Receive(5s);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ(**m, "echo:x");
  ws.Close();

  // Verification is on by default: a self-signed certificate is refused.
  Client strict(BaseUrl(true), 10s);
  Result<ClientResponse> r = strict.Send("GET", "/hello");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(ServerTest, StopDrainsInFlightRequestAndEndsEventStreams) {
  std::promise<void> slow_started;
  std::atomic<bool> saw_shutting_down{false};
  router_.Add("GET", "/slow", [&](Exchange& ex) -> asio::awaitable<void> {
    slow_started.set_value();
    co_await Sleep(300ms);
    saw_shutting_down = ex.ShuttingDown();
    {
      Response resp = JsonResponse(200, {{"slow", "done"}});
      co_await ex.Respond(std::move(resp));
    }
  });
  router_.Add("GET", "/events", [](Exchange& ex) -> asio::awaitable<void> {
    co_await ex.StartEventStream();
    const SseEvent first{.id = 1, .data = "first"};
    co_await ex.SendEvent(first);
    while (!co_await ex.WaitShutdownOr(30s)) co_await ex.SendComment("keep-alive");
    const SseEvent late{.id = 2, .data = "too late"};
    EXPECT_FALSE(co_await ex.SendEvent(late));
  });
  router_.Add("GET", "/ws", [](Exchange& ex) -> asio::awaitable<void> {
    auto ws = co_await ex.AcceptWebSocket();
    while (co_await ws->Receive()) {
    }
  });
  StartServer();

  std::promise<Result<ClientResponse>> slow_result;
  std::thread slow([&] {
    Client c(BaseUrl());
    slow_result.set_value(c.Send("GET", "/slow"));
  });
  std::promise<void> first_event;
  std::vector<SseEvent> events;
  Status sse_status;
  std::thread sse([&] {
    sse_status = FollowSse(BaseUrl(false, "/events"), {}, [&](const SseEvent& e) {
      events.push_back(e);
      if (events.size() == 1) first_event.set_value();
      return true;
    });
  });
  WsClient ws;
  ASSERT_TRUE(ws.Connect(BaseUrl(false, "/ws")).ok());
  Client idle(BaseUrl());  // a kept-alive idle connection
  ASSERT_TRUE(idle.Send("GET", "/nothing").ok());

  // Like a real WebSocket client, keep reading (to answer the server's close).
  std::promise<Result<std::optional<std::string>>> ws_closed;
  std::thread ws_reader([&] { ws_closed.set_value(ws.Receive(10s)); });

  slow_started.get_future().wait();
  first_event.get_future().wait();
  StopServer();  // returns once every connection has ended

  Result<ClientResponse> r = slow_result.get_future().get();
  slow.join();
  sse.join();
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(BodyJson(*r).at("slow").as_string(), "done");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(saw_shutting_down.load());
  EXPECT_EQ(sse_status.code(), StatusCode::kUnavailable) << sse_status.ToString();
  ASSERT_EQ(events.size(), 1u);
  ws_reader.join();
  Result<std::optional<std::string>> closed = ws_closed.get_future().get();
  EXPECT_FALSE(closed.ok());  // closed by the server ("going away"), not a timeout
  EXPECT_NE(closed.status().message().find("1001"), std::string::npos)
      << closed.status().ToString();

  // No more connections are accepted.
  Client late(BaseUrl(), 2s);
  EXPECT_FALSE(late.Send("GET", "/slow").ok());
}

TEST_F(ServerTest, DrainTimeoutClosesStuckConnections) {
  constexpr size_t kBodyBytes = 64 << 20;  // far more than the socket buffers hold
  std::promise<void> handler_started;
  router_.Add("GET", "/big", [&handler_started](Exchange& ex) -> asio::awaitable<void> {
    Response r;
    r.content_type = "application/octet-stream";
    r.body.assign(kBodyBytes, 'z');
    handler_started.set_value();
    co_await ex.Respond(std::move(r));  // the client never reads: the write never completes
  });
  constexpr auto kDrainTimeout = 1s;
  StartServer({.drain_timeout = kDrainTimeout});
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  asio::write(s, asio::buffer(std::string("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")));
  ASSERT_EQ(handler_started.get_future().wait_for(30s), std::future_status::ready);

  // In flight, the handler holds the drain up to drain_timeout; then its connection is closed.
  const auto stop_began = std::chrono::steady_clock::now();
  auto done = std::make_shared<std::promise<void>>();
  stopped_ = true;
  server_->Stop([done] { done->set_value(); });
  ASSERT_EQ(done->get_future().wait_for(30s), std::future_status::ready);
  const auto stop_took = std::chrono::steady_clock::now() - stop_began;
  EXPECT_GE(stop_took, kDrainTimeout);
  EXPECT_LT(stop_took, kDrainTimeout + 10s);
  // Stop completed because the connection ended, not because the grace after closing it ran out.
  EXPECT_NE(metrics_.Render().find("\ndeconflict_http_connections 0\n"), std::string::npos);

  // The client reads what was sent before the close, then the end of the stream: the answer was
  // cut short.
  timeval tv{10, 0};
  setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string received;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(received), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_EQ(received.rfind("HTTP/1.1 200", 0), 0u) << received.substr(0, 100);
  EXPECT_LT(received.size(), kBodyBytes);
}

TEST_F(ServerTest, MetricsCountRequestsByRouteAndCode) {
  router_.Add("GET", "/v1/plans/{id}", [](Exchange& ex) -> asio::awaitable<void> {
    {
      Response resp = JsonResponse(200, {{"ok", true}});
      co_await ex.Respond(std::move(resp));
    }
  });
  StartServer();
  Client c(BaseUrl());
  ASSERT_TRUE(c.Send("GET", "/v1/plans/1").ok());
  ASSERT_TRUE(c.Send("GET", "/v1/plans/2").ok());
  ASSERT_TRUE(c.Send("GET", "/elsewhere").ok());
  const std::string text = metrics_.Render();
  EXPECT_NE(text.find("# TYPE deconflict_http_requests_total counter\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("deconflict_http_requests_total{code=\"200\",method=\"GET\",route=\"/v1/"
                      "plans/{id}\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "deconflict_http_requests_total{code=\"404\",method=\"GET\",route=\"unmatched\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE deconflict_http_request_duration_seconds histogram\n"),
            std::string::npos);
  EXPECT_NE(text.find("deconflict_http_request_duration_seconds_bucket{route=\"/v1/plans/{id}\","
                      "le=\"+Inf\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("deconflict_http_request_duration_seconds_count{route=\"/v1/plans/{id}\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE deconflict_http_connections gauge\ndeconflict_http_connections 1\n"),
            std::string::npos)
      << text;
}

TEST_F(ServerTest, StartReportsBadOptions) {
  Server bad_addr(io_, router_, {.listen = "127.0.0.1"});
  EXPECT_EQ(bad_addr.Start().code(), StatusCode::kInvalidArgument);
  Server bad_port(io_, router_, {.listen = "127.0.0.1:99999"});
  EXPECT_EQ(bad_port.Start().code(), StatusCode::kInvalidArgument);
  Server half_tls(io_, router_, {.listen = "127.0.0.1:0", .tls_cert_file = "/nonexistent"});
  EXPECT_EQ(half_tls.Start().code(), StatusCode::kInvalidArgument);
  Server no_files(
      io_, router_,
      {.listen = "127.0.0.1:0", .tls_cert_file = "/nonexistent/c", .tls_key_file = "/k"});
  EXPECT_EQ(no_files.Start().code(), StatusCode::kInvalidArgument);

  StartServer();
  Server taken(io_, router_, {.listen = "127.0.0.1:" + std::to_string(server_->port())});
  EXPECT_EQ(taken.Start().code(), StatusCode::kUnavailable);
}

TEST(Client, ConnectionRefusedIsUnavailable) {
  // Bind and close to find a port nobody listens on.
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t port = a.local_endpoint().port();
  a.close();
  Client c(Url{false, "127.0.0.1", port, "/"}, 2s);
  Result<ClientResponse> r = c.Send("GET", "/");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot connect"), std::string::npos);
}

TEST(Client, RefusesTargetsWithControlCharacters) {
  // Refused before connecting: CR/LF would end the request line and start injected headers.
  Client c(Url{false, "127.0.0.1", 9, "/"}, 2s);
  Result<ClientResponse> r = c.Send("GET", "/a\r\nX-Injected: 1");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "request target holds a control character 0x0D at offset 2");
  EXPECT_EQ(c.Send("GET", "/a b").status().code(), StatusCode::kInvalidArgument);
}

TEST(Client, RefusesHeaderFieldsThatWouldInjectOthers) {
  // Refused before connecting (port 9 has no listener): nothing reaches the wire.
  Client c(Url{false, "127.0.0.1", 9, "/"}, 2s);
  Result<ClientResponse> r = c.Send("GET", "/", "", {{"X-A", "1\r\nX-Injected: 1"}});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "header 'X-A' value holds a control character 0x0D at offset 1");
  EXPECT_EQ(c.Send("GET", "/", "", {{"X A", "1"}}).status().message(),
            "header name 'X?A' is not a token");
  EXPECT_EQ(c.Send("GE\nT", "/").status().message(), "method is not a token");
  Status sse = FollowSse(
      Url{false, "127.0.0.1", 9, "/"}, {{"Authorization", "Bearer x\n"}},
      [](const SseEvent&) { return true; }, [] { return true; });
  EXPECT_EQ(sse.code(), StatusCode::kInvalidArgument);
  WsClient ws;
  EXPECT_EQ(ws.Connect(Url{false, "127.0.0.1", 9, "/"}, {{"Origin", "a\rb"}}).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace deconflict::http
