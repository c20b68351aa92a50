// The one place that maps Status codes to HTTP statuses and RFC 9457 problem bodies.
#include <spdlog/spdlog.h>

#include "http/server.h"
#include "json/write.h"

namespace deconflict::http {

namespace {

constexpr std::string_view kProblemTypeBase = "https://deconflict.example/problems/";

const char* TitleFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "Invalid argument";
    case StatusCode::kNotFound:
      return "Not found";
    case StatusCode::kAlreadyExists:
      return "Already exists";
    case StatusCode::kFailedPrecondition:
      return "Failed precondition";
    case StatusCode::kIoError:
      return "I/O error";
    case StatusCode::kInternal:
      return "Internal error";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPermissionDenied:
      return "Permission denied";
    case StatusCode::kPreconditionFailed:
      return "Precondition failed";
    case StatusCode::kTooLarge:
      return "Too large";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kMalformedRequest:
      return "Malformed request";
    case StatusCode::kUnsupportedMediaType:
      return "Unsupported media type";
    case StatusCode::kPreconditionRequired:
      return "Precondition required";
    case StatusCode::kUpgradeRequired:
      return "Upgrade required";
    case StatusCode::kResourceExhausted:
      return "Too many requests";
  }
  return "Internal error";
}

}  // namespace

Response JsonResponse(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = json::Write(body);
  return r;
}

Response ProblemResponse(int status, std::string_view type, std::string_view title,
                         std::string_view detail, const std::vector<Issue>& issues,
                         const boost::json::object& extra) {
  boost::json::object o;
  std::string full_type(kProblemTypeBase);
  full_type += type;
  o["type"] = full_type;
  o["title"] = title;
  o["status"] = status;
  o["detail"] = detail;
  if (!issues.empty()) {
    boost::json::array errors;
    for (const Issue& i : issues) {
      errors.push_back(boost::json::object{{"path", i.path}, {"reason", i.reason}});
    }
    o["errors"] = std::move(errors);
  }
  for (const auto& [k, v] : extra) o[k] = v;
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = json::Write(o);
  return r;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kMalformedRequest:
      return 400;
    case StatusCode::kInvalidArgument:
      return 422;
    case StatusCode::kUnsupportedMediaType:
      return 415;
    case StatusCode::kPreconditionRequired:
      return 428;
    case StatusCode::kUpgradeRequired:
      return 426;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kPreconditionFailed:
      return 412;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Response ProblemFromStatus(const Status& s) {
  if (s.ok()) {
    spdlog::error("ProblemFromStatus called with an OK status");
    return ProblemResponse(500, "internal", TitleFor(StatusCode::kInternal),
                           "an OK status was reported as a problem");
  }
  const int status = HttpStatusFor(s.code());
  if (status == 500) spdlog::error("internal error answered with 500: {}", s.ToString());
  Response r = ProblemResponse(status, StatusCodeName(s.code()), TitleFor(s.code()), s.message(),
                               s.issues());
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"deconflict\"");
  if (status == 429) r.headers.emplace_back("Retry-After", "1");
  if (status == 426) {
    // RFC 9110 §15.5.22: 426 names the protocol to switch to.
    r.headers.emplace_back("Upgrade", "websocket");
    r.headers.emplace_back("Connection", "Upgrade");
  }
  return r;
}

}  // namespace deconflict::http
