#include "soak_verdict.h"

#include <algorithm>
#include <cstdio>

namespace deconflict::load {

namespace {

constexpr double kKbPerMb = 1024;

}  // namespace

int64_t MemoryKb(const SoakSample& s, bool net_of_sqlite) {
  return net_of_sqlite && s.sqlite_kb >= 0 ? s.rss_kb - s.sqlite_kb : s.rss_kb;
}

double LeastSquaresSlope(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0 ? sxy / sxx : 0;
}

GrowthVerdict JudgeGrowth(const std::vector<SoakSample>& samples, const GrowthCriteria& c) {
  GrowthVerdict v;
  bool sqlite_known = !samples.empty();
  for (const SoakSample& s : samples) sqlite_known = sqlite_known && s.sqlite_kb >= 0;
  v.net = c.net_of_sqlite && sqlite_known;
  std::vector<const SoakSample*> post;
  for (const SoakSample& s : samples) {
    if (s.t_s >= c.warmup_s) post.push_back(&s);
  }
  v.post_samples = static_cast<int>(post.size());
  if (post.size() < 4) {
    v.failures.push_back("too few samples after the warm-up: " + std::to_string(post.size()) +
                         " (need 4; run longer or sample more often)");
    return v;
  }
  const double w = c.warmup_s, t_end = post.back()->t_s;
  const double ref_until = w + (t_end - w) / 4, end_from = w + (t_end - w) / 2;
  int64_t ref_kb = 0, end_kb = 0;
  std::vector<double> xs, ys;
  for (const SoakSample* s : post) {
    const int64_t kb = MemoryKb(*s, v.net);
    if (s->t_s <= ref_until || s == post.front()) {
      ref_kb = std::max(ref_kb, kb);
      v.ref_fds = std::max(v.ref_fds, s->fds);
    }
    if (s->t_s >= end_from || s == post.back()) {
      end_kb = std::max(end_kb, kb);
      v.end_fds = std::max(v.end_fds, s->fds);
    }
    xs.push_back(s->t_s / 3600);
    ys.push_back(static_cast<double>(kb) / kKbPerMb);
  }
  v.ref_mb = static_cast<double>(ref_kb) / kKbPerMb;
  v.end_mb = static_cast<double>(end_kb) / kKbPerMb;
  v.allowed_mb = std::max(c.rss_margin_mb, c.rss_margin_fraction * v.ref_mb);
  v.slope_mb_per_h = LeastSquaresSlope(xs, ys);
  const char* what = v.net ? "RSS less SQLite's heap" : "RSS";
  char buf[512];
  if (v.end_mb - v.ref_mb > v.allowed_mb) {
    std::snprintf(buf, sizeof buf,
                  "%s grew after the warm-up: max %.1f MB in the second half vs %.1f MB just "
                  "after the warm-up, +%.1f MB > the margin %.1f MB",
                  what, v.end_mb, v.ref_mb, v.end_mb - v.ref_mb, v.allowed_mb);
    v.failures.push_back(buf);
  }
  if (v.end_fds - v.ref_fds > c.fd_margin) {
    std::snprintf(buf, sizeof buf,
                  "open file descriptors grew after the warm-up: max %lld in the second half vs "
                  "%lld just after the warm-up, more than %lld above",
                  static_cast<long long>(v.end_fds), static_cast<long long>(v.ref_fds),
                  static_cast<long long>(c.fd_margin));
    v.failures.push_back(buf);
  }
  if (c.max_slope_mb_per_h > 0 && v.slope_mb_per_h > c.max_slope_mb_per_h) {
    std::snprintf(buf, sizeof buf,
                  "%s grows at %.1f MB/h after the warm-up (least squares over %zu samples), "
                  "more than %.1f MB/h",
                  what, v.slope_mb_per_h, post.size(), c.max_slope_mb_per_h);
    v.failures.push_back(buf);
  }
  v.ok = v.failures.empty();
  return v;
}

std::string SoakCsvHeader() {
  return "t_s,rss_kb,sqlite_kb,fds,db_bytes,requests,errors,p50_ms,p99_ms,writes,plans_active,"
         "conflicts_open,streams";
}

std::string SoakCsvRow(const SoakSample& s) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.1f,%lld,%lld,%lld,%lld,%lld,%lld,%.2f,%.2f,%lld,%.0f,%.0f,%.0f",
                s.t_s, static_cast<long long>(s.rss_kb), static_cast<long long>(s.sqlite_kb),
                static_cast<long long>(s.fds), static_cast<long long>(s.db_bytes),
                static_cast<long long>(s.requests), static_cast<long long>(s.errors), s.p50_ms,
                s.p99_ms, static_cast<long long>(s.writes), s.plans_active, s.conflicts_open,
                s.streams);
  return buf;
}

}  // namespace deconflict::load
