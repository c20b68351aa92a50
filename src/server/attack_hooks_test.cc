// Attacks on webhooks and pages (issue 9 item 6; docs/security.md §14), against the real
// deconflictd: a slow receiver of one party must not delay another party's deliveries, a huge
// answer must not be read, webhooks and pagers may not reach loopback, private or link-local
// addresses (unless the operator allows it), a party reads failure reasons without network
// detail, webhooks and contacts per party are capped, a page cannot be replayed to another
// recipient, and escalation entries name no observer to the parties.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "http/client.h"
#include "record/crypto.h"
#include "server/webhooks.h"
#include "store/sqlite_store.h"
#include "testsupport/daemon.h"
#include "testsupport/status_macros.h"
#include "testsupport/temp_dir.h"

namespace deconflict::server {
namespace {

namespace json = boost::json;
namespace dt = deconflict::testing;
namespace asio = boost::asio;
using asio::ip::tcp;
using dt::Daemon;
using http::ClientResponse;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

dt::DaemonOptions Options(std::vector<std::string> extra = {}) {
  return {.daemon_binary = DECONFLICTD_BINARY,
          .cli_binary = DECONFLICT_CLI_BINARY,
          .extra_args = std::move(extra)};
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A raw HTTP receiver on 127.0.0.1, one thread per connection, in one of three manners.
class RawReceiver {
 public:
  enum class Manner {
    kAnswer,  // reads the request, answers 200 with an empty body
    kSilent,  // accepts and never reads nor answers
    kHuge,    // reads the request head, answers 200 with an endless body (no length)
  };

  explicit RawReceiver(Manner manner) : manner_(manner), acceptor_(io_) {
    tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~RawReceiver() { Close(); }

  // Closes the listener and every connection (the daemon's attempts then end at once).
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
      for (const auto& s : sockets_) ::shutdown(s->native_handle(), SHUT_RDWR);
    }
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (accept_thread_.joinable()) accept_thread_.join();
    for (std::thread& t : threads_) t.join();
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  uint16_t port() const { return port_; }

  // Waits until `pred()` holds, up to `limit`. `pred` runs under the lock: it may call only the
  // *_unlocked accessors.
  bool WaitUntil(const std::function<bool()>& pred, milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, pred);
  }
  int accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::vector<std::string> requests() {  // request heads and bodies (kAnswer)
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  uint64_t bytes_sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_sent_;
  }
  int accepted_unlocked() const { return accepted_; }
  size_t requests_unlocked() const { return requests_.size(); }
  bool done_sending_unlocked() const { return done_sending_ > 0; }

 private:
  void AcceptLoop() {
    for (;;) {
      auto s = std::make_shared<tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*s, ec);
      if (ec) return;
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      sockets_.push_back(s);
      accepted_ += 1;
      cv_.notify_all();
      if (manner_ != Manner::kSilent) threads_.emplace_back([this, s] { Serve(*s); });
    }
  }

  void Serve(tcp::socket& s) {
    boost::system::error_code ec;
    asio::streambuf buf;
    const size_t head = asio::read_until(s, buf, "\r\n\r\n", ec);
    if (ec) return;
    std::string text(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    if (manner_ == Manner::kAnswer) {
      const size_t at = text.find("Content-Length: ");
      const size_t length = at == std::string::npos ? 0 : std::stoul(text.substr(at + 16));
      if (text.size() < head + length) {
        asio::read(s, buf, asio::transfer_exactly(head + length - text.size()), ec);
        text.assign(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
      }
      asio::write(s,
                  asio::buffer(std::string(
                      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")),
                  ec);
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(text);
      cv_.notify_all();
      return;
    }
    // kHuge: 200, then up to 2 GiB of body until the reader goes away.
    asio::write(s, asio::buffer(std::string("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")), ec);
    const std::string chunk(1 << 16, 'x');
    uint64_t sent = 0;
    while (!ec && sent < (uint64_t{2} << 30)) sent += asio::write(s, asio::buffer(chunk), ec);
    std::lock_guard<std::mutex> lock(mu_);
    bytes_sent_ += sent;
    done_sending_ += 1;
    cv_.notify_all();
  }

  Manner manner_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread accept_thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
  int accepted_ = 0;
  std::vector<std::string> requests_;
  uint64_t bytes_sent_ = 0;
  int done_sending_ = 0;
};

// Polls `pred` (an HTTP or store state that signals nothing of its own) until it holds or
// `limit` passes.
bool Eventually(const std::function<bool()>& pred, milliseconds limit) {
  const auto until = Clock::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

// US's us-1 east along 37 N and RU's ru-1 north across it, an hour from now: one conflict, an
// event for each side.
void Cross(Daemon& d, const std::string& us, const std::string& ru) {
  const double t0 = std::floor(static_cast<double>(dt::NowUnixSeconds() + 3600) / 60.0) * 60.0;
  ClientResponse r =
      d.Request("POST", "/v1/plans", us,
                dt::MovementJson("us-1", {{41.0, 37.0}, {41.2, 37.0}}, {t0, t0 + 1200}));
  ASSERT_EQ(r.status, 201) << r.body;
  r = d.Request("POST", "/v1/plans", ru,
                dt::MovementJson("ru-1", {{41.1, 36.9}, {41.1, 37.1}}, {t0, t0 + 1200}));
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_NE(r.body.find("\"conflicts\":[{"), std::string::npos) << r.body;
}

ClientResponse AddWebhook(Daemon& d, const std::string& token, const std::string& url) {
  return d.Request("POST", "/v1/webhooks", token, json::serialize(json::object{{"url", url}}));
}

// The bodies (JSON text) of the entries of `token`'s record of this kind.
std::vector<std::string> Entries(Daemon& d, const std::string& token, const std::string& kind) {
  std::vector<std::string> out;
  ClientResponse r = d.Request("GET", "/v1/audit?limit=1000", token);
  if (r.status != 200) return out;
  const json::value v = dt::ParseJson(r.body);
  if (!v.is_object()) return out;
  for (const json::value& e : v.as_object().at("entries").as_array()) {
    const json::value& k = e.as_object().at("kind");
    if (k.is_string() && k.get_string() == kind) {
      out.push_back(std::string(e.as_object().at("body_json").as_string()));
    }
  }
  return out;
}

// ----- Isolation and caps on what is read.

// US has three webhooks on a receiver that accepts and never answers (each attempt takes the
// whole 10 s timeout), registered before RU's: RU's delivery still arrives within 5 s, while US's
// attempts hang (the receiver holds US's connections). With one delivery thread it took 30 s.
TEST(attackHooks, SlowReceiverOfOnePartyDoesNotDelayAnother) {
  RawReceiver slow(RawReceiver::Manner::kSilent);
  RawReceiver ru_receiver(RawReceiver::Manner::kAnswer);
  Daemon d(Options({"--allow-private-destinations"}));  // the receivers are on loopback
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());
  for (const char* path : {"/1", "/2", "/3"}) {
    ASSERT_EQ(AddWebhook(d, us, slow.url(path)).status, 201);
  }
  ASSERT_EQ(AddWebhook(d, ru, ru_receiver.url()).status, 201);
  ASSERT_NO_FATAL_FAILURE(Cross(d, us, ru));

  const bool prompt =
      ru_receiver.WaitUntil([&] { return ru_receiver.requests_unlocked() >= 1; }, seconds(5));
  EXPECT_TRUE(prompt) << "RU's webhook waited behind US's slow receiver\n" << d.Log();
  EXPECT_TRUE(slow.WaitUntil([&] { return slow.accepted_unlocked() >= 2; }, seconds(5)))
      << "US's deliveries were not in flight: the test proves nothing";
  EXPECT_LE(slow.accepted(), 2) << "more than 2 of US's deliveries in flight at once";
  EXPECT_TRUE(Contains(ru_receiver.requests().at(0), "conflict.opened"));
  slow.Close();  // US's attempts end now, so that the daemon stops at once
  EXPECT_EQ(d.Stop(), 0);
}

// A receiver that answers 200 with an endless body: the daemon reads at most 64 KiB of it, closes
// the connection, and counts the delivery (the answer's status is known). Before, it read up to
// 1 GiB into memory.
TEST(attackHooks, HugeAnswerIsCutAtTheCap) {
  RawReceiver huge(RawReceiver::Manner::kHuge);
  Daemon d(Options({"--allow-private-destinations"}));
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());
  ASSERT_EQ(AddWebhook(d, us, huge.url()).status, 201);
  ASSERT_NO_FATAL_FAILURE(Cross(d, us, ru));

  ASSERT_TRUE(huge.WaitUntil([&] { return huge.accepted_unlocked() >= 1; }, seconds(10)));
  // The daemon hangs up after the cap: the receiver's writes fail. (Loopback socket buffers take
  // a few MiB before that shows.)
  ASSERT_TRUE(huge.WaitUntil([&] { return huge.done_sending_unlocked(); }, seconds(10)));
  EXPECT_LT(huge.bytes_sent(), uint64_t{64} << 20) << "the daemon read on past the cap";
  EXPECT_TRUE(Eventually(
      [&] {
        for (const std::string& e : Entries(d, us, "receipt.delivered")) {
          if (Contains(e, "\"channel\":\"webhook\"")) return true;
        }
        return false;
      },
      seconds(10)))
      << "the delivery was not counted\n"
      << d.Log();
  EXPECT_EQ(d.Stop(), 0);
}

// ----- SSRF.

// Without the operator's option, a webhook or a pager on loopback, link-local (the cloud
// metadata address), private, CGNAT or IPv4-mapped loopback is refused with a 422 naming the
// field; a public address or a name is accepted.
TEST(attackHooks, PrivateDestinationsRefusedAtRegistration) {
  Daemon d(Options());
  const std::string us = d.AddParty("US");
  ASSERT_OK(d.Start());
  for (const std::string url :
       {"http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
        "http://[::1]/", "http://[::ffff:127.0.0.1]:8080/", "http://100.64.0.1/",
        "https://192.168.1.1/", "http://[fd00::1]/", "http://0.0.0.0:8080/"}) {
    SCOPED_TRACE(url);
    ClientResponse r = AddWebhook(d, us, url);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_TRUE(Contains(r.body, "\"url\"")) << r.body;
    EXPECT_TRUE(Contains(r.body, "destination not allowed")) << r.body;
    r = d.Request(
        "POST", "/v1/contacts", us,
        json::serialize(json::object{{"name", "desk"}, {"language", "en"}, {"webhook_url", url}}));
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_TRUE(Contains(r.body, "webhook_url")) << r.body;
  }
  EXPECT_EQ(AddWebhook(d, us, "https://203.0.113.7/hook").status, 201);
  EXPECT_EQ(AddWebhook(d, us, "https://hooks.example.org/x").status, 201);
  EXPECT_EQ(d.Stop(), 0);
}

// A name that resolves to loopback passes registration but is refused at delivery, after
// resolution: nothing reaches the receiver, and the party's record says "destination not
// allowed" without the address or the port.
TEST(attackHooks, NameResolvingToLoopbackRefusedAtDelivery) {
  RawReceiver receiver(RawReceiver::Manner::kAnswer);
  Daemon d(Options());
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());
  const std::string port = std::to_string(receiver.port());
  ASSERT_EQ(AddWebhook(d, us, "http://localhost:" + port + "/hook").status, 201);
  ASSERT_NO_FATAL_FAILURE(Cross(d, us, ru));

  std::vector<std::string> failed;
  ASSERT_TRUE(Eventually(
      [&] {
        failed = Entries(d, us, "webhook.failed");
        return !failed.empty();
      },
      seconds(10)))
      << d.Log();
  EXPECT_TRUE(Contains(failed[0], "\"error\":\"destination not allowed\"")) << failed[0];
  for (const char* detail : {"127.0.0.1", "::1", "localhost"}) {
    EXPECT_FALSE(Contains(failed[0], detail)) << failed[0];
  }
  EXPECT_FALSE(Contains(failed[0], ":" + port)) << failed[0];
  EXPECT_EQ(receiver.accepted(), 0) << "the daemon connected to a refused address";
  EXPECT_TRUE(Contains(d.Log(), "127.0.0.1")) << "the operator's log should keep the detail";
  EXPECT_EQ(d.Stop(), 0);
}

// With --allow-private-destinations, loopback can be registered and is delivered to.
TEST(attackHooks, OperatorMayAllowLoopback) {
  RawReceiver receiver(RawReceiver::Manner::kAnswer);
  Daemon d(Options({"--allow-private-destinations"}));
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());
  ASSERT_EQ(AddWebhook(d, us, "http://localhost:" + std::to_string(receiver.port()) + "/h").status,
            201);
  ASSERT_NO_FATAL_FAILURE(Cross(d, us, ru));
  EXPECT_TRUE(receiver.WaitUntil([&] { return receiver.requests_unlocked() >= 1; }, seconds(10)))
      << d.Log();
  EXPECT_EQ(d.Stop(), 0);
}

// What a party reads of a failed attempt is a coarse reason, never the network detail.
TEST(attackHooks, CoarseReasonsCarryNoNetworkDetail) {
  EXPECT_EQ(CoarseReason(Status::Unavailable("cannot connect to 10.1.2.3:22: Connection refused")),
            "connection refused or unreachable");
  EXPECT_EQ(CoarseReason(Status::Unavailable("cannot resolve db.internal: Host not found")),
            "connection refused or unreachable");
  EXPECT_EQ(CoarseReason(
                Status::Unavailable("POST / to 203.0.113.7:443 failed: timed out after 10000 ms")),
            "timeout");
  EXPECT_EQ(CoarseReason(Status::Unavailable(
                "TLS handshake with h:443 failed: certificate verify failed (SSL routines)")),
            "TLS handshake failed");
  EXPECT_EQ(CoarseReason(Status::PermissionDenied("destination not allowed: h is 127.0.0.1")),
            "destination not allowed");
}

// The dispatcher on its own (a store and a channel in a temporary folder, receivers on loopback
// allowed): what a party reads of failed attempts, and its queue's bound.
class attackHooksDispatcher : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = store::OpenSqliteStore({.dir = dir_.path().string()});
    ASSERT_OK(st.status());
    st_ = std::move(*st);
    channel::ChannelOptions co;
    co.key_file = dir_.File("server.key");
    co.allow_private_destinations = true;
    auto ch = channel::Channel::Open(st_.get(), co);
    ASSERT_OK(ch.status());
    ch_ = std::move(*ch);
  }
  void TearDown() override {
    if (ch_) ch_->Stop();
  }

  // Party `party` with one webhook on `url` and `n` events, each with its webhook job due now.
  void Seed(const std::string& party, const std::string& url, int n) {
    const TimePoint now = ch_->Now();
    auto txn = st_->Begin();
    ASSERT_OK(txn.status());
    ASSERT_OK((*txn)->PutParty({PartyId(party), Role::kParty, "", now}));
    auto hook = (*txn)->PutWebhook(
        {.party = PartyId(party), .url = url, .secret = "0123456789abcdef", .created = now});
    ASSERT_OK(hook.status());
    for (int i = 0; i < n; ++i) {
      auto ev = (*txn)->AppendEvent({.recipient = PartyId(party),
                                     .type = EventType::kMessagePosted,
                                     .data_json = "{}",
                                     .at = now});
      ASSERT_OK(ev.status());
      ASSERT_OK((*txn)->PutWebhookJob({.webhook_id = *hook,
                                       .recipient = PartyId(party),
                                       .event_seq = ev->seq,
                                       .next_attempt = now,
                                       .state = DeliveryState::kPending}));
    }
    ASSERT_OK((*txn)->Commit());
  }

  // The bodies of `party`'s webhook.failed entries.
  std::vector<std::string> Failed(const std::string& party) {
    std::vector<std::string> out;
    const auto entries = st_->AuditAfter(0, 0, PartyId(party));  // held: see channel_test.cc
    if (!entries.ok()) return out;
    for (const store::AuditEntry& e : *entries) {
      if (e.kind == "webhook.failed") out.push_back(e.body_json);
    }
    return out;
  }

  dt::TempDir dir_{"attack_hooks_dispatcher"};
  std::unique_ptr<store::Store> st_;
  std::unique_ptr<channel::Channel> ch_;
};

// A refused connection and a timeout reach the party's record as coarse reasons: no address,
// no port, no system message.
TEST_F(attackHooksDispatcher, PartyReadsNoAddressOfAFailedAttempt) {
  uint16_t closed_port = 0;
  {
    RawReceiver gone(RawReceiver::Manner::kAnswer);
    closed_port = gone.port();
  }  // closed: connecting is refused
  RawReceiver silent(RawReceiver::Manner::kSilent);
  ASSERT_NO_FATAL_FAILURE(Seed("US", "http://127.0.0.1:" + std::to_string(closed_port) + "/x", 1));
  ASSERT_NO_FATAL_FAILURE(Seed("RU", silent.url(), 1));
  WebhookDispatcher d(ch_.get(),
                      {.poll = milliseconds(5), .timeout = milliseconds(300), .max_attempts = 1});
  ASSERT_TRUE(
      Eventually([&] { return !Failed("US").empty() && !Failed("RU").empty(); }, seconds(10)));
  d.Stop();
  const std::string us = Failed("US")[0], ru = Failed("RU")[0];
  EXPECT_TRUE(Contains(us, "\"error\":\"connection refused or unreachable\"")) << us;
  EXPECT_TRUE(Contains(ru, "\"error\":\"timeout\"")) << ru;
  for (const std::string& body : {us, ru}) {
    EXPECT_FALSE(Contains(body, "127.0.0.1")) << body;
    EXPECT_FALSE(Contains(body, std::to_string(closed_port))) << body;
    EXPECT_FALSE(Contains(body, std::to_string(silent.port()))) << body;
    EXPECT_FALSE(Contains(body, " ms")) << body;
  }
  silent.Close();
}

// A party's due deliveries beyond its queue (here 2, one in flight on a receiver that never
// answers) are not attempted: each is marked failed on its record ("skipped: delivery queue
// full"), the events stay on its stream, and another party's delivery goes through meanwhile.
TEST_F(attackHooksDispatcher, QueueBeyondTheCapIsSkippedAndRecorded) {
  RawReceiver silent(RawReceiver::Manner::kSilent);
  RawReceiver answer(RawReceiver::Manner::kAnswer);
  ASSERT_NO_FATAL_FAILURE(Seed("US", silent.url(), 6));
  ASSERT_NO_FATAL_FAILURE(Seed("RU", answer.url(), 1));
  WebhookDispatcher d(
      ch_.get(),
      {.poll = milliseconds(5), .timeout = seconds(10), .per_party = 1, .queue_per_party = 2});
  EXPECT_TRUE(answer.WaitUntil([&] { return answer.requests_unlocked() >= 1; }, seconds(5)));
  ASSERT_TRUE(Eventually([&] { return Failed("US").size() >= 4; }, seconds(5)));
  for (const std::string& body : Failed("US")) {
    EXPECT_TRUE(Contains(body, "skipped: delivery queue full")) << body;
  }
  EXPECT_EQ(silent.accepted(), 1) << "one in flight at a time";
  EXPECT_EQ(st_->EventsAfter(PartyId("US"), 0, 0)->size(), 6u) << "the events stay";
  silent.Close();  // the attempt in flight ends now
  d.Stop();
}

// ----- Caps.

// A party registers at most 10 webhooks and 50 contacts: the next one is a 409 problem; after a
// deletion there is room again.
TEST(attackHooks, WebhooksAndContactsPerPartyAreCapped) {
  Daemon d(Options());
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());
  int64_t first = 0;
  for (int i = 0; i < 10; ++i) {
    ClientResponse r = AddWebhook(d, us, "https://hooks.example.org/" + std::to_string(i));
    ASSERT_EQ(r.status, 201) << r.body;
    if (i == 0) first = dt::ParseJson(r.body).as_object().at("id").to_number<int64_t>();
  }
  ClientResponse r = AddWebhook(d, us, "https://hooks.example.org/10");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_TRUE(Contains(r.body, "at most 10 webhooks")) << r.body;
  EXPECT_EQ(AddWebhook(d, ru, "https://hooks.example.org/ru").status, 201) << "per party";
  ASSERT_EQ(d.Request("DELETE", "/v1/webhooks/" + std::to_string(first), us).status, 204);
  EXPECT_EQ(AddWebhook(d, us, "https://hooks.example.org/11").status, 201);

  auto contact = [&](int i) {
    return d.Request(
        "POST", "/v1/contacts", us,
        json::serialize(json::object{{"name", "desk " + std::to_string(i)}, {"language", "en"}}));
  };
  for (int i = 0; i < 50; ++i) ASSERT_EQ(contact(i).status, 201) << i;
  r = contact(50);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_TRUE(Contains(r.body, "at most 50 contacts")) << r.body;
  EXPECT_EQ(d.Stop(), 0);
}

// ----- Pages.

// A page's signature covers its purpose, its recipient's URL and contact id: replayed to another
// pager (or as another purpose) it does not verify.
TEST(attackHooks, PageSignatureDoesNotVerifyForAnotherRecipient) {
  dt::TempDir dir("attack_hooks_key");
  auto key = record::LoadOrCreateKeyPair(dir.File("server.key"));
  ASSERT_OK(key.status());
  const std::string body = R"({"type":"conflict.escalated","level":1})";
  const std::string url = "https://pager.ru.example/escalate";
  const std::string sig = PageSignature(*key, "escalation", url, 7, 1'800'000'000, body);
  const std::string& pub = key->public_key_hex;
  EXPECT_TRUE(
      record::Verify(pub, PageSigningString("escalation", url, 7, 1'800'000'000, body), sig));
  EXPECT_FALSE(record::Verify(
      pub, PageSigningString("escalation", "https://pager.other.example/x", 7, 1'800'000'000, body),
      sig))
      << "replayable to another pager";
  EXPECT_FALSE(
      record::Verify(pub, PageSigningString("escalation", url, 8, 1'800'000'000, body), sig))
      << "replayable to another contact";
  EXPECT_FALSE(record::Verify(pub, PageSigningString("test", url, 7, 1'800'000'000, body), sig))
      << "replayable for another purpose";
  EXPECT_FALSE(record::Verify(pub, "1800000000." + body, sig)) << "the old, unbound form";
}

// ----- Escalation entries.

// The `escalation` entry both sides read names the coordinators it went to and never the
// observers; nothing the parties read names the observer.
TEST(attackHooks, EscalationEntriesNameNoObserver) {
  Daemon d(Options());
  const std::string deadlines = (d.dir() / "deadlines.json").string();
  dt::WriteFileText(deadlines,
                    R"({"steps":[{"lead_s":1e9,"ack_s":1}],"min_ack_s":1,"reescalate_s":1})");
  d.set_extra_args({"--deadlines", deadlines});
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  d.AddParty("JCC", "coordinator");
  d.AddParty("WATCHER-7", "observer");
  ASSERT_OK(d.Start());
  ASSERT_NO_FATAL_FAILURE(Cross(d, us, ru));

  std::vector<std::string> escalations;
  ASSERT_TRUE(Eventually(
      [&] {
        escalations = Entries(d, us, "escalation");
        return !escalations.empty();
      },
      seconds(10)))
      << d.Log();
  EXPECT_TRUE(Contains(escalations[0], "\"coordinators\":[\"JCC\"]")) << escalations[0];
  for (const std::string& token : {us, ru}) {
    ClientResponse r = d.Request("GET", "/v1/audit?limit=1000", token);
    EXPECT_FALSE(Contains(r.body, "WATCHER-7")) << r.body;
    r = d.Request("GET", "/v1/events/history?after=0", token);
    EXPECT_FALSE(Contains(r.body, "WATCHER-7")) << r.body;
  }
  EXPECT_EQ(d.Stop(), 0);
}

}  // namespace
}  // namespace deconflict::server
