// Strong types for ids and units, so that no unit is guessed from a variable name.
//
//   Meters corridor{250.0};          double m = corridor.value();
//   TimePoint t = TimePoint::FromUnixSeconds(1665216000.0);
//
// Arithmetic stays in plain doubles inside the geometry kernels; these types guard the interfaces
// between modules. Thread-safety: value types.
#pragma once

#include <cmath>
#include <compare>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace deconflict {

template <typename T, typename Tag>
class NamedType {
 public:
  constexpr NamedType() = default;
  constexpr explicit NamedType(T v) : v_(std::move(v)) {}
  constexpr const T& value() const { return v_; }
  // For string-like ids: no id (an empty filter field, "any").
  constexpr bool empty() const requires requires(const T& t) { t.empty(); }
  { return v_.empty(); }
  constexpr auto operator<=>(const NamedType&) const = default;

 private:
  T v_{};
};

// A string id reads as its text in messages and keys: "plan " + plan_id + " of " + party_id.
// (Two ids never add up: there is no id + id.)
template <typename Tag>
std::string operator+(std::string text, const NamedType<std::string, Tag>& id) {
  text += id.value();
  return text;
}
template <typename Tag>
std::string operator+(const char* text, const NamedType<std::string, Tag>& id) {
  return std::string(text) + id;
}
template <typename Tag>
std::string operator+(const NamedType<std::string, Tag>& id, std::string_view text) {
  std::string out = id.value();
  out += text;
  return out;
}

using Meters = NamedType<double, struct MetersTag>;
using Seconds = NamedType<double, struct SecondsTag>;
using PlanId = NamedType<std::string, struct PlanIdTag>;
using PartyId = NamedType<std::string, struct PartyIdTag>;
using ConflictId = NamedType<std::string, struct ConflictIdTag>;  // server-assigned, opaque

// An instant, in seconds since 1970-01-01T00:00:00Z (UTC, no leap seconds), as a double
// (resolution better than 1 microsecond for any date in 1900..2200). May be -inf/+inf for
// "always active" windows.
class TimePoint {
 public:
  constexpr TimePoint() = default;
  static constexpr TimePoint FromUnixSeconds(double s) { return TimePoint(s); }
  static constexpr TimePoint InfinitePast() {
    return TimePoint(-std::numeric_limits<double>::infinity());
  }
  static constexpr TimePoint InfiniteFuture() {
    return TimePoint(std::numeric_limits<double>::infinity());
  }
  constexpr double unix_seconds() const { return s_; }
  constexpr bool is_finite() const { return s_ > -kInf && s_ < kInf; }
  constexpr auto operator<=>(const TimePoint&) const = default;
  constexpr TimePoint operator+(Seconds d) const { return TimePoint(s_ + d.value()); }
  constexpr TimePoint operator-(Seconds d) const { return TimePoint(s_ - d.value()); }
  constexpr Seconds operator-(TimePoint o) const { return Seconds(s_ - o.s_); }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr explicit TimePoint(double s) : s_(s) {}
  double s_ = 0;
};

// A closed time interval [start, end]; start <= end unless empty().
struct TimeInterval {
  TimePoint start;
  TimePoint end;
  bool empty() const { return end < start; }
  bool Overlaps(const TimeInterval& o) const { return start <= o.end && o.start <= end; }
};

}  // namespace deconflict

template <typename T, typename Tag>
struct std::hash<deconflict::NamedType<T, Tag>> {
  size_t operator()(const deconflict::NamedType<T, Tag>& v) const {
    return std::hash<T>()(v.value());
  }
};
