#include "server/api.h"

#include <algorithm>
#include <thread>

namespace deconflict::server {
namespace {

size_t WorkerThreads(int configured) {
  if (configured > 0) return static_cast<size_t>(configured);
  return std::max<size_t>(4, 2 * static_cast<size_t>(std::thread::hardware_concurrency()));
}

}  // namespace

Api::Api(ApiOptions options)
    : o_(std::move(options)),
      service_(o_.channel, o_.service),
      pool_(std::make_unique<boost::asio::thread_pool>(WorkerThreads(o_.workers))),
      heavy_(
          std::make_unique<BoundedPool>(o_.dry_run_workers, o_.dry_run_queue, o_.dry_run_budget)) {
  ctx_.service = &service_;
  ctx_.pool = pool_.get();
  ctx_.metrics = o_.metrics;
  ctx_.openapi_json = o_.openapi_json;
  ctx_.console = o_.console;
  ctx_.keepalive = o_.keepalive;
  ctx_.heavy = heavy_.get();
  ctx_.metrics_token = o_.metrics_token;
  ctx_.ws_auth_timeout = o_.ws_auth_timeout;
}

Api::~Api() { Join(); }

void Api::Join() {
  pool_->join();
  heavy_->Join();
}

std::vector<std::string> Api::RouteNames(const http::Router& router) {
  std::vector<std::string> out;
  for (const auto& r : router.routes()) out.push_back(r.method + " " + r.pattern);
  return out;
}

void Api::Register(http::Router* router) {
  RegisterOperationRoutes(router, ctx_);  // ops_routes.cc
  RegisterPartyRoutes(router, ctx_);      // party_routes.cc
  RegisterPlanRoutes(router, ctx_);       // plan_routes.cc
  RegisterConflictRoutes(router, ctx_);   // conflict_routes.cc
  RegisterEventRoutes(router, ctx_);      // event_routes.cc
  RegisterRecordRoutes(router, ctx_);     // record_routes.cc
}

}  // namespace deconflict::server
