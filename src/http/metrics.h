// Prometheus text-format metrics: counters, gauges and histograms with labels.
//
//   Metrics m;
//   m.Counter("deconflict_http_requests_total", "HTTP requests", {{"route", r}, {"code", "200"}})
//       .Add(1);
//   m.Histogram("deconflict_http_request_seconds", "Latency", {{"route", r}}).Observe(0.004);
//   std::string text = m.Render();   // served at /metrics
//
// Names must match [a-zA-Z_:][a-zA-Z0-9_:]* and label names [a-zA-Z_][a-zA-Z0-9_]*; label values
// may hold anything (escaped when rendered). Series are keyed by their label set (order of the
// given labels does not matter). Asking for a name already registered with another type throws
// std::invalid_argument. The first help text given for a name is kept.
//
// Thread-safety: thread-safe. References returned stay valid for the Metrics' lifetime.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/thread_annotations.h"

namespace deconflict::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

class CounterMetric {
 public:
  // REQUIRES: v >= 0 (negative increments are ignored).
  void Add(double v = 1);
  double value() const;

 private:
  std::atomic<double> v_{0};
};

class HistogramMetric {
 public:
  // DEFAULT buckets (seconds): .0005 .001 .0025 .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10
  // (DefaultBounds(), used by Metrics::Histogram). `bounds` are upper bounds (le), sorted and
  // deduplicated here; +Inf is implicit.
  explicit HistogramMetric(std::vector<double> bounds);
  static std::vector<double> DefaultBounds();
  void Observe(double v);
  // counts[i] is the number of observations in (bounds[i-1], bounds[i]] (not cumulative);
  // counts.back() is the +Inf bucket, so counts.size() == bounds.size() + 1.
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;
    double sum;
    uint64_t count;
  };
  Snapshot snapshot() const;

 private:
  mutable Mutex mu_;
  std::vector<double> bounds_;                    // set by the constructor, then only read
  std::vector<uint64_t> counts_ GUARDED_BY(mu_);  // per bucket (not cumulative), last = +Inf
  double sum_ GUARDED_BY(mu_) = 0;
  uint64_t count_ GUARDED_BY(mu_) = 0;
};

class Metrics {
 public:
  CounterMetric& Counter(const std::string& name, const std::string& help,
                         const Labels& labels = {});
  HistogramMetric& Histogram(const std::string& name, const std::string& help,
                             const Labels& labels = {});
  // The same with explicit bucket bounds (used only when the series is created).
  HistogramMetric& Histogram(const std::string& name, const std::string& help, const Labels& labels,
                             std::vector<double> bounds);
  // A gauge read at Render time (under the Metrics' lock: `read` must not call this Metrics).
  // Registering a name again replaces the reader.
  void Gauge(const std::string& name, const std::string& help, std::function<double()> read);
  std::string Render() const;  // Prometheus text exposition format 0.0.4
 private:
  // implementation-defined members
  struct Family;
  mutable Mutex mu_;
  // The families and everything in them (series maps, help texts, gauge readers).
  std::map<std::string, std::shared_ptr<Family>> families_ GUARDED_BY(mu_);
};

}  // namespace deconflict::http
