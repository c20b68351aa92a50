// The record: audit entries the caller may read, the whole log for coordinators and observers,
// and the server's public key.
#include <boost/json.hpp>

#include "record/chain.h"
#include "server/handler.h"

namespace deconflict::server {

namespace json = boost::json;

namespace {

Result<Response> Entries(const service::Service& svc, const Request& req, const Caller& caller) {
  auto after = QueryInt(req, "after", 0, 0, INT64_MAX);
  if (!after.ok()) return after.status();
  auto limit = QueryInt(req, "limit", 500, 1, 5000);
  if (!limit.ok()) return limit.status();
  auto page = svc.Audit(caller, *after, static_cast<int>(*limit));
  if (!page.ok()) return page.status();
  json::array a, c;
  for (const auto& e : page->entries) a.push_back(record::AuditEntryToJson(e));
  for (const auto& cp : page->checkpoints) c.push_back(record::CheckpointToJson(cp));
  return Json(200, json::object{{"entries", a}, {"checkpoints", c}});
}

Result<Response> Export(const service::Service& svc, const Request&, const Caller& caller) {
  auto log = svc.ExportRecord(caller);
  if (!log.ok()) return log.status();
  Response r;
  r.content_type = "application/x-ndjson";
  r.body = std::move(*log);
  return r;
}

}  // namespace

void RegisterRecordRoutes(http::Router* router, const ApiContext& ctx) {
  AddRoute(router, ctx, "GET", "/v1/audit", Entries);
  AddRoute(router, ctx, "GET", "/v1/audit/export", Export);
  router->Add("GET", "/v1/record/key", Public(ctx, [svc = ctx.service](const Request&) {
                return Result<Response>(Json(
                    200, json::object{{"public_key", svc->RecordKey()}, {"algorithm", "Ed25519"}}));
              }));
}

}  // namespace deconflict::server
