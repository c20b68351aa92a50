#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cmath>
#include <stdexcept>

#include "http/server.h"
#include "http/uri.h"

namespace deconflict::http {
namespace {

asio::awaitable<void> Noop(Exchange&) { co_return; }

TEST(Router, MatchesLiteralsAndParamsInOrder) {
  Router r;
  r.Add("GET", "/v1/plans", Noop);
  r.Add("GET", "/v1/plans/{id}", Noop);
  r.Add("POST", "/v1/plans/{id}/check", Noop);
  r.Add("GET", "/v1/plans/special", Noop);  // shadowed by {id}: routes match in order
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;

  const Router::Route* m = r.Match("GET", "/v1/plans", &params, &allowed);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->pattern, "/v1/plans");
  EXPECT_TRUE(params.empty());

  m = r.Match("GET", "/v1/plans/p-42", &params, &allowed);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->pattern, "/v1/plans/{id}");
  EXPECT_EQ(params.at("id"), "p-42");

  m = r.Match("GET", "/v1/plans/special", &params, &allowed);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->pattern, "/v1/plans/{id}");

  m = r.Match("POST", "/v1/plans/x/check", &params, &allowed);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(params.at("id"), "x");
}

TEST(Router, NoMatchAndMethodNotAllowed) {
  Router r;
  r.Add("GET", "/v1/plans/{id}", Noop);
  r.Add("DELETE", "/v1/plans/{id}", Noop);
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;

  EXPECT_EQ(r.Match("GET", "/v1/other", &params, &allowed), nullptr);
  EXPECT_TRUE(allowed.empty());  // -> 404
  EXPECT_EQ(r.Match("GET", "/v1/plans", &params, &allowed), nullptr);
  EXPECT_EQ(r.Match("GET", "/v1/plans/", &params, &allowed), nullptr);  // empty {id}
  EXPECT_EQ(r.Match("GET", "/v1/plans/a/b", &params, &allowed), nullptr);

  EXPECT_EQ(r.Match("PUT", "/v1/plans/7", &params, &allowed), nullptr);
  EXPECT_EQ(allowed, (std::vector<std::string>{"GET", "DELETE"}));       // -> 405, Allow
  EXPECT_EQ(r.Match("get", "/v1/plans/7", &params, &allowed), nullptr);  // case-sensitive
}

TEST(Router, RootAndSegmentsWithEncodedSlash) {
  Router r;
  r.Add("GET", "/", Noop);
  r.Add("GET", "/files/{name}", Noop);
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;
  EXPECT_NE(r.Match("GET", "/", &params, &allowed), nullptr);
  // The server splits the raw path before decoding: "a%2Fb" is one segment.
  Result<internal::Target> t = internal::ParseTarget("/files/a%2Fb");
  ASSERT_TRUE(t.ok());
  const Router::Route* m = r.MatchSegments("GET", t->segments, &params, &allowed);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(params.at("name"), "a/b");
  EXPECT_EQ(t->path, "/files/a/b");
}

TEST(Router, RejectsBadPatterns) {
  Router r;
  EXPECT_THROW(r.Add("GET", "v1/plans", Noop), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/v1/{}", Noop), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/v1/a{id}", Noop), std::invalid_argument);
  EXPECT_THROW(r.Add("GET", "/v1/{a}{b}", Noop), std::invalid_argument);
  EXPECT_TRUE(r.routes().empty());
}

TEST(Problem, BodyShapeAndStatusMapping) {
  Response r = ProblemResponse(400, "invalid_argument", "Invalid argument", "2 problems",
                               {{"features[0].times[1]", "not after times[0]"}, {"", "empty"}},
                               {{"plan_id", "p1"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/problem+json");
  const boost::json::value v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("type").as_string(), "https://deconflict.example/problems/invalid_argument");
  EXPECT_EQ(v.at("title").as_string(), "Invalid argument");
  EXPECT_EQ(v.at("status").as_int64(), 400);
  EXPECT_EQ(v.at("detail").as_string(), "2 problems");
  EXPECT_EQ(v.at("errors").as_array().size(), 2u);
  EXPECT_EQ(v.at("errors").at(0).at("path").as_string(), "features[0].times[1]");
  EXPECT_EQ(v.at("errors").at(0).at("reason").as_string(), "not after times[0]");
  EXPECT_EQ(v.at("plan_id").as_string(), "p1");

  EXPECT_FALSE(boost::json::parse(ProblemResponse(404, "not_found", "Not found", "x").body)
                   .as_object()
                   .contains("errors"));

  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 422);
  EXPECT_EQ(HttpStatusFor(StatusCode::kMalformedRequest), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUpgradeRequired), 426);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPreconditionRequired), 428);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPreconditionFailed), 412);
  EXPECT_EQ(HttpStatusFor(StatusCode::kTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIoError), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);

  Response nf = ProblemFromStatus(Status::NotFound("no plan p9"));
  EXPECT_EQ(nf.status, 404);
  const boost::json::value nv = boost::json::parse(nf.body);
  EXPECT_EQ(nv.at("type").as_string(), "https://deconflict.example/problems/not_found");
  EXPECT_EQ(nv.at("detail").as_string(), "no plan p9");

  Response inv = ProblemFromStatus(Status::Invalid({{"a", "b"}}));
  EXPECT_EQ(inv.status, 422);  // a document that does not validate
  Response bad = ProblemFromStatus(Status::MalformedRequest("limit: expected an integer"));
  EXPECT_EQ(bad.status, 400);  // a request that cannot be read
  EXPECT_EQ(boost::json::parse(bad.body).at("type").as_string(),
            "https://deconflict.example/problems/malformed_request");
  Response up = ProblemFromStatus(Status::UpgradeRequired("use a WebSocket"));
  EXPECT_EQ(up.status, 426);
  EXPECT_EQ(up.headers.at(0), (std::pair<std::string, std::string>{"Upgrade", "websocket"}));
  EXPECT_EQ(boost::json::parse(inv.body).at("errors").as_array().size(), 1u);
}

TEST(Problem, JsonResponse) {
  Response r = JsonResponse(201, {{"id", "p1"}, {"n", 3}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(boost::json::parse(r.body), (boost::json::value{{"id", "p1"}, {"n", 3}}));
}

TEST(Problem, JsonBodiesHaveReadableNumbers) {
  Response r = JsonResponse(200, {{"point", boost::json::array{41.63, 37.0400113}},
                                  {"required_m", 1150.0},
                                  {"bad", std::nan("")}});
  EXPECT_EQ(r.body, R"({"point":[41.63,37.0400113],"required_m":1150.0,"bad":null})");
  Response p = ProblemResponse(409, "conflict", "Conflict", "d", {}, {{"shift_s", 0.25}});
  EXPECT_NE(p.body.find(R"("status":409,)"), std::string::npos) << p.body;
  EXPECT_NE(p.body.find(R"("shift_s":0.25})"), std::string::npos) << p.body;
}

}  // namespace
}  // namespace deconflict::http
