// Changes to a party's settings (webhooks, contacts) inside a store transaction, each with its
// audit entry: the one write path that both the channel's writer (changes made over the API) and
// the admin CLI (changes made on the server's machine) use.
//
//   auto audit = [&](std::string kind, std::vector<PartyId> parties, std::string body) {...};
//   Result<store::ContactRecord> c = AddContact(*txn, audit, std::move(contact), now, "admin");
//
// `by` names who made the change in the entry: the party (API) or "admin" (CLI). Webhook secrets
// never go into the record.
// Thread-safety: as the transaction (one thread).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace deconflict::channel {

// Appends one audit entry (kind, readers, JSON body) to the transaction's chain.
using AuditAppender =
    std::function<Status(AuditKind kind, std::vector<PartyId> parties, std::string body)>;

// Stores a new webhook of w.party (id assigned, active, created at `now`). NotFound if the
// party does not exist.
Result<store::WebhookRecord> AddWebhook(store::WriteTxn& txn, const AuditAppender& audit,
                                        store::WebhookRecord w, TimePoint now, const PartyId& by);
// NotFound unless `party` has webhook `id`.
Status DeleteWebhook(store::WriteTxn& txn, const AuditAppender& audit, const PartyId& party,
                     int64_t id, const PartyId& by);
Result<store::ContactRecord> AddContact(store::WriteTxn& txn, const AuditAppender& audit,
                                        store::ContactRecord c, TimePoint now, const PartyId& by);
// NotFound unless `party` has contact `id`.
Status DeleteContact(store::WriteTxn& txn, const AuditAppender& audit, const PartyId& party,
                     int64_t id, const PartyId& by);

}  // namespace deconflict::channel
