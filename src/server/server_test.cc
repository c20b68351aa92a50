// Integration tests of deconflictd: the real binary on loopback, driven over HTTP, Server-Sent
// Events and WebSocket, with parties and tokens made by the real `deconflict admin` CLI
// (testsupport/daemon.h). Issue 3, "Main job and tests".
#include "http/server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "base/time.h"
#include "http/client.h"
#include "json/write.h"
#include "record/crypto.h"
#include "server/webhooks.h"
#include "store/sqlite_store.h"
#include "testsupport/daemon.h"
#include "testsupport/status_macros.h"
#include "testsupport/temp_dir.h"

namespace deconflict::server {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

namespace json = boost::json;
namespace dt = deconflict::testing;
using dt::Daemon;
using dt::StreamEvent;
using http::ClientResponse;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr char kScenario[] = DECONFLICT_SOURCE_DIR "/scenarios/qahtaniyah-2022-10-08.geojson";

dt::DaemonOptions Options(std::vector<std::string> extra = {}) {
  return {.daemon_binary = DECONFLICTD_BINARY,
          .cli_binary = DECONFLICT_CLI_BINARY,
          .extra_args = std::move(extra)};
}

std::string Show(const ClientResponse& r) {
  return "HTTP " + std::to_string(r.status) + " " + r.header("Content-Type") + ": " + r.body;
}

json::value Json(const ClientResponse& r) { return dt::ParseJson(r.body); }

const json::object& Obj(const json::value& v) {
  static const json::object kEmpty;
  return v.is_object() ? v.get_object() : kEmpty;
}

std::string Str(const json::value& v, std::string_view key) {
  if (!v.is_object()) return "";
  const json::value* x = v.get_object().if_contains(key);
  return x && x->is_string() ? std::string(x->get_string()) : "";
}

// A copy (callers iterate over arrays of temporaries).
json::array Arr(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const json::value* x = v.get_object().if_contains(key);
  return x && x->is_array() ? x->get_array() : json::array();
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Round to a whole minute, an hour from now: plans that lie in the future.
double AnHourFromNow() {
  return std::floor(static_cast<double>(dt::NowUnixSeconds() + 3600) / 60.0) * 60.0;
}

// An RFC 9457 problem with this status: the content type and type/title/status/detail.
void ExpectProblem(const ClientResponse& r, int status, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(r.status, status) << Show(r);
  EXPECT_EQ(r.header("Content-Type").rfind("application/problem+json", 0), 0u) << Show(r);
  json::value v = Json(r);
  ASSERT_TRUE(v.is_object()) << Show(r);
  for (const char* k : {"type", "title", "detail"}) {
    EXPECT_FALSE(Str(v, k).empty()) << k << " missing in " << r.body;
  }
  const json::value* s = v.get_object().if_contains("status");
  ASSERT_TRUE(s != nullptr && s->is_int64()) << r.body;
  EXPECT_EQ(s->get_int64(), status) << r.body;
}

// True if the problem's errors[] has a path containing `path_part`.
bool HasErrorPath(const ClientResponse& r, const std::string& path_part) {
  for (const json::value& e : Arr(Json(r), "errors")) {
    if (Contains(Str(e, "path"), path_part)) return true;
  }
  return false;
}

// The conflict in `list` (ConflictView objects) with a side of this callsign, or null.
json::value FindByCallsign(const json::array& list, const std::string& callsign) {
  for (const json::value& c : list) {
    for (const json::value& side : Arr(c, "sides")) {
      if (Str(side, "callsign") == callsign) return c;
    }
  }
  return nullptr;
}

json::value FindById(const json::array& list, const std::string& id) {
  for (const json::value& c : list) {
    if (Str(c, "id") == id) return c;
  }
  return nullptr;
}

// A straight east-west or north-south movement, for tests that need simple crossings.
std::string Line(const std::string& id, double lon0, double lat0, double lon1, double lat1,
                 double t0, double t1, const std::string& party = "") {
  return dt::MovementJson(id, {{lon0, lat0}, {lon1, lat1}}, {t0, t1}, 50, 60, "", party);
}

// The first conflict id in a POST /v1/plans answer, or "".
std::string FirstConflictId(const ClientResponse& r) {
  const json::array cs = Arr(Json(r), "conflicts");
  return cs.empty() ? "" : Str(cs.front(), "id");
}

// US submits us-1 east along 37.00 N, RU then ru-1 north across it, an hour from now: the id of
// the conflict RU's submission opens ("" with a test failure if none).
std::string SubmitCrossingPair(Daemon& d, const std::string& us, const std::string& ru) {
  const double t0 = AnHourFromNow();
  ClientResponse a =
      d.Request("POST", "/v1/plans", us, Line("us-1", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200));
  EXPECT_EQ(a.status, 201) << Show(a);
  ClientResponse b =
      d.Request("POST", "/v1/plans", ru, Line("ru-1", 41.1, 36.9, 41.1, 37.1, t0, t0 + 1200));
  EXPECT_EQ(b.status, 201) << Show(b);
  std::string id = FirstConflictId(b);
  EXPECT_FALSE(id.empty()) << b.body;
  return id;
}

std::vector<int64_t> Ids(const std::vector<StreamEvent>& events) {
  std::vector<int64_t> ids;
  ids.reserve(events.size());
  for (const auto& e : events) ids.push_back(e.id);
  return ids;
}

// GET /v1/events/history for the caller: every event, in order.
std::vector<StreamEvent> History(const Daemon& d, const std::string& token) {
  std::vector<StreamEvent> out;
  int64_t after = 0;
  for (;;) {
    ClientResponse r = d.Request(
        "GET", "/v1/events/history?after=" + std::to_string(after) + "&limit=1000", token);
    EXPECT_EQ(r.status, 200) << Show(r);
    const json::array es = Arr(Json(r), "events");
    if (r.status != 200 || es.empty()) break;
    for (const json::value& e : es) {
      StreamEvent se;
      se.id = e.at("seq").as_int64();
      se.type = Str(e, "type");
      se.data = json::serialize(e.at("data"));
      out.push_back(se);
      after = se.id;
    }
  }
  return out;
}

// Waits until `pred` holds (polling), up to `timeout`.
bool Eventually(const std::function<bool()>& pred, milliseconds timeout = seconds(15),
                milliseconds poll = milliseconds(50)) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= until) return false;
    // The poll interval of a wait bounded by `timeout` on a condition (HTTP state, a store row)
    // that signals no event of its own.
    std::this_thread::sleep_for(poll);
  }
}

// ---------------------------------------------------------------------------------------------
// The seed scenario end to end, and need-to-know over everything US receives.

// The daemon with parties US, RU, COORD and coordinator JCC; every body each party receives
// (responses, stream frames, watch output) is kept in seen_ for the need-to-know checks.
class serverSeedE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* p : {"US", "RU", "COORD"}) token_[p] = d_.AddParty(p);
    token_["JCC"] = d_.AddParty("JCC", "coordinator");
    for (const auto& [p, t] : token_) ASSERT_FALSE(t.empty()) << p;
    ASSERT_OK(d_.Start());
  }

  ClientResponse Call(const std::string& who, const std::string& method, const std::string& path,
                      const std::string& body = "", const http::HeaderList& headers = {}) {
    ClientResponse r = d_.Request(method, path, token_.at(who), body, headers);
    seen_[who].push_back(r.body);
    return r;
  }

  // Every seed plan but RU's crossing patrol (kept in ru_patrol_), submitted by its party.
  void SubmitSeedButThePatrol() {
    std::vector<dt::SeedFeature> features = dt::ShiftedSeedFeatures(kScenario, t0_);
    ASSERT_GE(features.size(), 10u);
    for (const dt::SeedFeature& f : features) {
      if (f.party == "RU") ru_plan_ids_.insert(f.id);
      if (f.id == "ru-patrol-1") {
        ru_patrol_ = f.json;
        continue;
      }
      ClientResponse r = Call(f.party, "POST", "/v1/plans", f.json);
      EXPECT_EQ(r.status, 201) << f.id << ": " << Show(r);
      EXPECT_EQ(r.header("ETag"), "\"1\"") << f.id;
      EXPECT_EQ(r.header("Location"), "/v1/plans/" + f.id);
    }
    ASSERT_FALSE(ru_patrol_.empty());
  }

  // US and RU follow their streams: SSE, and a WebSocket each (US authenticates by header, RU by
  // its first message).
  void FollowStreams() {
    us_sse_ = std::make_unique<dt::SseFollower>(d_.url("/v1/events"), token_["US"]);
    ru_sse_ = std::make_unique<dt::SseFollower>(d_.url("/v1/events"), token_["RU"]);
    ASSERT_OK(us_ws_.Connect(d_.url("/v1/ws"), token_["US"]));
    std::optional<std::string> ready = us_ws_.ReceiveNow(seconds(10));
    ASSERT_TRUE(ready.has_value());
    EXPECT_TRUE(Contains(*ready, "\"ready\"") && Contains(*ready, "\"US\"")) << *ready;
    ASSERT_OK(ru_ws_.Connect(d_.url("/v1/ws")));
    ASSERT_OK(
        ru_ws_.Send(json::serialize(json::object{{"type", "auth"}, {"token", token_["RU"]}})));
    ready = ru_ws_.ReceiveNow(seconds(10));
    ASSERT_TRUE(ready.has_value());
    EXPECT_TRUE(Contains(*ready, "\"ready\"") && Contains(*ready, "\"RU\"")) << *ready;
    us_ws_.Run();
    ru_ws_.Run();
  }

  // Both sides get the conflict's event of this type on both channels.
  void ExpectEveryStreamGets(const std::string& type) {
    auto got = [&](const std::vector<StreamEvent>& es) {
      return dt::HasConflictEvent(es, type, id_);
    };
    EXPECT_TRUE(us_sse_->WaitUntil(got)) << "US SSE did not get " << type << " " << id_;
    EXPECT_TRUE(ru_sse_->WaitUntil(got)) << "RU SSE did not get " << type << " " << id_;
    EXPECT_TRUE(us_ws_.WaitUntil(got)) << "US WS did not get " << type << " " << id_;
    EXPECT_TRUE(ru_ws_.WaitUntil(got)) << "RU WS did not get " << type << " " << id_;
  }

  // RU submits the crossing patrol: the answer lists the conflict with US-PATROL-1 (id_).
  void SubmitThePatrol() {
    ClientResponse sub = Call("RU", "POST", "/v1/plans", ru_patrol_);
    ASSERT_EQ(sub.status, 201) << Show(sub);
    json::value conflict = FindByCallsign(Arr(Json(sub), "conflicts"), "US-PATROL-1");
    ASSERT_TRUE(conflict.is_object()) << "no conflict with US-PATROL-1 in " << sub.body;
    id_ = Str(conflict, "id");
    ASSERT_FALSE(id_.empty());
    EXPECT_EQ(Str(conflict, "status"), "open");
    EXPECT_FALSE(Str(conflict, "deadline").empty()) << "a notice has an acknowledgement deadline";
  }

  void BothAcknowledge() {
    ClientResponse ack = Call("US", "POST", "/v1/conflicts/" + id_ + "/ack");
    EXPECT_EQ(ack.status, 200) << Show(ack);
    ack = Call("RU", "POST", "/v1/conflicts/" + id_ + "/ack");
    EXPECT_EQ(ack.status, 200) << Show(ack);
    EXPECT_EQ(Str(Json(ack), "status"), "acknowledged") << ack.body;
    ClientResponse got = Call("US", "GET", "/v1/conflicts/" + id_);
    EXPECT_EQ(got.status, 200) << Show(got);
    EXPECT_EQ(Str(Json(got), "status"), "acknowledged");
    for (const json::value& side : Arr(Json(got), "sides")) {
      EXPECT_FALSE(Obj(side).at("acknowledged_at").is_null()) << got.body;
    }
  }

  // RU asks for a suggestion and discusses it in the thread with US: the agreed shift (s) in
  // *agreed.
  void AgreeOnAShift(double* agreed) {
    ClientResponse sug = Call("RU", "GET", "/v1/conflicts/" + id_ + "/suggestion");
    ASSERT_EQ(sug.status, 200) << Show(sug);
    json::value s = Json(sug);
    EXPECT_EQ(Str(s, "plan"), "ru-patrol-1");
    double shift = 1800;  // clears US-PATROL-1 (the oil field site is always there)
    if (Str(s, "outcome") == "delay") shift = Obj(s).at("shift_s").to_number<double>();
    ClientResponse msg = Call(
        "RU", "POST", "/v1/conflicts/" + id_ + "/messages",
        json::serialize(json::object{{"kind", "propose"}, {"shift_s", shift}, {"language", "ru"}}));
    EXPECT_EQ(msg.status, 201) << Show(msg);
    const int64_t proposal = Json(msg).is_object() && Obj(Json(msg)).contains("seq")
                                 ? Obj(Json(msg)).at("seq").as_int64()
                                 : 1;
    msg = Call("US", "POST", "/v1/conflicts/" + id_ + "/messages",
               json::serialize(json::object{{"kind", "accept"}, {"message", proposal}}));
    EXPECT_EQ(msg.status, 201) << Show(msg);
    msg = Call("US", "POST", "/v1/conflicts/" + id_ + "/messages",
               R"({"kind":"text","text":"Agreed, thank you.","language":"en"})");
    EXPECT_EQ(msg.status, 201) << Show(msg);
    *agreed = shift;
  }

  // RU amends the patrol by `shift`: the conflict is resolved as amended.
  void AmendThePatrol(double shift) {
    const std::string amended = dt::ShiftedSeedFeaturesById(kScenario, t0_ + shift)["ru-patrol-1"];
    ASSERT_FALSE(amended.empty());
    ClientResponse put =
        Call("RU", "PUT", "/v1/plans/ru-patrol-1", amended, {{"If-Match", "\"1\""}});
    ASSERT_EQ(put.status, 200) << Show(put);
    EXPECT_EQ(put.header("ETag"), "\"2\"");
    json::value resolved = FindById(Arr(Json(put), "conflicts_resolved"), id_);
    ASSERT_TRUE(resolved.is_object())
        << "the amendment did not resolve " << id_ << ": " << put.body;
    EXPECT_EQ(Str(resolved, "status"), "resolved");
    EXPECT_EQ(Str(resolved, "resolution"), "amended");
    EXPECT_FALSE(FindByCallsign(Arr(Json(put), "conflicts_opened"), "US-PATROL-1").is_object())
        << "the amended patrol still conflicts with US-PATROL-1: " << put.body;
    ClientResponse got = Call("US", "GET", "/v1/conflicts/" + id_);
    EXPECT_EQ(Str(Json(got), "status"), "resolved") << got.body;
    EXPECT_EQ(Str(Json(got), "resolution"), "amended") << got.body;
  }

  // Signed receipts that the CLI verifies against the server's published key (public_key_).
  void VerifyReceipts() {
    ClientResponse key = d_.Request("GET", "/v1/record/key");
    ASSERT_EQ(key.status, 200) << Show(key);
    public_key_ = Str(Json(key), "public_key");
    for (const char* who : {"RU", "US"}) {
      ClientResponse receipt = Call(who, "GET", "/v1/conflicts/" + id_ + "/receipt");
      ASSERT_EQ(receipt.status, 200) << who << ": " << Show(receipt);
      EXPECT_TRUE(Contains(receipt.body, "notice.sent")) << receipt.body;
      EXPECT_TRUE(Contains(receipt.body, id_));
      const std::string file = (d_.dir() / (std::string("receipt-") + who + ".json")).string();
      dt::WriteFileText(file, receipt.body);
      dt::ProcessResult v = d_.Cli({"audit", "verify", "--receipt", file, "--key", public_key_});
      EXPECT_EQ(v.code, 0) << who << "'s receipt:\n" << v.out << v.err;
    }
  }

  // `deconflict watch` prints US's events, the conflict's among them, in order.
  void WatchPrintsTheConflict() {
    const std::string watch_out = (d_.dir() / "watch.out").string();
    dt::BackgroundProcess watch;
    ASSERT_OK(watch.Start(
        DECONFLICT_CLI_BINARY,
        {"watch", "--server", d_.base_url(), "--token", token_["US"], "--after", "0", "--json"},
        watch_out, (d_.dir() / "watch.err").string()));
    bool watched = Eventually([&] {
      std::string text = dt::ReadFileText(watch_out);
      return Contains(text, "conflict.resolved") && Contains(text, id_);
    });
    watch.Signal(SIGTERM);
    std::optional<int> watch_code = watch.Wait(seconds(10));
    EXPECT_TRUE(watched) << "deconflict watch printed:\n"
                         << dt::ReadFileText(watch_out) << dt::ReadFileText(d_.dir() / "watch.err");
    EXPECT_EQ(watch_code, std::optional<int>(0)) << dt::ReadFileText(d_.dir() / "watch.err");
    const std::string text = dt::ReadFileText(watch_out);
    seen_["US"].push_back(text);
    ExpectWatchLinesInOrderWithTheConflict(text);
  }

  // `text`: one JSON event per line, ids increasing, conflict.opened and .resolved of id_ in it.
  void ExpectWatchLinesInOrderWithTheConflict(const std::string& text) {
    int64_t last = 0;
    bool saw_opened = false, saw_resolved = false;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      std::string line =
          text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      start = nl == std::string::npos ? text.size() : nl + 1;
      if (line.empty()) continue;
      json::value v = dt::ParseJson(line);
      ASSERT_TRUE(v.is_object()) << "not JSON: " << line;
      int64_t n = Obj(v).at("id").as_int64();
      EXPECT_GT(n, last) << "watch ids out of order";
      last = n;
      std::vector<StreamEvent> one = {{n, Str(v, "type"), json::serialize(Obj(v).at("data"))}};
      saw_opened |= dt::HasConflictEvent(one, "conflict.opened", id_);
      saw_resolved |= dt::HasConflictEvent(one, "conflict.resolved", id_);
    }
    EXPECT_TRUE(saw_opened && saw_resolved) << text;
  }

  // What else US can read about it; naming RU's plan gets 404 as if it did not exist. RU's own
  // view of its plan goes to own_.
  void UsReadsAllButRusPlan() {
    for (const std::string& path :
         {std::string("/v1/conflicts"), "/v1/conflicts/" + id_,
          "/v1/conflicts/" + id_ + "/messages", "/v1/conflicts/" + id_ + "/suggestion",
          std::string("/v1/events/history?limit=1000"), std::string("/v1/audit"),
          std::string("/v1/plans"), std::string("/v1/parties"), std::string("/v1/me")}) {
      ClientResponse r = Call("US", "GET", path);
      EXPECT_EQ(r.status, 200) << path << ": " << Show(r);
    }
    // Not recorded in seen_: the answer echoes the name.
    for (const char* path :
         {"/v1/plans/ru-patrol-1", "/v1/plans/RU:ru-patrol-1", "/v1/conflicts?plan=RU:ru-patrol-1",
          "/v1/plans/ru-patrol-1/versions"}) {
      ClientResponse r = d_.Request("GET", path, token_["US"]);
      EXPECT_EQ(r.status, 404) << path << ": " << Show(r);
    }
    ClientResponse r = d_.Request("GET", "/v1/plans/nonexistent-plan", token_["US"]);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(Str(Json(r), "title"),
              Str(Json(d_.Request("GET", "/v1/plans/ru-patrol-1", token_["US"])), "title"));
    own_ = Call("RU", "GET", "/v1/plans/ru-patrol-1");
    ASSERT_EQ(own_.status, 200) << Show(own_);
  }

  // Stops the streams and keeps what they received in seen_.
  void StopStreams() {
    us_sse_->Stop();
    ru_sse_->Stop();
    us_ws_.Stop();
    ru_ws_.Stop();
    for (const StreamEvent& e : us_sse_->events()) seen_["US"].push_back(e.type + " " + e.data);
    for (const std::string& f : us_ws_.frames()) seen_["US"].push_back(f);
    for (const StreamEvent& e : ru_sse_->events()) seen_["RU"].push_back(e.type + " " + e.data);
    for (const std::string& f : ru_ws_.frames()) seen_["RU"].push_back(f);
  }

  // Need-to-know: nothing US received names RU's plans or any vertex of RU-PATROL-1's route. The
  // markers are the vertices as the server writes them ([lon,lat] serialized like the stored
  // Feature) and as plain text, and the RU plan ids (lower case: the callsigns are upper case).
  void ExpectNeedToKnow() {
    std::vector<std::string> markers(ru_plan_ids_.begin(), ru_plan_ids_.end());
    std::vector<std::string> vertex_markers;
    for (auto [lon, lat] : std::vector<std::pair<double, double>>{
             {41.400, 37.070}, {41.630, 37.070}, {41.630, 37.010}, {41.500, 37.010}}) {
      vertex_markers.push_back(deconflict::json::Write(json::array{lon, lat}));
      char plain[64];
      std::snprintf(plain, sizeof plain, "%g,%g", lon, lat);
      markers.push_back(plain);
      std::snprintf(plain, sizeof plain, "%.3f, %.3f", lon, lat);
      markers.push_back(plain);
    }
    for (const auto& m : vertex_markers) markers.push_back(m);
    size_t us_bytes = 0;
    for (const std::string& body : seen_["US"]) {
      us_bytes += body.size();
      for (const std::string& m : markers) {
        EXPECT_FALSE(Contains(body, m)) << "US received \"" << m << "\" in:\n" << body;
      }
    }
    EXPECT_GT(us_bytes, 10000u) << "US should have received plenty to check";
    // ...while what a conflict discloses did reach US: RU's party and callsign.
    bool us_saw_callsign = false;
    for (const std::string& body : seen_["US"])
      us_saw_callsign |= Contains(body, "\"callsign\":\"RU-PATROL-1\"");
    EXPECT_TRUE(us_saw_callsign);
    // The markers would catch a leak: RU's own view of its plan has every one of them.
    for (const std::string& m : vertex_markers) {
      EXPECT_TRUE(Contains(own_.body, m))
          << "marker " << m << " not in RU's own plan " << own_.body;
    }
    EXPECT_TRUE(Contains(own_.body, "ru-patrol-1"));
    bool ru_saw_plan_id = false;
    for (const std::string& body : seen_["RU"]) ru_saw_plan_id |= Contains(body, "\"ru-patrol-1\"");
    EXPECT_TRUE(ru_saw_plan_id);
  }

  Daemon d_{Options()};
  std::map<std::string, std::string> token_;
  std::map<std::string, std::vector<std::string>> seen_;
  const double t0_ = AnHourFromNow();
  std::string ru_patrol_;
  std::set<std::string> ru_plan_ids_;
  std::unique_ptr<dt::SseFollower> us_sse_, ru_sse_;
  dt::WsFollower us_ws_, ru_ws_;
  std::string id_;          // the conflict of RU's patrol with US-PATROL-1
  std::string public_key_;  // the server's record key
  ClientResponse own_;      // RU's own view of its patrol
};

TEST_F(serverSeedE2E, SeedScenarioEndToEnd) {
  ASSERT_NO_FATAL_FAILURE(SubmitSeedButThePatrol());
  ASSERT_NO_FATAL_FAILURE(FollowStreams());
  ASSERT_NO_FATAL_FAILURE(SubmitThePatrol());
  ExpectEveryStreamGets("conflict.opened");
  BothAcknowledge();
  double shift = 0;
  ASSERT_NO_FATAL_FAILURE(AgreeOnAShift(&shift));
  ASSERT_NO_FATAL_FAILURE(AmendThePatrol(shift));
  ExpectEveryStreamGets("conflict.resolved");
  ASSERT_NO_FATAL_FAILURE(VerifyReceipts());
  ASSERT_NO_FATAL_FAILURE(WatchPrintsTheConflict());
  ASSERT_NO_FATAL_FAILURE(UsReadsAllButRusPlan());
  StopStreams();
  ExpectNeedToKnow();

  // The record verifies after a graceful stop.
  EXPECT_EQ(d_.Stop(), 0);
  dt::ProcessResult verify =
      d_.Cli({"audit", "verify", "--data", d_.data_dir(), "--key", public_key_});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
}

// ---------------------------------------------------------------------------------------------
// Resume: nothing lost or repeated across reconnects (SSE Last-Event-ID and WebSocket "after").

class serverStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d_ = std::make_unique<Daemon>(Options());
    us_ = d_->AddParty("US");
    ru_ = d_->AddParty("RU");
    ASSERT_OK(d_->Start());
    const double t0 = AnHourFromNow();
    ClientResponse a =
        d_->Request("POST", "/v1/plans", us_, Line("us-1", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200));
    ASSERT_EQ(a.status, 201) << Show(a);
    ClientResponse b =
        d_->Request("POST", "/v1/plans", ru_, Line("ru-1", 41.1, 36.9, 41.1, 37.1, t0, t0 + 1200));
    ASSERT_EQ(b.status, 201) << Show(b);
    conflict_ = FirstConflictId(b);
    ASSERT_FALSE(conflict_.empty()) << b.body;
  }
  // Posts `n` text messages in the conflict's thread (one event each for US and RU).
  void Post(int n, int from) {
    for (int i = 0; i < n; ++i) {
      ClientResponse r =
          d_->Request("POST", "/v1/conflicts/" + conflict_ + "/messages", us_,
                      json::serialize(json::object{{"kind", "text"},
                                                   {"text", "message " + std::to_string(from + i)},
                                                   {"language", "en"}}));
      ASSERT_EQ(r.status, 201) << Show(r);
      // Pacing, not synchronisation: spreads the events so that a reader can disconnect while
      // more are being made; the tests hold whatever the interleaving.
      std::this_thread::sleep_for(milliseconds(15));
    }
  }
  // Posts one more message, the last event of the test (the marker), and calls wait(seq) with
  // its seq, which must return true once the stream under test has delivered it. Events arrive
  // in order: once the marker is in, anything extra or repeated before it has arrived too, so
  // ExpectExactlyHistory then sees it (no sleeping "for anything extra to arrive").
  void PostMarkerAndWaitFor(const std::function<bool(int64_t)>& wait) {
    Post(1, 1000);
    const std::vector<StreamEvent> all = History(*d_, us_);
    ASSERT_FALSE(all.empty());
    EXPECT_TRUE(wait(all.back().id)) << "the marker event " << all.back().id << " did not arrive";
  }
  // Checks that first + second are exactly the caller's history: in order, no gap, no duplicate.
  void ExpectExactlyHistory(const std::vector<StreamEvent>& first,
                            const std::vector<StreamEvent>& second) {
    std::vector<StreamEvent> all = History(*d_, us_);
    std::vector<int64_t> want = Ids(all), got = Ids(first);
    for (int64_t id : Ids(second)) got.push_back(id);
    EXPECT_EQ(got, want);
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(want[i], static_cast<int64_t>(i + 1)) << "event seqs are per recipient, from 1";
    }
    std::vector<StreamEvent> both = first;
    both.insert(both.end(), second.begin(), second.end());
    for (size_t i = 0; i < both.size() && i < all.size(); ++i) {
      EXPECT_EQ(both[i].type, all[i].type) << "event " << all[i].id;
      EXPECT_EQ(dt::ParseJson(both[i].data), dt::ParseJson(all[i].data)) << "event " << all[i].id;
    }
  }

  std::unique_ptr<Daemon> d_;
  std::string us_, ru_, conflict_;
};

TEST_F(serverStreamTest, ResumeSseAcrossReconnect) {
  Post(3, 0);
  // Connect, read some, disconnect while more events are being generated.
  std::thread poster([&] { Post(12, 3); });
  std::vector<StreamEvent> first;
  {
    dt::SseFollower sse(d_->url("/v1/events"), us_);
    EXPECT_TRUE(sse.WaitUntil([](const auto& es) { return es.size() >= 6; }));
    sse.Stop();
    first = sse.events();
  }
  ASSERT_FALSE(first.empty());
  poster.join();
  Post(3, 15);
  const size_t total = History(*d_, us_).size();
  ASSERT_EQ(total, 1u + 18u) << "conflict.opened and 18 messages";
  dt::SseFollower again(d_->url("/v1/events"), us_, first.back().id);
  EXPECT_TRUE(again.WaitUntil([&](const auto& es) { return first.size() + es.size() >= total; }));
  PostMarkerAndWaitFor([&](int64_t marker) {
    return again.WaitUntil([&](const auto& es) { return !es.empty() && es.back().id >= marker; });
  });
  again.Stop();
  ExpectExactlyHistory(first, again.events());
}

TEST_F(serverStreamTest, ResumeWebSocketAcrossReconnect) {
  Post(3, 0);
  std::thread poster([&] { Post(12, 3); });
  std::vector<StreamEvent> first;
  {
    dt::WsFollower ws;
    ASSERT_OK(ws.Connect(d_->url("/v1/ws")));
    ASSERT_OK(
        ws.Send(json::serialize(json::object{{"type", "auth"}, {"token", us_}, {"after", 0}})));
    ws.Run();
    EXPECT_TRUE(ws.WaitUntil([](const auto& es) { return es.size() >= 6; }));
    ws.Stop();
    first = ws.events();
  }
  ASSERT_FALSE(first.empty());
  poster.join();
  Post(3, 15);
  const size_t total = History(*d_, us_).size();
  dt::WsFollower again;
  ASSERT_OK(again.Connect(d_->url("/v1/ws")));
  ASSERT_OK(again.Send(
      json::serialize(json::object{{"type", "auth"}, {"token", us_}, {"after", first.back().id}})));
  again.Run();
  EXPECT_TRUE(again.WaitUntil([&](const auto& es) { return first.size() + es.size() >= total; }));
  PostMarkerAndWaitFor([&](int64_t marker) {
    return again.WaitUntil([&](const auto& es) { return !es.empty() && es.back().id >= marker; });
  });
  again.Stop();
  ExpectExactlyHistory(first, again.events());
}

// ---------------------------------------------------------------------------------------------
// Durability: a graceful restart keeps everything; a crash keeps every acknowledged submission.

struct Snapshot {
  std::string plans, conflicts, us_events, ru_events, jcc_events;
  std::vector<std::string> audit;  // entries as JSON text
};

Snapshot Take(const Daemon& d, const std::string& us, const std::string& ru,
              const std::string& jcc) {
  Snapshot s;
  ClientResponse r = d.Request("GET", "/v1/plans", jcc);
  EXPECT_EQ(r.status, 200) << Show(r);
  s.plans = r.body;
  r = d.Request("GET", "/v1/conflicts", jcc);
  EXPECT_EQ(r.status, 200) << Show(r);
  s.conflicts = r.body;
  auto events = [&](const std::string& t) {
    std::string out;
    for (const StreamEvent& e : History(d, t))
      out += std::to_string(e.id) + " " + e.type + " " + e.data + "\n";
    return out;
  };
  s.us_events = events(us);
  s.ru_events = events(ru);
  s.jcc_events = events(jcc);
  r = d.Request("GET", "/v1/audit?limit=5000", jcc);
  EXPECT_EQ(r.status, 200) << Show(r);
  for (const json::value& e : Arr(Json(r), "entries")) s.audit.push_back(json::serialize(e));
  return s;
}

// A daemon with parties US, RU and coordinator JCC, restarted, crashed and stopped under load.
class serverDurability : public ::testing::Test {
 protected:
  void SetUp() override {
    us_ = d_.AddParty("US");
    ru_ = d_.AddParty("RU");
    jcc_ = d_.AddParty("JCC", "coordinator");
    ASSERT_OK(d_.Start());
  }

  // US's plan us-N east along 37N from `lon` and RU's ru-N north across it at lon + 0.1, in the
  // same 20 minutes: one conflict, whose id goes to *conflict.
  void Cross(int n, double lon, std::string* conflict) {
    const std::string suffix = "-" + std::to_string(n);
    ClientResponse r = d_.Request("POST", "/v1/plans", us_,
                                  Line("us" + suffix, lon, 37.0, lon + 0.2, 37.0, t0_, t0_ + 1200));
    ASSERT_EQ(r.status, 201) << Show(r);
    r = d_.Request("POST", "/v1/plans", ru_,
                   Line("ru" + suffix, lon + 0.1, 36.9, lon + 0.1, 37.1, t0_, t0_ + 1200));
    ASSERT_EQ(r.status, 201) << Show(r);
    *conflict = FirstConflictId(r);
    ASSERT_FALSE(conflict->empty());
  }

  // Plans, versions, and conflicts in several states: c1_ open (us-1 amended once), c2_
  // acknowledged by both, c3_ resolved (cancelled) by withdrawing ru-3.
  void MakeConflictsInThreeStates() {
    ASSERT_NO_FATAL_FAILURE(Cross(1, 41.0, &c1_));
    ClientResponse r;
    // Amend us-1 without changing the conflict (a new note, which is not disclosed).
    {
      json::value v = dt::ParseJson(Line("us-1", 41.0, 37.0, 41.2, 37.0, t0_, t0_ + 1200));
      v.as_object()["properties"].as_object()["note"] = "second version";
      r = d_.Request("PUT", "/v1/plans/us-1", us_, json::serialize(v), {{"If-Match", "\"1\""}});
    }
    ASSERT_EQ(r.status, 200) << Show(r);
    EXPECT_FALSE(FindById(Arr(Json(r), "conflicts_unchanged"), c1_).is_null()) << r.body;
    ASSERT_EQ(d_.Request("POST", "/v1/conflicts/" + c1_ + "/ack", us_).status, 200);

    ASSERT_NO_FATAL_FAILURE(Cross(2, 42.0, &c2_));
    ASSERT_EQ(d_.Request("POST", "/v1/conflicts/" + c2_ + "/ack", us_).status, 200);
    ASSERT_EQ(d_.Request("POST", "/v1/conflicts/" + c2_ + "/ack", ru_).status, 200);

    ASSERT_NO_FATAL_FAILURE(Cross(3, 43.0, &c3_));
    r = d_.Request("DELETE", "/v1/plans/ru-3", ru_, "", {{"If-Match", "\"1\""}});
    ASSERT_EQ(r.status, 200) << Show(r);
  }

  // A burst of submissions from 4 clients, interrupted by `interrupt` once 40 are acknowledged;
  // then every acknowledged (201) plan must be there after a restart. A refused request must be a
  // closed connection (0) or, while the server drains, 503: never another error.
  void BurstSurvives(const std::string& prefix, double lat0, const std::function<void()>& interrupt,
                     const std::string& what) {
    std::mutex mu;
    std::vector<std::pair<std::string, std::string>> acknowledged;  // token, plan id
    std::atomic<int> ok{0};
    std::atomic<bool> dead{false};
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        const std::string& tok = t % 2 == 0 ? us_ : ru_;
        for (int i = 0; i < 400 && !dead.load(); ++i) {
          std::string id = prefix + std::to_string(t) + "-" + std::to_string(i);
          double lat = lat0 + t * 0.5, lon = 30.0 + i * 0.005;
          ClientResponse x = d_.Request("POST", "/v1/plans", tok,
                                        Line(id, lon, lat, lon, lat + 0.01, t0_, t0_ + 600));
          if (x.status == 201) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.emplace_back(tok, id);
            ok.fetch_add(1);
          } else if (x.status == 0 || x.status == 503) {
            dead.store(true);
          } else {
            ADD_FAILURE() << id << ": " << Show(x);
          }
        }
      });
    }
    EXPECT_TRUE(Eventually([&] { return ok.load() >= 40; }, seconds(60)));
    interrupt();
    dead.store(true);
    for (auto& t : threads) t.join();
    ASSERT_OK(d_.Start());
    ASSERT_GE(acknowledged.size(), 40u);
    int missing = 0;
    for (const auto& [tok, id] : acknowledged) {
      ClientResponse x = d_.Request("GET", "/v1/plans/" + id, tok);
      if (x.status != 200) {
        ++missing;
        ADD_FAILURE() << "acknowledged plan " << id << " lost in " << what << ": " << Show(x);
      }
    }
    EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " (" << what << ")";
  }

  Daemon d_{Options()};
  std::string us_, ru_, jcc_, c1_, c2_, c3_;
  const double t0_ = AnHourFromNow();
};

// Everything in `before` is in `after`: plans, conflicts, every party's events, the record.
void ExpectSameState(const Snapshot& before, const Snapshot& after) {
  EXPECT_EQ(dt::ParseJson(after.plans), dt::ParseJson(before.plans));
  EXPECT_EQ(dt::ParseJson(after.conflicts), dt::ParseJson(before.conflicts));
  EXPECT_EQ(after.us_events, before.us_events);
  EXPECT_EQ(after.ru_events, before.ru_events);
  EXPECT_EQ(after.jcc_events, before.jcc_events);
  ASSERT_GE(after.audit.size(), before.audit.size());
  for (size_t i = 0; i < before.audit.size(); ++i) {
    EXPECT_EQ(after.audit[i], before.audit[i]) << "audit entry " << i;
  }
}

TEST_F(serverDurability, RestartDurability) {
  ASSERT_NO_FATAL_FAILURE(MakeConflictsInThreeStates());
  Snapshot before = Take(d_, us_, ru_, jcc_);
  {
    json::value cs = dt::ParseJson(before.conflicts);
    EXPECT_EQ(Str(FindById(Arr(cs, "conflicts"), c1_), "status"), "open");
    EXPECT_EQ(Str(FindById(Arr(cs, "conflicts"), c2_), "status"), "acknowledged");
    EXPECT_EQ(Str(FindById(Arr(cs, "conflicts"), c3_), "status"), "resolved");
    EXPECT_EQ(Str(FindById(Arr(cs, "conflicts"), c3_), "resolution"), "cancelled");
  }

  EXPECT_EQ(d_.Stop(), 0);
  ASSERT_OK(d_.Start());
  Snapshot after = Take(d_, us_, ru_, jcc_);
  ASSERT_NO_FATAL_FAILURE(ExpectSameState(before, after));
  ClientResponse r = d_.Request("GET", "/v1/plans/us-1", us_);
  EXPECT_EQ(r.header("ETag"), "\"2\"") << Show(r);
  // State, not just storage: the detector was reloaded (a new crossing plan conflicts).
  r = d_.Request("POST", "/v1/plans", ru_, Line("ru-4", 41.1, 36.9, 41.1, 37.1, t0_, t0_ + 1200));
  ASSERT_EQ(r.status, 201) << Show(r);
  EXPECT_FALSE(FirstConflictId(r).empty()) << "us-1 was not reloaded: " << r.body;

  // A crash (SIGKILL) during a burst: every 201 survives.
  ASSERT_NO_FATAL_FAILURE(BurstSurvives(
      "burst-", 30.0, [&] { d_.Kill(); }, "a crash"));
  // Everything from before the crash is still there too.
  Snapshot later = Take(d_, us_, ru_, jcc_);
  for (size_t i = 0; i < after.audit.size(); ++i) {
    ASSERT_LT(i, later.audit.size());
    EXPECT_EQ(later.audit[i], after.audit[i]) << "audit entry " << i;
  }
  ClientResponse key = d_.Request("GET", "/v1/record/key");

  // A graceful stop (SIGTERM) during a burst: it drains, exits 0, and every 201 survives.
  ASSERT_NO_FATAL_FAILURE(BurstSurvives(
      "drain-", 20.0, [&] { EXPECT_EQ(d_.Stop(), 0); }, "a graceful stop"));
  EXPECT_EQ(d_.Stop(), 0);
  dt::ProcessResult v =
      d_.Cli({"audit", "verify", "--data", d_.data_dir(), "--key", Str(Json(key), "public_key")});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
}

// ---------------------------------------------------------------------------------------------
// Concurrency: 16 clients submit crossing plans at once; the server finds exactly the conflicts
// the CLI finds in the same plans as one file.

using PlanPairs = std::multiset<std::pair<std::string, std::string>>;
constexpr int kGridClients = 16;

// Client i owns an east-west line (row i) and a north-south line (column i), for party P(i%8).
// Starts are staggered so that some crossings are simultaneous and some are not. Every Feature
// also goes into *all.
std::vector<std::vector<std::string>> GridPlans(double t0, json::array* all) {
  std::vector<std::vector<std::string>> plans(kGridClients);
  for (int i = 0; i < kGridClients; ++i) {
    const std::string party = "P" + std::to_string(i % 8);
    const double lat = 37.0 + 0.012 * i, lon = 41.01 + 0.018 * i;
    const double ew_start = t0 + (i * 97) % 600, ns_start = t0 + (i * 131) % 600;
    plans[i].push_back(
        Line("ew-" + std::to_string(i), 41.0, lat, 41.3, lat, ew_start, ew_start + 1800, party));
    plans[i].push_back(
        Line("ns-" + std::to_string(i), lon, 36.99, lon, 37.2, ns_start, ns_start + 1800, party));
    for (const auto& p : plans[i]) all->push_back(dt::ParseJson(p));
  }
  return plans;
}

// One client thread per entry of `plans`, released together, each submitting its plans in turn
// with token tok[i % 8]; expects every answer to be 201.
void SubmitAllAtOnce(const Daemon& d, const std::vector<std::string>& tok,
                     const std::vector<std::vector<std::string>>& plans) {
  const int n = static_cast<int>(plans.size());
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  threads.reserve(plans.size());
  std::vector<std::vector<ClientResponse>> answers(plans.size());
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      for (const std::string& p : plans[i]) {
        answers[i].push_back(d.Request("POST", "/v1/plans", tok[i % 8], p));
      }
    });
  }
  while (ready.load() < n) std::this_thread::yield();
  go.store(true);
  for (auto& t : threads) t.join();
  for (int i = 0; i < n; ++i) {
    for (const ClientResponse& r : answers[i]) EXPECT_EQ(r.status, 201) << Show(r);
  }
}

// The pairs of plan ids in conflict that the server found (all open), as the coordinator lists.
void ServerPairs(const Daemon& d, const std::string& jcc, PlanPairs* pairs) {
  ClientResponse r = d.Request("GET", "/v1/conflicts", jcc);
  ASSERT_EQ(r.status, 200) << Show(r);
  for (const json::value& c : Arr(Json(r), "conflicts")) {
    const json::array sides = Arr(c, "sides");
    ASSERT_EQ(sides.size(), 2u);
    std::string a = Str(sides[0], "plan"), b = Str(sides[1], "plan");
    EXPECT_EQ(Str(c, "status"), "open");
    pairs->insert(std::minmax(a, b));
  }
}

// The pairs the CLI (`deconflict check`) finds in the same plans as one file.
void CliPairs(const Daemon& d, const json::array& all, PlanPairs* pairs) {
  const std::string file = (d.dir() / "grid.geojson").string();
  dt::WriteFileText(
      file, json::serialize(json::object{{"type", "FeatureCollection"}, {"features", all}}));
  dt::ProcessResult check = d.Cli({"check", file, "--format", "json"});
  ASSERT_TRUE(check.code == 0 || check.code == 1) << check.out << check.err;
  json::value cli = dt::ParseJson(check.out);
  ASSERT_TRUE(cli.is_object()) << check.out;
  for (const json::value& c : Arr(cli, "conflicts")) {
    const json::array ps = Arr(c, "plans");
    ASSERT_EQ(ps.size(), 2u);
    pairs->insert(std::minmax(std::string(ps[0].as_string()), std::string(ps[1].as_string())));
  }
}

TEST(serverE2E, ConcurrentConflictingSubmissions) {
  Daemon d(Options());
  std::vector<std::string> tok;
  tok.reserve(8);
  for (int p = 0; p < 8; ++p) tok.push_back(d.AddParty("P" + std::to_string(p)));
  const std::string jcc = d.AddParty("JCC", "coordinator");
  ASSERT_OK(d.Start());

  json::array all;
  const std::vector<std::vector<std::string>> plans = GridPlans(AnHourFromNow(), &all);
  SubmitAllAtOnce(d, tok, plans);
  PlanPairs server_pairs, cli_pairs;
  ASSERT_NO_FATAL_FAILURE(ServerPairs(d, jcc, &server_pairs));
  ASSERT_NO_FATAL_FAILURE(CliPairs(d, all, &cli_pairs));
  EXPECT_GT(cli_pairs.size(), 10u) << "the grid should have many conflicts";
  EXPECT_LT(cli_pairs.size(), static_cast<size_t>(kGridClients * kGridClients))
      << "and some crossings without one";
  std::vector<std::pair<std::string, std::string>> only_server, only_cli;
  std::set_difference(server_pairs.begin(), server_pairs.end(), cli_pairs.begin(), cli_pairs.end(),
                      std::back_inserter(only_server));
  std::set_difference(cli_pairs.begin(), cli_pairs.end(), server_pairs.begin(), server_pairs.end(),
                      std::back_inserter(only_cli));
  std::string diff;
  for (const auto& [a, b] : only_server) {
    diff.append("  server only: ").append(a).append(" x ").append(b).append("\n");
  }
  for (const auto& [a, b] : only_cli) {
    diff.append("  cli only:    ").append(a).append(" x ").append(b).append("\n");
  }
  EXPECT_TRUE(only_server.empty() && only_cli.empty())
      << server_pairs.size() << " server conflicts vs " << cli_pairs.size() << " from the CLI:\n"
      << diff;
}

// ---------------------------------------------------------------------------------------------
// Bad input: RFC 9457 problems naming the field.

// Malformed bodies, wrong content types and wrong JSON types: 400, 415, 422 naming the field.
void ExpectMalformedPlansRefused(const Daemon& d, const std::string& us, const std::string& good,
                                 double t0) {
  ExpectProblem(d.Request("POST", "/v1/plans", us, "{\"type\": \"Feature\", "), 400,
                "malformed JSON");
  ExpectProblem(d.Request("POST", "/v1/plans", us, ""), 400, "empty body");
  ExpectProblem(d.Request("POST", "/v1/plans", us, good, {}, "text/plain"), 415,
                "not JSON content type");

  // Wrong types.
  {
    json::value v = dt::ParseJson(good);
    v.as_object()["properties"].as_object()["times"] = 1665216000;
    ClientResponse r = d.Request("POST", "/v1/plans", us, json::serialize(v));
    ExpectProblem(r, 422, "times a number");
    EXPECT_TRUE(HasErrorPath(r, "properties.times")) << r.body;
  }
  {
    json::value v = dt::ParseJson(good);
    v.as_object()["properties"].as_object()["corridor_m"] = "wide";
    ClientResponse r = d.Request("POST", "/v1/plans", us, json::serialize(v));
    ExpectProblem(r, 422, "corridor_m a string");
    EXPECT_TRUE(HasErrorPath(r, "properties.corridor_m")) << r.body;
  }
  {
    json::value v = dt::ParseJson(good);
    v.as_object()["id"] = 17;
    ClientResponse r = d.Request("POST", "/v1/plans", us, json::serialize(v));
    ExpectProblem(r, 422, "id a number");
    EXPECT_TRUE(HasErrorPath(r, "id")) << r.body;
  }
  ExpectProblem(d.Request("POST", "/v1/plans", us, "[1, 2]"), 422, "an array");
  {
    ClientResponse r = d.Request("POST", "/v1/plans", us,
                                 Line("bad id/with slash", 41.0, 37.0, 41.2, 37.0, t0, t0 + 60));
    ExpectProblem(r, 422, "id with a slash");
    EXPECT_TRUE(HasErrorPath(r, "id")) << r.body;
  }
}

// Oversized bodies, invalid geometry and times, more than one Feature, another party's plan.
void ExpectInvalidPlansRefused(const Daemon& d, const std::string& us, const std::string& good,
                               double t0) {
  // Oversized body: 2 MiB.
  {
    std::string big = "{\"type\":\"Feature\",\"id\":\"big\",\"properties\":{\"note\":\"" +
                      std::string(2 << 20, 'x') + "\"}}";
    ExpectProblem(d.Request("POST", "/v1/plans", us, big), 413, "2 MiB body");
    // The server is fine afterwards.
    EXPECT_EQ(d.Request("GET", "/healthz").status, 200);
  }

  // Invalid geometry.
  {
    json::value site = json::object{
        {"type", "Feature"},
        {"id", "bowtie"},
        {"properties", json::object{{"kind", "site"}}},
        {"geometry",
         json::object{{"type", "Polygon"},
                      {"coordinates",
                       json::array{json::array{json::array{41.0, 37.0}, json::array{41.1, 37.1},
                                               json::array{41.1, 37.0}, json::array{41.0, 37.1},
                                               json::array{41.0, 37.0}}}}}}};
    ClientResponse r = d.Request("POST", "/v1/plans", us, json::serialize(site));
    ExpectProblem(r, 422, "self-intersecting polygon");
    EXPECT_TRUE(HasErrorPath(r, "geometry.coordinates")) << r.body;
    EXPECT_TRUE(Contains(r.body, "self-intersecting")) << r.body;
  }
  {
    ClientResponse r =
        d.Request("POST", "/v1/plans", us, Line("lat95", 41.0, 37.0, 41.2, 95.0, t0, t0 + 1200));
    ExpectProblem(r, 422, "latitude 95");
    EXPECT_TRUE(HasErrorPath(r, "geometry.coordinates[1]")) << r.body;
  }
  {
    ClientResponse r = d.Request(
        "POST", "/v1/plans", us,
        dt::MovementJson("times", {{41.0, 37.0}, {41.1, 37.0}, {41.2, 37.0}}, {t0, t0 + 60}));
    ExpectProblem(r, 422, "one time short");
    EXPECT_TRUE(HasErrorPath(r, "times")) << r.body;
  }

  // One Feature per request, the party from the token.
  {
    std::string fc = "{\"type\":\"FeatureCollection\",\"features\":[" + good + "]}";
    ClientResponse r = d.Request("POST", "/v1/plans", us, fc);
    ExpectProblem(r, 422, "FeatureCollection");
    EXPECT_TRUE(HasErrorPath(r, "type")) << r.body;
  }
  {
    ClientResponse r = d.Request("POST", "/v1/plans", us,
                                 Line("us-x", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200, "RU"));
    ExpectProblem(r, 403, "properties.party names another party");
    EXPECT_TRUE(HasErrorPath(r, "properties.party")) << r.body;
  }
}

// Versioned amendments: 409, 428, 412, 400, 422, 404 (creates us-1 from `good`).
void ExpectVersioningEnforced(const Daemon& d, const std::string& us, const std::string& good,
                              double t0) {
  // Versioned amendments.
  ClientResponse created = d.Request("POST", "/v1/plans", us, good);
  ASSERT_EQ(created.status, 201) << Show(created);
  ExpectProblem(d.Request("POST", "/v1/plans", us, good), 409, "the plan already exists");
  ExpectProblem(d.Request("PUT", "/v1/plans/us-1", us, good), 428, "PUT without If-Match");
  ExpectProblem(d.Request("PUT", "/v1/plans/us-1", us, good, {{"If-Match", "\"7\""}}), 412,
                "PUT with a stale If-Match");
  ExpectProblem(d.Request("PUT", "/v1/plans/us-1", us, good, {{"If-Match", "seven"}}), 400,
                "PUT with a malformed If-Match");
  ExpectProblem(d.Request("PUT", "/v1/plans/us-2", us, good, {{"If-Match", "\"1\""}}), 422,
                "PUT with the Feature's id differing from the URL");
  EXPECT_EQ(d.Request("PUT", "/v1/plans/us-1", us, good, {{"If-Match", "\"1\""}}).status, 200);
  ExpectProblem(d.Request("PUT", "/v1/plans/us-1", us, good, {{"If-Match", "\"1\""}}), 412,
                "PUT with the previous version");
  ExpectProblem(
      d.Request("PUT", "/v1/plans/nope", us, Line("nope", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200),
                {{"If-Match", "\"1\""}}),
      404, "PUT of an unknown plan");
}

// Unknown routes and methods, bad query parameters and headers, other bad bodies.
void ExpectRoutingAndParametersChecked(const Daemon& d, const std::string& us,
                                       const std::string& good) {
  // Routing.
  ExpectProblem(d.Request("GET", "/v1/nothing-here", us), 404, "unknown route");
  ExpectProblem(d.Request("GET", "/v1/plans/nope", us), 404, "unknown plan");
  ExpectProblem(d.Request("GET", "/v1/conflicts/c-00000000", us), 404, "unknown conflict");
  {
    ClientResponse r = d.Request("DELETE", "/v1/conflicts", us);
    ExpectProblem(r, 405, "wrong method");
    EXPECT_TRUE(Contains(r.header("Allow"), "GET")) << Show(r);
  }
  ExpectProblem(d.Request("PATCH", "/v1/plans/us-1", us, good), 405, "PATCH");

  // Query parameters and headers.
  ExpectProblem(d.Request("GET", "/v1/events", us, "", {{"Last-Event-ID", "abc"}}), 400,
                "bad Last-Event-ID");
  ExpectProblem(d.Request("GET", "/v1/events", us, "", {{"Last-Event-ID", "-3"}}), 400,
                "negative Last-Event-ID");
  ExpectProblem(d.Request("GET", "/v1/events/history?after=x", us), 400, "after=x");
  ExpectProblem(d.Request("GET", "/v1/events/history?limit=0", us), 400, "limit=0");
  ExpectProblem(d.Request("GET", "/v1/conflicts?status=bogus", us), 400, "status=bogus");
  ExpectProblem(d.Request("GET", "/v1/conflicts?limit=0", us), 400, "conflicts limit=0");
  ExpectProblem(d.Request("GET", "/v1/conflicts?limit=2x", us), 400, "conflicts limit=2x");
  ExpectProblem(d.Request("GET", "/v1/plans?status=bogus", us), 400, "plans status=bogus");

  // Other bodies.
  ExpectProblem(d.Request("POST", "/v1/webhooks", us, R"({"url":"ftp://x"})"), 422, "webhook url");
  ExpectProblem(d.Request("POST", "/v1/contacts", us, R"({"name":"A"})"), 422,
                "contact without language");
  ExpectProblem(d.Request("POST", "/v1/check", us, "{"), 400, "check malformed");
}

TEST(serverE2E, BadInput) {
  Daemon d(Options());
  const std::string us = d.AddParty("US");
  d.AddParty("RU");
  ASSERT_OK(d.Start());
  const double t0 = AnHourFromNow();
  const std::string good = Line("us-1", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200);

  ExpectMalformedPlansRefused(d, us, good, t0);
  ExpectInvalidPlansRefused(d, us, good, t0);
  ASSERT_NO_FATAL_FAILURE(ExpectVersioningEnforced(d, us, good, t0));
  ExpectRoutingAndParametersChecked(d, us, good);
}

// ---------------------------------------------------------------------------------------------
// Authentication failures.

// No token, an unknown one, another scheme, an empty bearer: 401 with a Bearer challenge.
void ExpectBadCredentialsRefused(const Daemon& d) {
  {
    ClientResponse r = d.Request("GET", "/v1/plans");
    ExpectProblem(r, 401, "no token");
    EXPECT_EQ(r.header("WWW-Authenticate").rfind("Bearer", 0), 0u) << Show(r);
  }
  {
    ClientResponse r = d.Request("GET", "/v1/plans", "dcf_0123456789abcdef0123456789abcdef0123");
    ExpectProblem(r, 401, "unknown token");
    EXPECT_EQ(r.header("WWW-Authenticate").rfind("Bearer", 0), 0u) << Show(r);
  }
  ExpectProblem(d.Request("GET", "/v1/plans", "", "", {{"Authorization", "Basic dXM6cHc="}}), 401,
                "basic auth");
  ExpectProblem(d.Request("GET", "/v1/plans", "", "", {{"Authorization", "Bearer"}}), 401,
                "empty bearer");
  ExpectProblem(d.Request("POST", "/v1/plans", "", "{}"), 401, "no token on a write");
}

// A second token for US (`us` is the first), revoked while the server runs: refused within the
// cache time.
void ExpectRevokedTokenRefused(const Daemon& d, const std::string& us) {
  // A second token for US, revoked while the server runs: refused within the cache time.
  dt::ProcessResult add = d.Cli({"admin", "--data", d.data_dir(), "token", "add", "US"});
  ASSERT_EQ(add.code, 0) << add.out << add.err;
  const std::string second = add.LastLine();
  dt::ProcessResult list = d.Cli({"admin", "--data", d.data_dir(), "token", "list", "US"});
  ASSERT_EQ(list.code, 0) << list.out << list.err;
  std::string id;
  {
    size_t pos = add.out.find("tok_");
    ASSERT_NE(pos, std::string::npos) << add.out;
    size_t end = add.out.find_first_of(" \n", pos);
    id = add.out.substr(pos, end - pos);
  }
  EXPECT_TRUE(Contains(list.out, id)) << "token list does not show " << id << ":\n" << list.out;
  ASSERT_EQ(d.Request("GET", "/v1/me", second).status, 200);
  dt::ProcessResult revoke = d.Cli({"admin", "--data", d.data_dir(), "token", "revoke", id});
  ASSERT_EQ(revoke.code, 0) << revoke.out << revoke.err;
  const auto revoked_at = Clock::now();
  bool refused = Eventually([&] { return d.Request("GET", "/v1/me", second).status == 401; },
                            milliseconds(3000), milliseconds(100));
  EXPECT_TRUE(refused)
      << "the revoked token still works "
      << std::chrono::duration_cast<milliseconds>(Clock::now() - revoked_at).count()
      << " ms after revocation";
  ExpectProblem(d.Request("GET", "/v1/plans", second), 401, "revoked token");
  EXPECT_EQ(d.Request("GET", "/v1/me", us).status, 200) << "the first token still works";
}

// The WebSocket and the event stream refuse bad authentication.
void ExpectStreamsRefuseBadAuth(const Daemon& d) {
  // Streams.
  {
    dt::WsFollower ws;
    ASSERT_OK(ws.Connect(d.url("/v1/ws")));
    ASSERT_OK(ws.Send(R"({"type":"auth","token":"dcf_not_a_token"})"));
    std::optional<std::string> frame = ws.ReceiveNow(seconds(10));
    ASSERT_TRUE(frame.has_value()) << "no error frame";
    json::value v = dt::ParseJson(*frame);
    EXPECT_EQ(Str(v, "type"), "error") << *frame;
    EXPECT_FALSE(Str(v, "detail").empty()) << *frame;
    // Then the server closes the socket.
    std::optional<std::string> next = ws.ReceiveNow(seconds(10));
    EXPECT_FALSE(next.has_value()) << *next;
    EXPECT_TRUE(ws.closed()) << "the WebSocket is still open after a bad auth frame";
  }
  {
    dt::WsFollower ws;
    ASSERT_OK(ws.Connect(d.url("/v1/ws")));
    ASSERT_OK(ws.Send(R"({"hello":"world"})"));
    std::optional<std::string> frame = ws.ReceiveNow(seconds(10));
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(Str(dt::ParseJson(*frame), "type"), "error") << *frame;
  }
  {
    dt::WsFollower ws;
    Status s = ws.Connect(d.url("/v1/ws"), "dcf_not_a_token");
    EXPECT_FALSE(s.ok()) << "upgrade accepted with an unknown token in the header";
    EXPECT_TRUE(Contains(s.message(), "401")) << s.ToString();
  }
  {
    Status s = http::FollowSse(d.url("/v1/events"), {{"Authorization", "Bearer nope"}},
                               [](const http::SseEvent&) { return true; });
    EXPECT_FALSE(s.ok());
    EXPECT_TRUE(Contains(s.message(), "401") || s.code() == StatusCode::kUnauthenticated)
        << s.ToString();
  }
}

TEST(serverE2E, AuthFailures) {
  Daemon d(Options());
  const std::string us = d.AddParty("US");
  ASSERT_OK(d.Start());

  ExpectBadCredentialsRefused(d);
  ASSERT_NO_FATAL_FAILURE(ExpectRevokedTokenRefused(d, us));
  ExpectStreamsRefuseBadAuth(d);
}

// ---------------------------------------------------------------------------------------------
// Operations endpoints.

// The web console is served by the daemon itself, with a policy that keeps its page to this
// origin, validators for caching, and no way out of its folder.
TEST(serverE2E, ConsoleIsServedFromItsFolderOnly) {
  namespace fs = std::filesystem;
  dt::TempDir tmp("server_test_web");
  const fs::path web = tmp.path() / "web";  // and a secret file beside it, outside the console
  fs::create_directories(web);
  std::ofstream(web / "index.html") << "<!doctype html><script src=\"/ui/app.js\"></script>";
  std::ofstream(web / "app.js") << "console.log('deconflict');";
  std::ofstream(web.parent_path() / (web.filename().string() + "-secret.txt")) << "secret";
  Daemon d(Options({"--web", web.string()}));
  ASSERT_OK(d.Start());

  ClientResponse index = d.Request("GET", "/");
  EXPECT_EQ(index.status, 200) << Show(index);
  EXPECT_EQ(index.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(Contains(index.body, "/ui/app.js"));
  EXPECT_TRUE(Contains(index.header("Content-Security-Policy"), "default-src 'self'"));
  EXPECT_TRUE(Contains(index.header("Content-Security-Policy"), "frame-ancestors 'none'"));
  EXPECT_EQ(index.header("X-Content-Type-Options"), "nosniff");
  ClientResponse js = d.Request("GET", "/ui/app.js");
  EXPECT_EQ(js.status, 200) << Show(js);
  EXPECT_EQ(js.body, "console.log('deconflict');");
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  const std::string etag = js.header("ETag");
  ASSERT_FALSE(etag.empty());
  ClientResponse again = d.Request("GET", "/ui/app.js", "", "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304) << Show(again);
  EXPECT_TRUE(again.body.empty());
  // Nothing outside the folder, encoded or not; nothing of the data folder.
  for (const std::string& path :
       {std::string("/ui/..%2F") + web.filename().string() + "-secret.txt", std::string("/ui/.."),
        std::string("/ui/%2E%2E%2Fetc%2Fpasswd"), std::string("/ui/server.key"),
        std::string("/ui/index.html%00.js"), std::string("/ui/")}) {
    ClientResponse r = d.Request("GET", path);
    EXPECT_EQ(r.status, 404) << path << " " << Show(r);
    EXPECT_FALSE(Contains(r.body, "secret")) << path;
  }
  EXPECT_EQ(d.Stop(), 0);
  fs::remove(web.parent_path() / (web.filename().string() + "-secret.txt"));

  // Without a console: a problem that says how to get one.
  Daemon bare(Options({"--no-web"}));
  ASSERT_OK(bare.Start());
  ClientResponse none = bare.Request("GET", "/");
  EXPECT_EQ(none.status, 404) << Show(none);
  EXPECT_EQ(none.header("Content-Type"), "application/problem+json");
  EXPECT_TRUE(Contains(none.body, "--web")) << none.body;
  EXPECT_EQ(bare.Stop(), 0);

  // A console folder that is named but missing is a configuration error, not a silent 404.
  dt::ProcessResult bad = dt::RunProcess(
      DECONFLICTD_BINARY,
      {"--data", tmp.File("no_web_data"), "--listen", "127.0.0.1:0", "--web", "/nonexistent/web"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_TRUE(Contains(bad.err, "--web")) << bad.err;
}

TEST(serverE2E, Health) {
  Daemon d(Options());
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  // /metrics needs the operator's metrics token (docs/security.md §12.1).
  const std::string metrics_token = "metrics-token-of-this-test";
  dt::WriteFileText(d.dir() / "metrics-token", metrics_token + "\n");
  d.set_extra_args({"--metrics-token-file", (d.dir() / "metrics-token").string()});
  ASSERT_OK(d.Start());
  ClientResponse h = d.Request("GET", "/healthz");
  EXPECT_EQ(h.status, 200) << Show(h);
  EXPECT_EQ(Str(Json(h), "status"), "ok");
  ClientResponse ready = d.Request("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << Show(ready);
  EXPECT_EQ(Str(Json(ready), "status"), "ready");

  const double t0 = AnHourFromNow();
  ASSERT_EQ(d.Request("POST", "/v1/plans", us, Line("us-1", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200))
                .status,
            201);
  ClientResponse r =
      d.Request("POST", "/v1/plans", ru, Line("ru-1", 41.1, 36.9, 41.1, 37.1, t0, t0 + 1200));
  ASSERT_EQ(r.status, 201);
  const std::string c = FirstConflictId(r);
  ASSERT_EQ(d.Request("POST", "/v1/conflicts/" + c + "/ack", us).status, 200);
  // A second conflict of US (with a second RU plan), then ?limit cuts the list and says so.
  ASSERT_EQ(d.Request("POST", "/v1/plans", ru, Line("ru-2", 41.1, 36.9, 41.1, 37.1, t0, t0 + 1200))
                .status,
            201);
  {
    ClientResponse all = d.Request("GET", "/v1/conflicts", us);
    EXPECT_EQ(Arr(Json(all), "conflicts").size(), 2u) << Show(all);
    EXPECT_FALSE(Json(all).at("truncated").as_bool());
    ClientResponse one = d.Request("GET", "/v1/conflicts?limit=1", us);
    EXPECT_EQ(Arr(Json(one), "conflicts").size(), 1u) << Show(one);
    EXPECT_TRUE(Json(one).at("truncated").as_bool());
    ClientResponse two = d.Request("GET", "/v1/conflicts?limit=2", us);
    EXPECT_FALSE(Json(two).at("truncated").as_bool());
  }
  ASSERT_EQ(d.Request("DELETE", "/v1/plans/ru-2", ru, "", {{"If-Match", "\"1\""}}).status, 200);
  d.Request("GET", "/v1/nothing", us);

  std::string text;
  bool settled = Eventually([&] {
    ClientResponse m = d.Request("GET", "/metrics", metrics_token);
    text = m.body;
    return m.status == 200 && Contains(text, "\ndeconflict_conflicts_open 1") &&
           Contains(text, "\ndeconflict_notices_unacknowledged 1");
  });
  EXPECT_TRUE(settled) << "one open conflict, acknowledged by one side:\n" << text;
  ClientResponse m = d.Request("GET", "/metrics", metrics_token);
  EXPECT_EQ(m.header("Content-Type").rfind("text/plain", 0), 0u) << m.header("Content-Type");
  for (const char* name :
       {"deconflict_http_requests_total{", "# TYPE deconflict_http_requests_total counter",
        "deconflict_conflicts_open", "deconflict_notices_unacknowledged",
        "# TYPE deconflict_http_request_duration_seconds histogram",
        "deconflict_http_request_duration_seconds_bucket{", "le=\"+Inf\"",
        "deconflict_http_request_duration_seconds_count",
        "deconflict_http_request_duration_seconds_sum"}) {
    EXPECT_TRUE(Contains(m.body, name)) << "no " << name << " in /metrics:\n" << m.body;
  }
  EXPECT_TRUE(Contains(m.body, "404")) << "the 404 is counted:\n" << m.body;
}

// ---------------------------------------------------------------------------------------------
// Delivery receipts: each notice is recorded as delivered on the channel that carried it (SSE,
// WebSocket) and as read when the client says so (API, WebSocket frame), on the recipient's record
// and in the conflict's signed receipt; never on the other side's record.

TEST(serverE2E, DeliveredAndReadReceiptsPerRecipient) {
  Daemon d(Options());
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());
  dt::SseFollower us_sse(d.url("/v1/events"), us);
  dt::WsFollower ru_ws;
  ASSERT_OK(ru_ws.Connect(d.url("/v1/ws")));
  ASSERT_OK(ru_ws.Send(json::serialize(json::object{{"type", "auth"}, {"token", ru}})));
  ru_ws.Run();

  const std::string id = SubmitCrossingPair(d, us, ru);
  ASSERT_FALSE(id.empty());
  auto opened = [&](const std::vector<StreamEvent>& es) -> int64_t {
    for (const StreamEvent& e : es) {
      if (dt::HasConflictEvent({e}, "conflict.opened", id)) return e.id;
    }
    return 0;
  };
  ASSERT_TRUE(us_sse.WaitUntil([&](const auto& es) { return opened(es) > 0; })) << d.Log();
  ASSERT_TRUE(ru_ws.WaitUntil([&](const auto& es) { return opened(es) > 0; })) << d.Log();
  const int64_t us_seq = opened(us_sse.events()), ru_seq = opened(ru_ws.events());

  // US reads it through the API, RU with a WebSocket frame.
  ClientResponse read = d.Request("POST", "/v1/events/" + std::to_string(us_seq) + "/read", us);
  EXPECT_EQ(read.status, 204) << Show(read);
  EXPECT_TRUE(read.body.empty()) << read.body;
  ClientResponse direct = d.Request("GET", "/v1/ws", ru);  // (a plain GET is refused clearly)
  EXPECT_EQ(direct.status, 426) << Show(direct);
  EXPECT_EQ(direct.header("Upgrade"), "websocket");

  // Receipts as (recipient, seq, channel, kind), from a caller's record.
  using Receipt = std::tuple<std::string, int64_t, std::string, std::string>;
  auto receipts = [&](const std::string& tok) {
    std::set<Receipt> out;
    for (const json::value& e :
         Arr(Json(d.Request("GET", "/v1/audit?limit=5000", tok)), "entries")) {
      const std::string kind = Str(e, "kind");
      if (kind != "receipt.delivered" && kind != "receipt.read") continue;
      json::value b = dt::ParseJson(Str(e, "body_json"));
      out.insert({Str(b, "recipient"), Obj(b).at("event_seq").as_int64(), Str(b, "channel"),
                  kind.substr(8)});
    }
    return out;
  };
  // (A WsFollower sends only before Run(): a second socket carries the read frame.)
  ru_ws.Stop();
  dt::WsFollower ru_ws2;
  ASSERT_OK(ru_ws2.Connect(d.url("/v1/ws")));
  ASSERT_OK(ru_ws2.Send(json::serialize(json::object{{"type", "auth"}, {"token", ru}})));
  ASSERT_OK(ru_ws2.Send(json::serialize(json::object{{"type", "read"}, {"seq", ru_seq}})));
  std::set<Receipt> us_has, ru_has;
  bool all = Eventually([&] {
    us_has = receipts(us);
    ru_has = receipts(ru);
    return us_has.count({"US", us_seq, "sse", "delivered"}) &&
           us_has.count({"US", us_seq, "api", "read"}) &&
           ru_has.count({"RU", ru_seq, "ws", "delivered"}) &&
           ru_has.count({"RU", ru_seq, "ws", "read"});
  });
  std::string listing;
  for (const auto& [who, seq, ch, kind] : us_has) {
    listing.append(" US:").append(who).append("/").append(ch).append("/").append(kind);
  }
  for (const auto& [who, seq, ch, kind] : ru_has) {
    listing.append(" RU:").append(who).append("/").append(ch).append("/").append(kind);
  }
  EXPECT_TRUE(all) << "receipts:" << listing;
  for (const Receipt& x : us_has) EXPECT_EQ(std::get<0>(x), "US") << "US reads RU's receipts";
  for (const Receipt& x : ru_has) EXPECT_EQ(std::get<0>(x), "RU") << "RU reads US's receipts";

  // The signed receipt for the conflict proves both to US.
  ClientResponse receipt = d.Request("GET", "/v1/conflicts/" + id + "/receipt", us);
  ASSERT_EQ(receipt.status, 200) << Show(receipt);
  EXPECT_TRUE(Contains(receipt.body, "receipt.delivered")) << receipt.body;
  EXPECT_TRUE(Contains(receipt.body, "receipt.read")) << receipt.body;
  us_sse.Stop();
  ru_ws2.Stop();
  EXPECT_EQ(d.Stop(), 0);
}

// ---------------------------------------------------------------------------------------------
// TLS: with --tls-cert/--tls-key the daemon speaks HTTPS only; the API, the event stream and the
// WebSocket work over it.

TEST(serverE2E, TlsServesTheApiTheEventStreamAndTheWebSocket) {
  dt::DaemonOptions o = Options();
  o.tls = true;
  Daemon d(o);
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());  // (its readiness check already went over TLS)
  EXPECT_EQ(d.base_url().rfind("https://", 0), 0u);
  ClientResponse h = d.Request("GET", "/healthz");
  EXPECT_EQ(h.status, 200) << Show(h);

  // Cleartext HTTP to the TLS port gets no answer.
  http::Url plain = d.url("/healthz");
  plain.tls = false;
  http::Client cleartext(plain, seconds(1));
  Result<ClientResponse> r0 = cleartext.Send("GET", "/healthz");
  EXPECT_TRUE(!r0.ok() || r0->status != 200) << "cleartext HTTP was answered on the TLS port";

  const std::string conflict = SubmitCrossingPair(d, us, ru);
  ASSERT_FALSE(conflict.empty());

  // The event stream over TLS carries US's notice.
  std::vector<StreamEvent> seen;
  Status sse = http::FollowSse(
      d.url("/v1/events?after=0"), {{"Authorization", "Bearer " + us}},
      [&](const http::SseEvent& e) {
        seen.push_back({e.id, e.type, e.data});
        return !dt::HasConflictEvent(seen, "conflict.opened", conflict);
      },
      {}, /*insecure_tls=*/true);
  EXPECT_TRUE(sse.ok()) << sse.ToString();
  EXPECT_TRUE(dt::HasConflictEvent(seen, "conflict.opened", conflict));

  // The WebSocket over TLS: authenticate with a first frame, then the same notice.
  http::WsClient ws;
  ASSERT_OK(ws.Connect(d.url("/v1/ws"), {}, /*insecure_tls=*/true));
  ASSERT_OK(ws.Send(json::serialize(json::object{{"type", "auth"}, {"token", ru}, {"after", 0}})));
  bool got = false;
  for (int i = 0; i < 50 && !got; ++i) {
    Result<std::optional<std::string>> m = ws.Receive(seconds(5));
    if (!m.ok() || !m->has_value()) break;
    got = Contains(**m, "conflict.opened") && Contains(**m, conflict);
  }
  EXPECT_TRUE(got) << "no conflict.opened over wss";
  EXPECT_EQ(d.Stop(), 0);
}

// ---------------------------------------------------------------------------------------------
// --demo (the README's first command): demo parties with tokens, the seed scenario moved to now
// with RU's crossing patrol held back; submitting it opens the crossing conflict. Idempotent.

TEST(serverE2E, DemoLoadsTheSeedScenarioAndHoldsBackTheCrossingPatrol) {
  namespace fs = std::filesystem;
  Daemon d(Options({"--demo", "--demo-scenario", kScenario}));
  ASSERT_OK(d.Start());
  std::map<std::string, std::string> tok;
  {
    std::istringstream in(dt::ReadFileText(fs::path(d.data_dir()) / "demo-tokens.env"));
    for (std::string line; std::getline(in, line);) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) tok[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  for (const char* p : {"US", "RU", "COORD", "JCC"}) {
    ASSERT_TRUE(tok.count(p)) << "no token for " << p << " in demo-tokens.env";
  }
  auto count = [&](const std::string& who, const std::string& path, const char* key) {
    ClientResponse r = d.Request("GET", path, tok.at(who));
    EXPECT_EQ(r.status, 200) << Show(r);
    return r.status == 200 ? Arr(Json(r), key).size() : size_t{0};
  };
  const size_t plans = count("JCC", "/v1/plans", "plans");
  EXPECT_GE(plans, 8u) << "the seed scenario has 11 plans, one held back";
  // The held-back patrol is ready to POST, and RU has not submitted it yet.
  const fs::path held = fs::path(d.data_dir()) / "demo-ru-patrol-1.json";
  const std::string patrol = dt::ReadFileText(held);
  ASSERT_FALSE(patrol.empty()) << held;
  const std::string patrol_id = Str(dt::ParseJson(patrol), "id");
  EXPECT_EQ(d.Request("GET", "/v1/plans/" + patrol_id, tok.at("RU")).status, 404);
  const size_t us_before = count("US", "/v1/conflicts", "conflicts");

  ClientResponse r = d.Request("POST", "/v1/plans", tok.at("RU"), patrol);
  ASSERT_EQ(r.status, 201) << Show(r);
  bool crosses_us = false;
  for (const json::value& c : Arr(Json(r), "conflicts")) {
    for (const json::value& side : Arr(c, "sides")) crosses_us |= Str(side, "party") == "US";
  }
  EXPECT_TRUE(crosses_us) << "the crossing patrol conflicts with no US plan: " << r.body;
  EXPECT_GT(count("US", "/v1/conflicts", "conflicts"), us_before);

  // Again: the same parties and tokens, nothing loaded twice.
  ASSERT_OK(d.Restart());
  EXPECT_EQ(count("JCC", "/v1/plans", "plans"), plans + 1);
  EXPECT_EQ(d.Request("GET", "/v1/me", tok.at("US")).status, 200);
  EXPECT_EQ(d.Stop(), 0);
}

// ---------------------------------------------------------------------------------------------
// Webhooks: signed, retried after a failure, recorded as delivered.

// A webhook receiver on loopback: records every POST to `path` with the headers deconflictd
// sends, and answers 500 to the first `failures` of them, 200 after.
class HookReceiver {
 public:
  struct Call {
    std::string body;
    std::map<std::string, std::string> headers;
    int answered = 0;
  };

  HookReceiver(const std::string& path, int failures) : failures_(failures) {
    router_.Add("POST", path, [this](http::Exchange& ex) -> boost::asio::awaitable<void> {
      Call call;
      call.body = ex.request().body;
      for (const char* h :
           {"X-Deconflict-Signature", "X-Deconflict-Signature-Ed25519", "X-Deconflict-Key",
            "X-Deconflict-Timestamp", "X-Deconflict-Delivery", "X-Deconflict-Event",
            "X-Deconflict-Purpose", "X-Deconflict-Contact", "Content-Type"}) {
        call.headers[h] = ex.request().header(h);
      }
      int status;
      {
        std::lock_guard<std::mutex> lock(mu_);
        status = static_cast<int>(calls_.size()) < failures_ ? 500 : 200;
        call.answered = status;
        calls_.push_back(call);
      }
      http::Response answer;  // (no braced temporary in co_await: GCC 12 mishandles those)
      answer.status = status;
      answer.body = "{}";
      co_await ex.Respond(std::move(answer));
    });
    server_ =
        std::make_unique<http::Server>(io_, router_, http::ServerOptions{.listen = "127.0.0.1:0"});
    started_ = server_->Start();
    if (started_.ok()) thread_ = std::thread([this] { io_.run(); });
    url_ = "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  ~HookReceiver() {
    if (thread_.joinable()) {
      server_->Stop([this] { io_.stop(); });
      thread_.join();
    }
  }
  const Status& started() const { return started_; }
  const std::string& url() const { return url_; }
  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  bool WaitFor(size_t n, std::chrono::milliseconds limit) {
    return Eventually([&] { return calls().size() >= n; }, limit);
  }

 private:
  int failures_;
  boost::asio::io_context io_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  Status started_;
  std::thread thread_;
  std::string url_;
  std::mutex mu_;
  std::vector<Call> calls_;
};

TEST(serverE2E, Webhooks) {
  HookReceiver receiver("/hook", 1);  // fails the first attempt
  ASSERT_OK(receiver.started());

  Daemon d(Options({"--allow-private-destinations"}));  // the receiver is on loopback
  const std::string us = d.AddParty("US"), ru = d.AddParty("RU");
  ASSERT_OK(d.Start());
  const std::string secret = "a-shared-secret-of-some-length";
  ClientResponse w =
      d.Request("POST", "/v1/webhooks", us,
                json::serialize(json::object{{"url", receiver.url()}, {"secret", secret}}));
  ASSERT_EQ(w.status, 201) << Show(w);
  EXPECT_EQ(Str(Json(w), "secret"), secret);
  ClientResponse list = d.Request("GET", "/v1/webhooks", us);
  EXPECT_EQ(list.status, 200);
  EXPECT_FALSE(Contains(list.body, secret)) << "the secret is shown once: " << list.body;

  const double t0 = AnHourFromNow();
  ASSERT_EQ(d.Request("POST", "/v1/plans", us, Line("us-1", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200))
                .status,
            201);
  ClientResponse r =
      d.Request("POST", "/v1/plans", ru, Line("ru-1", 41.1, 36.9, 41.1, 37.1, t0, t0 + 1200));
  ASSERT_EQ(r.status, 201);
  const std::string conflict = FirstConflictId(r);
  ASSERT_FALSE(conflict.empty());

  // The first attempt fails; the retry (after ~1 s) succeeds.
  bool retried = receiver.WaitFor(2, seconds(20));
  std::vector<HookReceiver::Call> got = receiver.calls();
  ASSERT_TRUE(retried) << "webhook calls: " << got.size() << "\n" << d.Log();
  EXPECT_EQ(got[0].answered, 500);
  EXPECT_EQ(got[1].answered, 200);
  EXPECT_EQ(got[0].headers["X-Deconflict-Delivery"], got[1].headers["X-Deconflict-Delivery"])
      << "the retry is the same delivery";
  EXPECT_EQ(got[0].body, got[1].body);
  for (const HookReceiver::Call& c : got) {
    const std::string& ts = c.headers.at("X-Deconflict-Timestamp");
    ASSERT_FALSE(ts.empty());
    EXPECT_EQ(c.headers.at("X-Deconflict-Signature"),
              "sha256=" + record::HmacSha256Hex(secret, ts + "." + c.body))
        << "bad signature on " << c.body;
    EXPECT_LE(std::abs(std::stoll(ts) - dt::NowUnixSeconds()), 60);
    EXPECT_TRUE(Contains(c.headers.at("Content-Type"), "json"));
  }
  json::value body = dt::ParseJson(got[1].body);
  EXPECT_EQ(Str(body, "type"), "conflict.opened") << got[1].body;
  EXPECT_EQ(Str(body, "recipient"), "US");
  EXPECT_EQ(got[1].headers["X-Deconflict-Event"], "conflict.opened");
  std::vector<StreamEvent> one = {
      {0, Str(body, "type"),
       json::serialize(Obj(body).contains("data") ? Obj(body).at("data") : json::value())}};
  EXPECT_TRUE(dt::HasConflictEvent(one, "conflict.opened", conflict)) << got[1].body;
  const int64_t seq = Obj(body).contains("seq") ? Obj(body).at("seq").as_int64() : -1;

  // Recorded as delivered, on US's record.
  std::string audit;
  bool recorded = Eventually([&] {
    ClientResponse a = d.Request("GET", "/v1/audit", us);
    audit = a.body;
    for (const json::value& e : Arr(Json(a), "entries")) {
      if (Str(e, "kind") != "receipt.delivered") continue;
      json::value b = dt::ParseJson(Str(e, "body_json"));
      if (Str(b, "channel") == "webhook" && Str(b, "recipient") == "US" &&
          Obj(b).contains("event_seq") && Obj(b).at("event_seq").as_int64() == seq) {
        return true;
      }
    }
    return false;
  });
  EXPECT_TRUE(recorded) << "no receipt.delivered (webhook) for event " << seq << " in " << audit;
  EXPECT_EQ(d.Stop(), 0);
}

// The dispatcher on its own, on a clock the test moves: a store and a channel in a temporary
// folder, party US with one webhook on `receiver`, one event for it with its webhook job and one
// contact page to `receiver`, both due at the channel's clock.
class WebhookDispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(receiver_.started());
    ASSERT_OK(marker_.started());
    auto st = store::OpenSqliteStore({.dir = dir_.path().string()});
    ASSERT_OK(st.status());
    st_ = std::move(*st);
    channel::ChannelOptions co;
    co.key_file = dir_.File("server.key");
    co.now = [this] { return Ms(clock_.load()); };
    co.allow_private_destinations = true;  // the receivers are on loopback
    auto ch = channel::Channel::Open(st_.get(), co);
    ASSERT_OK(ch.status());
    ch_ = std::move(*ch);
    now_ = ToUnixMillis(ch_->Now());
    SeedJobAndPage();
  }
  void TearDown() override {
    if (ch_) ch_->Stop();
    ch_.reset();
    st_.reset();
  }

  void SeedJobAndPage() {
    auto txn = st_->Begin();
    ASSERT_OK(txn.status());
    ASSERT_OK((*txn)->PutParty({PartyId("US"), Role::kParty, "", Ms(now_)}));
    auto hook = (*txn)->PutWebhook({.party = PartyId("US"),
                                    .url = receiver_.url(),
                                    .secret = "0123456789abcdef",
                                    .created = Ms(now_)});
    ASSERT_OK(hook.status());
    auto ev = (*txn)->AppendEvent({.recipient = PartyId("US"),
                                   .type = EventType::kMessagePosted,
                                   .data_json = "{}",
                                   .at = Ms(now_)});
    ASSERT_OK(ev.status());
    ASSERT_OK((*txn)->PutWebhookJob({.webhook_id = *hook,
                                     .recipient = PartyId("US"),
                                     .event_seq = ev->seq,
                                     .next_attempt = Ms(now_),
                                     .state = DeliveryState::kPending}));
    ASSERT_OK(PutPage(receiver_.url(), "{\"page\":1}", now_, txn->get()));
    ASSERT_OK((*txn)->Commit());
  }

  // A pending contact page for US to `url`, due at `due_ms`, in its own transaction when `txn`
  // is null.
  Status PutPage(const std::string& url, const std::string& body, int64_t due_ms,
                 store::WriteTxn* txn = nullptr) {
    std::unique_ptr<store::WriteTxn> own;
    if (txn == nullptr) {
      auto t = st_->Begin();
      if (!t.ok()) return t.status();
      own = std::move(*t);
      txn = own.get();
    }
    Status s = txn->PutContactPage({.party = PartyId("US"),
                                    .contact_id = 7,
                                    .url = url,
                                    .event = EventType::kConflictEscalated,
                                    .conflict = ConflictId("c-1"),
                                    .level = 1,
                                    .body_json = body,
                                    .next_attempt = Ms(due_ms),
                                    .state = DeliveryState::kPending,
                                    .created = Ms(now_)})
                   .status();
    if (s.ok() && own) s = own->Commit();
    return s;
  }

  // Sets the clock to `ms` and waits until the dispatcher has run a whole round at that time: a
  // marker page due at `ms` (to another receiver, which answers 200) is delivered. A round reads
  // the clock, delivers the due webhook jobs, then the due pages; so once the marker arrives, no
  // job or page not yet due at `ms` was attempted, and every one that was is done.
  void SetClockAndWaitForARound(int64_t ms) {
    clock_.store(ms);
    ++markers_;
    ASSERT_OK(PutPage(marker_.url(), "{\"marker\":" + std::to_string(markers_) + "}", ms));
    ASSERT_TRUE(marker_.WaitFor(static_cast<size_t>(markers_), seconds(10)))
        << "the dispatcher did not run at " << ms;
  }

  // Attempts so far on `receiver_`, per delivery (the webhook job and the page).
  std::map<std::string, int> Attempts() {
    std::map<std::string, int> n;
    for (const HookReceiver::Call& c : receiver_.calls()) {
      ++n[c.headers.at("X-Deconflict-Delivery")];
    }
    return n;
  }
  bool BothAt(int k) {
    std::map<std::string, int> n = Attempts();
    return n.size() == 2 && n.begin()->second == k && n.rbegin()->second == k;
  }

  dt::TempDir dir_{"dispatcher_test"};
  HookReceiver receiver_{"/down", 1000};  // always 500
  HookReceiver marker_{"/marker", 0};     // always 200
  int markers_ = 0;
  std::atomic<int64_t> clock_{1'800'000'000'000};
  std::unique_ptr<store::Store> st_;
  std::unique_ptr<channel::Channel> ch_;
  int64_t now_ = 0;
};

// A receiver that never answers 2xx gets max_attempts tries, each due exactly the doubling
// back-off after the one before (not a millisecond earlier); then the job and the page are given
// up and that goes on the owner's record.
TEST_F(WebhookDispatcherTest, BacksOffThenGivesUpAndRecordsIt) {
  constexpr int kAttempts = 4;
  {
    WebhookDispatcher d(ch_.get(), {.poll = milliseconds(5),
                                    .timeout = seconds(5),
                                    .max_attempts = kAttempts,
                                    .first_backoff = Seconds(0.04),
                                    .max_backoff = Seconds(10),
                                    .per_party = 1});  // a party's deliveries in order
    ASSERT_TRUE(Eventually([&] { return BothAt(1); }, seconds(10))) << Attempts().size();
    int64_t due = now_;
    int64_t backoff = 40;
    for (int k = 2; k <= kAttempts; ++k, backoff *= 2) {
      due += backoff;
      SetClockAndWaitForARound(due - 1);  // a millisecond early: nothing
      EXPECT_TRUE(BothAt(k - 1)) << "attempt " << k << " came before its back-off";
      clock_.store(due);
      EXPECT_TRUE(Eventually([&] { return BothAt(k); }, seconds(10))) << "attempt " << k;
    }
    SetClockAndWaitForARound(due + 3'600'000);  // much later: given up, no more attempts
    EXPECT_TRUE(BothAt(kAttempts));
    d.Stop();
  }
  EXPECT_TRUE(st_->DueWebhookJobs(TimePoint::InfiniteFuture(), 0)->empty());
  EXPECT_TRUE(st_->DueContactPages(TimePoint::InfiniteFuture(), 0)->empty());
  const store::ContactPage page = st_->ListContactPages(PartyId("US"))->front();
  EXPECT_EQ(page.state, DeliveryState::kFailed);
  EXPECT_EQ(page.attempts, kAttempts);
  EXPECT_EQ(page.last_error, "HTTP 500");
  std::set<std::string> kinds;
  const std::vector<store::AuditEntry> us_record = *st_->AuditAfter(0, 0, PartyId("US"));
  for (const store::AuditEntry& e : us_record) {
    kinds.insert(e.kind);
    if (e.kind == "contact.page_failed") {
      EXPECT_TRUE(Contains(e.body_json, "\"attempts\":4")) << e.body_json;
      EXPECT_TRUE(Contains(e.body_json, "HTTP 500")) << e.body_json;
    }
  }
  EXPECT_TRUE(kinds.count("webhook.failed"));
  EXPECT_TRUE(kinds.count("contact.page_failed"));
}

// ---------------------------------------------------------------------------------------------
// Escalation: a missed acknowledgement deadline reaches the backup contact and the coordinators.

// A missed acknowledgement: US and RU cross, US acknowledges and RU does not, with a one-second
// deadline and re-escalation after a second. RU has a backup contact (paged at level 1, its pager
// fails once) and a primary one (paged at level 2 only).
class serverEscalation : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string deadlines = (d_.dir() / "deadlines.json").string();
    dt::WriteFileText(deadlines,
                      R"({"steps":[{"lead_s":1e9,"ack_s":1}],"min_ack_s":1,"reescalate_s":1})");
    d_.set_extra_args({"--deadlines", deadlines, "--allow-private-destinations"});
    us_ = d_.AddParty("US");
    ru_ = d_.AddParty("RU");
    jcc_ = d_.AddParty("JCC", "coordinator");
    ASSERT_OK(pager_.started());
    dt::ProcessResult c =
        d_.Cli({"admin", "--data", d_.data_dir(), "contact", "add", "RU", "--name", backup_,
                "--language", "ru", "--backup", "--webhook", pager_.url()});
    ASSERT_EQ(c.code, 0) << c.out << c.err;
    ASSERT_OK(primary_.started());
    c = d_.Cli({"admin", "--data", d_.data_dir(), "contact", "add", "RU", "--name", "RU duty desk",
                "--language", "ru", "--webhook", primary_.url()});
    ASSERT_EQ(c.code, 0) << c.out << c.err;
    ASSERT_OK(d_.Start());

    const double t0 = AnHourFromNow();
    ASSERT_EQ(
        d_.Request("POST", "/v1/plans", us_, Line("us-1", 41.0, 37.0, 41.2, 37.0, t0, t0 + 1200))
            .status,
        201);
    ClientResponse r =
        d_.Request("POST", "/v1/plans", ru_, Line("ru-1", 41.1, 36.9, 41.1, 37.1, t0, t0 + 1200));
    ASSERT_EQ(r.status, 201);
    id_ = FirstConflictId(r);
    ASSERT_FALSE(id_.empty());
    ASSERT_EQ(d_.Request("POST", "/v1/conflicts/" + id_ + "/ack", us_).status, 200);  // RU does not
  }

  // The escalation events about RU's side of the conflict that `tok`'s party received.
  std::vector<json::value> Escalations(const std::string& tok) {
    std::vector<json::value> out;
    for (const StreamEvent& e : History(d_, tok)) {
      if (e.type != "conflict.escalated") continue;
      json::value v = dt::ParseJson(e.data);
      if (Str(v, "party") == "RU" && Str(Obj(v).at("conflict"), "id") == id_) out.push_back(v);
    }
    return out;
  }

  // Everyone is told of the escalation; whom it reached only RU and the coordinators.
  void ExpectOnlyRuAndCoordinatorsToldWhom() {
    bool escalated = Eventually([&] {
      return !Escalations(us_).empty() && !Escalations(ru_).empty() && !Escalations(jcc_).empty();
    });
    ASSERT_TRUE(escalated) << "US " << Escalations(us_).size() << ", RU " << Escalations(ru_).size()
                           << ", JCC " << Escalations(jcc_).size() << "\n"
                           << d_.Log();
    // The escalating party and the coordinators are told whom it reached; RU's backup is named.
    EXPECT_TRUE(Contains(json::serialize(Escalations(ru_).front()), backup_))
        << json::serialize(Escalations(ru_).front());
    EXPECT_TRUE(Contains(json::serialize(Escalations(jcc_).front()), backup_))
        << json::serialize(Escalations(jcc_).front());
    // docs/security.md §2: the other side learns that and at which level, not RU's contacts.
    for (const json::value& e : Escalations(us_)) {
      EXPECT_FALSE(Contains(json::serialize(e), backup_))
          << "US was told RU's contacts: " << json::serialize(e);
    }
  }

  // The backup's pager got the escalation, signed with the server's record key, after a retry
  // (the same delivery again). Level 2 pages her again, as another delivery.
  void ExpectBackupPagedAfterARetry() {
    std::vector<HookReceiver::Call> level1;
    ASSERT_TRUE(Eventually(
        [&] {
          std::vector<HookReceiver::Call> all = pager_.calls();
          level1.clear();
          for (const HookReceiver::Call& p : all) {
            if (p.headers.at("X-Deconflict-Delivery") ==
                all[0].headers.at("X-Deconflict-Delivery")) {
              level1.push_back(p);
            }
          }
          return level1.size() >= 2;
        },
        seconds(20)))
        << "pages: " << pager_.calls().size() << "\n"
        << d_.Log();
    const std::string key = Str(Json(d_.Request("GET", "/v1/record/key", us_)), "public_key");
    ASSERT_EQ(key.size(), 64u);
    EXPECT_EQ(level1[0].answered, 500);
    EXPECT_EQ(level1[1].answered, 200);
    EXPECT_EQ(level1[0].body, level1[1].body);
    for (const HookReceiver::Call& p : pager_.calls()) {
      const std::string& ts = p.headers.at("X-Deconflict-Timestamp");
      const std::string& sig = p.headers.at("X-Deconflict-Signature-Ed25519");
      const int64_t contact =
          Obj(dt::ParseJson(p.body)).at("contact").as_object().at("id").to_number<int64_t>();
      EXPECT_EQ(p.headers.at("X-Deconflict-Purpose"), "escalation");
      EXPECT_EQ(p.headers.at("X-Deconflict-Contact"), std::to_string(contact));
      const std::string signed_text =
          PageSigningString("escalation", pager_.url(), contact, std::stoll(ts), p.body);
      EXPECT_TRUE(record::Verify(key, signed_text, sig))
          << "page signature does not verify with /v1/record/key: " << p.body;
      EXPECT_FALSE(record::Verify(key, signed_text + " ", sig));
      EXPECT_FALSE(record::Verify(
          key, PageSigningString("escalation", primary_.url(), contact, std::stoll(ts), p.body),
          sig))
          << "a page to the backup verifies as one to the primary contact's pager";
      EXPECT_EQ(p.headers.at("X-Deconflict-Key"), key);
      EXPECT_EQ(p.headers.at("X-Deconflict-Event"), "conflict.escalated");
    }
    const std::vector<HookReceiver::Call> pages = level1;
    const json::value page = dt::ParseJson(pages[1].body);
    EXPECT_EQ(Str(page, "party"), "RU") << pages[1].body;
    EXPECT_EQ(Obj(page).at("level").to_number<int>(), 1) << pages[1].body;
    EXPECT_EQ(Str(Obj(page).at("contact"), "name"), backup_) << pages[1].body;
    EXPECT_EQ(Str(Obj(page).at("conflict"), "id"), id_) << pages[1].body;
  }

  // The page is on RU's record, and whom it reached is readable by RU and JCC, not US.
  void ExpectPageRecordedForRuOnly() {
    // The page is recorded on RU's record (delivered after 2 attempts), not on US's.
    EXPECT_TRUE(Eventually([&] {
      for (const json::value& e :
           Arr(Json(d_.Request("GET", "/v1/audit?limit=5000", ru_)), "entries")) {
        if (Str(e, "kind") != "contact.paged") continue;
        json::value b = dt::ParseJson(Str(e, "body_json"));
        if (Str(b, "conflict") == id_ && Obj(b).at("attempts").to_number<int>() == 2) return true;
      }
      return false;
    })) << d_.Request("GET", "/v1/audit?limit=5000", ru_).body;
    EXPECT_FALSE(Contains(d_.Request("GET", "/v1/audit?limit=5000", us_).body, "contact.paged"));

    // The same holds for the record: RU and the coordinators read whom it reached, US does not.
    EXPECT_FALSE(Contains(d_.Request("GET", "/v1/audit?limit=5000", us_).body, backup_))
        << "US's audit entries name RU's contacts";
    EXPECT_TRUE(Contains(d_.Request("GET", "/v1/audit?limit=5000", ru_).body, backup_));
    EXPECT_TRUE(Contains(d_.Request("GET", "/v1/audit?limit=5000", jcc_).body, backup_));
  }

  // Level 2: re-escalation, visible to US as a level, and every contact paged.
  void ExpectLevelTwoPagesEveryone() {
    // Level 2 a second later (re-escalation), still unacknowledged; the side shows its level.
    EXPECT_TRUE(Eventually([&] {
      for (const json::value& e : Escalations(ru_)) {
        if (Obj(e).contains("level") && Obj(e).at("level").to_number<int>() >= 2) return true;
      }
      return false;
    })) << "no level-2 escalation";
    ClientResponse got = d_.Request("GET", "/v1/conflicts/" + id_, us_);
    bool visible = false;
    for (const json::value& side : Arr(Json(got), "sides")) {
      if (Str(side, "party") == "RU") {
        visible = Obj(side).at("escalation_level").to_number<int>() >= 1;
      }
    }
    EXPECT_TRUE(visible) << "US cannot see that RU missed its deadline: " << got.body;
    // At level 2 every contact is paged, the primary too.
    EXPECT_TRUE(primary_.WaitFor(1, seconds(20))) << d_.Log();
    if (!primary_.calls().empty()) {
      const json::value p2 = dt::ParseJson(primary_.calls().front().body);
      EXPECT_EQ(Obj(p2).at("level").to_number<int>(), 2) << primary_.calls().front().body;
    }
  }

  Daemon d_{Options()};
  std::string us_, ru_, jcc_, id_;
  const std::string backup_ = "Major Ivanova";
  // Her pager: the escalation must reach her, not only RU's desk that missed the deadline.
  HookReceiver pager_{"/page", 1};  // the first attempt fails, the retry goes through
  // A primary contact is not paged at level 1.
  HookReceiver primary_{"/primary", 0};
};

TEST_F(serverEscalation, Escalation) {
  ASSERT_NO_FATAL_FAILURE(ExpectOnlyRuAndCoordinatorsToldWhom());
  ASSERT_NO_FATAL_FAILURE(ExpectBackupPagedAfterARetry());
  ExpectPageRecordedForRuOnly();
  ExpectLevelTwoPagesEveryone();
  // RU's acknowledgement ends it.
  EXPECT_EQ(d_.Request("POST", "/v1/conflicts/" + id_ + "/ack", ru_).status, 200);
  EXPECT_EQ(d_.Stop(), 0);
}

// `deconflict admin archive` while the daemon runs: closed history (us-1's first version, ru-3,
// the resolved conflict c3_) leaves the live store, live things stay, the daemon goes on working
// and loads the store again after a restart; the record reads from the cut.
TEST_F(serverDurability, ArchiveWhileRunning) {
  ASSERT_NO_FATAL_FAILURE(MakeConflictsInThreeStates());
  EXPECT_EQ(d_.Stop(), 0);  // signs a final checkpoint over everything so far
  ASSERT_OK(d_.Start());
  const TimePoint last_signed = [&] {
    Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore({.dir = d_.data_dir()});
    EXPECT_TRUE(s.ok());
    return s.ok() ? (*(*s)->ListCheckpoints()).back().at : TimePoint();
  }();
  while (NowMillis() <= last_signed) {  // the cut must follow it: at most a millisecond
  }
  const std::string file = (d_.dir() / "one.archive").string();
  dt::ProcessResult a = d_.Cli({"admin", "--data", d_.data_dir(), "archive", "--before",
                                FormatRfc3339Millis(NowMillis()), "--out", file});
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_TRUE(Contains(a.out, " 1 conflicts,")) << a.out;

  // Closed history is gone from the API; live conflicts and current plans are there.
  EXPECT_EQ(d_.Request("GET", "/v1/plans/ru-3", ru_).status, 404);
  EXPECT_EQ(d_.Request("GET", "/v1/conflicts/" + c3_, us_).status, 404);
  EXPECT_EQ(d_.Request("GET", "/v1/conflicts/" + c1_, us_).status, 200);
  ClientResponse versions = d_.Request("GET", "/v1/plans/us-1/versions", us_);
  EXPECT_EQ(versions.status, 200) << Show(versions);
  // The daemon keeps working: an amendment of a plan whose first version was archived, a new
  // conflict, an acknowledgement.
  json::value v = dt::ParseJson(Line("us-1", 41.0, 37.0, 41.2, 37.0, t0_, t0_ + 1200));
  v.as_object()["properties"].as_object()["note"] = "third version";
  ClientResponse r =
      d_.Request("PUT", "/v1/plans/us-1", us_, json::serialize(v), {{"If-Match", "\"2\""}});
  EXPECT_EQ(r.status, 200) << Show(r);
  std::string c4;
  ASSERT_NO_FATAL_FAILURE(Cross(4, 44.0, &c4));
  EXPECT_EQ(d_.Request("POST", "/v1/conflicts/" + c1_ + "/ack", ru_).status, 200);

  // The record (GET /v1/audit) starts at the cut, which its checkpoint list proves.
  r = d_.Request("GET", "/v1/audit?after=0&limit=5", jcc_);
  ASSERT_EQ(r.status, 200) << Show(r);
  const json::array entries = Arr(Json(r), "entries");
  ASSERT_FALSE(entries.empty());
  const int64_t cut = entries.front().at("seq").as_int64();
  EXPECT_GT(cut, 1);
  EXPECT_EQ(Arr(Json(r), "checkpoints").front().at("seq").as_int64(), cut);
  dt::ProcessResult live = d_.Cli({"audit", "verify", "--data", d_.data_dir()});
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_TRUE(Contains(live.out, "from the signed checkpoint at entry " + std::to_string(cut)))
      << live.out;
  dt::ProcessResult archived = d_.Cli({"audit", "verify", "--archive", file});
  EXPECT_EQ(archived.code, 0) << archived.err;
  // An export of the live record verifies from the cut too.
  r = d_.Request("GET", "/v1/audit/export", jcc_);
  ASSERT_EQ(r.status, 200);
  dt::WriteFileText(d_.dir() / "export.jsonl", r.body);
  EXPECT_EQ(d_.Cli({"audit", "verify", (d_.dir() / "export.jsonl").string()}).code, 0);

  // A restart loads the store as it is now.
  ASSERT_OK(d_.Restart());
  EXPECT_EQ(d_.Request("GET", "/v1/conflicts/" + c1_, us_).status, 200);
  EXPECT_EQ(d_.Request("GET", "/v1/conflicts/" + c4, us_).status, 200);
  r = d_.Request("GET", "/v1/plans/us-1", us_);
  EXPECT_EQ(r.status, 200) << Show(r);
  EXPECT_EQ(r.header("ETag"), "\"3\"");
  EXPECT_EQ(d_.Cli({"audit", "verify", "--data", d_.data_dir()}).code, 0);
}

}  // namespace
}  // namespace deconflict::server
