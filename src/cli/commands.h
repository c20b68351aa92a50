// The commands of the `deconflict` tool, independent of argument parsing (app.h): each reads its
// input, reports every problem on `err`, writes its result on `out` and returns the exit code.
//
//   CheckOptions o;  o.plans_path = "plans.geojson";  o.format = Format::kText;
//   int code = RunCheck(o, Io{std::cin, std::cout, std::cerr});   // 0, 1 or 2
//
// Thread-safety: each call is independent; the streams must not be shared with another thread.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "base/units.h"

namespace deconflict::cli {

// Exit codes (documented in `deconflict --help`).
constexpr int kExitOk = 0;         // no conflict; suggest: a clearing shift (or none needed)
constexpr int kExitConflicts = 1;  // conflicts found; suggest: no shift within limits clears them
constexpr int kExitBadInput = 2;   // unreadable or invalid input, bad flags, unknown plan id
constexpr int kExitInternal = 3;   // a bug: the engine failed its own verification

enum class Format { kJson, kGeoJson, kText };

// Where a command reads and writes. `err_is_tty` enables progress lines on long work.
struct Io {
  std::istream& in;   // read for the path "-"
  std::ostream& out;  // results
  std::ostream& err;  // errors, warnings, progress
  bool err_is_tty = false;
};

struct CheckOptions {
  std::string plans_path;  // "-" reads Io::in
  std::string rules_path;  // DEFAULT: empty = the default rules (model/rules.h)
  Format format = Format::kJson;
  bool brute_force = false;  // DEFAULT: false (affects speed only)
  int threads = 0;           // DEFAULT: 0 = one per core (affects speed only)
  bool quiet = false;        // DEFAULT: false. No warnings, no progress.
  bool timings = false;      // DEFAULT: false. The wall time of each phase to stderr at the end.
};

// `deconflict check`: kExitOk, kExitConflicts or kExitBadInput.
int RunCheck(const CheckOptions& options, const Io& io);

struct SuggestCommandOptions {
  std::string plans_path;           // "-" reads Io::in
  std::string rules_path;           // DEFAULT: empty = the default rules
  std::string plan_id;              // REQUIRES: non-empty
  Seconds max_delay{6 * 3600.0};    // DEFAULT: 6 h
  Seconds max_advance{6 * 3600.0};  // DEFAULT: 6 h
  Format format = Format::kJson;    // kJson or kText
  bool quiet = false;
};

// `deconflict suggest`: kExitOk (shift found or nothing to clear), kExitConflicts (impossible),
// kExitBadInput (including an unknown plan id) or kExitInternal.
int RunSuggest(const SuggestCommandOptions& options, const Io& io);

// The seed scenario's file name.
inline constexpr const char* kDemoScenario = "qahtaniyah-2022-10-08.geojson";

struct DemoOptions {
  Format format = Format::kText;
  std::string executable_path;  // DEFAULT: empty = unknown (skip <exe dir>/../share/...)
  std::optional<std::string> scenarios_dir;  // DEFAULT: $DECONFLICT_SCENARIOS, if set
  std::string source_dir;  // DEFAULT: empty = the source tree the tool was built from
};

// Returns the first existing file named `name` in: scenarios_dir, <dir of executable_path>/
// ../share/deconflict/scenarios, <source_dir>/scenarios; nullopt if none. Appends every
// directory looked in to *tried (may be null).
std::optional<std::string> FindScenario(const std::string& name, const DemoOptions& options,
                                        std::vector<std::string>* tried);

// `deconflict demo`: a check of the seed scenario, introduced and followed by a hint (text).
int RunDemo(const DemoOptions& options, const Io& io);

}  // namespace deconflict::cli
