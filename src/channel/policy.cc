#include "channel/policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "base/time.h"
#include "json/parse.h"

namespace deconflict::channel {

TimePoint DeadlinePolicy::DeadlineFor(TimePoint notice, TimePoint conflict_start) const {
  double lead_s = (conflict_start - notice).value();
  double ack_s = steps.empty() ? min_ack_s : steps.back().ack_s;
  for (const Step& s : steps) {
    if (lead_s <= s.lead_s) {
      ack_s = s.ack_s;
      break;
    }
  }
  ack_s = std::min(ack_s, std::max(lead_s, 0.0));
  ack_s = std::max(ack_s, min_ack_s);
  return WholeMillis(notice + Seconds(ack_s));
}

namespace {

// Acknowledgement and re-escalation times are added to times in int64 milliseconds; a year keeps
// them far from overflow (policy.h).
constexpr double kMaxDurationS = 365 * 86400.0;
constexpr const char* kDurationReason =
    "expected a positive number of seconds, at most 31536000 (a year)";

bool PositiveNumber(const boost::json::value& v, double* out, double max = kMaxDurationS) {
  if (!v.is_number()) return false;
  double d = v.to_number<double>();
  if (!std::isfinite(d) || d <= 0 || d > max) return false;
  *out = d;
  return true;
}

}  // namespace

Result<DeadlinePolicy> ParseDeadlinePolicy(std::string_view json_text) {
  boost::json::value v;
  if (auto issue = deconflict::json::Parse(json_text, &v)) return Status::Invalid({*issue});
  std::vector<Issue> issues;
  DeadlinePolicy p;
  if (!v.is_object()) return Status::Invalid({{"", "expected a JSON object"}});
  for (const auto& [k, value] : v.get_object()) {
    std::string key(k);
    if (key == "min_ack_s" || key == "reescalate_s") {
      double d = 0;
      if (!PositiveNumber(value, &d)) {
        issues.push_back({key, kDurationReason});
      } else {
        (key == "min_ack_s" ? p.min_ack_s : p.reescalate_s) = d;
      }
    } else if (key == "steps") {
      if (!value.is_array() || value.get_array().empty()) {
        issues.push_back({key, "expected a non-empty array of {lead_s, ack_s}"});
        continue;
      }
      p.steps.clear();
      const auto& arr = value.get_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        std::string path = "steps[" + std::to_string(i) + "]";
        const auto* o = arr[i].if_object();
        DeadlinePolicy::Step s{0, 0};
        if (o == nullptr || o->size() != 2 || !o->contains("lead_s") || !o->contains("ack_s")) {
          issues.push_back({path, "expected an object with exactly lead_s and ack_s"});
          continue;
        }
        if (!PositiveNumber(o->at("lead_s"), &s.lead_s, HUGE_VAL)) {
          issues.push_back({path + ".lead_s", "expected a positive number of seconds"});
        }
        if (!PositiveNumber(o->at("ack_s"), &s.ack_s)) {
          issues.push_back({path + ".ack_s", kDurationReason});
        }
        if (!p.steps.empty() && s.lead_s <= p.steps.back().lead_s) {
          issues.push_back({path + ".lead_s", "steps must be in increasing lead_s"});
        }
        p.steps.push_back(s);
      }
    } else {
      issues.push_back({key, "unknown key (expected steps, min_ack_s, reescalate_s)"});
    }
  }
  if (!issues.empty()) return Status::Invalid(std::move(issues));
  return p;
}

}  // namespace deconflict::channel
