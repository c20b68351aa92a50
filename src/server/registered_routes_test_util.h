// Test helper shared by openapi_test.cc and authz_test.cc: the routes Api::Register adds, as
// "METHOD /pattern", obtained from a real Api on a scratch store and channel.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "channel/channel.h"
#include "http/metrics.h"
#include "http/server.h"
#include "server/api.h"
#include "store/sqlite_store.h"

namespace deconflict::server::testing {

// Adds a failure if the store or channel cannot be opened, or if a route is registered twice.
inline std::set<std::string> RegisteredRoutes() {
  namespace fs = std::filesystem;
  fs::path dir =
      fs::temp_directory_path() / ("registered_routes_" + std::to_string(::getpid()) + "_" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  std::set<std::string> out;
  {
    auto st = store::OpenSqliteStore({.dir = dir.string()});
    if (!st.ok()) {
      ADD_FAILURE() << st.status().ToString();
      return out;
    }
    channel::ChannelOptions o;
    o.key_file = (dir / "server.key").string();
    auto ch = channel::Channel::Open(st->get(), o);
    if (!ch.ok()) {
      ADD_FAILURE() << ch.status().ToString();
      return out;
    }
    http::Metrics metrics;
    http::Router router;
    Api api({.channel = ch->get(), .metrics = &metrics, .openapi_json = "{}"});
    api.Register(&router);
    for (const std::string& r : Api::RouteNames(router)) {
      EXPECT_TRUE(out.insert(r).second) << "registered twice: " << r;
    }
    (*ch)->Stop();
  }
  fs::remove_all(dir);
  return out;
}

}  // namespace deconflict::server::testing
