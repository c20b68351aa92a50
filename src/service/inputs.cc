#include "service/inputs.h"

#include <boost/json.hpp>
#include <cmath>
#include <regex>

#include "http/destination.h"
#include "http/url.h"
#include "json/write.h"
#include "model/plan_parser.h"

namespace deconflict::service {

namespace json = boost::json;

bool IsWebUrl(const std::string& u) { return http::ParseWebUrl(u).ok(); }

Status CheckDestination(const std::string& field, const std::string& url, bool allow_private) {
  if (allow_private) return Status::Ok();
  Result<http::Url> u = http::ParseWebUrl(url);
  if (!u.ok()) return Status::Ok();
  const std::string reason = http::RefusedHostReason(u->host);
  if (reason.empty()) return Status::Ok();
  return Status::Invalid({{field, "destination not allowed: " + reason +
                                      " (the operator may allow it: allow_private_destinations)"}});
}

bool IsLanguageTag(const std::string& tag) {
  static const std::regex re("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$");
  return std::regex_match(tag, re);
}

bool IsPlanId(const std::string& id) {
  static const std::regex re("^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$");
  return std::regex_match(id, re);
}

Result<PlanInput> ParsePlanInput(json::value v, const channel::Caller& caller) {
  json::object* f = v.if_object();
  if (f == nullptr) {
    return Status::Invalid("expected one plan Feature (a JSON object)",
                           {{"", "expected a GeoJSON Feature object"}});
  }
  if (auto* t = f->if_contains("type");
      t && t->is_string() && t->get_string() == "FeatureCollection") {
    return Status::Invalid("send one plan Feature per request, not a FeatureCollection",
                           {{"type", "expected \"Feature\""}});
  }
  // The party comes from the token.
  if (json::value* props = f->if_contains("properties"); props != nullptr && props->is_object()) {
    json::object& p = props->get_object();
    if (json::value* party = p.if_contains("party")) {
      if (!party->is_string() || std::string(party->get_string()) != caller.party.value()) {
        return Status::PermissionDenied(
            "properties.party must be your own party (" + caller.party.value() +
                ") or absent; a party submits only its own plans",
            {{"properties.party", "must be \"" + caller.party.value() + "\" or absent"}});
      }
    } else {
      p["party"] = caller.party.value();
    }
  }
  PlanInput in;
  Result<model::Plan> plan = model::ParsePlanFeature(v, "", &in.warnings);
  if (!plan.ok()) {
    const Status& s = plan.status();
    return Status::Invalid(s.message(),
                           s.issues().empty() ? std::vector<Issue>{{"", s.message()}} : s.issues());
  }
  if (!IsPlanId(plan->id.value())) {
    return Status::Invalid(
        "id: 1 to 128 characters of A-Z a-z 0-9 . _ ~ -, starting with a letter or digit (it "
        "appears in URLs)",
        {{"id", "1 to 128 characters of A-Z a-z 0-9 . _ ~ -"}});
  }
  in.plan = std::move(*plan);
  in.feature_json = deconflict::json::Write(v);
  in.feature = std::move(v);
  return in;
}

channel::PlanRef ParsePlanRef(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return {PartyId(), PlanId(std::string(text))};
  return {PartyId(std::string(text.substr(0, colon))), PlanId(std::string(text.substr(colon + 1)))};
}

std::string PlanRefText(const channel::PlanRef& ref) {
  return ref.party.empty() ? ref.id.value() : ref.party + ":" + ref.id;
}

Result<MessageInput> ParseMessageInput(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr)
    return Status::Invalid("expected a JSON object", {{"", "expected a JSON object"}});
  std::vector<Issue> issues;
  MessageInput m;
  std::string kind_text;  // as sent
  if (auto* k = o->if_contains("kind"); k && k->is_string()) kind_text = k->get_string();
  const std::optional<MessageKind> kind = Parse<MessageKind>(kind_text);
  const bool answer = kind == MessageKind::kAccept || kind == MessageKind::kReject;
  if (!kind.has_value()) {
    issues.push_back({"kind", "expected one of text, propose, accept, reject"});
  }
  json::object body;
  for (const auto& [key, val] : *o) {
    std::string k(key);
    if (k == "kind") continue;
    if (k == "language") {
      if (!val.is_string() || !IsLanguageTag(std::string(val.get_string()))) {
        issues.push_back({"language", "expected a language tag such as en, fr, ru, ar"});
      } else {
        m.language = val.get_string();
      }
    } else if (k == "text") {
      if (!val.is_string() || val.get_string().empty()) {
        issues.push_back({"text", "expected a non-empty string"});
      } else if (size_t n = model::CountCharacters(val.get_string()); n > kMaxMessageChars) {
        issues.push_back({"text", "too long: " + std::to_string(n) + " characters, at most " +
                                      std::to_string(kMaxMessageChars)});
      } else {
        body["text"] = val;
      }
    } else if (k == "shift_s" && kind == MessageKind::kPropose) {
      double s = val.is_number() ? val.to_number<double>() : std::nan("");
      if (!std::isfinite(s) || s == 0 || std::abs(s) > 7 * 86400) {
        issues.push_back({"shift_s", "expected a non-zero number of seconds within 7 days"});
      } else {
        body["shift_s"] = s;
      }
    } else if (k == "subject" && kind == MessageKind::kPropose) {
      if (!val.is_string() || (val.get_string() != "self" && val.get_string() != "other")) {
        issues.push_back({"subject", "expected self or other"});
      } else {
        body["subject"] = val;
      }
    } else if (k == "message" && answer) {
      if (!val.is_int64() || val.get_int64() < 1) {
        issues.push_back({"message", "expected the seq of a proposal in this thread"});
      } else {
        body["message"] = val;
        m.answers = val.get_int64();
      }
    } else {
      issues.push_back(
          {k, "unknown member for a " + (kind_text.empty() ? "message" : kind_text) + " message"});
    }
  }
  if (kind == MessageKind::kText && !o->contains("text")) issues.push_back({"text", "required"});
  if (kind == MessageKind::kPropose && !o->contains("shift_s"))
    issues.push_back({"shift_s", "required"});
  if (kind == MessageKind::kPropose && !body.contains("subject")) body["subject"] = "self";
  if (answer && !o->contains("message")) {
    issues.push_back({"message", "required"});
  }
  if (!issues.empty()) return Status::Invalid(std::move(issues));
  m.kind = *kind;
  m.body_json = deconflict::json::Write(body);
  return m;
}

Status Validate(const WebhookInput& in) {
  std::vector<Issue> issues;
  if (!IsWebUrl(in.url)) issues.push_back({"url", "expected an http:// or https:// URL"});
  if (!in.secret.empty() && (in.secret.size() < 16 || in.secret.size() > 256)) {
    issues.push_back({"secret", "expected 16 to 256 characters"});
  }
  if (!issues.empty()) return Status::Invalid(std::move(issues));
  return Status::Ok();
}

Result<WebhookInput> ParseWebhookInput(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr)
    return Status::Invalid("expected a JSON object", {{"", "expected a JSON object"}});
  std::vector<Issue> issues;
  WebhookInput w;
  for (const auto& [key, val] : *o) {
    std::string k(key);
    if (k == "url") {
      if (!val.is_string()) {
        issues.push_back({"url", "expected a string"});
      } else if (!IsWebUrl(std::string(val.get_string()))) {
        issues.push_back({"url", "expected an http:// or https:// URL"});
      } else {
        w.url = val.get_string();
      }
    } else if (k == "secret") {
      if (!val.is_string() || val.get_string().size() < 16 || val.get_string().size() > 256) {
        issues.push_back({"secret", "expected 16 to 256 characters"});
      } else {
        w.secret = val.get_string();
      }
    } else {
      issues.push_back({k, "unknown member (expected url, secret)"});
    }
  }
  if (!o->contains("url")) issues.push_back({"url", "required"});
  if (!issues.empty()) return Status::Invalid(std::move(issues));
  return w;
}

Status Validate(const ContactInput& c) {
  std::vector<Issue> issues;
  if (c.name.empty() || c.name.size() > 200)
    issues.push_back({"name", "expected 1 to 200 characters"});
  if (!IsLanguageTag(c.language)) {
    issues.push_back({"language", "expected a language tag such as en, fr, ru, ar"});
  }
  if (c.roster.size() > 200) issues.push_back({"roster", "expected at most 200 characters"});
  if (!c.webhook_url.empty() && !IsWebUrl(c.webhook_url)) {
    issues.push_back({"webhook_url", "expected an http:// or https:// URL"});
  }
  if (!issues.empty()) return Status::Invalid(std::move(issues));
  return Status::Ok();
}

Result<ContactInput> ParseContactInput(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr)
    return Status::Invalid("expected a JSON object", {{"", "expected a JSON object"}});
  std::vector<Issue> issues;
  ContactInput c;
  bool bad_role = false;  // reported after the name and language checks of Validate
  for (const auto& [key, val] : *o) {
    std::string k(key);
    std::string s = val.is_string() ? std::string(val.get_string()) : "";
    if (k == "name") {
      c.name = s;
    } else if (k == "language") {
      c.language = s;
    } else if (k == "role") {
      std::optional<ContactRole> role = Parse<ContactRole>(s);
      bad_role = !role.has_value();
      c.role = role.value_or(ContactRole::kPrimary);
    } else if (k == "roster") {
      if (!val.is_string()) issues.push_back({"roster", "expected at most 200 characters"});
      c.roster = s;
    } else if (k == "webhook_url") {
      if (!val.is_string() || s.empty()) {
        issues.push_back({"webhook_url", "expected an http:// or https:// URL"});
      }
      c.webhook_url = s;
    } else {
      issues.push_back({k, "unknown member (expected name, language, role, roster, webhook_url)"});
    }
  }
  if (!o->contains("name")) issues.push_back({"name", "required"});
  if (!o->contains("language")) issues.push_back({"language", "required"});
  Status valid = Validate(c);
  auto add_role_issue = [&] {
    if (!bad_role) return;
    issues.push_back({"role", "expected primary or backup"});
    bad_role = false;
  };
  if (!valid.ok()) {
    for (const Issue& i : valid.issues()) {
      if (i.path != "name" && i.path != "language") add_role_issue();
      bool missing = (i.path == "name" && !o->contains("name")) ||
                     (i.path == "language" && !o->contains("language"));
      bool dup = false;
      for (const Issue& j : issues) dup |= j.path == i.path;
      if (!missing && !dup) issues.push_back(i);
    }
  }
  add_role_issue();
  if (!issues.empty()) return Status::Invalid(std::move(issues));
  return c;
}

}  // namespace deconflict::service
