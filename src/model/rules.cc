// Rules JSON -> Rules: every key is a field name, every value a finite number >= 0.

#include "model/rules.h"

#include <cmath>

#include "json/parse.h"
#include "model/json_util.h"

namespace deconflict::model {
namespace {

struct RuleField {
  const char* name;
  double Rules::*field;
  bool positive;  // must be > 0 rather than >= 0
};

constexpr RuleField kFields[] = {
    {"ground_ground_horizontal_m", &Rules::ground_ground_horizontal_m, true},
    {"air_air_horizontal_m", &Rules::air_air_horizontal_m, true},
    {"air_air_vertical_m", &Rules::air_air_vertical_m, false},
    {"ground_air_horizontal_m", &Rules::ground_air_horizontal_m, false},
    {"low_level_ceiling_m", &Rules::low_level_ceiling_m, false},
    {"movement_site_buffer_m", &Rules::movement_site_buffer_m, false},
    {"flight_site_buffer_m", &Rules::flight_site_buffer_m, false},
    {"zone_buffer_m", &Rules::zone_buffer_m, false},
};

std::string KnownRules() {
  std::string out;
  for (const RuleField& f : kFields) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

}  // namespace

Result<Rules> ParseRules(std::string_view json_text) {
  boost::json::value doc;
  if (std::optional<Issue> bad = json::Parse(json_text, &doc)) return Status::Invalid({*bad});
  if (!doc.is_object()) {
    return Status::Invalid(
        {{"", "expected a JSON object of rules, got " + internal::Describe(doc)}});
  }
  Rules rules;
  std::vector<Issue> issues;
  for (const auto& [key, value] : doc.get_object()) {
    const RuleField* field = nullptr;
    for (const RuleField& f : kFields) {
      if (key == f.name) field = &f;
    }
    std::string path(key);
    if (field == nullptr) {
      issues.push_back({path, "unknown rule; known rules are: " + KnownRules()});
      continue;
    }
    const char* expected = field->positive ? "expected a number > 0" : "expected a number >= 0";
    if (!value.is_number()) {
      issues.push_back(
          {path, std::string(expected) + " (metres), got " + internal::Describe(value)});
      continue;
    }
    const double x = value.to_number<double>();
    if (!std::isfinite(x) || x < 0 || (field->positive && x == 0)) {
      issues.push_back({path, std::string(expected) + ", got " + internal::FormatNumber(x)});
      continue;
    }
    rules.*(field->field) = x;
  }
  if (!issues.empty()) return Status::Invalid(std::move(issues));
  return rules;
}

}  // namespace deconflict::model
