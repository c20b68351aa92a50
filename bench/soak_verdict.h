// The soak's samples of the server and the verdict on them: does memory (and do open file
// descriptors) stay flat after the warm-up? Pure functions over the samples, so that the criteria
// are tested on made-up series (soak_verdict_test.cc) and documented in one place.
//
//   std::vector<SoakSample> samples = ...;  // one every --soak-interval seconds
//   GrowthVerdict v = JudgeGrowth(samples, {.warmup_s = 12});
//   if (!v.ok) for (const std::string& why : v.failures) puts(why.c_str());
//
// The criteria (bench/README.md, docs/PERFORMANCE.md "Issue 14: soak"). Let W be the warm-up's
// end and T the last sample's time; "memory" is the server's RSS less the heap SQLite holds
// (its page caches are bounded by their configured sizes, 32 MiB for the writer and 8 MiB per
// reader connection, and fill as the database grows; the rest of the process must not grow),
// or the plain RSS when the server does not report SQLite's heap or when net_of_sqlite is off.
//   1. reference = max of memory over the samples in [W, W + (T - W) / 4];
//      end = max of memory over the samples in [W + (T - W) / 2, T];
//      fails if end - reference > max(rss_margin_mb, rss_margin_fraction * reference).
//   2. the same for open file descriptors: fails if end - reference > fd_margin.
//   3. the least-squares slope of memory over the samples in [W, T], in MB per hour, is reported;
//      it fails only when max_slope_mb_per_h > 0 and the slope exceeds it (meaningful for runs
//      of many minutes; over a minute the noise extrapolated to an hour is tens of MB).
//   4. fails if fewer than 4 samples lie in [W, T].
// Maxima over windows, not single samples, so that a transient allocation (a big response) or a
// stream connected at one sample and not at the next does not decide.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace deconflict::load {

// One sample of the server and of the requests completed since the previous sample.
struct SoakSample {
  double t_s = 0;          // seconds since the soak's load started
  int64_t rss_kb = 0;      // VmRSS of /proc/PID/status
  int64_t sqlite_kb = -1;  // SQLite's heap (/metrics deconflict_sqlite_memory_bytes), -1 unknown
  int64_t fds = 0;         // entries of /proc/PID/fd
  int64_t db_bytes = 0;    // the data folder's files (database, -wal, -shm)
  int64_t requests = 0;    // requests answered in the interval (any outcome)
  int64_t errors = 0;      // of which errors (transport, unexpected status)
  double p50_ms = 0, p99_ms = 0;  // latency of the interval's requests, ms (0 if none)
  int64_t writes = 0;             // plan writes acknowledged since the start (POST, PUT, DELETE)
  double plans_active = -1;       // /metrics gauges at the sample, -1 unknown
  double conflicts_open = -1;
  double streams = -1;
};

// Memory as the verdict sees it, KB: RSS less SQLite's heap when known and `net_of_sqlite`.
int64_t MemoryKb(const SoakSample& s, bool net_of_sqlite);

struct GrowthCriteria {
  double warmup_s = 0;                // REQUIRED: samples before this are the warm-up
  double rss_margin_mb = 8;           // DEFAULT 8 MB (MB = 2^20 bytes here)
  double rss_margin_fraction = 0.10;  // DEFAULT 10 % of the reference
  int64_t fd_margin = 8;              // DEFAULT 8 descriptors
  double max_slope_mb_per_h = 0;      // DEFAULT 0: the slope is reported, not judged
  bool net_of_sqlite = true;          // DEFAULT: judge RSS less SQLite's heap
};

struct GrowthVerdict {
  bool ok = false;
  std::vector<std::string> failures;  // one line each, naming the criterion and the figures
  bool net = false;                   // memory was RSS less SQLite's heap
  double ref_mb = 0, end_mb = 0, allowed_mb = 0, slope_mb_per_h = 0;
  int64_t ref_fds = 0, end_fds = 0;
  int post_samples = 0;  // samples in [W, T]
};

GrowthVerdict JudgeGrowth(const std::vector<SoakSample>& samples, const GrowthCriteria& c);

// The least-squares slope of y over x (units of y per unit of x); 0 with fewer than two distinct x.
double LeastSquaresSlope(const std::vector<double>& x, const std::vector<double>& y);

// The CSV header line and one sample's line (no newline), columns in the header's order.
std::string SoakCsvHeader();
std::string SoakCsvRow(const SoakSample& s);

}  // namespace deconflict::load
