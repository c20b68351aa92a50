#include "base/time.h"

#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace deconflict {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian civil date (Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  // Reads exactly n digits.
  bool Digits(int n, int* out) {
    if (pos_ + static_cast<size_t>(n) > s_.size()) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = s_[pos_ + static_cast<size_t>(i)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += static_cast<size_t>(n);
    *out = v;
    return true;
  }
  bool Char(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AnyOf(std::string_view set, char* out) {
    if (pos_ < s_.size() && set.find(s_[pos_]) != std::string_view::npos) {
      *out = s_[pos_++];
      return true;
    }
    return false;
  }
  bool AtEnd() const { return pos_ == s_.size(); }
  bool PeekDigit() const { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; }
  char Next() { return s_[pos_++]; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Status Bad(std::string why) {
  return Status::InvalidArgument("not an RFC 3339 date-time (" + std::move(why) +
                                 "); expected e.g. 2022-10-08T09:30:00Z");
}

}  // namespace

Result<TimePoint> ParseRfc3339(std::string_view text) {
  Cursor c(text);
  int year, month, day, hour, minute, second;
  char sep;
  if (!c.Digits(4, &year) || !c.Char('-') || !c.Digits(2, &month) || !c.Char('-') ||
      !c.Digits(2, &day)) {
    return Bad("date must be YYYY-MM-DD");
  }
  if (!c.AnyOf("Tt ", &sep)) return Bad("missing 'T' between date and time");
  if (!c.Digits(2, &hour) || !c.Char(':') || !c.Digits(2, &minute) || !c.Char(':') ||
      !c.Digits(2, &second)) {
    return Bad("time must be HH:MM:SS");
  }
  double frac = 0;
  if (c.Char('.')) {
    if (!c.PeekDigit()) return Bad("digits expected after '.'");
    double scale = 0.1;
    while (c.PeekDigit()) {
      frac += (c.Next() - '0') * scale;
      scale *= 0.1;
    }
  }
  int offset_minutes = 0;
  char z;
  if (c.AnyOf("Zz", &z)) {
  } else if (c.AnyOf("+-", &z)) {
    int oh, om;
    if (!c.Digits(2, &oh) || !c.Char(':') || !c.Digits(2, &om)) {
      return Bad("offset must be +HH:MM or -HH:MM");
    }
    if (oh > 23 || om > 59) return Bad("offset out of range");
    offset_minutes = (z == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return Bad("missing time zone: end with 'Z' or an offset such as +03:00");
  }
  if (!c.AtEnd()) return Bad("unexpected text after the time zone");
  if (month < 1 || month > 12) return Bad("month out of range");
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month))) {
    return Bad("day out of range for the month");
  }
  if (hour > 23) return Bad("hour out of range");
  if (minute > 59) return Bad("minute out of range");
  if (second > 60) return Bad("second out of range");
  double sec = second;
  if (second == 60) {
    sec = 59;
    frac = 0.999999;
  }
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const double t = static_cast<double>(days) * 86400.0 + hour * 3600.0 + minute * 60.0 + sec +
                   frac - offset_minutes * 60.0;
  // FormatRfc3339 writes four-digit years: keep to the instants it can write and read back.
  constexpr double kFirst = -62167219200.0;  // 0000-01-01T00:00:00Z
  constexpr double kLast = 253402300799.0;   // 9999-12-31T23:59:59Z
  if (std::round(t) < kFirst || std::round(t) > kLast) {
    return Bad("outside years 0000 to 9999 in UTC");
  }
  return TimePoint::FromUnixSeconds(t);
}

std::string FormatRfc3339(TimePoint t) {
  const auto total = static_cast<int64_t>(std::llround(t.unix_seconds()));
  int64_t days = total / 86400;
  int64_t rem = total % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y >= 0 && y <= 9999) {  // the common case, without snprintf (output writes millions)
    char out[20] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0',
                    'T', '0', '0', ':', '0', '0', ':', '0', '0', 'Z'};
    const auto put = [&out](size_t at, int64_t value, int width) {
      for (int i = width - 1; i >= 0; --i, value /= 10) {
        out[at + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
      }
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    put(11, rem / 3600, 2);
    put(14, (rem / 60) % 60, 2);
    put(17, rem % 60, 2);
    return std::string(out, sizeof out);
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>((rem / 60) % 60), static_cast<long long>(rem % 60));
  return buf;
}

std::string FormatDuration(Seconds d) {
  const double v = d.value();
  if (!std::isfinite(v)) return v > 0 ? "unbounded" : "-unbounded";
  const char* sign = v < 0 ? "-" : "";
  const auto s = static_cast<long long>(std::llround(std::fabs(v)));
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%s%lld s", sign, s);
  } else if (s < 3600) {
    if (s % 60 == 0) {
      std::snprintf(buf, sizeof buf, "%s%lld min", sign, s / 60);
    } else {
      std::snprintf(buf, sizeof buf, "%s%lld min %lld s", sign, s / 60, s % 60);
    }
  } else {
    std::snprintf(buf, sizeof buf, "%s%lld h %lld min", sign, s / 3600, (s / 60) % 60);
  }
  return buf;
}

TimePoint FromUnixMillis(int64_t ms) {
  return TimePoint::FromUnixSeconds(static_cast<double>(ms) / 1000.0);
}

int64_t ToUnixMillis(TimePoint t) {
  assert(t.is_finite());
  return std::llround(t.unix_seconds() * 1000.0);
}

std::string FormatRfc3339Millis(TimePoint t) {
  const int64_t ms = ToUnixMillis(t);
  const int64_t whole_s = ms / 1000;  // toward zero
  std::string s = FormatRfc3339(TimePoint::FromUnixSeconds(static_cast<double>(whole_s)));
  if (ms % 1000 == 0) return s;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(((ms % 1000) + 1000) % 1000));
  s.insert(s.size() - 1, frac);
  return s;
}

TimePoint WholeMillis(TimePoint t) { return t.is_finite() ? FromUnixMillis(ToUnixMillis(t)) : t; }

TimePoint NowMillis() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return FromUnixMillis(std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

}  // namespace deconflict
