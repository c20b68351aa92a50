// The inputs of the service's use cases, validated at the edge: each parser takes a JSON document
// (as an HTTP body or a file would carry it) and returns a typed input, or InvalidArgument naming
// every field at fault and the reason (422 in HTTP). The admin CLI builds the same inputs from its
// flags and checks them with the same Validate functions, so both edges accept the same values.
//
//   Result<PlanInput> in = ParsePlanInput(body, caller);   // body: the parsed JSON document
//   if (!in.ok()) return in.status();                      // e.g. "properties.party: must be ..."
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/vocabulary.h"
#include "channel/channel.h"
#include "model/plan.h"

namespace deconflict::service {

// A plan Feature for the caller's party.
struct PlanInput {
  model::Plan plan;            // validated; plan.id is the feature id (unprefixed)
  std::string feature_json;    // the Feature with properties.party set to the caller's party
  boost::json::value feature;  // the same Feature, parsed: FinishPlanChange answers with it
  std::vector<Issue> warnings;
};
// REQUIRES: nothing. PermissionDenied if properties.party names another party (a party submits
// only its own plans); InvalidArgument for anything else (a FeatureCollection, an invalid plan, an
// id that cannot appear in a URL).
Result<PlanInput> ParsePlanInput(boost::json::value feature, const channel::Caller& caller);

// A plan as the API names it (a URL segment, the `plan` query parameter): "id" or "PARTY:id",
// split at the first colon. "id" alone leaves the party empty: the service reads it as the
// caller's own plan (for coordinators and observers, who read every party's plans, as the one plan
// of any party with that id). Never fails; an unknown plan is NotFound where it is looked up.
channel::PlanRef ParsePlanRef(std::string_view text);
// The reference as the API wrote it: "id" or "PARTY:id".
std::string PlanRefText(const channel::PlanRef& ref);

// The most characters (Unicode code points, model::CountCharacters) of a message's `text`.
inline constexpr size_t kMaxMessageChars = 4000;

// A message of a conflict's thread.
struct MessageInput {
  MessageKind kind = MessageKind::kText;
  std::string body_json;  // {"text"} | {"shift_s", "subject"} | {"message"}, as stored
  std::string language;   // BCP 47, may be empty
  int64_t answers = 0;    // accept/reject: the seq of the proposal answered
};
Result<MessageInput> ParseMessageInput(const boost::json::value& body);

struct WebhookInput {
  std::string url;     // http:// or https://
  std::string secret;  // 16..256 characters; empty: the server makes one
};
Result<WebhookInput> ParseWebhookInput(const boost::json::value& body);
Status Validate(const WebhookInput& in);

struct ContactInput {
  std::string name;      // 1..200 characters
  std::string language;  // BCP 47
  ContactRole role = ContactRole::kPrimary;
  std::string roster;       // at most 200 characters
  std::string webhook_url;  // optional: escalations are paged here
};
Result<ContactInput> ParseContactInput(const boost::json::value& body);
Status Validate(const ContactInput& in);

// An http:// or https:// URL a webhook or a pager may be sent to.
bool IsWebUrl(const std::string& url);
// OK unless `url`'s host is an IP literal the server may not connect to (http/destination.h) and
// `allow_private` is false: then InvalidArgument naming `field` ("destination not allowed: a
// loopback address ..."). Host names are checked after resolution, at each delivery.
// REQUIRES: IsWebUrl(url) (else OK: Validate reports it).
Status CheckDestination(const std::string& field, const std::string& url, bool allow_private);
// A BCP 47 language tag such as en, fr, ru, ar, pt-BR.
bool IsLanguageTag(const std::string& tag);
// A plan id that can appear in a URL: 1 to 128 characters of A-Z a-z 0-9 . _ ~ -.
bool IsPlanId(const std::string& id);

}  // namespace deconflict::service
