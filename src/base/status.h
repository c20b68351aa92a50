// Errors as values across module boundaries.
//
//   Result<Plan> r = ParsePlan(json);
//   if (!r.ok()) return r.status();   // r.status().code() == StatusCode::kInvalidArgument
//
// A Status carries a stable machine-readable code and a human message. Validation errors may carry
// several `Issue`s (field path + reason), so that a caller can report all of them at once.
// Thread-safety: value types; const methods are safe to call concurrently.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace deconflict {

// Stable codes; their names are part of the public contract (CLI JSON, later HTTP problems).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the input is malformed or violates a documented constraint
  kNotFound,         // a named thing does not exist
  kAlreadyExists,    // a unique name is taken
  kFailedPrecondition,
  kIoError,             // reading or writing a file failed
  kInternal,            // a bug: never expected
  kUnauthenticated,     // no or unknown credentials
  kPermissionDenied,    // known caller, not allowed to do this
  kPreconditionFailed,  // an If-Match version does not match (lost update prevented)
  kTooLarge,            // an input exceeds a size limit
  kUnavailable,         // the service cannot answer now (starting, shutting down, storage error)
  // Request-level conditions (the edge of a network API):
  kMalformedRequest,      // a request that cannot be read: not JSON, a bad parameter or header
  kUnsupportedMediaType,  // a body in a media type the operation does not take
  kPreconditionRequired,  // a change that must name the version it replaces (If-Match) does not
  kUpgradeRequired,       // the resource speaks another protocol (e.g. WebSocket)
  kResourceExhausted,     // a per-caller limit is reached (open streams, rate): retry later
};

// Returns the stable lower_snake_case name of `code`, e.g. "invalid_argument".
const char* StatusCodeName(StatusCode code);

// One problem with one field of an input document.
struct Issue {
  std::string path;    // JSON path, e.g. "features[3].properties.times[2]"
  std::string reason;  // e.g. "earlier than times[1]"
  std::string ToString() const { return path.empty() ? reason : path + ": " + reason; }
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
  }
  // A validation failure listing every issue found; message summarises them.
  static Status Invalid(std::vector<Issue> issues);
  static Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
  }
  static Status AlreadyExists(std::string message) {
    return Status(StatusCode::kAlreadyExists, std::move(message));
  }
  static Status FailedPrecondition(std::string message) {
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  }
  static Status IoError(std::string message) {
    return Status(StatusCode::kIoError, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
  }
  static Status Unauthenticated(std::string message) {
    return Status(StatusCode::kUnauthenticated, std::move(message));
  }
  static Status PermissionDenied(std::string message, std::vector<Issue> issues = {}) {
    Status s(StatusCode::kPermissionDenied, std::move(message));
    s.issues_ = std::move(issues);
    return s;
  }
  static Status PreconditionFailed(std::string message) {
    return Status(StatusCode::kPreconditionFailed, std::move(message));
  }
  static Status TooLarge(std::string message) {
    return Status(StatusCode::kTooLarge, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(StatusCode::kUnavailable, std::move(message));
  }
  // A malformed request; `issues` (optional) name the parameter or header and the reason.
  static Status MalformedRequest(std::string message, std::vector<Issue> issues = {}) {
    Status s(StatusCode::kMalformedRequest, std::move(message));
    s.issues_ = std::move(issues);
    return s;
  }
  static Status UnsupportedMediaType(std::string message) {
    return Status(StatusCode::kUnsupportedMediaType, std::move(message));
  }
  static Status PreconditionRequired(std::string message) {
    return Status(StatusCode::kPreconditionRequired, std::move(message));
  }
  static Status UpgradeRequired(std::string message) {
    return Status(StatusCode::kUpgradeRequired, std::move(message));
  }
  static Status ResourceExhausted(std::string message) {
    return Status(StatusCode::kResourceExhausted, std::move(message));
  }
  // A validation failure with its issues and a message of the caller's choice.
  static Status Invalid(std::string message, std::vector<Issue> issues) {
    Status s(StatusCode::kInvalidArgument, std::move(message));
    s.issues_ = std::move(issues);
    return s;
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<Issue>& issues() const { return issues_; }
  // "invalid_argument: <message>", or "ok".
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<Issue> issues_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace deconflict
