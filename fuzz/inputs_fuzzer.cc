// The service's input parsers (src/service/inputs.h), which every JSON request body that creates
// something goes through: the body is parsed with json::Parse, then given to each of
// ParsePlanInput (for party "US"), ParseMessageInput, ParseWebhookInput and ParseContactInput.
// Properties, for each input accepted:
//   plan:    the id can appear in a URL (IsPlanId), the party is the caller's, and feature_json
//            (what the store keeps and the server returns) parses and is accepted again, giving
//            the same feature_json;
//   message: body_json parses to an object; a language, if any, is a language tag; an accept or
//            reject answers a seq >= 1;
//   webhook: Validate(input) is OK and the URL is a web URL;
//   contact: Validate(input) is OK.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "json/parse.h"
#include "service/inputs.h"

namespace {

namespace bj = boost::json;
namespace svc = deconflict::service;

void CheckPlan(const bj::value& body, const std::string& input) {
  const deconflict::channel::Caller caller{deconflict::PartyId("US")};
  deconflict::Result<svc::PlanInput> in = svc::ParsePlanInput(body, caller);
  if (!in.ok()) return;
  FUZZ_CHECK(svc::IsPlanId(in->plan.id.value()), input);
  FUZZ_CHECK(in->plan.party == caller.party, input);
  bj::value stored;
  FUZZ_CHECK(!deconflict::json::Parse(in->feature_json, &stored), in->feature_json);
  deconflict::Result<svc::PlanInput> again = svc::ParsePlanInput(stored, caller);
  FUZZ_CHECK(again.ok(), in->feature_json + ": " + again.status().message());
  FUZZ_CHECK(again->feature_json == in->feature_json, in->feature_json);
}

void CheckMessage(const bj::value& body, const std::string& input) {
  deconflict::Result<svc::MessageInput> in = svc::ParseMessageInput(body);
  if (!in.ok()) return;
  bj::value stored;
  FUZZ_CHECK(!deconflict::json::Parse(in->body_json, &stored) && stored.is_object(), input);
  FUZZ_CHECK(in->language.empty() || svc::IsLanguageTag(in->language), input);
  if (in->kind == deconflict::MessageKind::kAccept ||
      in->kind == deconflict::MessageKind::kReject) {
    FUZZ_CHECK(in->answers >= 1, input);
  }
}

void CheckWebhook(const bj::value& body, const std::string& input) {
  deconflict::Result<svc::WebhookInput> in = svc::ParseWebhookInput(body);
  if (!in.ok()) return;
  FUZZ_CHECK(svc::Validate(*in).ok(), input);
  FUZZ_CHECK(svc::IsWebUrl(in->url), input);
}

void CheckContact(const bj::value& body, const std::string& input) {
  deconflict::Result<svc::ContactInput> in = svc::ParseContactInput(body);
  if (!in.ok()) return;
  FUZZ_CHECK(svc::Validate(*in).ok(), input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  bj::value body;
  if (deconflict::json::Parse(text, &body)) return 0;
  const std::string input(text);
  CheckPlan(body, input);
  CheckMessage(body, input);
  CheckWebhook(body, input);
  CheckContact(body, input);
  return 0;
}
