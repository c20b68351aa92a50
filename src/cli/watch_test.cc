// Tests of `deconflict watch`: the event line formatter, the JSON form, back-off and problem
// details in-process; RunWatch's argument checks and reconnection against a closed port.
// (The server's integration tests follow a real event stream.)
#include "cli/watch.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "base/time.h"
#include "http/server.h"
#include "testsupport/status_macros.h"

namespace deconflict::cli {
namespace {

using std::chrono::milliseconds;

// 2026-11-22T12:00:00Z, when an event carries no time of its own.
const TimePoint kReceived = FromUnixMillis(1'795'348'800'000);

constexpr const char* kOpened = R"({"conflict": {
  "id": "c-3f2a9b10c4d5e6f7", "status": "open", "type": "separation", "rule": "ground_ground",
  "window": {"start": "2026-11-22T09:16:00Z", "end": "2026-11-22T09:20:00Z"},
  "closest_approach": {"time": "2026-11-22T09:18:00Z"},
  "min_distance_m": 120.4, "required_m": 1150,
  "sides": [
    {"party": "US", "callsign": "US-PATROL-1", "kind": "movement", "plan": "us-1",
     "plan_version": 1, "acknowledged_at": null, "accepted_at": null, "escalation_level": 0},
    {"party": "RU", "callsign": "RU-PATROL-1", "kind": "movement", "acknowledged_at": null,
     "accepted_at": null, "escalation_level": 0}],
  "own_side": 0, "deadline": "2026-11-22T10:02:00Z", "created_at": "2026-11-22T10:00:03.250Z",
  "updated_at": "2026-11-22T10:00:03.250Z", "resolved_at": null}})";

TEST(FormatEventLineTest, ConflictOpened) {
  EXPECT_EQ(FormatEventLine(12, "conflict.opened", kOpened, kReceived),
            "2026-11-22T10:00:03Z  #12 conflict.opened  c-3f2a9b10c4d5e6f7  separation "
            "US-PATROL-1 vs RU-PATROL-1  window 09:16–09:20Z  min 120 m  ack by 10:02Z");
}

TEST(FormatEventLineTest, EventsAboutAConflictSayWhatHappened) {
  std::string acked = kOpened;
  acked.insert(1, R"("by": "RU", )");
  EXPECT_EQ(FormatEventLine(13, "conflict.acknowledged", acked, kReceived),
            "2026-11-22T10:00:03Z  #13 conflict.acknowledged  c-3f2a9b10c4d5e6f7  separation "
            "US-PATROL-1 vs RU-PATROL-1  window 09:16–09:20Z  min 120 m  acknowledged by RU  "
            "status open");
  std::string escalated = kOpened;
  escalated.insert(1, R"("party": "US", "level": 2, "contacts": [], )");
  EXPECT_NE(FormatEventLine(14, "conflict.escalated", escalated, kReceived)
                .find("  escalated: US level 2"),
            std::string::npos);
  std::string resolved = kOpened;
  const std::string status = R"("status": "open")";
  resolved.replace(resolved.find(status), status.size(),
                   R"("status": "resolved", "resolution": "amended")");
  EXPECT_NE(FormatEventLine(15, "conflict.resolved", resolved, kReceived)
                .find("min 120 m  resolved: amended"),
            std::string::npos);
  std::string message = kOpened;
  message.insert(1, R"("message": {"seq": 1, "party": "RU", "kind": "propose",
                                   "at": "2026-11-22T10:05:00Z"}, )");
  EXPECT_EQ(FormatEventLine(16, "message.posted", message, kReceived).substr(0, 40),
            "2026-11-22T10:05:00Z  #16 message.posted");
  EXPECT_NE(
      FormatEventLine(16, "message.posted", message, kReceived).find("  message from RU (propose)"),
      std::string::npos);
}

TEST(FormatEventLineTest, MissingFieldsAreLeftOut) {
  EXPECT_EQ(FormatEventLine(3, "conflict.expired", R"({"conflict": {"id": "c-1"}})", kReceived),
            "2026-11-22T12:00:00Z  #3 conflict.expired  c-1");
  EXPECT_EQ(FormatEventLine(4, "conflict.opened",
                            R"({"conflict": {"id": "c-2", "sides": [{"party": "US",
                                "plan": "us-9", "callsign": ""}, {"party": "RU"}],
                                "window": {"start": "-infinity", "end": "infinity"},
                                "deadline": null}})",
                            kReceived),
            "2026-11-22T12:00:00Z  #4 conflict.opened  c-2  US us-9 vs RU  window always");
  EXPECT_EQ(FormatEventLine(5, "", R"({"conflict": 7})", kReceived),
            R"(2026-11-22T12:00:00Z  #5 message  {"conflict": 7})");
}

TEST(FormatEventLineTest, OtherEventsShowTheirData) {
  EXPECT_EQ(FormatEventLine(7, "notice", R"({"text":"hello"})", kReceived),
            R"(2026-11-22T12:00:00Z  #7 notice  {"text":"hello"})");
  EXPECT_EQ(FormatEventLine(8, "x", "not json", kReceived), "2026-11-22T12:00:00Z  #8 x  not json");
  const std::string long_data = "{\"a\":\"" + std::string(500, 'x') + "\"}";
  EXPECT_LT(FormatEventLine(9, "x", long_data, kReceived).size(), 220u);
}

TEST(FormatEventLineTest, TimesCarryTheirDateWhenItIsNotTheLines) {
  const std::string data = R"({"conflict": {"id": "c-4", "status": "open",
      "window": {"start": "2026-11-23T23:59:30Z", "end": "2026-11-24T00:04:00Z"},
      "min_distance_m": 3.26, "deadline": "2026-11-23T08:00:00Z",
      "updated_at": "2026-11-22T10:00:00Z"}})";
  EXPECT_EQ(FormatEventLine(1, "conflict.opened", data, kReceived),
            "2026-11-22T10:00:00Z  #1 conflict.opened  c-4  window 2026-11-23 23:59:30–2026-11-24 "
            "00:04Z  min 3.3 m  ack by 2026-11-23 08:00Z");
  const std::string site = R"({"conflict": {"id": "c-5",
      "window": {"start": "-infinity", "end": "2026-11-22T11:00:00Z"}, "min_distance_m": 0}})";
  EXPECT_EQ(FormatEventLine(2, "conflict.opened", site, kReceived),
            "2026-11-22T12:00:00Z  #2 conflict.opened  c-5  window until 11:00Z  min 0 m");
}

TEST(FormatEventJsonTest, KeepsTheDataVerbatim) {
  const std::string data = R"({"conflict": {"id": "c-1", "min_distance_m": 1.50}})";
  const std::string line = FormatEventJson(12, "conflict.opened", data);
  EXPECT_EQ(line, R"({"id":12,"type":"conflict.opened","data":)" + data + "}");
  EXPECT_TRUE(boost::json::parse(line).is_object());
  EXPECT_EQ(FormatEventJson(3, "x\"y", "not json"), R"({"id":3,"type":"x\"y","data":"not json"})");
}

TEST(BackoffDelayTest, DoublesUpToTheMaximum) {
  const milliseconds first(1000), max(30000);
  std::vector<int64_t> delays;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    delays.push_back(BackoffDelay(attempt, first, max).count());
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
  EXPECT_EQ(BackoffDelay(1000, first, max).count(), 30000);
}

TEST(ProblemDetailTest, ShowsTitleAndDetailOfAProblemBody) {
  EXPECT_EQ(ProblemDetail(
                R"(HTTP 401: {"type":"https://deconflict.example/problems/unauthenticated",)"
                R"("title":"Unauthenticated","status":401,"detail":"unknown or revoked token"})"),
            "Unauthenticated: unknown or revoked token");
  EXPECT_EQ(ProblemDetail("connection refused"), "connection refused");
  EXPECT_EQ(ProblemDetail("HTTP 500: {broken"), "HTTP 500: {broken");
}

struct Streams {
  std::istringstream in;
  std::ostringstream out, err;
  Io io{in, out, err};
};

TEST(RunWatchTest, RejectsBadArguments) {
  Streams s;
  EXPECT_EQ(RunWatch({.server = "ftp://x", .token = "t"}, s.io), kExitBadInput);
  EXPECT_NE(s.err.str().find("--server"), std::string::npos);
  Streams t;
  EXPECT_EQ(RunWatch({.server = "http://127.0.0.1:1"}, t.io), kExitBadInput);
  EXPECT_NE(t.err.str().find("DECONFLICT_TOKEN"), std::string::npos);
}

// An event stream at /prefix/v1/events for the token "dcf_good": each connection sends the two
// events after Last-Event-ID (0 if absent), then ends the stream; other tokens get a 401 problem.
class FakeEventServer {
 public:
  FakeEventServer() {
    router_.Add("GET", "/prefix/v1/events",
                [this](http::Exchange& ex) -> boost::asio::awaitable<void> {
                  const http::Request& r = ex.request();
                  if (r.header("Authorization") != "Bearer dcf_good") {
                    // Named locals, not temporaries, across co_await (GCC 12 coroutine
                    // temporaries).
                    http::Response refused = http::ProblemResponse(
                        401, "unauthenticated", "Unauthenticated", "unknown or revoked token");
                    co_await ex.Respond(std::move(refused));
                    co_return;
                  }
                  const std::string last = r.header("Last-Event-ID");
                  {
                    std::lock_guard<std::mutex> lock(mu_);
                    last_event_ids_.push_back(last.empty() ? "none" : last);
                  }
                  const int64_t after = last.empty() ? 0 : std::stoll(last);
                  if (!co_await ex.StartEventStream()) co_return;
                  for (int64_t id = after + 1; id <= after + 2; ++id) {
                    const std::string data = R"({"conflict":{"id":"c-)" + std::to_string(id) +
                                             R"(","updated_at":"2026-11-22T10:00:00Z"}})";
                    const http::SseEvent event{.id = id, .type = "conflict.opened", .data = data};
                    const bool sent = co_await ex.SendEvent(event);
                    if (!sent) co_return;
                  }
                });
    server_ =
        std::make_unique<http::Server>(io_, router_, http::ServerOptions{.listen = "127.0.0.1:0"});
    const Status s = server_->Start();
    EXPECT_OK(s);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeEventServer() {
    auto done = std::make_shared<std::promise<void>>();
    server_->Stop([done] { done->set_value(); });
    done->get_future().wait_for(std::chrono::seconds(30));
    work_.reset();
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/prefix/";
  }
  std::vector<std::string> last_event_ids() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_event_ids_;
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> last_event_ids_;  // guarded by mu_
};

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(RunWatchTest, ResumesAfterTheLastEventWhenTheStreamEnds) {
  FakeEventServer server;
  Streams s;
  WatchOptions o{.server = server.url(),
                 .token = "dcf_good",
                 .after = 10,
                 .first_backoff = milliseconds(50),
                 .stop = [&] { return Lines(s.out.str()) >= 6; }};
  EXPECT_EQ(RunWatch(o, s.io), kExitOk) << s.err.str();
  const std::string out = s.out.str();
  EXPECT_EQ(out.substr(0, out.find('\n')), "2026-11-22T10:00:00Z  #11 conflict.opened  c-11");
  for (const char* id : {"#12 ", "#13 ", "#14 ", "#15 ", "#16 "}) {
    EXPECT_NE(out.find(id), std::string::npos) << id << " in\n" << out;
  }
  const std::vector<std::string> seen = server.last_event_ids();
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0], "10");
  EXPECT_EQ(seen[1], "12");
  EXPECT_EQ(seen[2], "14");
  EXPECT_NE(s.err.str().find("; reconnecting in "), std::string::npos) << s.err.str();
  EXPECT_NE(s.err.str().find("(after event 12)"), std::string::npos) << s.err.str();
}

TEST(RunWatchTest, JsonLinesCarryIdTypeAndData) {
  FakeEventServer server;
  Streams s;
  WatchOptions o{.server = server.url(),
                 .token = "dcf_good",
                 .json = true,
                 .first_backoff = milliseconds(50),
                 .stop = [&] { return Lines(s.out.str()) >= 2; }};
  EXPECT_EQ(RunWatch(o, s.io), kExitOk) << s.err.str();
  EXPECT_EQ(s.out.str().substr(0, s.out.str().find('\n')),
            R"({"id":1,"type":"conflict.opened","data":{"conflict":{"id":"c-1",)"
            R"("updated_at":"2026-11-22T10:00:00Z"}}})");
  EXPECT_EQ(server.last_event_ids().at(0), "none");
}

TEST(RunWatchTest, RefusedTokenExitsTwoWithTheProblemDetail) {
  FakeEventServer server;
  Streams s;
  EXPECT_EQ(RunWatch({.server = server.url(), .token = "dcf_bad"}, s.io), kExitBadInput);
  EXPECT_EQ(s.err.str(),
            "error: the server refused the token: Unauthenticated: unknown or revoked token\n");
  EXPECT_EQ(s.out.str(), "");
}

// A port nothing listens on (bound, then closed).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(RunWatchTest, RetriesWithBackoffUntilStopped) {
  Streams s;
  const auto start = std::chrono::steady_clock::now();
  WatchOptions o{
      .server = "http://127.0.0.1:" + std::to_string(FreePort()),
      .token = "dcf_x",
      .after = 41,
      .first_backoff = milliseconds(100),
      .max_backoff = milliseconds(200),
      .stop = [&] { return std::chrono::steady_clock::now() - start > milliseconds(900); }};
  EXPECT_EQ(RunWatch(o, s.io), kExitOk);
  const std::string err = s.err.str();
  EXPECT_NE(err.find("; reconnecting in "), std::string::npos) << err;
  EXPECT_NE(err.find("(after event 41)"), std::string::npos) << err;
  size_t retries = 0;
  for (size_t p = 0; (p = err.find("reconnecting", p)) != std::string::npos; ++p) ++retries;
  EXPECT_GE(retries, 3u) << err;
  EXPECT_EQ(s.out.str(), "");
}

}  // namespace
}  // namespace deconflict::cli
