// docs/openapi.json is the contract of the API: every route the server registers is in it, and
// every operation in it is a route; the running daemon serves the same document.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <functional>
#include <set>

#include "channel/channel.h"
#include "http/metrics.h"
#include "http/server.h"
#include "server/api.h"
#include "server/registered_routes_test_util.h"
#include "store/sqlite_store.h"
#include "testsupport/daemon.h"

namespace deconflict::server {
namespace {

namespace json = boost::json;
namespace dt = deconflict::testing;

constexpr char kOpenApi[] = DECONFLICT_SOURCE_DIR "/docs/openapi.json";

// "METHOD /path" of every operation in the document.
std::set<std::string> DocumentedRoutes(const json::value& doc) {
  std::set<std::string> out;
  const json::value* paths = doc.is_object() ? doc.get_object().if_contains("paths") : nullptr;
  if (paths == nullptr || !paths->is_object()) {
    ADD_FAILURE() << "no \"paths\" object in " << kOpenApi;
    return out;
  }
  for (const auto& [path, item] : paths->get_object()) {
    if (!item.is_object()) continue;
    for (const auto& [method, op] : item.get_object()) {
      std::string m(method);
      if (m != "get" && m != "put" && m != "post" && m != "delete" && m != "patch" && m != "head" &&
          m != "options" && m != "trace") {
        continue;  // parameters, summary, ...
      }
      for (char& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.insert(m + " " + std::string(path));
    }
  }
  return out;
}

using testing::RegisteredRoutes;

TEST(openapiCoverage, EveryRouteIsDocumentedAndEveryOperationIsARoute) {
  json::value doc = dt::ParseJson(dt::ReadFileText(kOpenApi));
  ASSERT_TRUE(doc.is_object()) << kOpenApi << " is not a JSON object";
  const json::value* version = doc.get_object().if_contains("openapi");
  ASSERT_TRUE(version != nullptr && version->is_string());
  EXPECT_EQ(std::string(version->get_string()).rfind("3.1", 0), 0u) << "OpenAPI 3.1";

  std::set<std::string> documented = DocumentedRoutes(doc);
  std::set<std::string> registered = RegisteredRoutes();
  ASSERT_FALSE(registered.empty());
  std::string missing_in_doc, missing_in_server;
  for (const std::string& r : registered) {
    if (!documented.count(r)) missing_in_doc += "  " + r + "\n";
  }
  for (const std::string& r : documented) {
    if (!registered.count(r)) missing_in_server += "  " + r + "\n";
  }
  EXPECT_TRUE(missing_in_doc.empty()) << "routes the server has but docs/openapi.json lacks:\n"
                                      << missing_in_doc;
  EXPECT_TRUE(missing_in_server.empty())
      << "operations docs/openapi.json has but the server lacks:\n"
      << missing_in_server;
}

// Every operation has a response list, and every $ref points into the document.
TEST(openapiCoverage, DocumentIsSelfConsistent) {
  json::value doc = dt::ParseJson(dt::ReadFileText(kOpenApi));
  ASSERT_TRUE(doc.is_object());
  std::vector<std::string> problems;
  std::function<void(const json::value&, const std::string&)> walk = [&](const json::value& v,
                                                                         const std::string& at) {
    if (v.is_object()) {
      for (const auto& [k, x] : v.get_object()) {
        if (k == "$ref" && x.is_string()) {
          std::string ref(x.get_string());
          if (ref.rfind("#/", 0) != 0) {
            problems.push_back(at + ": external $ref " + ref);
            continue;
          }
          const json::value* cur = &doc;
          size_t pos = 2;
          while (cur && pos <= ref.size()) {
            size_t slash = ref.find('/', pos);
            std::string part =
                ref.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
            cur = cur->is_object() ? cur->get_object().if_contains(part) : nullptr;
            if (slash == std::string::npos) break;
            pos = slash + 1;
          }
          if (cur == nullptr) problems.push_back(at + ": dangling $ref " + ref);
        } else {
          walk(x, at + "/" + std::string(k));
        }
      }
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.get_array().size(); ++i) {
        walk(v.get_array()[i], at + "/" + std::to_string(i));
      }
    }
  };
  walk(doc, "#");
  for (const auto& [path, item] : doc.as_object().at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (!op.is_object() || method == "parameters") continue;
      const json::value* responses = op.get_object().if_contains("responses");
      if (responses == nullptr || !responses->is_object() || responses->get_object().empty()) {
        problems.push_back(std::string(method) + " " + std::string(path) + ": no responses");
      }
    }
  }
  std::string all;
  for (const auto& p : problems) all += "  " + p + "\n";
  EXPECT_TRUE(problems.empty()) << all;
}

TEST(openapiCoverage, DaemonServesTheDocument) {
  dt::Daemon d({.daemon_binary = DECONFLICTD_BINARY, .cli_binary = DECONFLICT_CLI_BINARY});
  Status s = d.Start();
  ASSERT_TRUE(s.ok()) << s.ToString();
  http::ClientResponse r = d.Request("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.header("Content-Type").find("json"), std::string::npos) << r.header("Content-Type");
  json::value served = dt::ParseJson(r.body);
  json::value file = dt::ParseJson(dt::ReadFileText(kOpenApi));
  ASSERT_TRUE(served.is_object()) << "not JSON: " << r.body.substr(0, 200);
  EXPECT_EQ(served, file) << "GET /openapi.json differs from docs/openapi.json (rebuild?)";
  EXPECT_EQ(d.Stop(), 0);
}

}  // namespace
}  // namespace deconflict::server
