#include "http/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace deconflict::http {

namespace {

bool ValidName(const std::string& name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Prometheus numbers: shortest round-trip form, "+Inf", "-Inf", "NaN".
std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The labels sorted by name, validated.
Labels Canonical(const Labels& labels) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (!ValidName(sorted[i].first, false) || sorted[i].first.rfind("__", 0) == 0 ||
        sorted[i].first == "le") {
      throw std::invalid_argument("invalid metric label name: " + sorted[i].first);
    }
    if (i > 0 && sorted[i].first == sorted[i - 1].first) {
      throw std::invalid_argument("duplicate metric label: " + sorted[i].first);
    }
  }
  return sorted;
}

// "a=\"x\",b=\"y\"" (no braces), the inside of a label set.
std::string RenderLabels(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k;
    out += "=\"";
    out += EscapeLabelValue(v);
    out += '"';
  }
  return out;
}

std::string Braced(const std::string& inside) { return inside.empty() ? "" : "{" + inside + "}"; }

}  // namespace

void CounterMetric::Add(double v) {
  if (!(v >= 0)) return;
  v_.fetch_add(v, std::memory_order_relaxed);
}

double CounterMetric::value() const { return v_.load(std::memory_order_relaxed); }

HistogramMetric::HistogramMetric(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  bounds_.erase(std::remove_if(bounds_.begin(), bounds_.end(),
                               [](double b) { return std::isnan(b) || std::isinf(b); }),
                bounds_.end());
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  counts_.assign(bounds_.size() + 1, 0);
}

std::vector<double> HistogramMetric::DefaultBounds() {
  return {.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
}

void HistogramMetric::Observe(double v) {
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                       bounds_.begin());  // first bound >= v: v <= le
  MutexLock lock(mu_);
  ++counts_[i];
  sum_ += v;
  ++count_;
}

HistogramMetric::Snapshot HistogramMetric::snapshot() const {
  MutexLock lock(mu_);
  return Snapshot{bounds_, counts_, sum_, count_};
}

struct Metrics::Family {
  enum class Type { kCounter, kGauge, kHistogram };
  Type type;
  std::string help;
  // Keyed by the rendered canonical label set, so the output order is deterministic.
  std::map<std::string, std::unique_ptr<CounterMetric>> counters;
  std::map<std::string, std::unique_ptr<HistogramMetric>> histograms;
  std::function<double()> gauge;
};

CounterMetric& Metrics::Counter(const std::string& name, const std::string& help,
                                const Labels& labels) {
  const std::string key = RenderLabels(Canonical(labels));
  MutexLock lock(mu_);
  if (!ValidName(name, true)) throw std::invalid_argument("invalid metric name: " + name);
  auto& fam = families_[name];
  if (!fam) fam = std::make_shared<Family>(Family{Family::Type::kCounter, help, {}, {}, {}});
  if (fam->type != Family::Type::kCounter) {
    throw std::invalid_argument("metric " + name + " is not a counter");
  }
  auto& c = fam->counters[key];
  if (!c) c = std::make_unique<CounterMetric>();
  return *c;
}

HistogramMetric& Metrics::Histogram(const std::string& name, const std::string& help,
                                    const Labels& labels) {
  return Histogram(name, help, labels, HistogramMetric::DefaultBounds());
}

HistogramMetric& Metrics::Histogram(const std::string& name, const std::string& help,
                                    const Labels& labels, std::vector<double> bounds) {
  const std::string key = RenderLabels(Canonical(labels));
  MutexLock lock(mu_);
  if (!ValidName(name, true)) throw std::invalid_argument("invalid metric name: " + name);
  auto& fam = families_[name];
  if (!fam) fam = std::make_shared<Family>(Family{Family::Type::kHistogram, help, {}, {}, {}});
  if (fam->type != Family::Type::kHistogram) {
    throw std::invalid_argument("metric " + name + " is not a histogram");
  }
  auto& h = fam->histograms[key];
  if (!h) h = std::make_unique<HistogramMetric>(std::move(bounds));
  return *h;
}

void Metrics::Gauge(const std::string& name, const std::string& help,
                    std::function<double()> read) {
  MutexLock lock(mu_);
  if (!ValidName(name, true)) throw std::invalid_argument("invalid metric name: " + name);
  auto& fam = families_[name];
  if (!fam) fam = std::make_shared<Family>(Family{Family::Type::kGauge, help, {}, {}, {}});
  if (fam->type != Family::Type::kGauge) {
    throw std::invalid_argument("metric " + name + " is not a gauge");
  }
  fam->gauge = std::move(read);
}

std::string Metrics::Render() const {
  std::string out;
  MutexLock lock(mu_);
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(fam->help) + "\n";
    const char* type = fam->type == Family::Type::kCounter ? "counter"
                       : fam->type == Family::Type::kGauge ? "gauge"
                                                           : "histogram";
    out += "# TYPE " + name + " " + type + "\n";
    switch (fam->type) {
      case Family::Type::kCounter:
        for (const auto& [labels, c] : fam->counters) {
          out += name + Braced(labels) + " " + FormatNumber(c->value()) + "\n";
        }
        break;
      case Family::Type::kGauge:
        out += name + " " + FormatNumber(fam->gauge ? fam->gauge() : 0) + "\n";
        break;
      case Family::Type::kHistogram:
        for (const auto& [labels, h] : fam->histograms) {
          const HistogramMetric::Snapshot s = h->snapshot();
          const std::string sep = labels.empty() ? "" : ",";
          uint64_t cumulative = 0;
          for (size_t i = 0; i < s.counts.size(); ++i) {
            cumulative += s.counts[i];
            const std::string le = i < s.bounds.size() ? FormatNumber(s.bounds[i]) : "+Inf";
            out.append(name).append("_bucket{").append(labels).append(sep).append("le=\"");
            out.append(le).append("\"} ").append(std::to_string(cumulative)).append("\n");
          }
          out += name + "_sum" + Braced(labels) + " " + FormatNumber(s.sum) + "\n";
          out += name + "_count" + Braced(labels) + " " + std::to_string(s.count) + "\n";
        }
        break;
    }
  }
  return out;
}

}  // namespace deconflict::http
