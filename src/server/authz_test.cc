// The authorization matrix of docs/security.md §7, against the real daemon: every route x
// {own party, other party's data, coordinator, observer, no token, bad token}, each asserted
// allowed or refused with exactly the status the document gives.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "channel/channel.h"
#include "http/metrics.h"
#include "http/server.h"
#include "server/api.h"
#include "server/registered_routes_test_util.h"
#include "store/sqlite_store.h"
#include "testsupport/daemon.h"
#include "testsupport/temp_dir.h"

namespace deconflict::server {
namespace {

namespace json = boost::json;
namespace dt = deconflict::testing;
namespace fs = std::filesystem;
using http::ClientResponse;

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

int64_t Int(const json::value& v, std::string_view key) {
  if (!v.is_object()) return -1;
  const json::value* x = v.get_object().if_contains(key);
  return x && x->is_int64() ? x->get_int64() : -1;
}

// The status line of a raw request (for streams and upgrades, which never end): the status code,
// or 0 if none arrived within 5 s.
int RawStatus(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int status = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    std::string got;
    char buf[512];
    while (got.find("\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    if (got.rfind("HTTP/1.1 ", 0) == 0 && got.size() >= 12) status = std::stoi(got.substr(9, 3));
  }
  ::close(fd);
  return status;
}

using testing::RegisteredRoutes;

enum class Kind { kPlain, kSse, kWs };

struct Case {
  std::string route;   // "METHOD /pattern" as registered
  std::string who;     // caller: US (own), OCHA or US on RU's data (other's), JCC, OBS, none, bad
  std::string column;  // own, other's, coordinator, observer, no token, bad token
  std::string path;
  std::string body;
  http::HeaderList headers;
  int want;  // the status docs/security.md §7 gives (asserted)
  Kind kind = Kind::kPlain;
};

class authzMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    // A console build folder (the real one is built from web/ by npm; its content is irrelevant
    // here: the console routes are public and serve the same bytes to everyone).
    std::ofstream(web_.path() / "index.html") << "<!doctype html><title>console</title>";
    std::ofstream(web_.path() / "app.js") << "console.log(1);";
    d_ = std::make_unique<dt::Daemon>(dt::DaemonOptions{
        .daemon_binary = DECONFLICTD_BINARY,
        .cli_binary = DECONFLICT_CLI_BINARY,
        .extra_args = {"--web", web_.path().string(), "--allow-private-destinations"}});
    for (const char* p : {"US", "RU", "OCHA"}) tok_[p] = d_->AddParty(p);
    tok_["JCC"] = d_->AddParty("JCC", "coordinator");
    tok_["OBS"] = d_->AddParty("OBS", "observer");
    tok_["none"] = "";
    tok_["bad"] = "dcf_0000000000000000000000000000000000000000000000";
    // The observer's own webhook and contact can only be made by the admin CLI (api.cc refuses
    // observers).
    dt::ProcessResult w =
        d_->Cli({"admin", "--data", d_->data_dir(), "webhook", "add", "OBS",
                 "http://127.0.0.1:9/obs", "--secret", "observer-secret-0123456789"});
    ASSERT_EQ(w.code, 0) << w.out << w.err;
    dt::ProcessResult k = d_->Cli({"admin", "--data", d_->data_dir(), "contact", "add", "OBS",
                                   "--name", "Observer desk", "--language", "en"});
    ASSERT_EQ(k.code, 0) << k.out << k.err;
    Status s = d_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();

    t0_ = std::floor(static_cast<double>(dt::NowUnixSeconds() + 3600) / 60.0) * 60.0;
    // US and RU cross: conflict c_. OCHA is far away and has no part in it.
    ASSERT_EQ(Call("US", "POST", "/v1/plans", Plan("us-a", 41.0, 37.0, 41.2, 37.0)).status, 201);
    ASSERT_EQ(Call("US", "POST", "/v1/plans", Plan("us-b", 45.0, 37.0, 45.2, 37.0)).status, 201);
    ASSERT_EQ(Call("US", "POST", "/v1/plans", Plan("us-del", 46.0, 37.0, 46.2, 37.0)).status, 201);
    ClientResponse ra = Call("RU", "POST", "/v1/plans", Plan("ru-a", 41.1, 36.9, 41.1, 37.1));
    ASSERT_EQ(ra.status, 201) << ra.body;
    const json::array cs = Arr(dt::ParseJson(ra.body), "conflicts");
    ASSERT_EQ(cs.size(), 1u) << ra.body;
    c_ = Str(cs.front(), "id");
    ASSERT_EQ(Call("OCHA", "POST", "/v1/plans", Plan("ocha-1", 30.0, 30.0, 30.1, 30.0)).status,
              201);
    // Two zones of US that restrict others: pending until a coordinator approves or rejects them.
    for (const char* z : {"us-zone", "us-zone2"}) {
      ClientResponse r = Call("US", "POST", "/v1/plans", Zone(z));
      ASSERT_EQ(r.status, 201) << r.body;
    }
    // Webhooks and contacts of US, RU and JCC.
    for (const char* p : {"US", "RU", "JCC"}) {
      ClientResponse r = Call(p, "POST", "/v1/webhooks", Webhook(p));
      ASSERT_EQ(r.status, 201) << p << ": " << r.body;
      webhook_[p] = std::to_string(Int(dt::ParseJson(r.body), "id"));
      r = Call(p, "POST", "/v1/contacts", Contact(p));
      ASSERT_EQ(r.status, 201) << p << ": " << r.body;
      contact_[p] = std::to_string(Int(dt::ParseJson(r.body), "id"));
    }
    ClientResponse r = Call("OBS", "GET", "/v1/webhooks");
    ASSERT_EQ(Arr(dt::ParseJson(r.body), "webhooks").size(), 1u) << r.body;
    webhook_["OBS"] = std::to_string(Int(Arr(dt::ParseJson(r.body), "webhooks")[0], "id"));
    // Observers and coordinators list every party's contacts; a party only its own.
    r = Call("OBS", "GET", "/v1/contacts");
    std::set<std::string> listed;
    for (const json::value& c : Arr(dt::ParseJson(r.body), "contacts")) {
      listed.insert(Str(c, "party"));
      if (Str(c, "party") == "OBS") contact_["OBS"] = std::to_string(Int(c, "id"));
    }
    ASSERT_EQ(listed, (std::set<std::string>{"JCC", "OBS", "RU", "US"})) << r.body;
    ASSERT_TRUE(contact_.count("OBS")) << r.body;
    r = Call("US", "GET", "/v1/contacts");
    const json::array own = Arr(dt::ParseJson(r.body), "contacts");
    ASSERT_EQ(own.size(), 1u) << r.body;
    ASSERT_EQ(Str(own[0], "party"), "US") << r.body;
    // Everyone with a stream has at least one event (watchers get every conflict event).
    for (const char* p : {"US", "JCC", "OBS"}) {
      r = Call(p, "GET", "/v1/events/history");
      ASSERT_FALSE(Arr(dt::ParseJson(r.body), "events").empty()) << p << ": " << r.body;
    }
  }

  ClientResponse Call(const std::string& who, const std::string& method, const std::string& path,
                      const std::string& body = "", const http::HeaderList& headers = {}) {
    return d_->Request(method, path, tok_.at(who), body, headers);
  }
  std::string Plan(const std::string& id, double lon0, double lat0, double lon1, double lat1,
                   const std::string& party = "") {
    std::string callsign = "CS " + id;  // never the id: the callsign is disclosed, the id not
    for (char& ch : callsign) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return dt::MovementJson(id, {{lon0, lat0}, {lon1, lat1}}, {t0_, t0_ + 1200}, 50, 60, callsign,
                            party);
  }
  // A small zone of the caller's, restricting every other party (pending until approved).
  static std::string Zone(const std::string& id) {
    return R"({"type":"Feature","id":")" + id +
           R"(","properties":{"kind":"zone"},"geometry":{"type":"Polygon","coordinates":)"
           R"([[[48,37],[48.1,37],[48.1,37.1],[48,37.1],[48,37]]]}})";
  }
  static std::string Webhook(const std::string& who) {
    return json::serialize(json::object{{"url", "http://127.0.0.1:9/" + who},
                                        {"secret", "secret-of-" + who + "-0123456789"}});
  }
  static std::string Contact(const std::string& who) {
    return json::serialize(json::object{{"name", "Duty desk " + who}, {"language", "en"}});
  }
  std::string Raw(const std::string& who, const std::string& target, Kind kind) const {
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (kind == Kind::kSse) req += "Accept: text/event-stream\r\n";
    if (kind == Kind::kWs) {
      req +=
          "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    }
    if (!tok_.at(who).empty()) req += "Authorization: Bearer " + tok_.at(who) + "\r\n";
    return req + "\r\n";
  }

  // The public routes, then who-am-I and the party list.
  std::vector<Case> PublicAndPartyCases() {
    return {
        {"GET /healthz", "US", "own", "/healthz", "", {}, 200},
        {"GET /healthz", "JCC", "coordinator", "/healthz", "", {}, 200},
        {"GET /healthz", "OBS", "observer", "/healthz", "", {}, 200},
        {"GET /readyz", "US", "own", "/readyz", "", {}, 200},
        {"GET /readyz", "JCC", "coordinator", "/readyz", "", {}, 200},
        {"GET /readyz", "OBS", "observer", "/readyz", "", {}, 200},
        {"GET /metrics", "US", "own", "/metrics", "", {}, 404},
        {"GET /metrics", "JCC", "coordinator", "/metrics", "", {}, 404},
        {"GET /metrics", "OBS", "observer", "/metrics", "", {}, 404},
        {"GET /openapi.json", "US", "own", "/openapi.json", "", {}, 200},
        {"GET /openapi.json", "JCC", "coordinator", "/openapi.json", "", {}, 200},
        {"GET /openapi.json", "OBS", "observer", "/openapi.json", "", {}, 200},
        {"GET /", "US", "own", "/", "", {}, 200},
        {"GET /", "JCC", "coordinator", "/", "", {}, 200},
        {"GET /", "OBS", "observer", "/", "", {}, 200},
        {"GET /ui/{name}", "US", "own", "/ui/app.js", "", {}, 200},
        {"GET /ui/{name}", "JCC", "coordinator", "/ui/app.js", "", {}, 200},
        {"GET /ui/{name}", "OBS", "observer", "/ui/app.js", "", {}, 200},
        {"GET /v1/record/key", "US", "own", "/v1/record/key", "", {}, 200},
        {"GET /v1/record/key", "JCC", "coordinator", "/v1/record/key", "", {}, 200},
        {"GET /v1/record/key", "OBS", "observer", "/v1/record/key", "", {}, 200},

        {"GET /v1/me", "US", "own", "/v1/me", "", {}, 200},
        {"GET /v1/me", "JCC", "coordinator", "/v1/me", "", {}, 200},
        {"GET /v1/me", "OBS", "observer", "/v1/me", "", {}, 200},
        {"GET /v1/parties", "US", "own", "/v1/parties", "", {}, 200},
        {"GET /v1/parties", "JCC", "coordinator", "/v1/parties", "", {}, 200},
        {"GET /v1/parties", "OBS", "observer", "/v1/parties", "", {}, 200},
    };
  }

  // Plans: submit, list, read, replace, withdraw.
  std::vector<Case> PlanCases() {
    const http::HeaderList v1 = {{"If-Match", "\"1\""}};
    return {
        {"POST /v1/plans",
         "US",
         "other's",
         "/v1/plans",
         Plan("us-x", 47.0, 37.0, 47.2, 37.0, "RU"),
         {},
         403},
        {"POST /v1/plans",
         "JCC",
         "coordinator",
         "/v1/plans",
         Plan("j-1", 47.0, 37.0, 47.2, 37.0),
         {},
         403},
        {"POST /v1/plans",
         "OBS",
         "observer",
         "/v1/plans",
         Plan("o-1", 47.0, 37.0, 47.2, 37.0),
         {},
         403},
        {"POST /v1/plans",
         "US",
         "own",
         "/v1/plans",
         Plan("us-new", 47.0, 37.0, 47.2, 37.0),
         {},
         201},
        {"GET /v1/plans", "US", "own", "/v1/plans", "", {}, 200},
        {"GET /v1/plans", "US", "other's", "/v1/plans?party=RU", "", {}, 403},
        {"GET /v1/plans", "JCC", "coordinator", "/v1/plans", "", {}, 200},
        {"GET /v1/plans", "OBS", "observer", "/v1/plans?party=RU", "", {}, 200},
        {"GET /v1/plans/{id}", "US", "own", "/v1/plans/us-a", "", {}, 200},
        {"GET /v1/plans/{id}", "US", "other's", "/v1/plans/ru-a", "", {}, 404},
        {"GET /v1/plans/{id}", "US", "other's", "/v1/plans/RU:ru-a", "", {}, 404},
        {"GET /v1/plans/{id}", "JCC", "coordinator", "/v1/plans/RU:ru-a", "", {}, 200},
        {"GET /v1/plans/{id}", "JCC", "coordinator", "/v1/plans/ru-a", "", {}, 200},
        {"GET /v1/plans/{id}", "OBS", "observer", "/v1/plans/RU:ru-a", "", {}, 200},
        {"PUT /v1/plans/{id}", "US", "other's", "/v1/plans/ru-a",
         Plan("ru-a", 41.1, 36.9, 41.1, 37.1), v1, 404},
        {"PUT /v1/plans/{id}", "US", "other's", "/v1/plans/RU:ru-a",
         Plan("ru-a", 41.1, 36.9, 41.1, 37.1), v1, 404},
        {"PUT /v1/plans/{id}", "JCC", "coordinator", "/v1/plans/RU:ru-a",
         Plan("ru-a", 41.1, 36.9, 41.1, 37.1), v1, 403},
        {"PUT /v1/plans/{id}", "OBS", "observer", "/v1/plans/RU:ru-a",
         Plan("ru-a", 41.1, 36.9, 41.1, 37.1), v1, 403},
        {"PUT /v1/plans/{id}", "US", "own", "/v1/plans/us-b", Plan("us-b", 45.0, 37.0, 45.3, 37.0),
         v1, 200},
        {"DELETE /v1/plans/{id}", "US", "other's", "/v1/plans/ru-a", "", {}, 404},
        {"DELETE /v1/plans/{id}", "US", "other's", "/v1/plans/RU:ru-a", "", {}, 404},
        {"DELETE /v1/plans/{id}", "JCC", "coordinator", "/v1/plans/RU:ru-a", "", {}, 403},
        {"DELETE /v1/plans/{id}", "OBS", "observer", "/v1/plans/RU:ru-a", "", {}, 403},
        {"DELETE /v1/plans/{id}", "US", "own", "/v1/plans/us-del", "", {}, 200},
    };
  }

  // A plan's versions and the dry run.
  std::vector<Case> VersionAndCheckCases() {
    return {
        {"GET /v1/plans/{id}/versions", "US", "own", "/v1/plans/us-a/versions", "", {}, 200},
        {"GET /v1/plans/{id}/versions", "US", "other's", "/v1/plans/ru-a/versions", "", {}, 404},
        {"GET /v1/plans/{id}/versions", "US", "other's", "/v1/plans/RU:ru-a/versions", "", {}, 404},
        {"GET /v1/plans/{id}/versions",
         "JCC",
         "coordinator",
         "/v1/plans/RU:ru-a/versions",
         "",
         {},
         200},
        {"GET /v1/plans/{id}/versions",
         "OBS",
         "observer",
         "/v1/plans/RU:ru-a/versions",
         "",
         {},
         200},
        {"POST /v1/check",
         "US",
         "own",
         "/v1/check",
         Plan("probe", 41.05, 36.9, 41.05, 37.1),
         {},
         200},
        {"POST /v1/check",
         "US",
         "other's",
         "/v1/check",
         Plan("probe", 41.05, 36.9, 41.05, 37.1, "RU"),
         {},
         403},
        {"POST /v1/check",
         "JCC",
         "coordinator",
         "/v1/check",
         Plan("probe", 41.05, 36.9, 41.05, 37.1),
         {},
         403},
        {"POST /v1/check",
         "OBS",
         "observer",
         "/v1/check",
         Plan("probe", 41.05, 36.9, 41.05, 37.1),
         {},
         403},
    };
  }

  // Coordinators approve and reject restricting zones; counts of dry runs that touched one's plans.
  std::vector<Case> ReviewAndProbeCases() {
    const http::HeaderList v1 = {{"If-Match", "\"1\""}};
    const std::string why = R"({"reason":"not agreed"})";
    return {
        {"POST /v1/plans/{id}/approve", "US", "own", "/v1/plans/us-zone/approve", "", v1, 403},
        {"POST /v1/plans/{id}/approve", "RU", "other's", "/v1/plans/US:us-zone/approve", "", v1,
         403},
        {"POST /v1/plans/{id}/approve", "OBS", "observer", "/v1/plans/US:us-zone/approve", "", v1,
         403},
        {"POST /v1/plans/{id}/approve", "JCC", "coordinator", "/v1/plans/US:us-zone/approve", "",
         v1, 200},
        {"POST /v1/plans/{id}/reject", "US", "own", "/v1/plans/us-zone2/reject", why, v1, 403},
        {"POST /v1/plans/{id}/reject", "RU", "other's", "/v1/plans/US:us-zone2/reject", why, v1,
         403},
        {"POST /v1/plans/{id}/reject", "OBS", "observer", "/v1/plans/US:us-zone2/reject", why, v1,
         403},
        {"POST /v1/plans/{id}/reject", "JCC", "coordinator", "/v1/plans/US:us-zone2/reject", why,
         v1, 200},
        {"GET /v1/probes", "US", "own", "/v1/probes", "", {}, 200},
        {"GET /v1/probes", "US", "other's", "/v1/probes?party=RU", "", {}, 403},
        {"GET /v1/probes", "JCC", "coordinator", "/v1/probes", "", {}, 200},
        {"GET /v1/probes", "OBS", "observer", "/v1/probes?party=RU", "", {}, 200},
    };
  }

  // Conflicts: read, acknowledge, accept, the thread, the suggestion, the receipt.
  std::vector<Case> ConflictCases() {
    const std::string C = "/v1/conflicts/" + c_;
    const std::string text = R"({"kind":"text","text":"hello","language":"en"})";
    const std::string propose = R"({"kind":"propose","shift_s":600})";
    return {
        {"GET /v1/conflicts", "US", "own", "/v1/conflicts", "", {}, 200},
        {"GET /v1/conflicts", "US", "other's", "/v1/conflicts?plan=RU:ru-a", "", {}, 404},
        {"GET /v1/conflicts", "JCC", "coordinator", "/v1/conflicts", "", {}, 200},
        {"GET /v1/conflicts", "OBS", "observer", "/v1/conflicts?plan=RU:ru-a", "", {}, 200},
        {"GET /v1/conflicts/{id}", "US", "own", C, "", {}, 200},
        {"GET /v1/conflicts/{id}", "OCHA", "other's", C, "", {}, 404},
        {"GET /v1/conflicts/{id}", "JCC", "coordinator", C, "", {}, 200},
        {"GET /v1/conflicts/{id}", "OBS", "observer", C, "", {}, 200},
        {"POST /v1/conflicts/{id}/ack", "OCHA", "other's", C + "/ack", "", {}, 404},
        {"POST /v1/conflicts/{id}/ack", "JCC", "coordinator", C + "/ack", "", {}, 403},
        {"POST /v1/conflicts/{id}/ack", "OBS", "observer", C + "/ack", "", {}, 403},
        {"POST /v1/conflicts/{id}/ack", "US", "own", C + "/ack", "", {}, 200},
        {"POST /v1/conflicts/{id}/accept", "OCHA", "other's", C + "/accept", "", {}, 404},
        {"POST /v1/conflicts/{id}/accept", "JCC", "coordinator", C + "/accept", "", {}, 403},
        {"POST /v1/conflicts/{id}/accept", "OBS", "observer", C + "/accept", "", {}, 403},
        {"POST /v1/conflicts/{id}/accept", "US", "own", C + "/accept", "", {}, 200},
        {"GET /v1/conflicts/{id}/messages", "US", "own", C + "/messages", "", {}, 200},
        {"GET /v1/conflicts/{id}/messages", "OCHA", "other's", C + "/messages", "", {}, 404},
        {"GET /v1/conflicts/{id}/messages", "JCC", "coordinator", C + "/messages", "", {}, 200},
        {"GET /v1/conflicts/{id}/messages", "OBS", "observer", C + "/messages", "", {}, 200},
        {"POST /v1/conflicts/{id}/messages", "OCHA", "other's", C + "/messages", text, {}, 404},
        {"POST /v1/conflicts/{id}/messages",
         "JCC",
         "coordinator",
         C + "/messages",
         propose,
         {},
         403},
        {"POST /v1/conflicts/{id}/messages", "OBS", "observer", C + "/messages", text, {}, 403},
        {"POST /v1/conflicts/{id}/messages", "JCC", "coordinator", C + "/messages", text, {}, 201},
        {"POST /v1/conflicts/{id}/messages", "US", "own", C + "/messages", propose, {}, 201},
        {"GET /v1/conflicts/{id}/suggestion", "US", "own", C + "/suggestion", "", {}, 200},
        {"GET /v1/conflicts/{id}/suggestion", "OCHA", "other's", C + "/suggestion", "", {}, 404},
        {"GET /v1/conflicts/{id}/suggestion", "JCC", "coordinator", C + "/suggestion", "", {}, 403},
        {"GET /v1/conflicts/{id}/suggestion", "OBS", "observer", C + "/suggestion", "", {}, 403},
        {"GET /v1/conflicts/{id}/receipt", "US", "own", C + "/receipt", "", {}, 200},
        {"GET /v1/conflicts/{id}/receipt", "OCHA", "other's", C + "/receipt", "", {}, 404},
        {"GET /v1/conflicts/{id}/receipt", "JCC", "coordinator", C + "/receipt", "", {}, 200},
        {"GET /v1/conflicts/{id}/receipt", "OBS", "observer", C + "/receipt", "", {}, 200},
    };
  }

  // The event stream, its history, read receipts and the WebSocket.
  std::vector<Case> EventCases() {
    int64_t us_last = 0;
    for (const json::value& e :
         Arr(dt::ParseJson(Call("US", "GET", "/v1/events/history").body), "events")) {
      us_last = std::max(us_last, Int(e, "seq"));
    }
    return {
        {"GET /v1/events", "US", "own", "/v1/events", "", {}, 200, Kind::kSse},
        {"GET /v1/events", "JCC", "coordinator", "/v1/events", "", {}, 200, Kind::kSse},
        {"GET /v1/events", "OBS", "observer", "/v1/events", "", {}, 200, Kind::kSse},
        {"GET /v1/events/history", "US", "own", "/v1/events/history", "", {}, 200},
        {"GET /v1/events/history", "JCC", "coordinator", "/v1/events/history", "", {}, 200},
        {"GET /v1/events/history", "OBS", "observer", "/v1/events/history", "", {}, 200},
        {"POST /v1/events/{seq}/read", "US", "own", "/v1/events/1/read", "", {}, 204},
        {"POST /v1/events/{seq}/read",
         "US",
         "other's",
         "/v1/events/" + std::to_string(us_last + 100) + "/read",
         "",
         {},
         404},
        {"POST /v1/events/{seq}/read", "JCC", "coordinator", "/v1/events/1/read", "", {}, 204},
        {"POST /v1/events/{seq}/read", "OBS", "observer", "/v1/events/1/read", "", {}, 204},
        {"GET /v1/ws", "US", "own", "/v1/ws", "", {}, 101, Kind::kWs},
        {"GET /v1/ws", "JCC", "coordinator", "/v1/ws", "", {}, 101, Kind::kWs},
        {"GET /v1/ws", "OBS", "observer", "/v1/ws", "", {}, 101, Kind::kWs},
        {"GET /v1/ws", "US", "own (not an upgrade)", "/v1/ws", "", {}, 426},
    };
  }

  // The record, then webhooks.
  std::vector<Case> AuditAndWebhookCases() {
    return {
        {"GET /v1/audit", "US", "own", "/v1/audit", "", {}, 200},
        {"GET /v1/audit", "JCC", "coordinator", "/v1/audit", "", {}, 200},
        {"GET /v1/audit", "OBS", "observer", "/v1/audit", "", {}, 200},
        {"GET /v1/audit/export", "US", "own", "/v1/audit/export", "", {}, 403},
        {"GET /v1/audit/export", "JCC", "coordinator", "/v1/audit/export", "", {}, 200},
        {"GET /v1/audit/export", "OBS", "observer", "/v1/audit/export", "", {}, 200},

        {"GET /v1/webhooks", "US", "own", "/v1/webhooks", "", {}, 200},
        {"GET /v1/webhooks", "JCC", "coordinator", "/v1/webhooks", "", {}, 200},
        {"GET /v1/webhooks", "OBS", "observer", "/v1/webhooks", "", {}, 200},
        {"POST /v1/webhooks", "US", "own", "/v1/webhooks", Webhook("US2"), {}, 201},
        {"POST /v1/webhooks", "JCC", "coordinator", "/v1/webhooks", Webhook("JCC2"), {}, 201},
        {"POST /v1/webhooks", "OBS", "observer", "/v1/webhooks", Webhook("OBS2"), {}, 201},
        {"DELETE /v1/webhooks/{id}",
         "US",
         "other's",
         "/v1/webhooks/" + webhook_["RU"],
         "",
         {},
         404},
        {"DELETE /v1/webhooks/{id}",
         "JCC",
         "coordinator (another's)",
         "/v1/webhooks/" + webhook_["RU"],
         "",
         {},
         404},
        {"DELETE /v1/webhooks/{id}",
         "OBS",
         "observer (another's)",
         "/v1/webhooks/" + webhook_["RU"],
         "",
         {},
         404},
        {"DELETE /v1/webhooks/{id}", "US", "own", "/v1/webhooks/" + webhook_["US"], "", {}, 204},
        {"DELETE /v1/webhooks/{id}",
         "JCC",
         "coordinator (own)",
         "/v1/webhooks/" + webhook_["JCC"],
         "",
         {},
         204},
        {"DELETE /v1/webhooks/{id}",
         "OBS",
         "observer (own)",
         "/v1/webhooks/" + webhook_["OBS"],
         "",
         {},
         204},
    };
  }

  // Contacts.
  std::vector<Case> ContactCases() {
    return {
        {"GET /v1/contacts", "US", "own", "/v1/contacts", "", {}, 200},
        {"GET /v1/contacts", "JCC", "coordinator", "/v1/contacts", "", {}, 200},
        {"GET /v1/contacts", "OBS", "observer", "/v1/contacts", "", {}, 200},
        {"POST /v1/contacts", "US", "own", "/v1/contacts", Contact("US2"), {}, 201},
        {"POST /v1/contacts", "JCC", "coordinator", "/v1/contacts", Contact("JCC2"), {}, 201},
        {"POST /v1/contacts", "OBS", "observer", "/v1/contacts", Contact("OBS2"), {}, 201},
        {"DELETE /v1/contacts/{id}",
         "US",
         "other's",
         "/v1/contacts/" + contact_["RU"],
         "",
         {},
         404},
        {"DELETE /v1/contacts/{id}",
         "JCC",
         "coordinator (another's)",
         "/v1/contacts/" + contact_["RU"],
         "",
         {},
         404},
        {"DELETE /v1/contacts/{id}",
         "OBS",
         "observer (another's)",
         "/v1/contacts/" + contact_["RU"],
         "",
         {},
         404},
        {"DELETE /v1/contacts/{id}", "US", "own", "/v1/contacts/" + contact_["US"], "", {}, 204},
        {"DELETE /v1/contacts/{id}",
         "JCC",
         "coordinator (own)",
         "/v1/contacts/" + contact_["JCC"],
         "",
         {},
         204},
        {"DELETE /v1/contacts/{id}",
         "OBS",
         "observer (own)",
         "/v1/contacts/" + contact_["OBS"],
         "",
         {},
         204},
    };
  }

  // The "no token" and "bad token" rows: for every route of `cases`, with the request of its
  // first row.
  static std::vector<Case> AnonymousCases(const std::vector<Case>& cases) {
    const std::set<std::string> kPublic = {
        "GET /healthz",       "GET /readyz", "GET /metrics",  "GET /openapi.json",
        "GET /v1/record/key", "GET /",       "GET /ui/{name}"};
    std::set<std::string> routes;
    std::vector<Case> anonymous;
    for (const Case& c : cases) {
      if (!routes.insert(c.route).second) continue;
      for (const char* who : {"none", "bad"}) {
        Case a = c;
        a.who = who;
        a.column = std::string(who) == "none" ? "no token" : "bad token";
        a.want = kPublic.count(c.route) ? 200 : 401;
        // Not served on the API listener unless a metrics token is configured (§12).
        if (c.route == "GET /metrics") a.want = 404;
        // The WebSocket upgrade is accepted without a header (the token comes in the first
        // frame, see AuthFailures); an unknown token in the header is refused before the upgrade.
        if (c.route == "GET /v1/ws" && a.who == "none") a.want = 101;
        anonymous.push_back(a);
      }
    }
    return anonymous;
  }

  // Every row, in order (stateful rows: a refused attempt before the allowed one): own /
  // other's / coordinator / observer for each route, then no token and bad token.
  std::vector<Case> AllCases() {
    std::vector<Case> cases;
    for (const std::vector<Case>& group :
         {PublicAndPartyCases(), PlanCases(), VersionAndCheckCases(), ReviewAndProbeCases(),
          ConflictCases(), EventCases(), AuditAndWebhookCases(), ContactCases()}) {
      cases.insert(cases.end(), group.begin(), group.end());
    }
    const std::vector<Case> anonymous = AnonymousCases(cases);
    cases.insert(cases.end(), anonymous.begin(), anonymous.end());
    return cases;
  }

  // The status of one row's request (asserting that errors are problems and that a 401 names
  // the Bearer scheme); the response body in `body`.
  int StatusOf(const Case& c, const std::string& method, std::string* body) {
    if (c.kind != Kind::kPlain && !(c.kind == Kind::kWs && c.column == "own (not an upgrade)")) {
      return RawStatus(d_->port(), Raw(c.who, c.path, c.kind));
    }
    ClientResponse r = Call(c.who, method, c.path, c.body, c.headers);
    *body = r.body;
    if (r.status >= 400) {
      EXPECT_EQ(r.header("Content-Type").rfind("application/problem+json", 0), 0u)
          << c.route << " as " << c.who << ": every error is a problem";
    }
    if (r.status == 401) {
      EXPECT_EQ(r.header("WWW-Authenticate").rfind("Bearer", 0), 0u) << c.route << " as " << c.who;
    }
    return r.status;
  }

  void TearDown() override { d_.reset(); }

  dt::TempDir web_{"authz_web"};
  std::unique_ptr<dt::Daemon> d_;
  std::map<std::string, std::string> tok_;
  std::map<std::string, std::string> webhook_, contact_;
  std::string c_;
  double t0_ = 0;
};

// The matrix covers every route the server has, and every row gets its documented status.
TEST_F(authzMatrix, EveryRouteEveryCaller) {
  const std::vector<Case> cases = AllCases();
  std::set<std::string> routes;
  for (const Case& c : cases) routes.insert(c.route);
  const std::set<std::string> registered = RegisteredRoutes();
  for (const std::string& r : registered) {
    EXPECT_TRUE(routes.count(r)) << "route not in the authorization matrix: " << r;
  }
  for (const std::string& r : routes) {
    EXPECT_TRUE(registered.count(r)) << "matrix row for a route the server lacks: " << r;
  }

  int failures = 0;
  for (const Case& c : cases) {
    const std::string method = c.route.substr(0, c.route.find(' '));
    std::string body;
    const int got = StatusOf(c, method, &body);
    const std::string line = c.route + " | " + c.column + " (" + c.who + ") | " + method + " " +
                             c.path + " | want " + std::to_string(c.want) + " | got " +
                             std::to_string(got);
    if (got != c.want) {
      ++failures;
      ADD_FAILURE() << line << "\n    " << body.substr(0, 300);
    }
  }
  std::cout << cases.size() << " cases, " << failures << " failed\n";
}

// A party that is not a side of a conflict sees nothing of it: 404 everywhere, nothing in lists,
// streams or the record.
TEST_F(authzMatrix, OutsiderGets404ForOthersConflict) {
  const std::string C = "/v1/conflicts/" + c_;
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", C},
                                                        {"GET", C + "/messages"},
                                                        {"GET", C + "/receipt"},
                                                        {"GET", C + "/suggestion"},
                                                        {"POST", C + "/ack"},
                                                        {"POST", C + "/accept"}}) {
    ClientResponse r = Call("OCHA", method, path);
    EXPECT_EQ(r.status, 404) << method << " " << path << ": " << r.body;
    EXPECT_FALSE(r.body.find("RU") != std::string::npos && r.body.find("US") != std::string::npos)
        << "the 404 names the sides: " << r.body;
  }
  ClientResponse r = Call("OCHA", "POST", C + "/messages",
                          R"({"kind":"text","text":"anyone there?","language":"en"})");
  EXPECT_EQ(r.status, 404) << r.body;
  // The 404 is the same as for a conflict that does not exist.
  ClientResponse none = Call("OCHA", "GET", "/v1/conflicts/c-0000000000000000");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(Str(dt::ParseJson(none.body), "title"),
            Str(dt::ParseJson(Call("OCHA", "GET", C).body), "title"));

  for (const char* path :
       {"/v1/conflicts", "/v1/events/history", "/v1/audit", "/v1/plans", "/v1/parties"}) {
    ClientResponse x = Call("OCHA", "GET", path);
    EXPECT_EQ(x.status, 200) << path;
    EXPECT_EQ(x.body.find(c_), std::string::npos) << path << " shows " << c_ << ": " << x.body;
    EXPECT_EQ(x.body.find("ru-a"), std::string::npos) << path << ": " << x.body;
    EXPECT_EQ(x.body.find("us-a"), std::string::npos) << path << ": " << x.body;
  }
  // Parties see only themselves; coordinators see everyone.
  json::value parties = dt::ParseJson(Call("OCHA", "GET", "/v1/parties").body);
  ASSERT_EQ(Arr(parties, "parties").size(), 1u);
  EXPECT_EQ(Str(Arr(parties, "parties")[0], "name"), "OCHA");
  EXPECT_EQ(Arr(dt::ParseJson(Call("JCC", "GET", "/v1/parties").body), "parties").size(), 5u);
  // A party's plan list is its own.
  for (const json::value& p : Arr(dt::ParseJson(Call("US", "GET", "/v1/plans").body), "plans")) {
    EXPECT_EQ(Str(p, "party"), "US");
  }
  // The sides do see it.
  EXPECT_EQ(Call("US", "GET", C).status, 200);
  EXPECT_EQ(Call("RU", "GET", C).status, 200);
  // Other parties' webhooks and contacts are invisible.
  ClientResponse hooks = Call("OCHA", "GET", "/v1/webhooks");
  EXPECT_EQ(Arr(dt::ParseJson(hooks.body), "webhooks").size(), 0u) << hooks.body;
  ClientResponse contacts = Call("OCHA", "GET", "/v1/contacts");
  EXPECT_EQ(Arr(dt::ParseJson(contacts.body), "contacts").size(), 0u) << contacts.body;
}

// An observer reads everything and changes nothing of anyone's plans or conflicts.
TEST_F(authzMatrix, ObserverIsReadOnly) {
  const std::string C = "/v1/conflicts/" + c_;
  struct Attempt {
    std::string method, path, body;
    http::HeaderList headers;
  };
  std::vector<Attempt> attempts = {
      {"POST", C + "/ack", "", {}},
      {"POST", C + "/accept", "", {}},
      {"POST", C + "/messages", R"({"kind":"text","text":"observing","language":"en"})", {}},
      {"POST", C + "/messages", R"({"kind":"propose","shift_s":600})", {}},
      {"POST", "/v1/plans", Plan("obs-1", 41.05, 36.9, 41.05, 37.1), {}},
      {"PUT", "/v1/plans/RU:ru-a", Plan("ru-a", 41.1, 36.9, 41.1, 37.2), {{"If-Match", "\"1\""}}},
      {"DELETE", "/v1/plans/RU:ru-a", "", {}},
      {"POST", "/v1/check", Plan("obs-2", 41.05, 36.9, 41.05, 37.1), {}},
      {"GET", C + "/suggestion", "", {}},
  };
  for (const Attempt& a : attempts) {
    ClientResponse r = Call("OBS", a.method, a.path, a.body, a.headers);
    EXPECT_EQ(r.status, 403) << a.method << " " << a.path << ": " << r.body;
  }
  // Nothing changed.
  json::value c = dt::ParseJson(Call("OBS", "GET", C).body);
  EXPECT_EQ(Str(c, "status"), "open");
  for (const json::value& side : Arr(c, "sides")) {
    EXPECT_TRUE(side.as_object().at("acknowledged_at").is_null()) << json::serialize(c);
    EXPECT_TRUE(side.as_object().at("accepted_at").is_null()) << json::serialize(c);
  }
  EXPECT_TRUE(Arr(dt::ParseJson(Call("OBS", "GET", C + "/messages").body), "messages").empty());
  ClientResponse plan = Call("OBS", "GET", "/v1/plans/RU:ru-a");
  EXPECT_EQ(plan.status, 200);
  EXPECT_EQ(plan.header("ETag"), "\"1\"");
  EXPECT_EQ(Call("OBS", "GET", "/v1/plans/OBS:obs-1").status, 404);
  // But it reads everything: both plans, every conflict, the full record.
  EXPECT_EQ(Call("OBS", "GET", "/v1/plans/US:us-a").status, 200);
  json::value view = dt::ParseJson(Call("OBS", "GET", C).body);
  for (const json::value& side : Arr(view, "sides")) {
    EXPECT_FALSE(Str(side, "plan").empty())
        << "observers see both plans: " << json::serialize(view);
  }
  EXPECT_EQ(Call("OBS", "GET", "/v1/audit/export").status, 200);
}

// A party sees the other side's plan only as the conflict discloses it.
TEST_F(authzMatrix, ConflictViewHidesTheOtherPlan) {
  json::value us = dt::ParseJson(Call("US", "GET", "/v1/conflicts/" + c_).body);
  ASSERT_EQ(Arr(us, "sides").size(), 2u);
  for (const json::value& side : Arr(us, "sides")) {
    if (Str(side, "party") == "US") {
      EXPECT_EQ(Str(side, "plan"), "us-a");
    } else {
      EXPECT_EQ(Str(side, "party"), "RU");
      EXPECT_FALSE(side.as_object().contains("plan")) << json::serialize(us);
      EXPECT_FALSE(side.as_object().contains("plan_version")) << json::serialize(us);
    }
  }
  EXPECT_EQ(json::serialize(us).find("ru-a"), std::string::npos) << json::serialize(us);
  // The dry run follows the same rule (a probe alongside us-a crosses ru-a).
  ClientResponse check =
      Call("US", "POST", "/v1/check", Plan("probe", 41.0, 37.0005, 41.2, 37.0005));
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_FALSE(Arr(dt::ParseJson(check.body), "conflicts").empty()) << check.body;
  EXPECT_EQ(check.body.find("ru-a"), std::string::npos) << check.body;
  // And the audit log: US reads no RU plan entry.
  ClientResponse audit = Call("US", "GET", "/v1/audit");
  for (const json::value& e : Arr(dt::ParseJson(audit.body), "entries")) {
    EXPECT_EQ(json::serialize(e).find("ru-a"), std::string::npos) << json::serialize(e);
  }
}

}  // namespace
}  // namespace deconflict::server
