// Plans: submit, list, read, versions, amend, cancel, and the dry run (docs/openapi.json).
#include <boost/json.hpp>

#include "channel/disclosure.h"
#include "server/handler.h"

namespace deconflict::server {

namespace json = boost::json;

namespace {

// The plan the URL names ("id" or "PARTY:id").
channel::PlanRef RefParam(const Request& req) { return service::ParsePlanRef(req.params.at("id")); }

Result<service::PlanInput> PlanBody(const Request& req, const Caller& caller) {
  Result<json::value> body = JsonBody(req);
  if (!body.ok()) return body.status();
  return service::ParsePlanInput(std::move(*body), caller);
}

Response Changed(int status, const service::PlanChange& c, bool amended) {
  json::object o{{"plan", c.plan_view}};
  if (status == 201) {
    o["conflicts"] = c.opened;
  } else if (amended) {
    o["conflicts_opened"] = c.opened;
    o["conflicts_resolved"] = c.resolved;
    o["conflicts_unchanged"] = c.unchanged;
  } else {
    o["conflicts_resolved"] = c.resolved;
  }
  if (status == 201 || amended) o["warnings"] = IssuesJson(c.warnings);
  Response r = Json(status, std::move(o));
  r.headers.emplace_back("ETag", ETag(c.plan.version));
  if (status == 201) r.headers.emplace_back("Location", "/v1/plans/" + c.plan.id);
  return r;
}

Result<Response> Submit(const service::Service& svc, const Request& req, const Caller& caller) {
  // The role first: a coordinator learns nothing from the validation of a body it may not send.
  if (Status s = service::Authorize(caller, service::Action::kSubmitPlan); !s.ok()) return s;
  auto in = PlanBody(req, caller);
  if (!in.ok()) return in.status();
  auto r = svc.SubmitPlan(caller, std::move(*in));
  if (!r.ok()) return r.status();
  return Changed(201, *r, false);
}

Result<Response> Amend(const service::Service& svc, const Request& req, const Caller& caller) {
  if (auto own = svc.OwnPlanId(caller, RefParam(req)); !own.ok()) return own.status();
  auto version = IfMatch(req);
  if (!version.ok()) return version.status();
  if (!*version) {
    return Status::PreconditionRequired(
        "send If-Match: \"<version>\" with the version you amend (GET the plan for its ETag); "
        "this prevents lost updates");
  }
  auto in = PlanBody(req, caller);
  if (!in.ok()) return in.status();
  auto r = svc.AmendPlan(caller, RefParam(req), **version, std::move(*in));
  if (!r.ok()) return r.status();
  return Changed(200, *r, true);
}

Result<Response> Cancel(const service::Service& svc, const Request& req, const Caller& caller) {
  if (auto own = svc.OwnPlanId(caller, RefParam(req)); !own.ok()) return own.status();
  auto version = IfMatch(req);
  if (!version.ok()) return version.status();
  auto r = svc.CancelPlan(caller, RefParam(req), *version);
  if (!r.ok()) return r.status();
  return Changed(200, *r, false);
}

Result<Response> List(const service::Service& svc, const Request& req, const Caller& caller) {
  service::PlanQuery q;
  if (auto it = req.query.find("status"); it != req.query.end()) {
    q.status = Parse<PlanStatus>(it->second);
    if (!q.status.has_value()) {
      return Status::MalformedRequest("status: expected active or cancelled",
                                      {{"status", "expected active or cancelled"}});
    }
  }
  if (auto it = req.query.find("party"); it != req.query.end()) q.party = PartyId(it->second);
  auto plans = svc.ListPlans(caller, q);
  if (!plans.ok()) return plans.status();
  json::array a;
  for (const auto& p : *plans) a.push_back(channel::PlanView(p));
  return Json(200, json::object{{"plans", a}});
}

Result<Response> Get(const service::Service& svc, const Request& req, const Caller& caller) {
  auto plan = svc.GetPlan(caller, RefParam(req));
  if (!plan.ok()) return plan.status();
  Response r = Json(200, channel::PlanView(*plan));
  r.headers.emplace_back("ETag", ETag(plan->version));
  return r;
}

Result<Response> Versions(const service::Service& svc, const Request& req, const Caller& caller) {
  auto history = svc.PlanVersions(caller, RefParam(req));
  if (!history.ok()) return history.status();
  json::array a;
  for (const auto& p : *history) a.push_back(channel::PlanView(p));
  return Json(200, json::object{{"versions", a}});
}

Result<Response> Check(const service::Service& svc, const Request& req, const Caller& caller) {
  if (Status s = service::Authorize(caller, service::Action::kDryRun); !s.ok()) return s;
  auto in = PlanBody(req, caller);
  if (!in.ok()) return in.status();
  auto r = svc.DryRun(caller, std::move(*in));
  if (!r.ok()) return r.status();
  return Json(200,
              json::object{{"conflicts", r->conflicts}, {"warnings", IssuesJson(r->warnings)}});
}

}  // namespace

void RegisterPlanRoutes(http::Router* router, const ApiContext& ctx) {
  AddRoutes(router, ctx,
            {
                {"POST", "/v1/plans", Submit},
                {"GET", "/v1/plans", List},
                {"GET", "/v1/plans/{id}", Get},
                {"GET", "/v1/plans/{id}/versions", Versions},
                {"PUT", "/v1/plans/{id}", Amend},
                {"DELETE", "/v1/plans/{id}", Cancel},
                {"POST", "/v1/check", Check},
            });
}

}  // namespace deconflict::server
