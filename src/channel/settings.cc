#include "channel/settings.h"

#include <boost/json.hpp>

#include "json/write.h"

namespace deconflict::channel {

namespace json = boost::json;

Result<store::WebhookRecord> AddWebhook(store::WriteTxn& txn, const AuditAppender& audit,
                                        store::WebhookRecord w, TimePoint now, const PartyId& by) {
  w.id = 0;
  w.created = now;
  w.active = true;
  auto id = txn.PutWebhook(w);
  if (!id.ok()) return id.status();
  w.id = *id;
  json::object body{
      {"party", w.party.value()}, {"webhook", w.id}, {"url", w.url}, {"by", by.value()}};
  if (Status s = audit(AuditKind::kWebhookAdded, {w.party}, deconflict::json::Write(body)); !s.ok())
    return s;
  return w;
}

Status DeleteWebhook(store::WriteTxn& txn, const AuditAppender& audit, const PartyId& party,
                     int64_t id, const PartyId& by) {
  if (Status s = txn.DeleteWebhook(party, id); !s.ok()) return s;
  json::object body{{"party", party.value()}, {"webhook", id}, {"by", by.value()}};
  return audit(AuditKind::kWebhookDeleted, {party}, deconflict::json::Write(body));
}

Result<store::ContactRecord> AddContact(store::WriteTxn& txn, const AuditAppender& audit,
                                        store::ContactRecord c, TimePoint now, const PartyId& by) {
  c.id = 0;
  c.created = now;
  auto id = txn.PutContact(c);
  if (!id.ok()) return id.status();
  c.id = *id;
  json::object body{{"party", c.party.value()}, {"contact", c.id},        {"name", c.name},
                    {"role", Name(c.role)},     {"language", c.language}, {"by", by.value()}};
  if (Status s = audit(AuditKind::kContactAdded, {c.party}, deconflict::json::Write(body)); !s.ok())
    return s;
  return c;
}

Status DeleteContact(store::WriteTxn& txn, const AuditAppender& audit, const PartyId& party,
                     int64_t id, const PartyId& by) {
  if (Status s = txn.DeleteContact(party, id); !s.ok()) return s;
  json::object body{{"party", party.value()}, {"contact", id}, {"by", by.value()}};
  return audit(AuditKind::kContactDeleted, {party}, deconflict::json::Write(body));
}

}  // namespace deconflict::channel
