#include "server/api.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <regex>

#include "base/time.h"
#include "channel/views.h"
#include "http/client.h"
#include "model/json_util.h"
#include "model/plan_parser.h"
#include "record/chain.h"

namespace deconflict::server {

namespace asio = boost::asio;
namespace json = boost::json;
using channel::Caller;
using channel::Role;
using http::Exchange;
using http::Request;
using http::Response;

namespace {

// ----- Awaiting the channel's writer from a coroutine. -----

// Starts `start(callback)`; the coroutine resumes on its own executor with the value passed to
// the callback (from any thread).
template <typename T, typename Start>
asio::awaitable<T> Await(Start start) {
  auto exec = co_await asio::this_coro::executor;
  auto result = std::make_shared<std::optional<T>>();
  auto timer = std::make_shared<asio::steady_timer>(exec, asio::steady_timer::time_point::max());
  auto done = std::make_shared<std::atomic<bool>>(false);
  start([result, timer, done, exec](T value) mutable {
    asio::post(exec, [result, timer, done, v = std::move(value)]() mutable {
      *result = std::move(v);
      done->store(true);
      timer->cancel();
    });
  });
  while (!done->load()) {
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return std::move(**result);
}

// ----- Problems. -----

Response Problem(int status, std::string_view type, std::string_view title, std::string_view detail,
                 const std::vector<Issue>& issues = {}) {
  return http::ProblemResponse(status, type, title, detail, issues);
}

Response FromStatus(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument && !s.issues().empty()) {
    return Problem(422, "invalid-input", "The input is not valid", s.message(), s.issues());
  }
  return http::ProblemFromStatus(s);
}

Response Unauthorized(std::string_view detail) {
  Response r = Problem(401, "unauthenticated", "Authentication required", detail);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"deconflict\"");
  return r;
}

Response Forbidden(std::string_view detail) {
  return Problem(403, "forbidden", "Not allowed for this caller", detail);
}

Response NotFound(std::string_view what) {
  return Problem(404, "not-found", "Not found", std::string(what) + " does not exist");
}

std::string BearerToken(const Request& req) {
  std::string h = req.header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() > kPrefix.size() && strncasecmp(h.c_str(), "bearer ", kPrefix.size()) == 0) {
    std::string t = h.substr(kPrefix.size());
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return t;
  }
  return "";
}

// Parses the body as one JSON document; on failure answers 400 (or 415) and returns false.
bool ParseBody(const Request& req, json::value* out, Response* problem) {
  std::string ct = req.header("Content-Type");
  if (!ct.empty() && ct.find("json") == std::string::npos) {
    *problem = Problem(415, "unsupported-media-type", "Unsupported media type",
                       "send application/json or application/geo+json, not " + ct);
    return false;
  }
  if (req.body.empty()) {
    *problem = Problem(400, "malformed-json", "Malformed JSON", "the request body is empty");
    return false;
  }
  if (auto issue = model::internal::ParseJson(req.body, out)) {
    *problem = Problem(400, "malformed-json", "Malformed JSON", issue->ToString());
    return false;
  }
  return true;
}

// An integer query parameter in [lo, hi]; `def` when absent. nullopt + problem when invalid.
std::optional<int64_t> QueryInt(const Request& req, const std::string& name, int64_t def,
                                int64_t lo, int64_t hi, Response* problem) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return def;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || v < lo || v > hi) {
    *problem = Problem(400, "invalid-parameter", "Invalid query parameter",
                       name + ": expected an integer in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "], got \"" + s + "\"",
                       {{name, "expected an integer in [" + std::to_string(lo) + ", " +
                                   std::to_string(hi) + "]"}});
    return std::nullopt;
  }
  return static_cast<int64_t>(v);
}

// If-Match: "3", W/"3" or 3. nullopt if absent; -1 if malformed.
std::optional<int64_t> IfMatch(const Request& req) {
  std::string h = req.header("If-Match");
  if (h.empty()) return std::nullopt;
  std::string s = h;
  if (s.rfind("W/", 0) == 0) s = s.substr(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return -1;
  }
  return std::stoll(s);
}

std::string ETag(int64_t version) { return "\"" + std::to_string(version) + "\""; }

const std::regex& IdPattern() {
  static const std::regex re("^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$");
  return re;
}

// An http:// or https:// URL that http::ParseUrl accepts (webhooks, contacts' pagers).
bool IsWebUrl(const std::string& u) {
  return (u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0) && http::ParseUrl(u).ok();
}

// A contact as the API shows it (the Contact schema of docs/openapi.json).
json::object ContactJson(const store::ContactRecord& c) {
  return json::object{{"id", c.id},
                      {"party", c.party},
                      {"name", c.name},
                      {"language", c.language},
                      {"role", c.role},
                      {"roster", c.roster},
                      {"webhook_url", c.webhook_url}};
}

const std::regex& LanguagePattern() {
  static const std::regex re("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$");
  return re;
}

json::array IssuesJson(const std::vector<Issue>& issues) {
  json::array a;
  for (const Issue& i : issues) a.push_back(json::object{{"path", i.path}, {"reason", i.reason}});
  return a;
}

struct ParsedFeature {
  model::Plan plan;
  std::string feature_json;
  std::vector<Issue> warnings;
};

// Validates a plan Feature for `caller`. On failure fills *problem.
std::optional<ParsedFeature> ParseFeature(const Request& req, const Caller& caller,
                                          Response* problem) {
  json::value v;
  if (!ParseBody(req, &v, problem)) return std::nullopt;
  json::object* f = v.if_object();
  if (f == nullptr) {
    *problem = Problem(422, "invalid-input", "The input is not valid",
                       "expected one plan Feature (a JSON object)",
                       {{"", "expected a GeoJSON Feature object"}});
    return std::nullopt;
  }
  if (auto* t = f->if_contains("type");
      t && t->is_string() && t->get_string() == "FeatureCollection") {
    *problem = Problem(422, "invalid-input", "The input is not valid",
                       "send one plan Feature per request, not a FeatureCollection",
                       {{"type", "expected \"Feature\""}});
    return std::nullopt;
  }
  // The party comes from the token.
  json::value* props = f->if_contains("properties");
  if (props != nullptr && props->is_object()) {
    json::object& p = props->get_object();
    if (json::value* party = p.if_contains("party")) {
      if (!party->is_string() || std::string(party->get_string()) != caller.party) {
        *problem = Problem(403, "party-mismatch", "Plan belongs to another party",
                           "properties.party must be your own party (" + caller.party +
                               ") or absent; a party submits only its own plans",
                           {{"properties.party", "must be \"" + caller.party + "\" or absent"}});
        return std::nullopt;
      }
    } else {
      p["party"] = caller.party;
    }
  }
  std::vector<Issue> warnings;
  Result<model::Plan> plan = model::ParsePlanFeature(v, "", &warnings);
  if (!plan.ok()) {
    *problem =
        Problem(422, "invalid-plan", "The plan is not valid", plan.status().message(),
                plan.status().issues().empty() ? std::vector<Issue>{{"", plan.status().message()}}
                                               : plan.status().issues());
    return std::nullopt;
  }
  if (!std::regex_match(plan->id.value(), IdPattern())) {
    *problem = Problem(422, "invalid-plan", "The plan is not valid",
                       "id: 1 to 128 characters of A-Z a-z 0-9 . _ ~ -, starting with a letter or "
                       "digit (it appears in URLs)",
                       {{"id", "1 to 128 characters of A-Z a-z 0-9 . _ ~ -"}});
    return std::nullopt;
  }
  return ParsedFeature{std::move(*plan), json::serialize(v), std::move(warnings)};
}

json::array ConflictList(const std::vector<store::ConflictRecord>& cs, const Caller& caller) {
  json::array a;
  for (const auto& c : cs) a.push_back(channel::ConflictView(c, caller));
  return a;
}

const char* OutcomeName(engine::Suggestion::Outcome o) {
  switch (o) {
    case engine::Suggestion::kNoConflict:
      return "no_conflict";
    case engine::Suggestion::kDelay:
      return "delay";
    case engine::Suggestion::kAdvance:
      return "advance";
    case engine::Suggestion::kImpossible:
      return "impossible";
  }
  return "impossible";
}

}  // namespace

Api::Api(ApiOptions options) : o_(std::move(options)) {}

std::vector<std::string> Api::RouteNames(const http::Router& router) {
  std::vector<std::string> out;
  for (const auto& r : router.routes()) out.push_back(r.method + " " + r.pattern);
  return out;
}

void Api::Register(http::Router* router) {
  channel::Channel* ch = o_.channel;
  store::Store* st = ch->store();
  http::Metrics* metrics = o_.metrics;
  auto keepalive = o_.keepalive;

  metrics->Gauge("deconflict_conflicts_open", "Conflicts open or acknowledged (not resolved)",
                 [ch] { return static_cast<double>(ch->stats().conflicts_open); });
  metrics->Gauge("deconflict_notices_unacknowledged",
                 "Sides of open conflicts that have not acknowledged their notice",
                 [ch] { return static_cast<double>(ch->stats().notices_unacknowledged); });
  metrics->Gauge("deconflict_plans_active", "Active plans in the detector",
                 [ch] { return static_cast<double>(ch->stats().plans_active); });
  metrics->Gauge("deconflict_writer_batches", "Transactions committed by the writer",
                 [ch] { return static_cast<double>(ch->stats().batches); });
  metrics->Gauge("deconflict_writer_operations", "Operations applied by the writer",
                 [ch] { return static_cast<double>(ch->stats().operations); });
  metrics->Gauge("deconflict_escalations", "Escalations since start",
                 [ch] { return static_cast<double>(ch->stats().escalations); });
  metrics->Gauge("deconflict_stream_subscribers", "Open SSE and WebSocket streams",
                 [ch] { return static_cast<double>(ch->hub().subscribers()); });

  // Authenticates; answers 401 itself and returns nullopt on failure.
  auto auth = [ch](Exchange& ex) -> asio::awaitable<std::optional<Caller>> {
    std::string token = BearerToken(ex.request());
    if (token.empty()) {
      {
        Response r_ = Unauthorized("send Authorization: Bearer <token>");
        co_await ex.Respond(std::move(r_));
      }
      co_return std::nullopt;
    }
    Result<Caller> c = ch->Authenticate(token);
    if (!c.ok()) {
      if (c.status().code() == StatusCode::kUnauthenticated) {
        {
          Response r_ = Unauthorized(c.status().message());
          co_await ex.Respond(std::move(r_));
        }
      } else {
        {
          Response r_ = FromStatus(c.status());
          co_await ex.Respond(std::move(r_));
        }
      }
      co_return std::nullopt;
    }
    co_return *c;
  };

  // ----- Operations. -----
  router->Add("GET", "/healthz", [](Exchange& ex) -> asio::awaitable<void> {
    {
      Response r_ = http::JsonResponse(200, {{"status", "ok"}});
      co_await ex.Respond(std::move(r_));
    }
  });
  router->Add("GET", "/readyz", [ch](Exchange& ex) -> asio::awaitable<void> {
    channel::Channel::Stats s = ch->stats();
    if (!s.ready || ex.ShuttingDown()) {
      {
        Response r_ = Problem(503, "not-ready", "Not ready",
                              ex.ShuttingDown() ? "shutting down" : "loading state");
        co_await ex.Respond(std::move(r_));
      }
      co_return;
    }
    auto last = ch->store()->LastAudit();
    if (!last.ok()) {
      {
        Response r_ = Problem(503, "not-ready", "Not ready", "store: " + last.status().message());
        co_await ex.Respond(std::move(r_));
      }
      co_return;
    }
    {
      Response r_ = http::JsonResponse(200, {{"status", "ready"},
                                             {"plans_active", s.plans_active},
                                             {"conflicts_open", s.conflicts_open}});
      co_await ex.Respond(std::move(r_));
    }
  });
  router->Add("GET", "/metrics", [metrics](Exchange& ex) -> asio::awaitable<void> {
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics->Render();
    co_await ex.Respond(std::move(r));
  });
  std::string openapi = o_.openapi_json;
  router->Add("GET", "/openapi.json", [openapi](Exchange& ex) -> asio::awaitable<void> {
    Response r;
    r.body = openapi;
    co_await ex.Respond(std::move(r));
  });
  // ----- The web console (issue 4): static, public (the token is entered in the page). -----
  const ConsoleAssets* console = o_.console;
  auto serve_asset = [console](Exchange& ex, std::string name) -> asio::awaitable<void> {
    const ConsoleAssets::File* f = console == nullptr ? nullptr : console->Find(name);
    if (f == nullptr) {
      const bool none = console == nullptr || console->empty();
      Response r_ = Problem(404, "not-found", "Not found",
                            none ? "the web console is not installed: build web/ and start "
                                   "deconflictd with --web DIR"
                                 : "no such console file");
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    Response r;
    r.headers.emplace_back("Content-Security-Policy",
                           std::string(ConsoleAssets::kContentSecurityPolicy));
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("ETag", f->etag);
    if (ex.request().header("If-None-Match") == f->etag) {
      r.status = 304;
      r.content_type.clear();
    } else {
      r.content_type = f->content_type;
      r.body = f->body;
    }
    co_await ex.Respond(std::move(r));
  };
  router->Add("GET", "/", [serve_asset](Exchange& ex) -> asio::awaitable<void> {
    std::string name = "index.html";
    co_await serve_asset(ex, std::move(name));
  });
  router->Add("GET", "/ui/{name}", [serve_asset](Exchange& ex) -> asio::awaitable<void> {
    std::string name = ex.request().params.at("name");
    co_await serve_asset(ex, std::move(name));
  });
  router->Add("GET", "/v1/record/key", [ch](Exchange& ex) -> asio::awaitable<void> {
    {
      Response r_ = http::JsonResponse(
          200, {{"public_key", ch->key().public_key_hex}, {"algorithm", "Ed25519"}});
      co_await ex.Respond(std::move(r_));
    }
  });

  // ----- Identity. -----
  router->Add("GET", "/v1/me", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    auto contacts = st->ListContacts(caller->party);
    if (!contacts.ok()) {
      Response r_ = FromStatus(contacts.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    json::array cs;
    for (const auto& c : *contacts) {
      cs.push_back(json::object{{"id", c.id},
                                {"name", c.name},
                                {"language", c.language},
                                {"role", c.role},
                                {"roster", c.roster}});
    }
    {
      Response r_ = http::JsonResponse(
          200,
          {{"party", caller->party}, {"role", channel::RoleName(caller->role)}, {"contacts", cs}});
      co_await ex.Respond(std::move(r_));
    }
  });
  router->Add("GET", "/v1/parties", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    auto parties = st->ListParties();
    if (!parties.ok()) {
      Response r_ = FromStatus(parties.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    json::array a;
    for (const auto& p : *parties) {
      if (!caller->sees_all() && p.name != caller->party) continue;
      a.push_back(
          json::object{{"name", p.name}, {"role", p.role}, {"display_name", p.display_name}});
    }
    {
      Response r_ = http::JsonResponse(200, {{"parties", a}});
      co_await ex.Respond(std::move(r_));
    }
  });

  // ----- Plans. -----
  router->Add("POST", "/v1/plans", [auth, ch](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    if (caller->role != Role::kParty) {
      {
        Response r_ =
            Forbidden("coordinators and observers do not submit plans; a party submits its own");
        co_await ex.Respond(std::move(r_));
        co_return;
      }
    }
    Response problem;
    auto parsed = ParseFeature(ex.request(), *caller, &problem);
    if (!parsed) co_return co_await ex.Respond(std::move(problem));
    std::vector<Issue> warnings = parsed->warnings;
    auto start_0 = [&](auto cb) {
      ch->SubmitPlan(*caller, std::move(parsed->plan), std::move(parsed->feature_json),
                     std::nullopt, channel::Write::kCreate, cb);
    };
    auto r = co_await Await<Result<channel::PlanOutcome>>(start_0);
    if (!r.ok()) {
      Response r_ = FromStatus(r.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    Response resp = http::JsonResponse(201, {{"plan", channel::PlanView(r->plan)},
                                             {"conflicts", ConflictList(r->opened, *caller)},
                                             {"warnings", IssuesJson(warnings)}});
    resp.headers.emplace_back("ETag", ETag(r->plan.version));
    resp.headers.emplace_back("Location", "/v1/plans/" + r->plan.id);
    co_await ex.Respond(std::move(resp));
  });

  // Finds a plan the caller may read. Answers the problem itself when it returns nullopt.
  auto find_plan = [st](Exchange& ex,
                        const Caller& caller) -> asio::awaitable<std::optional<store::PlanRecord>> {
    std::string ref = ex.request().params.at("id");
    std::string party = caller.party, id = ref;
    size_t colon = ref.find(':');
    if (colon != std::string::npos) {
      party = ref.substr(0, colon);
      id = ref.substr(colon + 1);
      if (!caller.sees_all() && party != caller.party) {
        {
          Response r_ = NotFound("plan " + ref);
          co_await ex.Respond(std::move(r_));
        }
        co_return std::nullopt;
      }
    } else if (caller.sees_all()) {
      auto all = st->ListPlans("", "");
      if (!all.ok()) {
        {
          Response r_ = FromStatus(all.status());
          co_await ex.Respond(std::move(r_));
        }
        co_return std::nullopt;
      }
      std::vector<store::PlanRecord> match;
      for (auto& p : *all) {
        if (p.id == id) match.push_back(std::move(p));
      }
      if (match.empty()) {
        {
          Response r_ = NotFound("plan " + ref);
          co_await ex.Respond(std::move(r_));
        }
        co_return std::nullopt;
      }
      if (match.size() > 1) {
        {
          Response r_ = Problem(409, "ambiguous-plan-id", "Ambiguous plan id",
                                "several parties have a plan " + id + "; name it as PARTY:" + id);
          co_await ex.Respond(std::move(r_));
        }
        co_return std::nullopt;
      }
      co_return std::move(match.front());
    }
    auto p = st->GetPlan(party, id);
    if (!p.ok()) {
      {
        Response r_ = FromStatus(p.status());
        co_await ex.Respond(std::move(r_));
      }
      co_return std::nullopt;
    }
    if (!*p) {
      {
        Response r_ = NotFound("plan " + ref);
        co_await ex.Respond(std::move(r_));
      }
      co_return std::nullopt;
    }
    co_return std::move(**p);
  };

  router->Add("GET", "/v1/plans", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    const auto& q = ex.request().query;
    std::string status;
    if (auto it = q.find("status"); it != q.end()) {
      status = it->second;
      if (status != "active" && status != "cancelled") {
        {
          Response r_ = Problem(400, "invalid-parameter", "Invalid query parameter",
                                "status: expected active or cancelled",
                                {{"status", "expected active or cancelled"}});
          co_await ex.Respond(std::move(r_));
          co_return;
        }
      }
    }
    std::string party = caller->party;
    if (caller->sees_all()) {
      auto it = q.find("party");
      party = it == q.end() ? "" : it->second;
    } else if (auto it = q.find("party"); it != q.end() && it->second != caller->party) {
      {
        Response r_ = Forbidden("a party lists only its own plans");
        co_await ex.Respond(std::move(r_));
        co_return;
      }
    }
    auto plans = st->ListPlans(party, status);
    if (!plans.ok()) {
      Response r_ = FromStatus(plans.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    json::array a;
    for (const auto& p : *plans) a.push_back(channel::PlanView(p));
    {
      Response r_ = http::JsonResponse(200, {{"plans", a}});
      co_await ex.Respond(std::move(r_));
    }
  });

  router->Add("GET", "/v1/plans/{id}", [auth, find_plan](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    auto plan = co_await find_plan(ex, *caller);
    if (!plan) co_return;
    Response r = http::JsonResponse(200, channel::PlanView(*plan));
    r.headers.emplace_back("ETag", ETag(plan->version));
    co_await ex.Respond(std::move(r));
  });

  router->Add("GET", "/v1/plans/{id}/versions",
              [auth, find_plan, st](Exchange& ex) -> asio::awaitable<void> {
                auto caller = co_await auth(ex);
                if (!caller) co_return;
                auto plan = co_await find_plan(ex, *caller);
                if (!plan) co_return;
                auto history = st->PlanHistory(plan->party, plan->id);
                if (!history.ok()) {
                  Response r_ = FromStatus(history.status());
                  co_await ex.Respond(std::move(r_));
                  co_return;
                }
                json::array a;
                for (const auto& p : *history) a.push_back(channel::PlanView(p));
                {
                  Response r_ = http::JsonResponse(200, {{"versions", a}});
                  co_await ex.Respond(std::move(r_));
                }
              });

  // The caller's own plan id for PUT/DELETE; answers the problem itself on nullopt.
  auto own_plan_id = [](Exchange& ex,
                        const Caller& caller) -> asio::awaitable<std::optional<std::string>> {
    std::string ref = ex.request().params.at("id");
    if (caller.role != Role::kParty) {
      {
        Response r_ = Forbidden("only the owning party changes a plan");
        co_await ex.Respond(std::move(r_));
      }
      co_return std::nullopt;
    }
    size_t colon = ref.find(':');
    if (colon != std::string::npos) {
      if (ref.substr(0, colon) != caller.party) {
        {
          Response r_ = NotFound("plan " + ref);
          co_await ex.Respond(std::move(r_));
        }
        co_return std::nullopt;
      }
      ref = ref.substr(colon + 1);
    }
    co_return ref;
  };

  router->Add(
      "PUT", "/v1/plans/{id}", [auth, ch, own_plan_id](Exchange& ex) -> asio::awaitable<void> {
        auto caller = co_await auth(ex);
        if (!caller) co_return;
        auto id = co_await own_plan_id(ex, *caller);
        if (!id) co_return;
        std::optional<int64_t> version = IfMatch(ex.request());
        if (!version) {
          {
            Response r_ =
                Problem(428, "if-match-required", "If-Match required",
                        "send If-Match: \"<version>\" with the version you amend (GET the plan for "
                        "its ETag); this prevents lost updates");
            co_await ex.Respond(std::move(r_));
            co_return;
          }
        }
        if (*version < 0) {
          {
            Response r_ = Problem(400, "invalid-header", "Invalid If-Match",
                                  "If-Match: expected \"<version>\"");
            co_await ex.Respond(std::move(r_));
            co_return;
          }
        }
        Response problem;
        auto parsed = ParseFeature(ex.request(), *caller, &problem);
        if (!parsed) co_return co_await ex.Respond(std::move(problem));
        if (parsed->plan.id.value() != *id) {
          {
            Response r_ = Problem(422, "invalid-plan", "The plan is not valid",
                                  "the Feature's id (" + parsed->plan.id.value() +
                                      ") differs from the URL (" + *id + ")",
                                  {{"id", "must equal the plan id in the URL"}});
            co_await ex.Respond(std::move(r_));
            co_return;
          }
        }
        std::vector<Issue> warnings = parsed->warnings;
        auto start_1 = [&](auto cb) {
          ch->SubmitPlan(*caller, std::move(parsed->plan), std::move(parsed->feature_json),
                         *version, channel::Write::kAmend, cb);
        };
        auto r = co_await Await<Result<channel::PlanOutcome>>(start_1);
        if (!r.ok()) {
          Response r_ = FromStatus(r.status());
          co_await ex.Respond(std::move(r_));
          co_return;
        }
        Response resp =
            http::JsonResponse(200, {{"plan", channel::PlanView(r->plan)},
                                     {"conflicts_opened", ConflictList(r->opened, *caller)},
                                     {"conflicts_resolved", ConflictList(r->closed, *caller)},
                                     {"conflicts_unchanged", ConflictList(r->unchanged, *caller)},
                                     {"warnings", IssuesJson(warnings)}});
        resp.headers.emplace_back("ETag", ETag(r->plan.version));
        co_await ex.Respond(std::move(resp));
      });

  router->Add(
      "DELETE", "/v1/plans/{id}", [auth, ch, own_plan_id](Exchange& ex) -> asio::awaitable<void> {
        auto caller = co_await auth(ex);
        if (!caller) co_return;
        auto id = co_await own_plan_id(ex, *caller);
        if (!id) co_return;
        std::optional<int64_t> version = IfMatch(ex.request());
        if (version && *version < 0) {
          {
            Response r_ = Problem(400, "invalid-header", "Invalid If-Match",
                                  "If-Match: expected \"<version>\"");
            co_await ex.Respond(std::move(r_));
            co_return;
          }
        }
        auto start_2 = [&](auto cb) { ch->CancelPlan(*caller, *id, version, cb); };
        auto r = co_await Await<Result<channel::PlanOutcome>>(start_2);
        if (!r.ok()) {
          Response r_ = FromStatus(r.status());
          co_await ex.Respond(std::move(r_));
          co_return;
        }
        Response resp =
            http::JsonResponse(200, {{"plan", channel::PlanView(r->plan)},
                                     {"conflicts_resolved", ConflictList(r->closed, *caller)}});
        resp.headers.emplace_back("ETag", ETag(r->plan.version));
        co_await ex.Respond(std::move(resp));
      });

  router->Add("POST", "/v1/check", [auth, ch](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    if (caller->role != Role::kParty) {
      {
        Response r_ = Forbidden("a dry run checks one of the caller's own plans");
        co_await ex.Respond(std::move(r_));
        co_return;
      }
    }
    Response problem;
    auto parsed = ParseFeature(ex.request(), *caller, &problem);
    if (!parsed) co_return co_await ex.Respond(std::move(problem));
    model::Plan plan = std::move(parsed->plan);
    plan.id = PlanId(channel::PlanKey(caller->party, plan.id.value()));
    std::vector<engine::Conflict> found = ch->DryRun(plan);
    json::array a;
    for (const auto& c : found) a.push_back(channel::DryRunView(c, caller->party));
    {
      Response r_ =
          http::JsonResponse(200, {{"conflicts", a}, {"warnings", IssuesJson(parsed->warnings)}});
      co_await ex.Respond(std::move(r_));
    }
  });

  // ----- Conflicts. -----
  auto find_conflict =
      [st](Exchange& ex,
           const Caller& caller) -> asio::awaitable<std::optional<store::ConflictRecord>> {
    const std::string& id = ex.request().params.at("id");
    auto c = st->GetConflict(id);
    if (!c.ok()) {
      {
        Response r_ = FromStatus(c.status());
        co_await ex.Respond(std::move(r_));
      }
      co_return std::nullopt;
    }
    if (!*c || !channel::CanSee(**c, caller)) {
      {
        Response r_ = NotFound("conflict " + id);
        co_await ex.Respond(std::move(r_));
      }
      co_return std::nullopt;
    }
    co_return std::move(**c);
  };

  router->Add("GET", "/v1/conflicts", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    const auto& q = ex.request().query;
    store::ConflictFilter f;
    if (!caller->sees_all()) f.party = caller->party;
    if (auto it = q.find("status"); it != q.end() && !it->second.empty()) {
      std::string s = it->second;
      size_t start = 0;
      while (start <= s.size()) {
        size_t comma = s.find(',', start);
        std::string one =
            s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (one != "open" && one != "acknowledged" && one != "resolved" && one != "expired") {
          {
            Response r_ = Problem(
                400, "invalid-parameter", "Invalid query parameter",
                "status: \"" + one + "\" is not one of open, acknowledged, resolved, expired",
                {{"status", "comma-separated list of open, acknowledged, resolved, expired"}});
            co_await ex.Respond(std::move(r_));
            co_return;
          }
        }
        f.statuses.push_back(one);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    if (auto it = q.find("plan"); it != q.end() && !it->second.empty()) {
      std::string ref = it->second;
      size_t colon = ref.find(':');
      f.plan_party = colon == std::string::npos ? caller->party : ref.substr(0, colon);
      f.plan = colon == std::string::npos ? ref : ref.substr(colon + 1);
      if (!caller->sees_all() && f.plan_party != caller->party) {
        {
          Response r_ = NotFound("plan " + ref);
          co_await ex.Respond(std::move(r_));
          co_return;
        }
      }
    }
    int limit = 0;
    if (auto it = q.find("limit"); it != q.end()) {
      char* end = nullptr;
      const long v = std::strtol(it->second.c_str(), &end, 10);
      if (it->second.empty() || *end != '\0' || v < 1 || v > 10000) {
        Response r_ =
            Problem(400, "invalid-parameter", "Invalid query parameter",
                    "limit: expected an integer from 1 to 10000, got \"" + it->second + "\"",
                    {{"limit", "an integer from 1 to 10000"}});
        co_await ex.Respond(std::move(r_));
        co_return;
      }
      limit = static_cast<int>(v);
      f.limit = limit + 1;  // one more: tells whether the list was cut
    }
    auto cs = st->ListConflicts(f);
    if (!cs.ok()) {
      Response r_ = FromStatus(cs.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    const bool truncated = limit > 0 && cs->size() > static_cast<size_t>(limit);
    if (truncated) cs->resize(static_cast<size_t>(limit));
    {
      Response r_ = http::JsonResponse(
          200, {{"conflicts", ConflictList(*cs, *caller)}, {"truncated", truncated}});
      co_await ex.Respond(std::move(r_));
    }
  });

  router->Add("GET", "/v1/conflicts/{id}",
              [auth, find_conflict](Exchange& ex) -> asio::awaitable<void> {
                auto caller = co_await auth(ex);
                if (!caller) co_return;
                auto c = co_await find_conflict(ex, *caller);
                if (!c) co_return;
                {
                  Response r_ = http::JsonResponse(200, channel::ConflictView(*c, *caller));
                  co_await ex.Respond(std::move(r_));
                }
              });

  for (const char* action : {"ack", "accept"}) {
    bool is_ack = std::string(action) == "ack";
    router->Add("POST", std::string("/v1/conflicts/{id}/") + action,
                [auth, ch, is_ack](Exchange& ex) -> asio::awaitable<void> {
                  auto caller = co_await auth(ex);
                  if (!caller) co_return;
                  std::string id = ex.request().params.at("id");
                  auto start_3 = [&](auto cb) {
                    if (is_ack) {
                      ch->Acknowledge(*caller, id, cb);
                    } else {
                      ch->Accept(*caller, id, cb);
                    }
                  };
                  auto r = co_await Await<Result<store::ConflictRecord>>(start_3);
                  if (!r.ok()) {
                    Response r_ = FromStatus(r.status());
                    co_await ex.Respond(std::move(r_));
                    co_return;
                  }
                  {
                    Response r_ = http::JsonResponse(200, channel::ConflictView(*r, *caller));
                    co_await ex.Respond(std::move(r_));
                  }
                });
  }

  router->Add("GET", "/v1/conflicts/{id}/messages",
              [auth, find_conflict, st](Exchange& ex) -> asio::awaitable<void> {
                auto caller = co_await auth(ex);
                if (!caller) co_return;
                auto c = co_await find_conflict(ex, *caller);
                if (!c) co_return;
                auto ms = st->ListMessages(c->id);
                if (!ms.ok()) {
                  Response r_ = FromStatus(ms.status());
                  co_await ex.Respond(std::move(r_));
                  co_return;
                }
                json::array a;
                for (const auto& m : *ms) a.push_back(channel::MessageView(m));
                {
                  Response r_ = http::JsonResponse(200, {{"messages", a}});
                  co_await ex.Respond(std::move(r_));
                }
              });

  router->Add(
      "POST", "/v1/conflicts/{id}/messages",
      [auth, ch, find_conflict, st](Exchange& ex) -> asio::awaitable<void> {
        auto caller = co_await auth(ex);
        if (!caller) co_return;
        auto c = co_await find_conflict(ex, *caller);
        if (!c) co_return;
        json::value v;
        Response problem;
        if (!ParseBody(ex.request(), &v, &problem)) co_return co_await ex.Respond(problem);
        std::vector<Issue> issues;
        json::object* o = v.if_object();
        if (o == nullptr) {
          {
            Response r_ = Problem(422, "invalid-input", "The input is not valid",
                                  "expected a JSON object", {{"", "expected a JSON object"}});
            co_await ex.Respond(std::move(r_));
            co_return;
          }
        }
        std::string kind;
        if (auto* k = o->if_contains("kind"); k && k->is_string()) kind = k->get_string();
        if (kind != "text" && kind != "propose" && kind != "accept" && kind != "reject") {
          issues.push_back({"kind", "expected one of text, propose, accept, reject"});
        }
        store::MessageRecord m;
        m.kind = kind;
        json::object body;
        for (const auto& [key, val] : *o) {
          std::string k(key);
          if (k == "kind") continue;
          if (k == "language") {
            if (!val.is_string() ||
                !std::regex_match(std::string(val.get_string()), LanguagePattern())) {
              issues.push_back({"language", "expected a language tag such as en, fr, ru, ar"});
            } else {
              m.language = val.get_string();
            }
          } else if (k == "text") {
            if (!val.is_string() || val.get_string().empty() || val.get_string().size() > 4000) {
              issues.push_back({"text", "expected a string of 1 to 4000 bytes"});
            } else {
              body["text"] = val;
            }
          } else if (k == "shift_s" && kind == "propose") {
            double s = val.is_number() ? val.to_number<double>() : std::nan("");
            if (!std::isfinite(s) || s == 0 || std::abs(s) > 7 * 86400) {
              issues.push_back({"shift_s", "expected a non-zero number of seconds within 7 days"});
            } else {
              body["shift_s"] = s;
            }
          } else if (k == "subject" && kind == "propose") {
            if (!val.is_string() || (val.get_string() != "self" && val.get_string() != "other")) {
              issues.push_back({"subject", "expected self or other"});
            } else {
              body["subject"] = val;
            }
          } else if (k == "message" && (kind == "accept" || kind == "reject")) {
            if (!val.is_int64() || val.get_int64() < 1) {
              issues.push_back({"message", "expected the seq of a proposal in this thread"});
            } else {
              body["message"] = val;
            }
          } else {
            issues.push_back(
                {k, "unknown member for a " + (kind.empty() ? "message" : kind) + " message"});
          }
        }
        if (kind == "text" && !body.contains("text")) issues.push_back({"text", "required"});
        if (kind == "propose" && !o->contains("shift_s")) issues.push_back({"shift_s", "required"});
        if (kind == "propose" && !body.contains("subject")) body["subject"] = "self";
        if ((kind == "accept" || kind == "reject") && body.contains("message")) {
          auto ms = st->ListMessages(c->id);
          if (!ms.ok()) {
            Response r_ = FromStatus(ms.status());
            co_await ex.Respond(std::move(r_));
            co_return;
          }
          int64_t seq = body["message"].as_int64();
          bool found = false;
          for (const auto& prev : *ms) {
            if (prev.seq == seq && prev.kind == "propose") {
              found = true;
              if (prev.party == caller->party) {
                issues.push_back({"message", "you cannot answer your own proposal"});
              }
            }
          }
          if (!found) issues.push_back({"message", "no proposal with this seq in the thread"});
        } else if (kind == "accept" || kind == "reject") {
          issues.push_back({"message", "required"});
        }
        if (!issues.empty()) {
          {
            Response r_ = Problem(422, "invalid-input", "The message is not valid",
                                  issues.front().ToString(), issues);
            co_await ex.Respond(std::move(r_));
            co_return;
          }
        }
        m.body_json = json::serialize(body);
        std::string id = c->id;
        auto start_4 = [&](auto cb) { ch->PostMessage(*caller, id, std::move(m), cb); };
        auto r = co_await Await<Result<store::MessageRecord>>(start_4);
        if (!r.ok()) {
          Response r_ = FromStatus(r.status());
          co_await ex.Respond(std::move(r_));
          co_return;
        }
        {
          Response r_ = http::JsonResponse(201, channel::MessageView(*r));
          co_await ex.Respond(std::move(r_));
        }
      });

  router->Add(
      "GET", "/v1/conflicts/{id}/suggestion", [auth, ch](Exchange& ex) -> asio::awaitable<void> {
        auto caller = co_await auth(ex);
        if (!caller) co_return;
        std::string id = ex.request().params.at("id");
        Result<engine::Suggestion> s = ch->Suggest(*caller, id);
        if (!s.ok()) {
          Response r_ = FromStatus(s.status());
          co_await ex.Respond(std::move(r_));
          co_return;
        }
        auto c = ch->store()->GetConflict(id);
        if (!c.ok() || !*c) {
          Response r_ = NotFound("conflict " + id);
          co_await ex.Respond(std::move(r_));
          co_return;
        }
        std::string plan = channel::SideOf(**c, caller->party) == 0 ? (*c)->plan_a : (*c)->plan_b;
        double shift = s->shift.value();
        std::string text;
        switch (s->outcome) {
          case engine::Suggestion::kNoConflict:
            text = "Plan " + plan + " has no conflict to clear.";
            break;
          case engine::Suggestion::kDelay:
            text = "Delay plan " + plan + " by " + FormatDuration(Seconds(shift)) +
                   " to clear all of its conflicts (checked against every active plan).";
            break;
          case engine::Suggestion::kAdvance:
            text = "Start plan " + plan + " " + FormatDuration(Seconds(-shift)) +
                   " earlier to clear all of its conflicts (checked against every active "
                   "plan).";
            break;
          case engine::Suggestion::kImpossible:
            text = "No delay or advance of plan " + plan +
                   " within 6 h clears all of its conflicts; change its route or "
                   "coordinate with the other party.";
            break;
        }
        {
          Response r_ = http::JsonResponse(200, {{"outcome", OutcomeName(s->outcome)},
                                                 {"shift_s", shift},
                                                 {"plan", plan},
                                                 {"conflicts_now", s->conflicts_now},
                                                 {"explanation", text}});
          co_await ex.Respond(std::move(r_));
        }
      });

  router->Add(
      "GET", "/v1/conflicts/{id}/receipt",
      [auth, ch, find_conflict, st](Exchange& ex) -> asio::awaitable<void> {
        auto caller = co_await auth(ex);
        if (!caller) co_return;
        auto c = co_await find_conflict(ex, *caller);
        if (!c) co_return;
        auto entries = st->AuditAfter(0, 0, caller->sees_all() ? "" : caller->party);
        if (!entries.ok()) {
          Response r_ = FromStatus(entries.status());
          co_await ex.Respond(std::move(r_));
          co_return;
        }
        std::vector<store::AuditEntry> picked;
        std::set<std::pair<std::string, int64_t>> notices;
        for (const auto& e : *entries) {
          if (e.body_json.find(c->id) == std::string::npos && e.kind.rfind("receipt.", 0) != 0) {
            continue;
          }
          json::value body = json::parse(e.body_json);
          const json::object& b = body.as_object();
          if (e.kind.rfind("receipt.", 0) == 0) {
            auto* r = b.if_contains("recipient");
            auto* seq = b.if_contains("event_seq");
            if (r && seq && notices.count({std::string(r->as_string()), seq->as_int64()})) {
              picked.push_back(e);
            }
            continue;
          }
          auto* cid = b.if_contains("conflict");
          if (!cid || !cid->is_string() || cid->get_string() != c->id) continue;
          if (e.kind == "notice.sent") {
            notices.insert(
                {std::string(b.at("recipient").as_string()), b.at("event_seq").as_int64()});
          }
          picked.push_back(e);
        }
        auto cps = st->ListCheckpoints();
        if (!cps.ok()) {
          Response r_ = FromStatus(cps.status());
          co_await ex.Respond(std::move(r_));
          co_return;
        }
        std::optional<store::Checkpoint> cp;
        if (!cps->empty()) cp = cps->back();
        json::object receipt = record::MakeReceipt(ch->key(), "conflict " + c->id, caller->party,
                                                   ch->Now(), picked, cp);
        Response r = http::JsonResponse(200, receipt);
        r.headers.emplace_back("Content-Disposition",
                               "attachment; filename=\"receipt-" + c->id + ".json\"");
        co_await ex.Respond(std::move(r));
      });

  // ----- Events. -----
  router->Add("GET", "/v1/events/history", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    Response problem;
    auto after = QueryInt(ex.request(), "after", 0, 0, INT64_MAX, &problem);
    if (!after) co_return co_await ex.Respond(problem);
    auto limit = QueryInt(ex.request(), "limit", 100, 1, 1000, &problem);
    if (!limit) co_return co_await ex.Respond(problem);
    auto events = st->EventsAfter(caller->party, *after, static_cast<int>(*limit));
    if (!events.ok()) {
      Response r_ = FromStatus(events.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    json::array a;
    for (const auto& e : *events) a.push_back(channel::EventView(e));
    {
      Response r_ = http::JsonResponse(200, {{"events", a}});
      co_await ex.Respond(std::move(r_));
    }
  });

  router->Add("POST", "/v1/events/{seq}/read",
              [auth, ch, st](Exchange& ex) -> asio::awaitable<void> {
                auto caller = co_await auth(ex);
                if (!caller) co_return;
                const std::string& s = ex.request().params.at("seq");
                char* end = nullptr;
                long long seq = std::strtoll(s.c_str(), &end, 10);
                auto last = st->LastEventSeq(caller->party);
                if (!last.ok()) {
                  Response r_ = FromStatus(last.status());
                  co_await ex.Respond(std::move(r_));
                  co_return;
                }
                if (end != s.c_str() + s.size() || seq < 1 || seq > *last) {
                  {
                    Response r_ = NotFound("event " + s);
                    co_await ex.Respond(std::move(r_));
                    co_return;
                  }
                }
                ch->RecordReceipts({{caller->party, seq, "api", "read", ch->Now()}});
                {
                  Response r_ = Response{204, "application/json", {}, ""};
                  co_await ex.Respond(std::move(r_));
                }
              });

  router->Add("GET", "/v1/events",
              [auth, ch, st, keepalive](Exchange& ex) -> asio::awaitable<void> {
                auto caller = co_await auth(ex);
                if (!caller) co_return;
                int64_t after = 0;
                std::string last_id = ex.request().header("Last-Event-ID");
                Response problem;
                if (!last_id.empty()) {
                  char* end = nullptr;
                  long long v = std::strtoll(last_id.c_str(), &end, 10);
                  if (end != last_id.c_str() + last_id.size() || v < 0) {
                    {
                      Response r_ = Problem(400, "invalid-header", "Invalid Last-Event-ID",
                                            "Last-Event-ID: expected a non-negative integer");
                      co_await ex.Respond(std::move(r_));
                      co_return;
                    }
                  }
                  after = v;
                } else {
                  auto a = QueryInt(ex.request(), "after", 0, 0, INT64_MAX, &problem);
                  if (!a) co_return co_await ex.Respond(problem);
                  after = *a;
                }
                auto exec = ex.executor();
                auto timer = std::make_shared<asio::steady_timer>(exec);
                auto pending = std::make_shared<std::atomic<bool>>(true);
                auto sub = ch->hub().Subscribe(caller->party, [timer, pending, exec] {
                  pending->store(true);
                  asio::post(exec, [timer] { timer->cancel(); });
                });
                if (!co_await ex.StartEventStream()) co_return;
                // A first line at once: clients (browsers' fetch among them) know the stream is
                // open without waiting for an event or the first keep-alive.
                if (!co_await ex.SendComment("connected")) co_return;
                auto last_sent = std::chrono::steady_clock::now();
                while (!ex.ShuttingDown()) {
                  if (pending->exchange(false)) {
                    for (;;) {
                      auto events = st->EventsAfter(caller->party, after, 200);
                      if (!events.ok() || events->empty()) break;
                      std::vector<store::ReceiptRecord> receipts;
                      for (const auto& e : *events) {
                        http::SseEvent event{e.seq, e.type, e.data_json};
                        if (!co_await ex.SendEvent(event)) co_return;
                        after = e.seq;
                        receipts.push_back({caller->party, e.seq, "sse", "delivered", ch->Now()});
                      }
                      ch->RecordReceipts(std::move(receipts));
                      last_sent = std::chrono::steady_clock::now();
                    }
                  }
                  if (std::chrono::steady_clock::now() - last_sent >= keepalive) {
                    if (!co_await ex.SendComment("keep-alive")) co_return;
                    last_sent = std::chrono::steady_clock::now();
                  }
                  if (pending->load()) continue;
                  timer->expires_after(std::chrono::seconds(1));
                  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
                }
              });

  static const std::string kAuthFirst = "expected {\"type\":\"auth\",\"token\":\"...\"} first";
  router->Add("GET", "/v1/ws", [ch, st, keepalive](Exchange& ex) -> asio::awaitable<void> {
    if (!ex.IsWebSocketUpgrade()) {
      {
        // RFC 9110 §15.5.22: 426 names the protocol to switch to in an Upgrade header.
        Response r_ = Problem(426, "websocket-required", "WebSocket required",
                              "GET /v1/ws upgrades to a WebSocket; use GET /v1/events "
                              "for Server-Sent Events");
        r_.headers.emplace_back("Upgrade", "websocket");
        r_.headers.emplace_back("Connection", "Upgrade");
        co_await ex.Respond(std::move(r_));
        co_return;
      }
    }
    // Authenticate from the header before upgrading, if present.
    std::optional<Caller> caller;
    std::string token = BearerToken(ex.request());
    if (!token.empty()) {
      Result<Caller> c = ch->Authenticate(token);
      if (!c.ok()) {
        Response r_ = Unauthorized(c.status().message());
        co_await ex.Respond(std::move(r_));
        co_return;
      }
      caller = *c;
    }
    std::shared_ptr<http::WebSocket> ws = co_await ex.AcceptWebSocket();
    if (!ws) co_return;
    int64_t after = 0;
    auto error = [&](const std::string& detail) -> asio::awaitable<void> {
      std::string frame = json::serialize(json::object{{"type", "error"}, {"detail", detail}});
      co_await ws->Send(std::move(frame));
      co_await ws->Close();
    };
    if (!caller) {
      auto first = co_await ws->Receive();
      if (!first) co_return;
      json::value v;
      if (model::internal::ParseJson(*first, &v) || !v.is_object()) {
        {
          co_await error(kAuthFirst);
          co_return;
        }
      }
      const json::object& o = v.get_object();
      auto* type = o.if_contains("type");
      auto* tok = o.if_contains("token");
      if (!type || !type->is_string() || type->get_string() != "auth" || !tok ||
          !tok->is_string()) {
        {
          co_await error(kAuthFirst);
          co_return;
        }
      }
      Result<Caller> c = ch->Authenticate(std::string(tok->get_string()));
      if (!c.ok()) co_return co_await error(c.status().message());
      caller = *c;
      if (auto* a = o.if_contains("after"); a && a->is_int64() && a->get_int64() >= 0) {
        after = a->get_int64();
      }
    }
    auto exec = ex.executor();
    auto timer = std::make_shared<asio::steady_timer>(exec);
    auto pending = std::make_shared<std::atomic<bool>>(true);
    auto closed = std::make_shared<std::atomic<bool>>(false);
    auto sub = ch->hub().Subscribe(caller->party, [timer, pending, exec] {
      pending->store(true);
      asio::post(exec, [timer] { timer->cancel(); });
    });
    std::string party = caller->party;
    // Reader: read receipts and resume requests from the client.
    asio::co_spawn(
        exec,
        [ws, ch, party, closed, pending, timer]() -> asio::awaitable<void> {
          for (;;) {
            auto msg = co_await ws->Receive();
            if (!msg) break;
            json::value v;
            if (model::internal::ParseJson(*msg, &v) || !v.is_object()) continue;
            const json::object& o = v.get_object();
            auto* type = o.if_contains("type");
            auto* seq = o.if_contains("seq");
            if (type && type->is_string() && type->get_string() == "read" && seq &&
                seq->is_int64() && seq->get_int64() > 0) {
              ch->RecordReceipts({{party, seq->get_int64(), "ws", "read", ch->Now()}});
            }
          }
          closed->store(true);
          timer->cancel();
        },
        asio::detached);
    std::string ready = json::serialize(json::object{
        {"type", "ready"}, {"party", party}, {"role", channel::RoleName(caller->role)}});
    co_await ws->Send(std::move(ready));
    auto last_sent = std::chrono::steady_clock::now();
    while (!ex.ShuttingDown() && !closed->load()) {
      if (pending->exchange(false)) {
        for (;;) {
          auto events = st->EventsAfter(party, after, 200);
          if (!events.ok() || events->empty()) break;
          std::vector<store::ReceiptRecord> receipts;
          for (const auto& e : *events) {
            std::string frame = "{\"type\":\"event\",\"seq\":" + std::to_string(e.seq) +
                                ",\"event\":" + json::serialize(json::string(e.type)) +
                                ",\"data\":" + e.data_json + "}";
            if (!co_await ws->Send(std::move(frame))) co_return;
            after = e.seq;
            receipts.push_back({party, e.seq, "ws", "delivered", ch->Now()});
          }
          ch->RecordReceipts(std::move(receipts));
          last_sent = std::chrono::steady_clock::now();
        }
      }
      if (std::chrono::steady_clock::now() - last_sent >= keepalive) {
        if (!co_await ws->Send("{\"type\":\"keepalive\"}")) co_return;
        last_sent = std::chrono::steady_clock::now();
      }
      if (pending->load()) continue;
      timer->expires_after(std::chrono::seconds(1));
      co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (!closed->load()) co_await ws->Close();
  });

  // ----- The record. -----
  router->Add("GET", "/v1/audit", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    Response problem;
    auto after = QueryInt(ex.request(), "after", 0, 0, INT64_MAX, &problem);
    if (!after) co_return co_await ex.Respond(problem);
    auto limit = QueryInt(ex.request(), "limit", 500, 1, 5000, &problem);
    if (!limit) co_return co_await ex.Respond(problem);
    auto entries =
        st->AuditAfter(*after, static_cast<int>(*limit), caller->sees_all() ? "" : caller->party);
    if (!entries.ok()) {
      Response r_ = FromStatus(entries.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    auto cps = st->ListCheckpoints();
    if (!cps.ok()) {
      Response r_ = FromStatus(cps.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    json::array a, c;
    for (const auto& e : *entries) a.push_back(record::AuditEntryToJson(e));
    for (const auto& cp : *cps) c.push_back(record::CheckpointToJson(cp));
    {
      Response r_ = http::JsonResponse(200, {{"entries", a}, {"checkpoints", c}});
      co_await ex.Respond(std::move(r_));
    }
  });

  router->Add("GET", "/v1/audit/export", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    if (!caller->sees_all()) {
      {
        Response r_ = Forbidden(
            "the full log holds every party's plans; parties read their own entries at "
            "/v1/audit");
        co_await ex.Respond(std::move(r_));
        co_return;
      }
    }
    auto entries = st->AuditAfter(0, 0);
    if (!entries.ok()) {
      Response r_ = FromStatus(entries.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    auto cps = st->ListCheckpoints();
    if (!cps.ok()) {
      Response r_ = FromStatus(cps.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    Response r;
    r.content_type = "application/x-ndjson";
    r.body = record::ExportLog(*entries, *cps);
    co_await ex.Respond(std::move(r));
  });

  // ----- Settings: webhooks and contacts of the caller's party. -----
  router->Add("GET", "/v1/webhooks", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    auto hooks = st->ListWebhooks(caller->party);
    if (!hooks.ok()) {
      Response r_ = FromStatus(hooks.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    json::array a;
    for (const auto& w : *hooks) {
      a.push_back(json::object{{"id", w.id},
                               {"url", w.url},
                               {"active", w.active},
                               {"created_at", channel::FormatMs(w.created_ms)}});
    }
    {
      Response r_ = http::JsonResponse(200, {{"webhooks", a}});
      co_await ex.Respond(std::move(r_));
    }
  });
  router->Add("POST", "/v1/webhooks", [auth, ch](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    json::value v;
    Response problem;
    if (!ParseBody(ex.request(), &v, &problem)) co_return co_await ex.Respond(problem);
    std::vector<Issue> issues;
    store::WebhookRecord w;
    const json::object* o = v.if_object();
    if (!o) issues.push_back({"", "expected a JSON object"});
    if (o) {
      for (const auto& [key, val] : *o) {
        std::string k(key);
        if (k == "url") {
          if (!val.is_string()) {
            issues.push_back({"url", "expected a string"});
          } else {
            std::string u(val.get_string());
            if (!IsWebUrl(u)) {
              issues.push_back({"url", "expected an http:// or https:// URL"});
            } else {
              w.url = u;
            }
          }
        } else if (k == "secret") {
          if (!val.is_string() || val.get_string().size() < 16 || val.get_string().size() > 256) {
            issues.push_back({"secret", "expected 16 to 256 characters"});
          } else {
            w.secret = val.get_string();
          }
        } else {
          issues.push_back({k, "unknown member (expected url, secret)"});
        }
      }
      if (!o->contains("url")) issues.push_back({"url", "required"});
    }
    if (!issues.empty()) {
      {
        Response r_ = Problem(422, "invalid-input", "The webhook is not valid",
                              issues.front().ToString(), issues);
        co_await ex.Respond(std::move(r_));
        co_return;
      }
    }
    if (w.secret.empty()) w.secret = record::RandomHex(24);
    auto start_5 = [&](auto cb) { ch->AddWebhook(*caller, w, cb); };
    auto r = co_await Await<Result<store::WebhookRecord>>(start_5);
    if (!r.ok()) {
      Response r_ = FromStatus(r.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    {
      Response r_ =
          http::JsonResponse(201, {{"id", r->id}, {"url", r->url}, {"secret", r->secret}});
      co_await ex.Respond(std::move(r_));
    }
  });

  auto parse_id = [](Exchange& ex) -> std::optional<int64_t> {
    const std::string& s = ex.request().params.at("id");
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (end != s.c_str() + s.size() || v < 1) return std::nullopt;
    return v;
  };
  // DELETE of the caller's own webhook or contact: the same rules for both (docs/security.md).
  struct OwnedDelete {
    const char* pattern;
    const char* what;
    void (channel::Channel::*remove)(const Caller&, int64_t, channel::Channel::Done<bool>);
  };
  for (const OwnedDelete d :
       {OwnedDelete{"/v1/webhooks/{id}", "webhook", &channel::Channel::DeleteWebhook},
        OwnedDelete{"/v1/contacts/{id}", "contact", &channel::Channel::DeleteContact}}) {
    router->Add("DELETE", d.pattern,
                [auth, ch, parse_id, d](Exchange& ex) -> asio::awaitable<void> {
                  auto caller = co_await auth(ex);
                  if (!caller) co_return;
                  auto id = parse_id(ex);
                  if (!id) {
                    Response r_ = NotFound(d.what);
                    co_await ex.Respond(std::move(r_));
                    co_return;
                  }
                  auto start = [&](auto cb) { (ch->*d.remove)(*caller, *id, cb); };
                  auto r = co_await Await<Result<bool>>(start);
                  if (!r.ok()) {
                    Response r_ = FromStatus(r.status());
                    co_await ex.Respond(std::move(r_));
                    co_return;
                  }
                  Response r_ = Response{204, "application/json", {}, ""};
                  co_await ex.Respond(std::move(r_));
                });
  }

  router->Add("GET", "/v1/contacts", [auth, st](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    // Coordinators and observers see every party's duty roster (they chase missed deadlines,
    // docs/security.md §7); a party sees its own.
    auto cs = st->ListContacts(caller->role == Role::kParty ? caller->party : std::string());
    if (!cs.ok()) {
      Response r_ = FromStatus(cs.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    json::array a;
    for (const auto& c : *cs) {
      a.push_back(ContactJson(c));
    }
    {
      Response r_ = http::JsonResponse(200, {{"contacts", a}});
      co_await ex.Respond(std::move(r_));
    }
  });
  router->Add("POST", "/v1/contacts", [auth, ch](Exchange& ex) -> asio::awaitable<void> {
    auto caller = co_await auth(ex);
    if (!caller) co_return;
    json::value v;
    Response problem;
    if (!ParseBody(ex.request(), &v, &problem)) co_return co_await ex.Respond(problem);
    std::vector<Issue> issues;
    store::ContactRecord c;
    c.role = "primary";
    const json::object* o = v.if_object();
    if (!o) issues.push_back({"", "expected a JSON object"});
    if (o) {
      for (const auto& [key, val] : *o) {
        std::string k(key);
        std::string s = val.is_string() ? std::string(val.get_string()) : "";
        if (k == "name") {
          if (s.empty() || s.size() > 200) {
            issues.push_back({"name", "expected 1 to 200 characters"});
          }
          c.name = s;
        } else if (k == "language") {
          if (!std::regex_match(s, LanguagePattern())) {
            issues.push_back({"language", "expected a language tag such as en, fr, ru, ar"});
          }
          c.language = s;
        } else if (k == "role") {
          if (s != "primary" && s != "backup")
            issues.push_back({"role", "expected primary or backup"});
          c.role = s;
        } else if (k == "roster") {
          if (!val.is_string() || s.size() > 200) {
            issues.push_back({"roster", "expected at most 200 characters"});
          }
          c.roster = s;
        } else if (k == "webhook_url") {
          if (!val.is_string() || !IsWebUrl(s)) {
            issues.push_back({"webhook_url", "expected an http:// or https:// URL"});
          }
          c.webhook_url = s;
        } else {
          issues.push_back(
              {k, "unknown member (expected name, language, role, roster, webhook_url)"});
        }
      }
      if (!o->contains("name")) issues.push_back({"name", "required"});
      if (!o->contains("language")) issues.push_back({"language", "required"});
    }
    if (!issues.empty()) {
      {
        Response r_ = Problem(422, "invalid-input", "The contact is not valid",
                              issues.front().ToString(), issues);
        co_await ex.Respond(std::move(r_));
        co_return;
      }
    }
    auto start_7 = [&](auto cb) { ch->AddContact(*caller, c, cb); };
    auto r = co_await Await<Result<store::ContactRecord>>(start_7);
    if (!r.ok()) {
      Response r_ = FromStatus(r.status());
      co_await ex.Respond(std::move(r_));
      co_return;
    }
    {
      Response r_ = http::JsonResponse(201, ContactJson(*r));
      co_await ex.Respond(std::move(r_));
    }
  });
}

}  // namespace deconflict::server
