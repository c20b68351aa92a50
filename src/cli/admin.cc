#include "cli/admin.h"

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include "base/time.h"
#include "channel/settings.h"
#include "cli/archive.h"
#include "cli/store_access.h"
#include "http/url.h"
#include "json/write.h"
#include "record/chain.h"
#include "record/crypto.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace deconflict::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr size_t kMaxPartyName = 64;

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// "2026-11-22T10:00:03Z", or "-" when not set.
std::string TimeOf(std::optional<TimePoint> t) {
  if (!t.has_value()) return "-";
  return FormatRfc3339(*t);
}

// Display width of UTF-8 text (code points; good enough for names and rosters).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// A left-aligned table: the first row is the header; columns two spaces apart.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

// The outcome of one step: empty on success, else the exit code and the message.
struct Failure {
  int code = kExitInternal;
  std::string message;
};
using Step = std::optional<Failure>;

Failure BadInput(std::string message) { return Failure{kExitBadInput, std::move(message)}; }
// A store error: exit 3 with its message, except for the codes that describe the request (an
// unknown or duplicate name), which are exit 2.
Failure FromStatus(const Status& s, const std::string& context = "") {
  const std::string message = context.empty() ? s.message() : context + ": " + s.message();
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
      return BadInput(message);
    default:
      return Failure{kExitInternal, "store: " + message};
  }
}

int Report(const Failure& f, const Io& io) {
  io.err << "error: " << f.message << "\n";
  return f.code;
}

class Admin {
 public:
  Admin(const AdminOptions& o, const Io& io, store::Store* s)
      : o_(o), party_(o.party), io_(io), store_(s), now_(o.now ? o.now() : NowMillis()) {}

  int Run() {
    Step failed = Dispatch();
    return failed ? Report(*failed, io_) : kExitOk;
  }

 private:
  Step Dispatch() {
    switch (o_.action) {
      case AdminAction::kInit:
        return Init();
      case AdminAction::kPartyAdd:
        return PartyAdd();
      case AdminAction::kPartyList:
        return PartyList();
      case AdminAction::kTokenAdd:
        return TokenAdd();
      case AdminAction::kTokenList:
        return TokenList();
      case AdminAction::kTokenRevoke:
        return TokenRevoke();
      case AdminAction::kContactAdd:
        return ContactAdd();
      case AdminAction::kContactList:
        return ContactList();
      case AdminAction::kContactRemove:
        return ContactRemove();
      case AdminAction::kWebhookAdd:
        return WebhookAdd();
      case AdminAction::kWebhookList:
        return WebhookList();
      case AdminAction::kAuditExport:
        return AuditExport();
      case AdminAction::kArchive:
        break;  // RunAdmin runs it (cli/archive.h)
    }
    return Failure{kExitInternal, "unknown admin command"};
  }

  // Runs `fill` in one write transaction and commits it.
  Step InTransaction(const std::function<Step(store::WriteTxn&)>& fill) {
    Result<std::unique_ptr<store::WriteTxn>> txn = store_->Begin();
    if (!txn.ok()) return FromStatus(txn.status(), "cannot start a transaction");
    if (Step failed = fill(**txn)) return failed;  // the transaction rolls back
    if (Status s = (*txn)->Commit(); !s.ok()) return FromStatus(s, "cannot commit");
    return std::nullopt;
  }

  // Appends the audit entry of one change about `party`, made by this command.
  Step Audit(store::WriteTxn& txn, AuditKind kind, const PartyId& party, json::object body) {
    body["by"] = "admin";
    store::AuditEntry e;
    e.at = now_;
    e.kind = std::string(Name(kind));
    e.parties = {party};
    e.body_json = deconflict::json::Write(body);
    Result<store::AuditEntry> r = txn.AppendAudit(std::move(e));
    if (!r.ok()) return FromStatus(r.status(), "cannot append to the audit log");
    return std::nullopt;
  }

  // Appends audit entries to `txn`, for the shared settings changes (channel/settings.h).
  channel::AuditAppender Appender(store::WriteTxn& txn) {
    return [this, &txn](AuditKind kind, std::vector<PartyId> parties, std::string body) -> Status {
      store::AuditEntry e;
      e.at = now_;
      e.kind = std::string(Name(kind));
      e.parties = std::move(parties);
      e.body_json = std::move(body);
      Result<store::AuditEntry> r = txn.AppendAudit(std::move(e));
      return r.ok() ? Status::Ok() : r.status();
    };
  }

  // Fails with exit 2 unless the party exists.
  Step RequireParty(const PartyId& name) {
    Result<std::optional<store::PartyRecord>> p = store_->GetParty(name);
    if (!p.ok()) return FromStatus(p.status());
    if (!p->has_value()) {
      return BadInput("party " + name + " does not exist (see: deconflict admin --data " +
                      o_.data_dir + " party list)");
    }
    return std::nullopt;
  }

  // Adds a new API token for `party` to the transaction; *secret receives the token.
  Step AddToken(store::WriteTxn& txn, const PartyId& party, std::string* secret, std::string* id) {
    *secret = NewApiToken();
    store::TokenRecord t;
    t.id = "tok_" + record::RandomHex(6);
    t.party = party;
    t.hash = record::Sha256Hex(*secret);
    t.created = now_;
    *id = t.id;
    if (Status s = txn.PutToken(t); !s.ok()) return FromStatus(s, "cannot store the token");
    return Audit(txn, AuditKind::kTokenCreated, party, {{"token", t.id}, {"party", party.value()}});
  }

  Step Init() {
    const std::string key_path = KeyFilePath(o_.data_dir);
    std::error_code ec;
    const bool had_key = fs::exists(key_path, ec);
    Result<record::KeyPair> key = record::LoadOrCreateKeyPair(key_path);
    if (!key.ok()) return FromStatus(key.status(), key_path);
    Result<std::vector<store::PartyRecord>> parties = store_->ListParties();
    if (!parties.ok()) return FromStatus(parties.status());
    Result<std::optional<store::AuditEntry>> last = store_->LastAudit();
    if (!last.ok()) return FromStatus(last.status());
    const int64_t entries = last->has_value() ? (*last)->seq : 0;
    io_.out << "store ready in " << o_.data_dir << " (" << parties->size()
            << (parties->size() == 1 ? " party, " : " parties, ") << entries << " audit "
            << (entries == 1 ? "entry" : "entries") << "); "
            << (had_key ? "server key " : "new server key ") << key_path
            << "\nserver public key (Ed25519; checkpoints and receipts are signed with it):\n"
            << key->public_key_hex << "\n";
    return std::nullopt;
  }

  Step PartyAdd() {
    if (Status s = ValidatePartyName(o_.party, "NAME"); !s.ok()) return BadInput(s.message());
    if (Status s = ValidateFreeText(o_.display_name, "--display-name"); !s.ok()) {
      return BadInput(s.message());
    }
    std::optional<Role> role = Parse<Role>(o_.role);
    if (!role.has_value()) {
      return BadInput("--role: '" + o_.role + "' is not one of party, coordinator, observer");
    }
    Result<std::optional<store::PartyRecord>> existing = store_->GetParty(party_);
    if (!existing.ok()) return FromStatus(existing.status());
    if (existing->has_value()) return BadInput("party " + o_.party + " already exists");
    std::string secret, token_id;
    Step failed = InTransaction([&](store::WriteTxn& txn) -> Step {
      store::PartyRecord p{
          .name = party_, .role = *role, .display_name = o_.display_name, .created = now_};
      if (Status s = txn.PutParty(p); !s.ok()) {
        if (s.code() == StatusCode::kAlreadyExists) {
          return BadInput("party " + o_.party + " already exists");
        }
        return FromStatus(s, "cannot store the party");
      }
      json::object body{
          {"party", p.name.value()}, {"role", Name(p.role)}, {"display_name", p.display_name}};
      if (Step f = Audit(txn, AuditKind::kPartyCreated, p.name, std::move(body))) return f;
      if (o_.no_token) return std::nullopt;
      return AddToken(txn, p.name, &secret, &token_id);
    });
    if (failed) return failed;
    if (o_.no_token) {
      io_.out << "party " << o_.party << " (" << o_.role
              << ") created; no API token (add one with: deconflict admin --data " << o_.data_dir
              << " token add " << o_.party << ")\n";
    } else {
      io_.out << "party " << o_.party << " (" << o_.role << ") created; API token " << token_id
              << " (shown once, store it now):\n"
              << secret << "\n";
    }
    return std::nullopt;
  }

  Step PartyList() {
    Result<std::vector<store::PartyRecord>> parties = store_->ListParties();
    if (!parties.ok()) return FromStatus(parties.status());
    if (parties->empty()) {
      io_.out << "no parties; add one with: deconflict admin --data " << o_.data_dir
              << " party add NAME\n";
      return std::nullopt;
    }
    std::vector<std::vector<std::string>> rows = {
        {"NAME", "ROLE", "DISPLAY NAME", "CREATED", "ACTIVE TOKENS"}};
    for (const store::PartyRecord& p : *parties) {
      Result<std::vector<store::TokenRecord>> tokens = store_->ListTokens(p.name);
      if (!tokens.ok()) return FromStatus(tokens.status());
      size_t active = 0;
      for (const store::TokenRecord& t : *tokens)
        active += static_cast<int>(!t.revoked.has_value());
      rows.push_back({p.name.value(), std::string(Name(p.role)),
                      p.display_name.empty() ? "-" : p.display_name, TimeOf(p.created),
                      std::to_string(active)});
    }
    io_.out << Table(rows);
    return std::nullopt;
  }

  Step TokenAdd() {
    if (Step f = RequireParty(party_)) return f;
    std::string secret, token_id;
    Step failed = InTransaction(
        [&](store::WriteTxn& txn) { return AddToken(txn, party_, &secret, &token_id); });
    if (failed) return failed;
    io_.out << "API token " << token_id << " for " << o_.party << " (shown once, store it now):\n"
            << secret << "\n";
    return std::nullopt;
  }

  Step TokenList() {
    if (Step f = RequireParty(party_)) return f;
    Result<std::vector<store::TokenRecord>> tokens = store_->ListTokens(party_);
    if (!tokens.ok()) return FromStatus(tokens.status());
    if (tokens->empty()) {
      io_.out << "no API tokens for " << o_.party << "\n";
      return std::nullopt;
    }
    std::vector<std::vector<std::string>> rows = {{"ID", "CREATED", "STATUS"}};
    for (const store::TokenRecord& t : *tokens) {
      rows.push_back({t.id, TimeOf(t.created),
                      !t.revoked.has_value() ? "active" : "revoked " + TimeOf(t.revoked)});
    }
    io_.out << Table(rows);
    return std::nullopt;
  }

  Step TokenRevoke() {
    // Find the token's party (tokens are listed per party).
    Result<std::vector<store::PartyRecord>> parties = store_->ListParties();
    if (!parties.ok()) return FromStatus(parties.status());
    std::optional<store::TokenRecord> found;
    for (const store::PartyRecord& p : *parties) {
      Result<std::vector<store::TokenRecord>> tokens = store_->ListTokens(p.name);
      if (!tokens.ok()) return FromStatus(tokens.status());
      for (const store::TokenRecord& t : *tokens) {
        if (t.id == o_.token_id) found = t;
      }
    }
    if (!found) return BadInput("token " + o_.token_id + " does not exist");
    if (found->revoked.has_value()) {
      io_.out << "token " << found->id << " of " << found->party.value()
              << " was already revoked at " << TimeOf(found->revoked) << "\n";
      return std::nullopt;
    }
    Step failed = InTransaction([&](store::WriteTxn& txn) -> Step {
      if (Status s = txn.RevokeToken(found->id, now_); !s.ok()) {
        if (s.code() == StatusCode::kNotFound) {
          return BadInput("token " + o_.token_id + " does not exist");
        }
        return FromStatus(s, "cannot revoke the token");
      }
      return Audit(txn, AuditKind::kTokenRevoked, found->party,
                   {{"token", found->id}, {"party", found->party.value()}});
    });
    if (failed) return failed;
    io_.out << "token " << found->id << " of " << found->party.value() << " revoked\n";
    return std::nullopt;
  }

  // A URL a webhook or a pager may be sent to (http::ParseWebUrl), or a failure naming `field`.
  static Step CheckWebUrl(const std::string& url, const std::string& field) {
    Result<http::Url> u = http::ParseWebUrl(url);
    if (!u.ok()) return BadInput(field + ": " + u.status().message());
    return std::nullopt;
  }

  Step ContactAdd() {
    if (o_.contact_name.empty()) return BadInput("--name: must not be empty");
    if (Status s = ValidateFreeText(o_.contact_name, "--name"); !s.ok()) {
      return BadInput(s.message());
    }
    if (Status s = ValidateLanguageTag(o_.language, "--language"); !s.ok()) {
      return BadInput(s.message());
    }
    if (Status s = ValidateFreeText(o_.roster, "--roster"); !s.ok()) return BadInput(s.message());
    if (!o_.webhook_url.empty()) {
      if (Step f = CheckWebUrl(o_.webhook_url, "--webhook")) return f;
    }
    if (Step f = RequireParty(party_)) return f;
    store::ContactRecord c{.party = party_,
                           .name = o_.contact_name,
                           .language = o_.language,
                           .role = o_.backup ? ContactRole::kBackup : ContactRole::kPrimary,
                           .roster = o_.roster,
                           .webhook_url = o_.webhook_url,
                           .created = now_};
    // The same write and audit entry as POST /v1/contacts (channel/settings.h).
    Step failed = InTransaction([&](store::WriteTxn& txn) -> Step {
      Result<store::ContactRecord> added =
          channel::AddContact(txn, Appender(txn), c, now_, PartyId("admin"));
      if (!added.ok()) return FromStatus(added.status(), "cannot store the contact");
      c = std::move(*added);
      return std::nullopt;
    });
    if (failed) return failed;
    io_.out << Name(c.role) << " contact " << c.id << " (" << c.name << ", " << c.language
            << ") added to " << c.party.value() << "\n";
    return std::nullopt;
  }

  Step ContactList() {
    if (Step f = RequireParty(party_)) return f;
    Result<std::vector<store::ContactRecord>> contacts = store_->ListContacts(party_);
    if (!contacts.ok()) return FromStatus(contacts.status());
    if (contacts->empty()) {
      io_.out << "no contacts for " << o_.party << "\n";
      return std::nullopt;
    }
    std::vector<std::vector<std::string>> rows = {
        {"ID", "ROLE", "NAME", "LANGUAGE", "ROSTER", "WEBHOOK"}};
    for (const store::ContactRecord& c : *contacts) {
      rows.push_back({std::to_string(c.id), std::string(Name(c.role)), c.name, c.language,
                      c.roster.empty() ? "-" : c.roster,
                      c.webhook_url.empty() ? "-" : c.webhook_url});
    }
    io_.out << Table(rows);
    return std::nullopt;
  }

  Step ContactRemove() {
    if (Step f = RequireParty(party_)) return f;
    const auto missing = [&] {
      return BadInput("contact " + std::to_string(o_.contact_id) + " of party " + o_.party +
                      " does not exist");
    };
    Step failed = InTransaction([&](store::WriteTxn& txn) -> Step {
      Status s =
          channel::DeleteContact(txn, Appender(txn), party_, o_.contact_id, PartyId("admin"));
      if (s.code() == StatusCode::kNotFound) return missing();
      if (!s.ok()) return FromStatus(s, "cannot delete the contact");
      return std::nullopt;
    });
    if (failed) return failed;
    io_.out << "contact " << o_.contact_id << " removed from " << o_.party << "\n";
    return std::nullopt;
  }

  Step WebhookAdd() {
    if (Step f = CheckWebUrl(o_.url, "URL")) return f;
    if (o_.secret && o_.secret->empty()) return BadInput("--secret: must not be empty");
    if (Step f = RequireParty(party_)) return f;
    store::WebhookRecord w{.party = party_,
                           .url = o_.url,
                           .secret = o_.secret ? *o_.secret : record::RandomHex(32),
                           .active = true,
                           .created = now_};
    // The same write and audit entry as POST /v1/webhooks (channel/settings.h); never the
    // secret in the record.
    Step failed = InTransaction([&](store::WriteTxn& txn) -> Step {
      Result<store::WebhookRecord> added =
          channel::AddWebhook(txn, Appender(txn), w, now_, PartyId("admin"));
      if (!added.ok()) return FromStatus(added.status(), "cannot store the webhook");
      w = std::move(*added);
      return std::nullopt;
    });
    if (failed) return failed;
    if (o_.secret) {
      io_.out << "webhook " << w.id << " added to " << w.party.value() << " (" << w.url
              << "); deliveries are signed with the secret given\n";
    } else {
      io_.out << "webhook " << w.id << " added to " << w.party.value() << " (" << w.url
              << "); signing secret (HMAC-SHA256 key, shown once, store it now):\n"
              << w.secret << "\n";
    }
    return std::nullopt;
  }

  Step WebhookList() {
    if (Step f = RequireParty(party_)) return f;
    Result<std::vector<store::WebhookRecord>> hooks = store_->ListWebhooks(party_);
    if (!hooks.ok()) return FromStatus(hooks.status());
    if (hooks->empty()) {
      io_.out << "no webhooks for " << o_.party << "\n";
      return std::nullopt;
    }
    std::vector<std::vector<std::string>> rows = {{"ID", "URL", "STATUS", "CREATED"}};
    for (const store::WebhookRecord& w : *hooks) {
      rows.push_back(
          {std::to_string(w.id), w.url, w.active ? "active" : "inactive", TimeOf(w.created)});
    }
    io_.out << Table(rows);
    return std::nullopt;
  }

  Step AuditExport() {
    // Checkpoints first: every entry a checkpoint names is then among the entries read after it,
    // even while the server appends.
    Result<std::vector<store::Checkpoint>> checkpoints = store_->ListCheckpoints();
    if (!checkpoints.ok()) return FromStatus(checkpoints.status());
    Result<std::vector<store::AuditEntry>> entries = store_->AuditAfter(0, 0);
    if (!entries.ok()) return FromStatus(entries.status());
    const std::string text = record::ExportLog(*entries, *checkpoints);
    if (o_.out_path.empty() || o_.out_path == "-") {
      io_.out << text;
      io_.out.flush();
    } else {
      std::ofstream file(o_.out_path, std::ios::binary | std::ios::trunc);
      if (!file) return BadInput(o_.out_path + ": cannot write: " + std::strerror(errno));
      file << text;
      file.close();
      if (!file) return BadInput(o_.out_path + ": cannot write: " + std::strerror(errno));
    }
    io_.err << "exported " << entries->size() << " audit "
            << (entries->size() == 1 ? "entry" : "entries") << " and " << checkpoints->size()
            << " signed " << (checkpoints->size() == 1 ? "checkpoint" : "checkpoints");
    if (!o_.out_path.empty() && o_.out_path != "-") io_.err << " to " << o_.out_path;
    io_.err << "\n";
    return std::nullopt;
  }

  const AdminOptions& o_;
  const PartyId party_;  // o_.party, the NAME / PARTY argument
  const Io& io_;
  store::Store* store_;
  const TimePoint now_;
};

}  // namespace

Status ValidatePartyName(std::string_view name, std::string_view field) {
  const std::string prefix = std::string(field) + ": '" + std::string(name) + "' ";
  if (name.empty()) return Status::InvalidArgument(std::string(field) + ": must not be empty");
  if (name.size() > kMaxPartyName) {
    return Status::InvalidArgument(std::string(field) + ": longer than 64 characters");
  }
  if (!IsAlnum(name[0])) {
    return Status::InvalidArgument(prefix + "must start with a letter or a digit");
  }
  for (char c : name) {
    if (!IsAlnum(c) && c != '_' && c != '-') {
      return Status::InvalidArgument(prefix +
                                     "may only contain letters A-Z a-z, digits, '_' and '-'");
    }
  }
  return Status::Ok();
}

Status ValidateLanguageTag(std::string_view tag, std::string_view field) {
  const auto bad = [&] {
    return Status::InvalidArgument(std::string(field) + ": '" + std::string(tag) +
                                   "' is not a language tag (BCP 47, e.g. en, ar, ru, en-GB)");
  };
  size_t i = 0;
  while (i < tag.size() && IsAlpha(tag[i])) ++i;
  if (i < 2 || i > 3) return bad();
  while (i < tag.size()) {
    if (tag[i] != '-') return bad();
    const size_t start = ++i;
    while (i < tag.size() && IsAlnum(tag[i])) ++i;
    if (i - start < 2 || i - start > 8) return bad();
  }
  return Status::Ok();
}

Status ValidateFreeText(std::string_view text, std::string_view field, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field) + ": longer than " +
                                   std::to_string(max_bytes) + " bytes");
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) {
      return Status::InvalidArgument(std::string(field) + ": must not contain control characters");
    }
  }
  return Status::Ok();
}

std::string NewApiToken() { return "dcf_" + record::RandomHex(24); }

int RunAdmin(const AdminOptions& options, const Io& io) {
  if (options.action == AdminAction::kArchive) {
    return RunArchive({.data_dir = options.data_dir,
                       .before = options.before,
                       .out_path = options.out_path,
                       .now = options.now},
                      io);
  }
  // init creates the store; so does party add, the first step of every setup (docs/api.md).
  // Everything else needs an existing store: a mistyped --data must not leave an empty one.
  const bool create =
      options.action == AdminAction::kInit || options.action == AdminAction::kPartyAdd;
  std::error_code ec;
  const bool existed = fs::exists(store::SqliteDatabasePath(options.data_dir), ec);
  Result<std::unique_ptr<store::Store>> s = OpenStore(options.data_dir, create);
  if (!s.ok()) {
    io.err << "error: " << s.status().message() << "\n";
    const StatusCode code = s.status().code();
    return code == StatusCode::kNotFound || code == StatusCode::kInvalidArgument ? kExitBadInput
                                                                                 : kExitInternal;
  }
  if (!existed && options.action == AdminAction::kPartyAdd) {
    io.err << "note: created a new store in " << options.data_dir << "\n";
  }
  return Admin(options, io, s->get()).Run();
}

}  // namespace deconflict::cli
