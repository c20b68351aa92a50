// The caller's identity, the parties, and the settings of the caller's party: webhooks and
// contacts.
#include <boost/json.hpp>

#include "base/time.h"
#include "channel/disclosure.h"
#include "server/handler.h"

namespace deconflict::server {

namespace json = boost::json;

namespace {

// A contact as the API shows it (the Contact schema of docs/openapi.json).
json::object ContactJson(const store::ContactRecord& c) {
  return json::object{{"id", c.id},
                      {"party", c.party.value()},
                      {"name", c.name},
                      {"language", c.language},
                      {"role", Name(c.role)},
                      {"roster", c.roster},
                      {"webhook_url", c.webhook_url}};
}

Result<Response> Me(const service::Service& svc, const Request&, const Caller& caller) {
  return Json(200, svc.Me(caller));
}

Result<Response> Parties(const service::Service& svc, const Request&, const Caller& caller) {
  auto parties = svc.ListParties(caller);
  if (!parties.ok()) return parties.status();
  return Json(200, json::object{{"parties", std::move(*parties)}});
}

Result<Response> Webhooks(const service::Service& svc, const Request&, const Caller& caller) {
  auto hooks = svc.ListWebhooks(caller);
  if (!hooks.ok()) return hooks.status();
  json::array a;
  for (const auto& w : *hooks) {
    a.push_back(json::object{{"id", w.id},
                             {"url", w.url},
                             {"active", w.active},
                             {"created_at", FormatRfc3339Millis(w.created)}});
  }
  return Json(200, json::object{{"webhooks", a}});
}

Result<Response> AddWebhook(const service::Service& svc, const Request& req, const Caller& caller) {
  auto body = JsonBody(req);
  if (!body.ok()) return body.status();
  auto in = service::ParseWebhookInput(*body);
  if (!in.ok()) return in.status();
  auto w = svc.AddWebhook(caller, std::move(*in));
  if (!w.ok()) return w.status();
  return Json(201, json::object{{"id", w->id}, {"url", w->url}, {"secret", w->secret}});
}

Result<Response> DeleteWebhook(const service::Service& svc, const Request& req,
                               const Caller& caller) {
  auto id = PathNumber(req, "id", "webhook");
  if (!id.ok()) return id.status();
  if (Status s = svc.DeleteWebhook(caller, *id); !s.ok()) return s;
  return NoContent();
}

Result<Response> Contacts(const service::Service& svc, const Request&, const Caller& caller) {
  auto cs = svc.ListContacts(caller);
  if (!cs.ok()) return cs.status();
  json::array a;
  for (const auto& c : *cs) a.push_back(ContactJson(c));
  return Json(200, json::object{{"contacts", a}});
}

Result<Response> AddContact(const service::Service& svc, const Request& req, const Caller& caller) {
  auto body = JsonBody(req);
  if (!body.ok()) return body.status();
  auto in = service::ParseContactInput(*body);
  if (!in.ok()) return in.status();
  auto c = svc.AddContact(caller, std::move(*in));
  if (!c.ok()) return c.status();
  return Json(201, ContactJson(*c));
}

Result<Response> DeleteContact(const service::Service& svc, const Request& req,
                               const Caller& caller) {
  auto id = PathNumber(req, "id", "contact");
  if (!id.ok()) return id.status();
  if (Status s = svc.DeleteContact(caller, *id); !s.ok()) return s;
  return NoContent();
}

// Other parties' dry runs that touched the caller's plans (coordinators, observers: any party's).
Result<Response> Probes(const service::Service& svc, const Request& req, const Caller& caller) {
  PartyId party;
  if (auto it = req.query.find("party"); it != req.query.end()) party = PartyId(it->second);
  auto v = svc.Probes(caller, party);
  if (!v.ok()) return v.status();
  json::array a;
  for (const auto& c : v->counts) {
    a.push_back(json::object{{"party", c.victim.value()},
                             {"by", c.prober.value()},
                             {"total", c.total},
                             {"last_24h", c.recent}});
  }
  return Json(200, json::object{{"since", FormatRfc3339Millis(v->since)}, {"probes", a}});
}

}  // namespace

void RegisterPartyRoutes(http::Router* router, const ApiContext& ctx) {
  AddRoutes(router, ctx,
            {
                {"GET", "/v1/me", Me},
                {"GET", "/v1/parties", Parties},
                {"GET", "/v1/webhooks", Webhooks},
                {"POST", "/v1/webhooks", AddWebhook},
                {"DELETE", "/v1/webhooks/{id}", DeleteWebhook},
                {"GET", "/v1/contacts", Contacts},
                {"POST", "/v1/contacts", AddContact},
                {"DELETE", "/v1/contacts/{id}", DeleteContact},
                {"GET", "/v1/probes", Probes},
            });
}

}  // namespace deconflict::server
