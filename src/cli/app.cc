#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>

#include "cli/flags.h"

#ifndef DECONFLICT_VERSION
#define DECONFLICT_VERSION "unknown"
#endif

namespace deconflict::cli {
namespace {

constexpr const char* kCommands[] = {"check", "suggest", "demo"};

constexpr const char* kMainFooter = R"(Examples:
  deconflict demo
  deconflict check plans.geojson --format text
  deconflict check plans.geojson --rules rules.json > conflicts.json
  deconflict suggest plans.geojson --plan us-patrol-17 --format text

Plans files are GeoJSON FeatureCollections, one plan per Feature (docs/plan-format.md); "-" reads
standard input. Conflicts follow docs/semantics.md. Times are UTC, distances metres.

Exit codes: 0 no conflict, 1 conflicts found (suggest: no shift clears them), 2 bad input or
usage, 3 internal error.)";

constexpr const char* kCheckFooter = R"(Output (--format):
  json     {"conflicts": [{"id", "plans", "parties", "kinds", "callsigns", "type", "rule",
           "min_distance_m", "required_m", "vertical_distance_m" (air-air only), "window":
           {"start", "end", "duration_s"}, "cpa": {"time", "position": [lon, lat], "times"}}],
           "stats": {"plans", "parties", "conflicts", "elements", "elapsed_ms", "method"}}
           Conflicts are sorted by window start, then plan ids; "id" is stable across runs.
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

  // check
  CheckOptions check;
  std::string check_format = "json";
  CLI::App* check_cmd =
      app.add_subcommand("check", "Find every conflict among the plans of a file");
  check_cmd->add_option("PLANS", check.plans_path, "Plans file (GeoJSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  check_cmd
      ->add_option("-r,--rules", check.rules_path,
                   "Separation rules (JSON; keys as in model/rules.h). Default: built-in")
      ->type_name("FILE");
  AddFormat(check_cmd, &check_format, {"json", "geojson", "text"}, "Output: json, geojson or text");
  check_cmd->add_flag("--brute-force", check.brute_force,
                      "Compare every pair of plans instead of using the index (same results)");
  check_cmd->add_option("-j,--threads", check.threads, "Worker threads; 0 = one per core")
      ->check(CLI::Range(0, 1024))
      ->default_str("0");
  check_cmd->add_flag("-q,--quiet", check.quiet, "No warnings and no progress on stderr");
  check_cmd->footer(kCheckFooter);

  // suggest
  SuggestCommandOptions suggest;
  std::string suggest_format = "json", max_delay = "6h", max_advance = "6h";
  CLI::App* suggest_cmd =
      app.add_subcommand("suggest", "Find the smallest delay (or advance) that clears a plan");
  suggest_cmd->add_option("PLANS", suggest.plans_path, "Plans file (GeoJSON); - reads stdin")
      ->required()
      ->type_name("FILE");
  suggest_cmd->add_option("-p,--plan", suggest.plan_id, "Id of the plan to move")
      ->required()
      ->type_name("ID");
  suggest_cmd->add_option("-r,--rules", suggest.rules_path, "Separation rules (JSON)")
      ->type_name("FILE");
  suggest_cmd->add_option("--max-delay", max_delay, "Largest delay considered")
      ->check(DurationValidator())
      ->default_str(max_delay)
      ->type_name("DURATION");
  suggest_cmd->add_option("--max-advance", max_advance, "Largest advance considered")
      ->check(DurationValidator())
      ->default_str(max_advance)
      ->type_name("DURATION");
  AddFormat(suggest_cmd, &suggest_format, {"json", "text"}, "Output: json or text");
  suggest_cmd->add_flag("-q,--quiet", suggest.quiet, "No warnings on stderr");
  suggest_cmd->footer(kSuggestFooter);

  // demo
  std::string demo_format = "text";
  CLI::App* demo_cmd =
      app.add_subcommand("demo", "Check the al-Qahtaniyah seed scenario (8 Oct 2022)");
  AddFormat(demo_cmd, &demo_format, {"text", "json", "geojson"}, "Output: text, json or geojson");
  demo_cmd->footer(kDemoFooter);

  // No arguments: the overview, as a usage error.
  if (argc <= 1) {
    io.err << app.help();
    return kExitBadInput;
  }
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
      io.err << "\nCommands: check, suggest, demo. Run 'deconflict --help' for usage.\n";
      return kExitBadInput;
    }
  }

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
    for (const CLI::App* sub : app.get_subcommands()) command += " " + sub->get_name();
    io.err << "error: " << e.what() << "\nRun '" << command << " --help' for usage.\n";
    return kExitBadInput;
  }

  if (check_cmd->parsed()) {
    check.format = kFormats.at(check_format);
    return RunCheck(check, io);
  }
  if (suggest_cmd->parsed()) {
    suggest.format = kFormats.at(suggest_format);
    suggest.max_delay = DurationOf(max_delay);
    suggest.max_advance = DurationOf(max_advance);
    return RunSuggest(suggest, io);
  }
  if (demo_cmd->parsed()) {
    DemoOptions demo;
    demo.format = kFormats.at(demo_format);
    demo.executable_path = executable_path;
    if (const char* dir = std::getenv("DECONFLICT_SCENARIOS")) demo.scenarios_dir = dir;
    return RunDemo(demo, io);
  }
  io.err << "error: no command given\nRun 'deconflict --help' for usage.\n";
  return kExitBadInput;
}

}  // namespace deconflict::cli
