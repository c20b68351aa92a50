#include "cli/commands.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "cli/flags.h"
#include "cli/output.h"
#include "engine/detector.h"
#include "engine/suggest.h"
#include "model/plan_parser.h"
#include "model/rules.h"

#ifndef DECONFLICT_SOURCE_DIR
#define DECONFLICT_SOURCE_DIR ""
#endif

namespace deconflict::cli {
namespace {

namespace fs = std::filesystem;
using engine::Conflict;
using engine::ConflictDetector;

// Progress lines are printed for more plans than this (and only to a terminal).
constexpr size_t kProgressMinPlans = 20'000;

std::string DisplayName(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// Reads a whole file ("-": io.in). Returns IoError with the reason on failure.
Result<std::string> ReadInput(const std::string& path, const Io& io) {
  if (path == "-") {
    std::stringstream buffer;
    buffer << io.in.rdbuf();
    return buffer.str();
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::IoError("cannot read: is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::IoError(std::string("cannot read: ") + std::strerror(errno));
  // Straight into the string (a file of 100,000 plans is ~100 MB): its size first, then whatever
  // else there is (a file that grew, or one without a size such as a pipe).
  std::string text;
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > 0) {
    text.resize(static_cast<size_t>(size));
    file.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<size_t>(file.gcount()));
  }
  char chunk[1 << 16];
  while (file && (file.read(chunk, sizeof chunk) || file.gcount() > 0)) {
    text.append(chunk, static_cast<size_t>(file.gcount()));
  }
  if (file.bad()) return Status::IoError(std::string("cannot read: ") + std::strerror(errno));
  return text;
}

// The wall time of each phase of a check, for --timings.
class Phases {
 public:
  // Ends the phase running since the previous mark (or since construction) and names it.
  void Mark(const char* name) {
    const auto now = std::chrono::steady_clock::now();
    done_.emplace_back(name, std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }
  // "deconflict: timings: read 0.081 s, parse 0.950 s, ..., total 2.100 s".
  std::string ToString() const {
    std::string out = "deconflict: timings:";
    double total = 0;
    char buf[64];
    for (const auto& [name, seconds] : done_) {
      std::snprintf(buf, sizeof buf, " %s %.3f s,", name, seconds);
      out += buf;
      total += seconds;
    }
    std::snprintf(buf, sizeof buf, " total %.3f s", total);
    return out + buf;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::vector<std::pair<const char*, double>> done_;
};

// Marks the end of a phase when timings are on (phases != nullptr).
void Mark(Phases* phases, const char* name) {
  if (phases != nullptr) phases->Mark(name);
}

std::string Count(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// The validated input of check and suggest.
struct Input {
  std::vector<model::Plan> plans;
  model::Rules rules;
};

// Reads and validates the plans and rules. On failure prints every issue (one per line) and a
// summary ending with `consequence`, and returns nullopt.
std::optional<Input> LoadInput(const std::string& plans_path, const std::string& rules_path,
                               bool quiet, const char* consequence, const Io& io,
                               Phases* phases = nullptr) {
  Input input;
  const std::string plans_name = DisplayName(plans_path);
  size_t plan_errors = 0, rule_errors = 0;
  Result<std::string> text = ReadInput(plans_path, io);
  Mark(phases, "read");
  if (!text.ok()) {
    io.err << "error: " << plans_name << ": " << text.status().message() << "\n";
    ++plan_errors;
  } else {
    Result<model::PlanSet> set = model::ParsePlans(*text);
    Mark(phases, "parse");
    if (!set.ok()) {
      const std::vector<Issue>& issues = set.status().issues();
      for (const Issue& i : issues) io.err << "error: " << i.ToString() << "\n";
      if (issues.empty()) io.err << "error: " << set.status().message() << "\n";
      plan_errors += std::max<size_t>(issues.size(), 1);
    } else {
      if (!quiet) {
        for (const Issue& w : set->warnings) io.err << "warning: " << w.ToString() << "\n";
      }
      input.plans = std::move(set->plans);
    }
  }
  if (!rules_path.empty()) {
    const std::string rules_name = DisplayName(rules_path);
    if (rules_path == "-" && plans_path == "-") {
      io.err << "error: " << rules_name << ": plans and rules cannot both be read from stdin\n";
      ++rule_errors;
    } else if (Result<std::string> rules_text = ReadInput(rules_path, io); !rules_text.ok()) {
      io.err << "error: " << rules_name << ": " << rules_text.status().message() << "\n";
      ++rule_errors;
    } else if (Result<model::Rules> rules = model::ParseRules(*rules_text); !rules.ok()) {
      const std::vector<Issue>& issues = rules.status().issues();
      for (const Issue& i : issues)
        io.err << "error: " << rules_name << ": " << i.ToString() << "\n";
      if (issues.empty())
        io.err << "error: " << rules_name << ": " << rules.status().message() << "\n";
      rule_errors += std::max<size_t>(issues.size(), 1);
    } else {
      input.rules = *rules;
    }
  }
  if (plan_errors + rule_errors == 0) return input;
  std::string where;
  if (plan_errors) where = Count(plan_errors, "error") + " in " + plans_name;
  if (rule_errors) {
    where += (where.empty() ? "" : " and ") + Count(rule_errors, "error") + " in " +
             DisplayName(rules_path);
  }
  io.err << "deconflict: " << where << "; " << consequence << "\n";
  return std::nullopt;
}

// A detector holding every plan, and what a check found.
struct Checked {
  std::unique_ptr<ConflictDetector> detector;
  std::vector<std::string> ids;  // in file order
  std::vector<Conflict> conflicts;
  CheckSummary summary;
};

// Builds the detector (and, with `detect`, runs DetectAll). Returns nullopt after printing an
// error if a plan is refused (duplicate ids are already refused by the parser).
std::optional<Checked> Detect(Input input, const engine::DetectorOptions& options, bool detect,
                              bool quiet, const Io& io, Phases* phases = nullptr) {
  Checked out;
  const auto t0 = std::chrono::steady_clock::now();
  out.detector = std::make_unique<ConflictDetector>(input.rules, options);
  std::set<std::string> parties;
  for (model::Plan& p : input.plans) {
    parties.insert(p.party.value());
    const std::string id = p.id.value();
    out.ids.push_back(id);
    if (Status s = out.detector->Add(std::move(p)); !s.ok()) {
      io.err << "error: plan " << id << ": " << s.message() << "\n";
      return std::nullopt;
    }
  }
  const size_t n = out.detector->size();
  Mark(phases, "index");
  if (detect) {
    engine::ProgressFn progress;
    int last_percent = -1;
    if (io.err_is_tty && !quiet && n > kProgressMinPlans) {
      progress = [&](size_t done, size_t total) {
        const int percent = total ? static_cast<int>(100 * done / total) : 100;
        if (percent == last_percent) return;
        last_percent = percent;
        io.err << "\rdeconflict: checking " << FormatThousands(static_cast<double>(n))
               << " plans: " << percent << "%" << std::flush;
      };
    }
    out.conflicts = out.detector->DetectAll(progress);
    if (last_percent >= 0) io.err << "\r\033[K" << std::flush;
    Mark(phases, "detect");
  }
  const auto t1 = std::chrono::steady_clock::now();
  out.summary.plans = n;
  out.summary.parties = parties.size();
  out.summary.conflicts = out.conflicts.size();
  out.summary.elements = out.detector->stats().elements;
  out.summary.elapsed_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  out.summary.brute_force = options.use_brute_force;
  return out;
}

void PrintConflicts(const Checked& c, Format format, const Io& io) {
  switch (format) {
    case Format::kJson:
      WriteConflictsJson(c.conflicts, c.summary,
                         static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
                         io.out);
      break;
    case Format::kGeoJson: {
      const ConflictDetector* d = c.detector.get();
      io.out << FormatConflictsGeoJson(c.conflicts, c.summary,
                                       [d](const PlanId& id) { return d->Find(id); });
      break;
    }
    case Format::kText:
      io.out << FormatConflictsText(c.conflicts, c.summary);
      break;
  }
  io.out.flush();
}

std::optional<Checked> CheckFile(const CheckOptions& o, const Io& io, Phases* phases = nullptr) {
  std::optional<Input> input =
      LoadInput(o.plans_path, o.rules_path, o.quiet, "nothing was checked", io, phases);
  if (!input) return std::nullopt;
  engine::DetectorOptions options;
  options.use_brute_force = o.brute_force;
  options.threads = o.threads;
  return Detect(std::move(*input), options, /*detect=*/true, o.quiet, io, phases);
}

// Shell-quotes a path for a hint line when needed.
std::string Quoted(const std::string& s) {
  if (s.find_first_of(" \t'\"$\\") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The plan the demo's hint suggests moving: the first movement or flight taking part in a
// conflict (in report order) that some shift can clear, else the first one, else any.
std::optional<std::string> DemoSuggestion(const Checked& checked) {
  std::vector<PlanId> movers;
  for (const Conflict& c : checked.conflicts) {
    for (const auto& [id, kind] : {std::pair{c.plan_a, c.kind_a}, std::pair{c.plan_b, c.kind_b}}) {
      const bool mover = kind == model::PlanKind::kMovement || kind == model::PlanKind::kFlight;
      if (mover && std::find(movers.begin(), movers.end(), id) == movers.end())
        movers.push_back(id);
    }
  }
  for (const PlanId& id : movers) {
    Result<engine::Suggestion> s = engine::Suggest(*checked.detector, id, engine::SuggestOptions{});
    if (s.ok() &&
        (s->outcome == engine::Suggestion::kDelay || s->outcome == engine::Suggestion::kAdvance)) {
      return id.value();
    }
  }
  if (!movers.empty()) return movers.front().value();
  if (!checked.conflicts.empty()) return checked.conflicts.front().plan_a.value();
  return std::nullopt;
}

}  // namespace

int RunCheck(const CheckOptions& options, const Io& io) {
  std::optional<Phases> phases;
  if (options.timings) phases.emplace();
  Phases* timed = phases ? &*phases : nullptr;
  std::optional<Checked> checked = CheckFile(options, io, timed);
  if (!checked) return kExitBadInput;
  PrintConflicts(*checked, options.format, io);
  Mark(timed, "write");
  if (phases) io.err << phases->ToString() << "\n";
  return checked->conflicts.empty() ? kExitOk : kExitConflicts;
}

int RunSuggest(const SuggestCommandOptions& o, const Io& io) {
  std::optional<Input> input =
      LoadInput(o.plans_path, o.rules_path, o.quiet, "nothing was suggested", io);
  if (!input) return kExitBadInput;
  std::optional<Checked> built =
      Detect(std::move(*input), engine::DetectorOptions{}, /*detect=*/false, o.quiet, io);
  if (!built) return kExitBadInput;
  const ConflictDetector& d = *built->detector;
  const PlanId id(o.plan_id);
  if (d.Find(id) == nullptr) {
    io.err << "error: no plan with id '" << o.plan_id << "' in " << DisplayName(o.plans_path);
    if (built->ids.empty()) {
      io.err << " (it has no plans)\n";
      return kExitBadInput;
    }
    // Name the closest ids, so that a typo is obvious.
    constexpr size_t kShown = 5;
    std::vector<std::pair<size_t, const std::string*>> ranked;
    for (const std::string& existing : built->ids) {
      ranked.emplace_back(EditDistance(o.plan_id, existing), &existing);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    io.err << "; "
           << (ranked.size() > kShown ? "closest of its " + Count(ranked.size(), "plan")
                                      : "its plans")
           << ": ";
    for (size_t i = 0; i < std::min(kShown, ranked.size()); ++i) {
      io.err << (i ? ", " : "") << *ranked[i].second;
    }
    io.err << "\n";
    return kExitBadInput;
  }
  engine::SuggestOptions so;
  so.max_delay = o.max_delay;
  so.max_advance = o.max_advance;
  Result<engine::Suggestion> s = engine::Suggest(d, id, so);
  if (!s.ok()) {
    io.err << "deconflict: internal error: " << s.status().ToString() << "\n";
    return kExitInternal;
  }
  io.out << (o.format == Format::kText ? FormatSuggestionText(id, *s)
                                       : FormatSuggestionJson(id, *s));
  io.out.flush();
  return s->outcome == engine::Suggestion::kImpossible ? kExitConflicts : kExitOk;
}

std::optional<std::string> FindScenario(const std::string& name, const DemoOptions& options,
                                        std::vector<std::string>* tried) {
  std::vector<fs::path> dirs;
  if (options.scenarios_dir && !options.scenarios_dir->empty())
    dirs.emplace_back(*options.scenarios_dir);
  if (!options.executable_path.empty()) {
    dirs.push_back(fs::path(options.executable_path).parent_path() / ".." / "share" / "deconflict" /
                   "scenarios");
  }
  const std::string source =
      options.source_dir.empty() ? DECONFLICT_SOURCE_DIR : options.source_dir;
  if (!source.empty()) dirs.push_back(fs::path(source) / "scenarios");
  for (const fs::path& dir : dirs) {
    const fs::path dir_clean = dir.lexically_normal();
    if (tried) tried->push_back(dir_clean.string());
    std::error_code ec;
    const fs::path file = dir_clean / name;
    if (fs::is_regular_file(file, ec)) return file.string();
  }
  return std::nullopt;
}

int RunDemo(const DemoOptions& options, const Io& io) {
  std::vector<std::string> tried;
  const std::optional<std::string> path = FindScenario(kDemoScenario, options, &tried);
  if (!path) {
    io.err << "error: cannot find the demo scenario " << kDemoScenario << "; looked in:\n";
    for (const std::string& dir : tried) io.err << "  " << dir << "\n";
    io.err << "deconflict: set DECONFLICT_SCENARIOS to the folder that holds it\n";
    return kExitBadInput;
  }
  CheckOptions check;
  check.plans_path = *path;
  check.format = options.format;
  if (options.format == Format::kText) {
    io.out
        << "Demo: 8 October 2022, the oil field near al-Qahtaniyah (Hassakeh province, NE Syria,\n"
           "about 37.04 N 41.62 E), where a US patrol and a Russian patrol met. Their planned\n"
           "routes cross; deconflict checks every pair of plans of different parties.\n\n";
  }
  std::optional<Checked> checked = CheckFile(check, io);
  if (!checked) return kExitBadInput;
  PrintConflicts(*checked, options.format, io);
  if (options.format == Format::kText) {
    if (const std::optional<std::string> plan = DemoSuggestion(*checked)) {
      io.out << "\nHint: find the smallest shift that clears the conflicts of " << *plan << ":\n"
             << "  deconflict suggest " << Quoted(*path) << " --plan " << Quoted(*plan)
             << " --format text\n";
    } else {
      io.out << "\nHint: see the details as JSON: deconflict check " << Quoted(*path) << "\n";
    }
  }
  io.out.flush();
  // Finding the scenario's conflicts is the demo working: exit 0.
  return kExitOk;
}

}  // namespace deconflict::cli
