#include "base/status.h"

namespace deconflict {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kIoError:
      return "io_error";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    case StatusCode::kPreconditionFailed:
      return "precondition_failed";
    case StatusCode::kTooLarge:
      return "too_large";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kMalformedRequest:
      return "malformed_request";
    case StatusCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case StatusCode::kPreconditionRequired:
      return "precondition_required";
    case StatusCode::kUpgradeRequired:
      return "upgrade_required";
    case StatusCode::kResourceExhausted:
      return "too_many_requests";
  }
  return "internal";
}

Status Status::Invalid(std::vector<Issue> issues) {
  std::string message;
  if (issues.empty()) {
    message = "invalid input";
  } else {
    message = issues.front().ToString();
    if (issues.size() > 1) {
      message += " (and " + std::to_string(issues.size() - 1) + " more)";
    }
  }
  Status s(StatusCode::kInvalidArgument, std::move(message));
  s.issues_ = std::move(issues);
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace deconflict
