// `deconflict admin`: the operator's commands on a channel's SQLite store, run on the server's
// machine (no HTTP): parties, API tokens, contacts, webhooks and the audit export. Every change is
// one store transaction together with the audit entry that records it, so the log tells who was
// given access and when.
//
//   AdminOptions o{.data_dir = "/var/lib/deconflict", .action = AdminAction::kPartyAdd,
//                  .party = "US"};
//   int code = RunAdmin(o, io);   // 0; the API token is the last line of io.out
//
// Thread-safety: each call is independent. Several processes (the server, other admin commands)
// may use the same store at once: the store serializes writers and chains the audit log.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/units.h"
#include "cli/commands.h"

namespace deconflict::cli {

enum class AdminAction {
  kInit,           // create the store and the server key; print the public key
  kPartyAdd,       // party, role, display_name, no_token
  kPartyList,      //
  kTokenAdd,       // party
  kTokenList,      // party
  kTokenRevoke,    // token_id
  kContactAdd,     // party, contact_name, language, backup, roster, webhook_url
  kContactList,    // party
  kContactRemove,  // party, contact_id
  kWebhookAdd,     // party, url, secret
  kWebhookList,    // party
  kAuditExport,    // out_path
  kArchive,        // before, out_path (cli/archive.h)
};

struct AdminOptions {
  std::string data_dir;  // REQUIRED. The store's folder (holds the database and server.key).
  AdminAction action = AdminAction::kPartyList;
  std::string party;                  // NAME / PARTY argument
  std::string role = "party";         // DEFAULT: "party" ("coordinator", "observer")
  std::string display_name;           // DEFAULT: empty
  bool no_token = false;              // DEFAULT: false: party add also creates an API token
  std::string token_id;               // token revoke
  std::string contact_name;           // contact add --name
  std::string language;               // contact add --language (BCP 47-ish tag)
  bool backup = false;                // contact add: role "backup" instead of "primary"
  std::string roster;                 // contact add: duty roster, free text
  std::string webhook_url;            // contact add --webhook
  int64_t contact_id = 0;             // contact remove
  std::string url;                    // webhook add
  std::optional<std::string> secret;  // DEFAULT: nullopt = a random secret, printed
  std::string out_path;               // audit export (DEFAULT: empty = io.out); archive: REQUIRED
  std::string before;                 // archive --before: YYYY-MM-DD or RFC 3339
  // DEFAULT: the system clock (NowMillis). Whole milliseconds, as the store keeps them.
  std::function<TimePoint()> now;
};

// Runs one admin command. init and party add create the folder and the store if missing; every
// other command needs an existing store. Returns kExitOk; kExitBadInput for invalid arguments, an
// unknown party, token or contact, a party name already taken, or a folder without a store;
// kExitInternal for store errors (the message on io.err).
// Results go to io.out; a secret (API token, webhook secret) is always the last line of io.out.
int RunAdmin(const AdminOptions& options, const Io& io);

// OK if `name` matches ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$; otherwise InvalidArgument whose message
// names `field` and the reason, e.g. "NAME: 'U S' has a character other than A-Z a-z 0-9 _ -".
Status ValidatePartyName(std::string_view name, std::string_view field = "party name");

// OK if `tag` looks like a BCP 47 tag, ^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$ ("en", "ar",
// "en-GB", "zh-Hant-TW"); otherwise InvalidArgument naming `field`.
Status ValidateLanguageTag(std::string_view tag, std::string_view field = "--language");

// OK if `text` is at most `max_bytes` long and has no control characters (free text fields).
Status ValidateFreeText(std::string_view text, std::string_view field, size_t max_bytes = 200);

// "dcf_" followed by 48 random lower-case hex digits (24 bytes).
std::string NewApiToken();

}  // namespace deconflict::cli
