#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>

#include "cli/admin.h"
#include "cli/audit.h"
#include "cli/flags.h"
#include "cli/watch.h"

#ifndef DECONFLICT_VERSION
#define DECONFLICT_VERSION "unknown"
#endif

namespace deconflict::cli {
namespace {

constexpr const char* kCommands[] = {"check", "suggest", "demo", "admin", "audit", "watch"};

constexpr const char* kMainFooter = R"(Examples:
  deconflict demo
  deconflict check plans.geojson --format text
  deconflict check plans.geojson --rules rules.json > conflicts.json
  deconflict suggest plans.geojson --plan us-patrol-17 --format text
  deconflict admin --data /var/lib/deconflict party add US
  deconflict audit verify audit.jsonl --key 3b6a27bc...
  deconflict watch --server https://channel.example:8443 --token dcf_...

Plans files are GeoJSON FeatureCollections, one plan per Feature (docs/plan-format.md); "-" reads
standard input. Conflicts follow docs/semantics.md. Times are UTC, distances metres.

Exit codes: 0 no conflict, 1 conflicts found (suggest: no shift clears them; audit verify: the log
does not verify), 2 bad input or usage, 3 internal or store error. docs/cli.md has every command.)";

constexpr const char* kCheckFooter = R"(Output (--format):
  json     {"conflicts": [{"id", "plans", "parties", "kinds", "callsigns", "type", "rule",
           "min_distance_m", "required_m", "vertical_distance_m" (air-air only), "window":
           {"start", "end", "duration_s"}, "cpa": {"time", "position": [lon, lat], "times"}}],
           "stats": {"plans", "parties", "conflicts", "elements", "elapsed_ms", "method"}}
           Conflicts are sorted by window start, then plan ids; "id" is stable across runs.
           Numbers are plain decimals: metres to 0.1, degrees to 7 decimals (about 1 cm).
  geojson  a FeatureCollection: a Point at each closest approach (properties as in json) and
           a LineString between the two routes' positions at that moment.
  text     a report for people.

Invalid input is reported on stderr, every issue on its own line ("error: <json path>:
<reason>"), and nothing is checked. Warnings ("warning: ...") never change the exit code.

Exit codes: 0 no conflict, 1 conflicts found, 2 bad input or usage.

Example:
  deconflict check plans.geojson --rules rules.json --format text)";

constexpr const char* kSuggestFooter =
    R"(Finds the smallest delay of every time of plan ID that clears all of its conflicts with
other parties' plans, or failing that within --max-delay, the smallest advance within
--max-advance (docs/semantics.md section 5). The answer is verified by checking the shifted plan.

Durations: 90s, 15m, 6h, 1h30m, 2d or plain seconds.

Output (--format):
  json  {"plan", "outcome": "delay"|"advance"|"none"|"impossible", "shift_s" (+ later, - earlier;
        null if impossible), "conflicts_now", "explanation", "blockers": [{"plan", "party",
        "blocked": [[lo_s, hi_s], ...] (null for an unbounded end)}]}
  text  the explanation and the shifts each other plan blocks.

Exit codes: 0 a clearing shift was found (or nothing to clear), 1 no shift within the limits
clears the conflicts, 2 bad input or unknown plan id, 3 internal error.

Example:
  deconflict suggest plans.geojson --plan us-patrol-17 --max-delay 2h --format text)";

constexpr const char* kDemoFooter =
    R"(Checks the seed scenario qahtaniyah-2022-10-08.geojson: US and Russian patrols crossing on
the oil field near al-Qahtaniyah, NE Syria, on 8 October 2022. The file is looked for in
$DECONFLICT_SCENARIOS, then <executable dir>/../share/deconflict/scenarios, then the source tree.

Exit codes: 0 the scenario was checked (its conflicts are expected), 2 the scenario file is
missing or invalid.)";

constexpr const char* kAdminFooter =
    R"(Works on the channel's store directly: run it on the server's machine, as the user the server
runs as; the server may be running. Each change is one transaction together with the audit entry
that records it (party.created, token.created, token.revoked, contact.added, contact.deleted,
webhook.added).

Secrets are shown once, as the LAST LINE of standard output (scripts may rely on it): API tokens
("dcf_" + 48 hex digits; the store keeps only their SHA-256) and generated webhook secrets.

Exit codes: 0 done, 2 bad arguments, an unknown party, token or contact, a party that already
exists, or a folder without a store (run init), 3 store error.

Examples:
  deconflict admin --data /var/lib/deconflict init
  deconflict admin --data /var/lib/deconflict party add US --display-name "US forces"
  TOKEN=$(deconflict admin --data /var/lib/deconflict token add US | tail -n 1)
  deconflict admin --data /var/lib/deconflict contact add US --name "Duty officer" --language en
  deconflict admin --data /var/lib/deconflict audit export --out audit.jsonl
  deconflict admin --data /var/lib/deconflict archive --before 2026-11-01 --out 2026-10.archive)";

constexpr const char* kAuditVerifyFooter =
    R"(Checks every entry's hash, the chain from entry 1 and every signed checkpoint (docs/record.md),
of a store (--data), an export (FILE, from 'deconflict admin audit export') or, with --receipt, a
receipt (FILE). Prints "verified N entries, M signed checkpoints, last entry N hash H; signed by K".

Whose signatures count: --key; else, with --data, the key in DIR/server.key if it exists (never
created here); else each checkpoint's own key, with a warning (that proves integrity, not
authorship). A warning also says how many entries follow the last signed checkpoint.

After 'deconflict admin archive' the store's log starts at the archive cut: it is proven from the
signed checkpoint there instead of from entry 1, and the output says so. --archive FILE verifies
an archive on its own: its seal (SHA-256 and Ed25519 signature over every byte), its entries and
checkpoints.

Exit codes: 0 verified, 1 problems found (each is printed; an export or receipt that cannot be
parsed counts as one: a changed byte often breaks a line), 2 bad usage or unreadable input,
3 store error.

Examples:
  deconflict audit verify --data /var/lib/deconflict
  deconflict audit verify audit.jsonl --key 3b6a27bc...   (64 hex digits)
  deconflict audit verify --receipt receipt.json --key 3b6a27bc...
  deconflict audit verify --archive 2026-10.archive --key 3b6a27bc...)";

constexpr const char* kWatchFooter =
    R"(Follows GET /v1/events (Server-Sent Events) and prints one line per event, e.g.
  2026-11-22T10:00:03Z  #12 conflict.opened  c-3f2a9b10c4d5e6f7  separation US-PATROL-1 vs
  RU-PATROL-1  window 09:16–09:20Z  min 120 m  ack by 10:02Z
(one line), or with --json one JSON object per line: {"id", "type", "data"} (data verbatim).

Reconnects by itself (after 1 s, 2 s, 4 s, ... at most 30 s), resuming after the last event seen
(Last-Event-ID); each retry is noted on stderr. Stops on Ctrl-C (SIGINT) or SIGTERM.

Exit codes: 0 stopped by a signal, 2 bad arguments, or the server refused the token (401, 403) or
the request (400, 404): its problem detail is printed.

Example:
  DECONFLICT_TOKEN=dcf_... deconflict watch --server https://channel.example:8443)";

const std::map<std::string, Format> kFormats = {
    {"json", Format::kJson}, {"geojson", Format::kGeoJson}, {"text", Format::kText}};

// A CLI11 validator for duration flags (flags.h).
CLI::Validator DurationValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        Result<Seconds> d = ParseDuration(text);
        return d.ok() ? std::string() : d.status().message();
      },
      "DURATION");
}

Seconds DurationOf(const std::string& text) { return *ParseDuration(text); }

CLI::Option* AddFormat(CLI::App* app, std::string* format, const std::vector<std::string>& allowed,
                       const std::string& help) {
  return app->add_option("-f,--format", *format, help)
      ->check(CLI::IsMember(allowed))
      ->default_str(*format)
      ->type_name("FORMAT");
}

// The command line: every command's options (bound to CLI11's parser, so this must not move
// once the commands are added) and the commands, which say which one was parsed.
struct CommandLine {
  CheckOptions check;
  std::string check_format = "json";
  SuggestCommandOptions suggest;
  std::string suggest_format = "json", max_delay = "6h", max_advance = "6h";
  std::string demo_format = "text";
  AdminOptions admin;
  std::map<const CLI::App*, AdminAction> admin_actions;  // each admin leaf command's action
  AuditVerifyOptions verify;
  WatchOptions watch;
  CLI::App* check_cmd = nullptr;
  CLI::App* suggest_cmd = nullptr;
  CLI::App* demo_cmd = nullptr;
  CLI::App* admin_cmd = nullptr;
  CLI::App* verify_cmd = nullptr;
  CLI::App* watch_cmd = nullptr;
};

// Adds the admin command `name` under `parent`, whose parsing means `action`.
CLI::App* AdminSub(std::map<const CLI::App*, AdminAction>& actions, CLI::App* parent,
                   const char* name, const char* help, AdminAction action) {
  CLI::App* sub = parent->add_subcommand(name, help);
  actions[sub] = action;
  return sub;
}

// Adds `check` to app.
void AddCheck(CLI::App& app, CommandLine& cl) {
  cl.check_cmd = app.add_subcommand("check", "Find every conflict among the plans of a file");
  cl.check_cmd->add_option("PLANS", cl.check.plans_path, "Plans file (GeoJSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  cl.check_cmd
      ->add_option("-r,--rules", cl.check.rules_path,
                   "Separation rules (JSON; keys as in model/rules.h). Default: built-in")
      ->type_name("FILE");
  AddFormat(cl.check_cmd, &cl.check_format, {"json", "geojson", "text"},
            "Output: json, geojson or text");
  cl.check_cmd->add_flag("--brute-force", cl.check.brute_force,
                         "Compare every pair of plans instead of using the index (same results)");
  cl.check_cmd->add_option("-j,--threads", cl.check.threads, "Worker threads; 0 = one per core")
      ->check(CLI::Range(0, 1024))
      ->default_str("0");
  cl.check_cmd->add_flag("-q,--quiet", cl.check.quiet, "No warnings and no progress on stderr");
  cl.check_cmd->add_flag("--timings", cl.check.timings,
                         "At the end, the wall time of each phase on stderr: read, parse (JSON "
                         "and validation), index, detect, write");
  cl.check_cmd->footer(kCheckFooter);
}

// Adds `suggest` to app.
void AddSuggest(CLI::App& app, CommandLine& cl) {
  cl.suggest_cmd =
      app.add_subcommand("suggest", "Find the smallest delay (or advance) that clears a plan");
  cl.suggest_cmd->add_option("PLANS", cl.suggest.plans_path, "Plans file (GeoJSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  cl.suggest_cmd->add_option("-p,--plan", cl.suggest.plan_id, "Id of the plan to move")
      ->required()
      ->type_name("ID");
  cl.suggest_cmd->add_option("-r,--rules", cl.suggest.rules_path, "Separation rules (JSON)")
      ->type_name("FILE");
  cl.suggest_cmd->add_option("--max-delay", cl.max_delay, "Largest delay considered")
      ->check(DurationValidator())
      ->default_str(cl.max_delay)
      ->type_name("DURATION");
  cl.suggest_cmd->add_option("--max-advance", cl.max_advance, "Largest advance considered")
      ->check(DurationValidator())
      ->default_str(cl.max_advance)
      ->type_name("DURATION");
  AddFormat(cl.suggest_cmd, &cl.suggest_format, {"json", "text"}, "Output: json or text");
  cl.suggest_cmd->add_flag("-q,--quiet", cl.suggest.quiet, "No warnings on stderr");
  cl.suggest_cmd->footer(kSuggestFooter);
}

// Adds `demo` to app.
void AddDemo(CLI::App& app, CommandLine& cl) {
  cl.demo_cmd = app.add_subcommand("demo", "Check the al-Qahtaniyah seed scenario (8 Oct 2022)");
  AddFormat(cl.demo_cmd, &cl.demo_format, {"text", "json", "geojson"},
            "Output: text, json or geojson");
  cl.demo_cmd->footer(kDemoFooter);
}

// Adds `admin party` and `admin token` to cl.admin_cmd.
void AddAdminPartiesAndTokens(CommandLine& cl) {
  CLI::App* party_cmd = cl.admin_cmd->add_subcommand("party", "Add or list parties");
  party_cmd->require_subcommand(1);
  CLI::App* party_add = AdminSub(cl.admin_actions, party_cmd, "add",
                                 "Add a party (and an API token)", AdminAction::kPartyAdd);
  party_add->add_option("NAME", cl.admin.party, "Party name: [A-Za-z0-9][A-Za-z0-9_-]{0,63}")
      ->required();
  party_add
      ->add_option("--role", cl.admin.role, "party, coordinator (sees every conflict) or observer")
      ->check(CLI::IsMember({"party", "coordinator", "observer"}))
      ->default_str("party");
  party_add->add_option("--display-name", cl.admin.display_name, "Name for people")
      ->type_name("TEXT");
  party_add->add_flag("--no-token", cl.admin.no_token, "Do not create an API token");
  AdminSub(cl.admin_actions, party_cmd, "list", "List parties", AdminAction::kPartyList);
  CLI::App* token_cmd = cl.admin_cmd->add_subcommand("token", "Add, list or revoke API tokens");
  token_cmd->require_subcommand(1);
  AdminSub(cl.admin_actions, token_cmd, "add",
           "Create an API token for a party (printed once, last line)", AdminAction::kTokenAdd)
      ->add_option("PARTY", cl.admin.party, "Party name")
      ->required();
  AdminSub(cl.admin_actions, token_cmd, "list", "List a party's tokens (ids, never secrets)",
           AdminAction::kTokenList)
      ->add_option("PARTY", cl.admin.party, "Party name")
      ->required();
  AdminSub(cl.admin_actions, token_cmd, "revoke", "Revoke a token by id", AdminAction::kTokenRevoke)
      ->add_option("TOKEN_ID", cl.admin.token_id, "Token id (tok_...), as listed")
      ->required();
}

// Adds `admin contact` to cl.admin_cmd.
void AddAdminContacts(CommandLine& cl) {
  CLI::App* contact_cmd =
      cl.admin_cmd->add_subcommand("contact", "Add, list or remove a party's duty contacts");
  contact_cmd->require_subcommand(1);
  CLI::App* contact_add =
      AdminSub(cl.admin_actions, contact_cmd, "add", "Add a contact", AdminAction::kContactAdd);
  contact_add->add_option("PARTY", cl.admin.party, "Party name")->required();
  contact_add->add_option("--name", cl.admin.contact_name, "Contact's name or post")
      ->required()
      ->type_name("TEXT");
  contact_add->add_option("--language", cl.admin.language, "Language (BCP 47: en, ru, ar, en-GB)")
      ->required()
      ->type_name("TAG");
  contact_add->add_flag("--backup", cl.admin.backup, "A backup contact (default: primary)");
  contact_add->add_option("--roster", cl.admin.roster, "Duty roster, e.g. \"Mon-Fri 06:00-18:00Z\"")
      ->type_name("TEXT");
  contact_add
      ->add_option(
          "--webhook", cl.admin.webhook_url,
          "The contact's own pager: escalations naming it are POSTed here, signed (Ed25519)")
      ->type_name("URL");
  AdminSub(cl.admin_actions, contact_cmd, "list", "List a party's contacts",
           AdminAction::kContactList)
      ->add_option("PARTY", cl.admin.party, "Party name")
      ->required();
  CLI::App* contact_remove = AdminSub(cl.admin_actions, contact_cmd, "remove", "Remove a contact",
                                      AdminAction::kContactRemove);
  contact_remove->add_option("PARTY", cl.admin.party, "Party name")->required();
  contact_remove->add_option("ID", cl.admin.contact_id, "Contact id, as listed")->required();
}

// Adds `admin webhook` and `admin audit` to cl.admin_cmd.
void AddAdminWebhooksAndAudit(CommandLine& cl) {
  CLI::App* webhook_cmd = cl.admin_cmd->add_subcommand("webhook", "Add or list a party's webhooks");
  webhook_cmd->require_subcommand(1);
  CLI::App* webhook_add =
      AdminSub(cl.admin_actions, webhook_cmd, "add",
               "Add a webhook (events are POSTed to it, signed)", AdminAction::kWebhookAdd);
  webhook_add->add_option("PARTY", cl.admin.party, "Party name")->required();
  webhook_add->add_option("URL", cl.admin.url, "http:// or https:// URL")->required();
  webhook_add->add_option("--secret", cl.admin.secret, "HMAC-SHA256 key. Default: random, printed")
      ->type_name("S");
  AdminSub(cl.admin_actions, webhook_cmd, "list", "List a party's webhooks (never secrets)",
           AdminAction::kWebhookList)
      ->add_option("PARTY", cl.admin.party, "Party name")
      ->required();
  CLI::App* admin_audit_cmd = cl.admin_cmd->add_subcommand("audit", "Export the audit log");
  admin_audit_cmd->require_subcommand(1);
  AdminSub(cl.admin_actions, admin_audit_cmd, "export",
           "Write every entry and checkpoint as JSON Lines", AdminAction::kAuditExport)
      ->add_option("-o,--out", cl.admin.out_path, "Output file. Default: stdout")
      ->type_name("FILE");
  CLI::App* archive =
      AdminSub(cl.admin_actions, cl.admin_cmd, "archive",
               "Move closed history before DATE into a signed archive file (docs/operations.md)",
               AdminAction::kArchive);
  archive
      ->add_option("--before", cl.admin.before,
                   "Closed history before this instant: YYYY-MM-DD (00:00Z) or RFC 3339")
      ->required()
      ->type_name("DATE");
  archive
      ->add_option("-o,--out", cl.admin.out_path, "The archive file to create (never overwritten)")
      ->required()
      ->type_name("FILE");
}

// Adds `admin` and its commands to app.
void AddAdmin(CLI::App& app, CommandLine& cl) {
  cl.admin_cmd = app.add_subcommand(
      "admin", "Manage a channel's store: parties, API tokens, contacts, webhooks, audit export");
  cl.admin_cmd
      ->add_option("-d,--data", cl.admin.data_dir, "The store's folder (as deconflictd --data)")
      ->required()
      ->envname("DECONFLICT_DATA")
      ->type_name("DIR");
  cl.admin_cmd->require_subcommand(1);
  cl.admin_cmd->fallthrough();  // --data may also follow the subcommand
  cl.admin_cmd->footer(kAdminFooter);
  AdminSub(cl.admin_actions, cl.admin_cmd, "init",
           "Create the store and the server key; print the public key", AdminAction::kInit);
  AddAdminPartiesAndTokens(cl);
  AddAdminContacts(cl);
  AddAdminWebhooksAndAudit(cl);
}

// Adds `audit verify` to app.
void AddAuditVerify(CLI::App& app, CommandLine& cl) {
  CLI::App* audit_cmd = app.add_subcommand("audit", "Check audit logs and receipts");
  audit_cmd->require_subcommand(1);
  cl.verify_cmd = audit_cmd->add_subcommand(
      "verify", "Verify an audit log (store or export) or a receipt: hashes, chain, signatures");
  cl.verify_cmd->add_option("FILE", cl.verify.file,
                            "An export (JSON Lines) or a receipt; - reads stdin");
  cl.verify_cmd->add_option("-d,--data", cl.verify.data_dir, "A store's folder instead of FILE")
      ->type_name("DIR");
  cl.verify_cmd->add_option("--key", cl.verify.key_hex, "The server's Ed25519 public key (hex)")
      ->type_name("HEX");
  cl.verify_cmd->add_flag("--receipt", cl.verify.receipt, "FILE is a receipt");
  cl.verify_cmd->add_flag("--archive", cl.verify.archive,
                          "FILE is an archive (from 'deconflict admin archive')");
  cl.verify_cmd->footer(kAuditVerifyFooter);
}

// Adds `watch` to app.
void AddWatch(CLI::App& app, CommandLine& cl) {
  cl.watch_cmd = app.add_subcommand("watch", "Follow a channel server's events");
  cl.watch_cmd->add_option("-s,--server", cl.watch.server, "Server base URL (http:// or https://)")
      ->required()
      ->type_name("URL");
  cl.watch_cmd->add_option("-t,--token", cl.watch.token, "API token")
      ->envname("DECONFLICT_TOKEN")
      ->type_name("TOKEN");
  cl.watch_cmd
      ->add_option("--after", cl.watch.after, "Start after this event id (0: from the first)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return !text.empty() && text[0] != '-' ? "" : "must be 0 or a later event id";
          },
          "SEQ"))
      ->type_name("SEQ");
  cl.watch_cmd->add_flag("--json", cl.watch.json, "One JSON object per line: {id, type, data}");
  cl.watch_cmd->footer(kWatchFooter);
}

// Reports an unknown command (argv[1], which exists, not an option and not a command), with the
// closest command if one is close; returns whether it did.
bool ReportUnknownCommand(const char* const* argv, const Io& io) {
  // An unknown command: say so plainly (CLI11 would call it an unexpected argument).
  if (const std::string first = argv[1]; !first.empty() && first[0] != '-') {
    bool known = false;
    std::string closest;
    size_t best = 3;  // suggest only close matches
    for (const char* c : kCommands) {
      known = known || first == c;
      if (const size_t d = EditDistance(first, c); d < best) {
        best = d;
        closest = c;
      }
    }
    if (!known) {
      io.err << "error: unknown command '" << first << "'";
      if (!closest.empty()) io.err << "; did you mean '" << closest << "'?";
      io.err << "\nCommands: check, suggest, demo, admin, audit, watch. Run 'deconflict --help' "
                "for usage.\n";
      return true;
    }
  }
  return false;
}

// Parses the command line into app's bindings; returns the exit code when that ends the run
// (help, version or a parse error), nothing when a command is to run.
std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv, const Io& io) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    io.out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::string command = "deconflict";
    for (std::vector<CLI::App*> subs = app.get_subcommands(); !subs.empty();
         subs = subs.front()->get_subcommands()) {
      command += " " + subs.front()->get_name();
    }
    io.err << "error: " << e.what() << "\nRun '" << command << " --help' for usage.\n";
    return kExitBadInput;
  }
  return std::nullopt;
}

// Runs the parsed command; returns its exit code.
int RunParsed(CommandLine& cl, const Io& io, const std::string& executable_path) {
  if (cl.check_cmd->parsed()) {
    cl.check.format = kFormats.at(cl.check_format);
    return RunCheck(cl.check, io);
  }
  if (cl.suggest_cmd->parsed()) {
    cl.suggest.format = kFormats.at(cl.suggest_format);
    cl.suggest.max_delay = DurationOf(cl.max_delay);
    cl.suggest.max_advance = DurationOf(cl.max_advance);
    return RunSuggest(cl.suggest, io);
  }
  if (cl.demo_cmd->parsed()) {
    DemoOptions demo;
    demo.format = kFormats.at(cl.demo_format);
    demo.executable_path = executable_path;
    if (const char* dir = std::getenv("DECONFLICT_SCENARIOS")) demo.scenarios_dir = dir;
    return RunDemo(demo, io);
  }
  if (cl.admin_cmd->parsed()) {
    // The deepest parsed subcommand names the action.
    const CLI::App* leaf = cl.admin_cmd;
    while (!leaf->get_subcommands().empty()) leaf = leaf->get_subcommands().front();
    const auto action = cl.admin_actions.find(leaf);
    if (action == cl.admin_actions.end()) {
      io.err << "error: incomplete admin command\\nRun 'deconflict admin --help' for usage.\\n";
      return kExitBadInput;
    }
    cl.admin.action = action->second;
    return RunAdmin(cl.admin, io);
  }
  if (cl.verify_cmd->parsed()) return RunAuditVerify(cl.verify, io);
  if (cl.watch_cmd->parsed()) return RunWatch(cl.watch, io);
  io.err << "error: no command given\nRun 'deconflict --help' for usage.\n";
  return kExitBadInput;
}

}  // namespace

int RunCli(int argc, const char* const* argv, const Io& io, const std::string& executable_path) {
  CLI::App app(
      "deconflict: finds where and when the planned movements, flights, sites and zones\n"
      "of different parties come too close (conflicts), and the delays that clear them.",
      "deconflict");
  app.set_version_flag("--version", std::string("deconflict ") + DECONFLICT_VERSION);
  app.require_subcommand(1);
  app.footer(kMainFooter);
  app.get_formatter()->column_width(28);

  CommandLine cl;
  AddCheck(app, cl);
  AddSuggest(app, cl);
  AddDemo(app, cl);
  AddAdmin(app, cl);
  AddAuditVerify(app, cl);
  AddWatch(app, cl);

  // No arguments: the overview, as a usage error.
  if (argc <= 1) {
    io.err << app.help();
    return kExitBadInput;
  }
  if (ReportUnknownCommand(argv, io)) return kExitBadInput;
  if (std::optional<int> code = Parse(app, argc, argv, io)) return *code;
  return RunParsed(cl, io, executable_path);
}

}  // namespace deconflict::cli
