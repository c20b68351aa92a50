#include "server/handler.h"

#include <strings.h>

#include <boost/asio/awaitable.hpp>
#include <cerrno>
#include <cstdlib>

#include "http/completion.h"
#include "json/parse.h"
#include "record/crypto.h"

namespace deconflict::server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

Response ToResponse(Result<Response> r) {
  return r.ok() ? std::move(*r) : http::ProblemFromStatus(r.status());
}

}  // namespace

http::Handler Authenticated(const ApiContext& ctx, AuthedBody body) {
  return [&ctx, body = std::move(body)](http::Exchange& ex) -> asio::awaitable<void> {
    Response r = co_await http::RunOn(*ctx.pool, [&]() -> Response {
      Result<Caller> caller = ctx.service->Authenticate(BearerToken(ex.request()));
      if (!caller.ok()) return http::ProblemFromStatus(caller.status());
      return ToResponse(body(ex.request(), *caller));
    });
    co_await ex.Respond(std::move(r));
  };
}

http::Handler MemoryFirst(const ApiContext& ctx, NowBody now, AuthedBody body) {
  http::Handler pooled = Authenticated(ctx, std::move(body));
  return [&ctx, now = std::move(now),
          pooled = std::move(pooled)](http::Exchange& ex) -> asio::awaitable<void> {
    if (std::optional<Caller> caller = ctx.service->CachedCaller(BearerToken(ex.request()))) {
      std::optional<Result<Response>> answer = now(ex.request(), *caller);
      if (answer.has_value()) {
        Response r = ToResponse(std::move(*answer));
        co_await ex.Respond(std::move(r));
        co_return;
      }
    }
    co_await pooled(ex);
  };
}

BoundedPool::BoundedPool(int workers, int queue, std::chrono::milliseconds budget)
    : pool_(static_cast<size_t>(workers)), capacity_(workers + queue), budget_(budget) {}

std::optional<BoundedPool::Slot> BoundedPool::TryAdmit() {
  if (admitted_.fetch_add(1) >= capacity_) {
    admitted_.fetch_sub(1);
    return std::nullopt;
  }
  return Slot(this);
}

http::Handler Heavy(const ApiContext& ctx, AuthedBody body) {
  return [&ctx, body = std::move(body)](http::Exchange& ex) -> asio::awaitable<void> {
    Result<Caller> caller = co_await http::RunOn(
        *ctx.pool, [&] { return ctx.service->Authenticate(BearerToken(ex.request())); });
    if (!caller.ok()) co_return co_await ex.Respond(http::ProblemFromStatus(caller.status()));
    std::optional<BoundedPool::Slot> slot = ctx.heavy->TryAdmit();
    if (!slot) {
      Response busy = http::ProblemFromStatus(Status::Unavailable(
          "too many dry runs and suggestions in progress on this server; retry in a second"));
      busy.headers.emplace_back("Retry-After", "1");
      co_return co_await ex.Respond(std::move(busy));
    }
    Response r = co_await http::RunOn(ctx.heavy->pool(), [&, s = std::move(*slot)]() -> Response {
      return ToResponse(body(ex.request(), *caller));
    });
    co_await ex.Respond(std::move(r));
  };
}

void AddRoute(http::Router* router, const ApiContext& ctx, const char* method, const char* pattern,
              ServiceBody body) {
  router->Add(
      method, pattern,
      Authenticated(ctx, [svc = ctx.service, body](const Request& req, const Caller& caller) {
        return body(*svc, req, caller);
      }));
}

void AddRoutes(http::Router* router, const ApiContext& ctx,
               std::initializer_list<RouteSpec> routes) {
  for (const RouteSpec& r : routes) AddRoute(router, ctx, r.method, r.pattern, r.body);
}

http::Handler Public(const ApiContext& ctx, PublicBody body) {
  return [&ctx, body = std::move(body)](http::Exchange& ex) -> asio::awaitable<void> {
    Response r = co_await http::RunOn(*ctx.pool,
                                      [&]() -> Response { return ToResponse(body(ex.request())); });
    co_await ex.Respond(std::move(r));
  };
}

bool TokensEqual(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return false;
  const std::string x = record::Sha256Hex(a), y = record::Sha256Hex(b);
  unsigned char diff = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    diff |= static_cast<unsigned char>(x[i] ^ y[i]);
  }
  return diff == 0 && x.size() == y.size();
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

Result<json::value> JsonBody(const Request& req) {
  std::string ct = req.header("Content-Type");
  if (!ct.empty() && ct.find("json") == std::string::npos) {
    return Status::UnsupportedMediaType("send application/json or application/geo+json, not " + ct);
  }
  if (req.body.empty()) return Status::MalformedRequest("the request body is empty");
  json::value v;
  if (auto issue = deconflict::json::Parse(req.body, &v)) {
    return Status::MalformedRequest("the body is not JSON: " + issue->ToString());
  }
  return v;
}

Result<int64_t> QueryInt(const Request& req, const std::string& name, int64_t def, int64_t lo,
                         int64_t hi) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return def;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || v < lo || v > hi) {
    std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    return Status::MalformedRequest(name + ": expected " + range + ", got \"" + s + "\"",
                                    {{name, "expected " + range}});
  }
  return static_cast<int64_t>(v);
}

Result<std::optional<int64_t>> IfMatch(const Request& req) {
  std::string s = req.header("If-Match");
  if (s.empty()) return std::optional<int64_t>();
  if (s.rfind("W/", 0) == 0) s = s.substr(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Status::MalformedRequest("If-Match: expected \"<version>\"",
                                    {{"If-Match", "expected \"<version>\""}});
  }
  return std::optional<int64_t>(std::stoll(s));
}

Result<int64_t> PathNumber(const Request& req, const std::string& name, const std::string& what) {
  const std::string& s = req.params.at(name);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || s.empty() || end != s.c_str() + s.size() || v < 1) {
    return Status::NotFound(what + " " + s + " does not exist");
  }
  return static_cast<int64_t>(v);
}

Response Json(int status, const json::value& body) { return http::JsonResponse(status, body); }

Response NoContent() { return Response{204, "application/json", {}, ""}; }

json::array IssuesJson(const std::vector<Issue>& issues) {
  json::array a;
  for (const Issue& i : issues) a.push_back(json::object{{"path", i.path}, {"reason", i.reason}});
  return a;
}

std::string ETag(int64_t version) { return "\"" + std::to_string(version) + "\""; }

}  // namespace deconflict::server
