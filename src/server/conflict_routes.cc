// Conflicts and their threads: list, read, acknowledge, accept, messages, suggestion, receipt.
#include <boost/json.hpp>

#include "server/handler.h"

namespace deconflict::server {

namespace json = boost::json;

namespace {

// The conflict the URL names.
ConflictId IdParam(const Request& req) { return ConflictId(req.params.at("id")); }

Result<Response> List(const service::Service& svc, const Request& req, const Caller& caller) {
  service::ConflictQuery q;
  if (auto it = req.query.find("status"); it != req.query.end() && !it->second.empty()) {
    const std::string& s = it->second;
    for (size_t start = 0; start <= s.size();) {
      size_t comma = s.find(',', start);
      std::string one =
          s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      std::optional<ConflictStatus> status = Parse<ConflictStatus>(one);
      if (!status.has_value()) {
        return Status::MalformedRequest(
            "status: \"" + one + "\" is not one of open, acknowledged, resolved, expired",
            {{"status", "comma-separated list of open, acknowledged, resolved, expired"}});
      }
      q.statuses.push_back(*status);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (auto it = req.query.find("plan"); it != req.query.end() && !it->second.empty()) {
    q.plan = service::ParsePlanRef(it->second);
  }
  if (req.query.count("limit")) {
    auto limit = QueryInt(req, "limit", 0, 1, 10000);
    if (!limit.ok()) return limit.status();
    q.limit = static_cast<int>(*limit);
  }
  auto page = svc.ListConflicts(caller, q);
  if (!page.ok()) return page.status();
  return Json(200, json::object{{"conflicts", page->conflicts}, {"truncated", page->truncated}});
}

Result<Response> Get(const service::Service& svc, const Request& req, const Caller& caller) {
  return Json(200, svc.ReadConflict(caller, IdParam(req)));
}

Result<Response> Ack(const service::Service& svc, const Request& req, const Caller& caller) {
  return Json(200, svc.Acknowledge(caller, IdParam(req)));
}

Result<Response> Accept(const service::Service& svc, const Request& req, const Caller& caller) {
  return Json(200, svc.Accept(caller, IdParam(req)));
}

Result<Response> Messages(const service::Service& svc, const Request& req, const Caller& caller) {
  auto ms = svc.ListMessages(caller, IdParam(req));
  if (!ms.ok()) return ms.status();
  return Json(200, json::object{{"messages", std::move(*ms)}});
}

Result<Response> Post(const service::Service& svc, const Request& req, const Caller& caller) {
  // A conflict the caller may not read does not exist, whatever the body says.
  if (auto c = svc.GetConflict(caller, IdParam(req)); !c.ok()) return c.status();
  auto body = JsonBody(req);
  if (!body.ok()) return body.status();
  auto in = service::ParseMessageInput(*body);
  if (!in.ok()) return in.status();
  return Json(201, svc.PostMessage(caller, IdParam(req), std::move(*in)));
}

// On the bounded pool (Heavy), under its time budget.
Result<Response> Suggestion(const ApiContext& ctx, const Request& req, const Caller& caller) {
  auto s = ctx.service->Suggest(caller, IdParam(req), ctx.heavy->budget());
  if (!s.ok()) return s.status();
  return Json(200, json::object{{"outcome", s->outcome},
                                {"shift_s", s->shift_s},
                                {"plan", s->plan.value()},
                                {"conflicts_now", s->conflicts_now},
                                {"explanation", s->explanation}});
}

Result<Response> Receipt(const service::Service& svc, const Request& req, const Caller& caller) {
  auto receipt = svc.Receipt(caller, IdParam(req));
  if (!receipt.ok()) return receipt.status();
  Response r = Json(200, std::move(*receipt));
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"receipt-" + req.params.at("id") + ".json\"");
  return r;
}

}  // namespace

void RegisterConflictRoutes(http::Router* router, const ApiContext& ctx) {
  AddRoutes(router, ctx,
            {
                {"GET", "/v1/conflicts", List},
                {"GET", "/v1/conflicts/{id}", Get},
                {"POST", "/v1/conflicts/{id}/ack", Ack},
                {"POST", "/v1/conflicts/{id}/accept", Accept},
                {"GET", "/v1/conflicts/{id}/messages", Messages},
                {"POST", "/v1/conflicts/{id}/messages", Post},
                {"GET", "/v1/conflicts/{id}/receipt", Receipt},
            });
  router->Add("GET", "/v1/conflicts/{id}/suggestion",
              Heavy(ctx, [&ctx](const Request& req, const Caller& caller) {
                return Suggestion(ctx, req, caller);
              }));
}

}  // namespace deconflict::server
