// The soak mode of deconflict_load (issue 14): a sustained mixed load at a fixed offered rate
// against a deconflictd this driver starts on a fresh store, sampling the server's memory, open
// file descriptors, database size and latency, and failing when memory or descriptors grow after
// the warm-up (soak_verdict.h states the criteria). And the amendment measurement: one plan
// amended N times, RSS before and after.
//
//   deconflict_load --deconflictd build/release/src/server/deconflictd --soak 1800
//       --soak-rate 100 --soak-csv soak.csv            # then: bench/soak-plot soak.csv soak.png
//   deconflict_load --deconflictd ... --amend-one 100000
//
// Exit codes: 0 flat, 1 growth (or too many failed requests, or the server did not exit 0),
// 2 bad options, 3 the server could not be started.
#pragma once

#include <cstdint>
#include <string>

#include "load.h"

namespace CLI {
class App;
}

namespace deconflict::load {

struct SoakOptions {
  double seconds = 0;     // --soak: seconds of load; 0 = not the soak mode
  double rate = 100;      // --soak-rate: operations offered per second, all clients together
  double interval_s = 5;  // --soak-interval: seconds between samples
  double warmup_s = -1;   // --soak-warmup: DEFAULT seconds / 5
  std::string csv;        // --soak-csv: the samples as CSV (soak_verdict.h SoakCsvHeader)
  // --soak-mix: relative weights of the operations (soak.cc ParseMix).
  std::string mix = "create=20,short=5,amend=30,cancel=5,ack=10,read=30";
  int plans_per_client = 20;  // live plans a client keeps; a create beyond cancels its oldest
  int streams = 4;            // event streams open at once, each held 0.5 s..stream_s, then closed
  double stream_s = 5;        // --soak-stream-s
  double short_s = 120;       // --soak-short-s: lifetime scale of the plans that end soon
  double rss_margin_mb = 8;   // soak_verdict.h GrowthCriteria
  double rss_margin_pct = 10;
  int fd_margin = 8;
  double max_slope_mb_h = 0;
  bool raw_rss = false;           // judge the plain RSS, SQLite's heap included
  double max_error_pct = 1;       // failed requests allowed, % of all
  int64_t amend_one = 0;          // --amend-one N: the amendment measurement instead
  int64_t amend_one_warmup = -1;  // DEFAULT min(1000, N / 5)
  int amend_one_vertices = 40;
};

// Adds the soak's options to the driver's command line.
void AddSoakOptions(CLI::App& app, SoakOptions& o);

// The soak (o.seconds > 0) with f's server and workload options (--deconflictd, --parties,
// --clients, --data-root, --keep-data, --seed; w from --density, --box-km, --horizon-h,
// --flights): prints progress to stderr, the table and the verdict to stdout; returns the exit
// code above. `cmd` is the command line, printed.
int RunSoak(const Flags& f, const Workload& w, SoakOptions o, const std::string& cmd);

// The amendment measurement (o.amend_one > 0): one plan of o.amend_one_vertices vertices
// amended o.amend_one times in a row (PUT with If-Match, shifted in time); prints RSS (and RSS
// less SQLite's heap) at the start, after o.amend_one_warmup amendments and at the end; 1 if the
// growth after the warm-up exceeds the RSS margin.
int RunAmendOne(const Flags& f, const Workload& w, const SoakOptions& o, const std::string& cmd);

}  // namespace deconflict::load
