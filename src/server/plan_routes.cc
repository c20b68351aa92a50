// Plans: submit, list, read, versions, amend, cancel, and the dry run (docs/openapi.json).
#include <boost/json.hpp>

#include "channel/disclosure.h"
#include "http/completion.h"
#include "server/handler.h"

namespace deconflict::server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// The plan the URL names ("id" or "PARTY:id").
channel::PlanRef RefParam(const Request& req) { return service::ParsePlanRef(req.params.at("id")); }

Result<service::PlanInput> PlanBody(const Request& req, const Caller& caller) {
  Result<json::value> body = JsonBody(req);
  if (!body.ok()) return body.status();
  return service::ParsePlanInput(std::move(*body), caller);
}

Response Changed(int status, service::PlanChange c, bool amended) {
  json::object o(5);
  o["plan"] = std::move(c.plan_view);
  if (status == 201) {
    o["conflicts"] = std::move(c.opened);
  } else if (amended) {
    o["conflicts_opened"] = std::move(c.opened);
    o["conflicts_resolved"] = std::move(c.resolved);
    o["conflicts_unchanged"] = std::move(c.unchanged);
  } else {
    o["conflicts_resolved"] = std::move(c.resolved);
  }
  if (status == 201 || amended) o["warnings"] = IssuesJson(c.warnings);
  Response r = Json(status, std::move(o));
  r.headers.emplace_back("ETag", ETag(c.plan.version));
  if (status == 201) r.headers.emplace_back("Location", "/v1/plans/" + c.plan.id);
  return r;
}

// A plan write queued to the channel's writer: the warnings to render, and the Feature as
// submitted (null for a cancellation), which the answer shows without parsing the stored text.
struct Started {
  std::vector<Issue> warnings;
  json::value feature;
};

// The plan writes: checked on the calling thread, then queued to the channel's writer; what
// Started holds, or why the request is refused.
using WriteStart = Result<Started> (*)(const service::Service&, const Request&, const Caller&,
                                       service::Service::PlanDone);

Result<Started> StartSubmit(const service::Service& svc, const Request& req, const Caller& caller,
                            service::Service::PlanDone done) {
  // The role first: a coordinator learns nothing from the validation of a body it may not send.
  if (Status s = service::Authorize(caller, service::Action::kSubmitPlan); !s.ok()) return s;
  auto in = PlanBody(req, caller);
  if (!in.ok()) return in.status();
  Started started{in->warnings, std::move(in->feature)};
  if (Status s = svc.StartSubmitPlan(caller, std::move(*in), std::move(done)); !s.ok()) return s;
  return started;
}

Result<Started> StartAmend(const service::Service& svc, const Request& req, const Caller& caller,
                           service::Service::PlanDone done) {
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
  Started started{in->warnings, std::move(in->feature)};
  if (Status s =
          svc.StartAmendPlan(caller, RefParam(req), **version, std::move(*in), std::move(done));
      !s.ok()) {
    return s;
  }
  return started;
}

Result<Started> StartCancel(const service::Service& svc, const Request& req, const Caller& caller,
                            service::Service::PlanDone done) {
  if (auto own = svc.OwnPlanId(caller, RefParam(req)); !own.ok()) return own.status();
  auto version = IfMatch(req);
  if (!version.ok()) return version.status();
  if (Status s = svc.StartCancelPlan(caller, RefParam(req), *version, std::move(done)); !s.ok()) {
    return s;
  }
  return Started{};
}

// A plan write's handler. Nothing here blocks, so it runs on the network thread: the token from
// the authentication cache (the worker pool only when Authenticate must read the store), the
// body parsed and checked here, and the coroutine resumed by the writer's commit. No pool thread
// waits for the writer, which saves two thread wake-ups per write (docs/PERFORMANCE.md).
http::Handler PlanWrite(const ApiContext& ctx, WriteStart start, int status, bool amended) {
  return [&ctx, start, status, amended](http::Exchange& ex) -> asio::awaitable<void> {
    const Request& req = ex.request();
    std::optional<Caller> caller = ctx.service->CachedCaller(BearerToken(req));
    if (!caller) {
      Result<Caller> c = co_await http::RunOn(
          *ctx.pool, [&] { return ctx.service->Authenticate(BearerToken(req)); });
      if (!c.ok()) {
        Response problem = http::ProblemFromStatus(c.status());
        co_await ex.Respond(std::move(problem));
        co_return;
      }
      caller = *c;
    }
    http::Completion<Result<channel::PlanOutcome>> committed;
    Result<Started> started =
        start(*ctx.service, req, *caller,
              [committed](Result<channel::PlanOutcome> r) { committed.Set(std::move(r)); });
    Response response;
    if (started.ok()) {
      // (Plain statements around co_await: GCC 12 mishandles temporaries of a conditional
      // expression or an argument list that holds one.)
      Result<channel::PlanOutcome> out = co_await committed.Wait();
      Result<service::PlanChange> change = ctx.service->FinishPlanChange(
          std::move(out), *caller, std::move(started->warnings), std::move(started->feature));
      if (change.ok()) {
        response = Changed(status, std::move(*change), amended);
      } else {
        response = http::ProblemFromStatus(change.status());
      }
    } else {
      response = http::ProblemFromStatus(started.status());
    }
    co_await ex.Respond(std::move(response));
  };
}

Result<Response> List(const service::Service& svc, const Request& req, const Caller& caller) {
  service::PlanQuery q;
  if (auto it = req.query.find("status"); it != req.query.end()) {
    q.status = Parse<PlanStatus>(it->second);
    if (!q.status.has_value()) {
      return Status::MalformedRequest(
          "status: expected active, pending, rejected, cancelled or completed",
          {{"status", "expected active, pending, rejected, cancelled or completed"}});
    }
  }
  if (auto it = req.query.find("party"); it != req.query.end()) q.party = PartyId(it->second);
  auto plans = svc.ListPlans(caller, q);
  if (!plans.ok()) return plans.status();
  json::array a;
  for (const auto& p : *plans) a.push_back(channel::PlanView(p));
  return Json(200, json::object{{"plans", a}});
}

Response PlanResponse(const store::PlanRecord& p) {
  Response r{200, "application/json", {}, channel::PlanViewText(p)};
  r.headers.emplace_back("ETag", ETag(p.version));
  return r;
}

// GET /v1/plans/{id}: from the channel's memory on the network thread (GetNow) when it can, from
// the store on the pool (Get) otherwise; the same answer either way.
std::optional<Result<Response>> GetNow(const service::Service& svc, const Request& req,
                                       const Caller& caller) {
  auto plan = svc.GetPlanNow(caller, RefParam(req));
  if (!plan.has_value()) return std::nullopt;
  if (!plan->ok()) return Result<Response>(plan->status());
  return Result<Response>(PlanResponse(***plan));
}

Result<Response> Get(const service::Service& svc, const Request& req, const Caller& caller) {
  auto plan = svc.GetPlan(caller, RefParam(req));
  if (!plan.ok()) return plan.status();
  return PlanResponse(*plan);
}

Result<Response> Versions(const service::Service& svc, const Request& req, const Caller& caller) {
  auto history = svc.PlanVersions(caller, RefParam(req));
  if (!history.ok()) return history.status();
  json::array a;
  for (const auto& p : *history) a.push_back(channel::PlanView(p));
  return Json(200, json::object{{"versions", a}});
}

// On the bounded pool (Heavy), under its time budget.
Result<Response> Check(const ApiContext& ctx, const Request& req, const Caller& caller) {
  if (Status s = service::Authorize(caller, service::Action::kDryRun); !s.ok()) return s;
  auto in = PlanBody(req, caller);
  if (!in.ok()) return in.status();
  auto r = ctx.service->DryRun(caller, std::move(*in), ctx.heavy->budget());
  if (!r.ok()) return r.status();
  return Json(200,
              json::object{{"conflicts", r->conflicts}, {"warnings", IssuesJson(r->warnings)}});
}

// A coordinator's approval or rejection of a pending restricting zone: If-Match names the version
// reviewed, so that an amendment made meanwhile is never approved unseen.
Result<Response> Review(const service::Service& svc, const Request& req, const Caller& caller,
                        bool approve) {
  if (Status s = service::Authorize(caller, service::Action::kReviewPlan); !s.ok()) return s;
  auto version = IfMatch(req);
  if (!version.ok()) return version.status();
  if (!*version) {
    return Status::PreconditionRequired(
        "send If-Match: \"<version>\" with the pending version you reviewed (its ETag)");
  }
  service::ReviewInput in{.approve = approve};
  if (!approve) {
    Result<json::value> body = JsonBody(req);
    if (!body.ok()) return body.status();
    const json::value* reason =
        body->is_object() ? body->as_object().if_contains("reason") : nullptr;
    if (reason != nullptr && reason->is_string()) in.reason = reason->as_string();
  }
  auto change = svc.ReviewPlan(caller, RefParam(req), **version, std::move(in));
  if (!change.ok()) return change.status();
  return Changed(200, std::move(*change), true);
}

Result<Response> Approve(const service::Service& svc, const Request& req, const Caller& caller) {
  return Review(svc, req, caller, true);
}

Result<Response> Reject(const service::Service& svc, const Request& req, const Caller& caller) {
  return Review(svc, req, caller, false);
}

}  // namespace

void RegisterPlanRoutes(http::Router* router, const ApiContext& ctx) {
  router->Add("POST", "/v1/plans", PlanWrite(ctx, StartSubmit, 201, false));
  router->Add("GET", "/v1/plans/{id}",
              MemoryFirst(
                  ctx,
                  [svc = ctx.service](const Request& req, const Caller& caller) {
                    return GetNow(*svc, req, caller);
                  },
                  [svc = ctx.service](const Request& req, const Caller& caller) {
                    return Get(*svc, req, caller);
                  }));
  router->Add("PUT", "/v1/plans/{id}", PlanWrite(ctx, StartAmend, 200, true));
  router->Add("DELETE", "/v1/plans/{id}", PlanWrite(ctx, StartCancel, 200, false));
  AddRoutes(router, ctx,
            {
                {"GET", "/v1/plans", List},
                {"GET", "/v1/plans/{id}/versions", Versions},
                {"POST", "/v1/plans/{id}/approve", Approve},
                {"POST", "/v1/plans/{id}/reject", Reject},
            });
  router->Add("POST", "/v1/check", Heavy(ctx, [&ctx](const Request& req, const Caller& caller) {
                return Check(ctx, req, caller);
              }));
}

}  // namespace deconflict::server
