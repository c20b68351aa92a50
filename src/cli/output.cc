#include "cli/output.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string_view>
#include <thread>

#include "base/time.h"
#include "geo/geodesic.h"
#include "json/write.h"

namespace deconflict::cli {
namespace {

namespace json = boost::json;
using engine::Conflict;
using engine::ConflictType;

using deconflict::json::kDegreeDecimals;
using deconflict::json::kMetreDecimals;
using deconflict::json::kSecondDecimals;
using deconflict::json::RoundTo;

// [lon, lat] rounded to 1e-7 degrees (about 1 cm).
json::array PositionJson(geo::LatLng p) {
  return json::array{RoundTo(p.lon_deg, kDegreeDecimals), RoundTo(p.lat_deg, kDegreeDecimals)};
}

// JSON text for people (json/write.h: plain decimals), ending with a newline.
std::string WriteForPeople(const json::value& v) { return deconflict::json::WritePretty(v) + "\n"; }

json::value TimeJson(TimePoint t) {
  if (!t.is_finite()) return nullptr;
  return json::value(FormatRfc3339(t));
}

// "12 m", "3.4 m", "1,150 m".
std::string FormatMeters(double m) {
  if (m < 9.95 && std::fabs(m - std::round(m)) >= 0.05) return FormatThousands(m, 1) + " m";
  return FormatThousands(m) + " m";
}

// Parts of an RFC 3339 UTC string "YYYY-MM-DDTHH:MM:SSZ".
std::string DateOf(TimePoint t) { return t.is_finite() ? FormatRfc3339(t).substr(0, 10) : ""; }
std::string ClockOf(TimePoint t) {
  if (!t.is_finite()) return t < TimePoint() ? "always" : "forever";
  return FormatRfc3339(t).substr(11, 8);
}
// "09:15:00", or "2022-10-09 00:10:00" when its date is not `date`.
std::string ClockOn(TimePoint t, const std::string& date) {
  return DateOf(t) == date ? ClockOf(t) : DateOf(t) + " " + ClockOf(t);
}

std::string Plural(size_t n, const char* one, const char* many) {
  return FormatThousands(static_cast<double>(n)) + " " + (n == 1 ? one : many);
}

// "41.650000 E, 36.950000 N".
std::string FormatPosition(geo::LatLng p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f %c, %.6f %c", std::fabs(p.lon_deg),
                p.lon_deg < 0 ? 'W' : 'E', std::fabs(p.lat_deg), p.lat_deg < 0 ? 'S' : 'N');
  return buf;
}

struct Side {
  const PlanId& id;
  const PartyId& party;
  model::PlanKind kind;
  const std::string& callsign;
};
Side SideA(const Conflict& c) { return {c.plan_a, c.party_a, c.kind_a, c.callsign_a}; }
Side SideB(const Conflict& c) { return {c.plan_b, c.party_b, c.kind_b, c.callsign_b}; }

// "US movement us-1 (Wolfpack 2)"; zones that are lines are called lines.
std::string Label(const Side& s, ConflictType type) {
  std::string noun = model::PlanKindName(s.kind);
  if (s.kind == model::PlanKind::kZone && type == ConflictType::kLineCrossing) noun = "line";
  std::string out = s.party.value() + " " + noun + " " + s.id.value();
  if (!s.callsign.empty() && s.callsign != s.id.value()) out += " (" + s.callsign + ")";
  return out;
}

// "between 09:12:54 and 09:17:07 UTC", "at 09:10:00 UTC".
std::string WhenPhrase(const TimeInterval& w) {
  if (!w.start.is_finite() || !w.end.is_finite()) {
    if (!w.start.is_finite() && !w.end.is_finite()) return "at any time";
    if (!w.start.is_finite()) return "until " + DateOf(w.end) + " " + ClockOf(w.end) + " UTC";
    return "from " + DateOf(w.start) + " " + ClockOf(w.start) + " UTC on";
  }
  const std::string date = DateOf(w.start);
  const bool same_day = DateOf(w.end) == date;
  const std::string start = ClockOf(w.start);
  const std::string end = same_day ? ClockOf(w.end) : DateOf(w.end) + " " + ClockOf(w.end);
  if (same_day && start == end) return "at " + start + " UTC";
  return "between " + (same_day ? start : date + " " + start) + " and " + end + " UTC";
}

// Window "09:12:54–09:17:07" (with "+1 d" when it ends on a later date).
std::string WindowClock(const TimeInterval& w) {
  std::string out = ClockOf(w.start) + "\u2013" + ClockOf(w.end);
  if (w.start.is_finite() && w.end.is_finite() && DateOf(w.end) != DateOf(w.start)) {
    const auto days = std::llround((std::floor(std::round(w.end.unix_seconds()) / 86400) -
                                    std::floor(std::round(w.start.unix_seconds()) / 86400)));
    out += " (+" + std::to_string(days) + " d)";
  }
  return out;
}

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
// FNV-1a 64 of `s`, continuing from `h` (kFnvOffset to start).
uint64_t Fnv1a64(std::string_view s, uint64_t h) {
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

json::object StatsJson(const CheckSummary& s) {
  json::object o;
  o["plans"] = s.plans;
  o["parties"] = s.parties;
  o["conflicts"] = s.conflicts;
  o["elements"] = s.elements;
  o["elapsed_ms"] = RoundTo(s.elapsed_ms, 1);
  o["method"] = s.brute_force ? "brute_force" : "index";
  return o;
}

// --- The JSON of FormatConflictsJson, written as json::WritePretty writes its tree
// (WriteForPeople of ConflictToJson's objects) but without building the tree. ---

// A member's start: ",", a new line indented `depth` levels, the key and ": ".
void Key(std::string_view key, int depth, bool first, std::string* out) {
  if (!first) *out += ',';
  *out += '\n';
  out->append(static_cast<size_t>(depth) * 2, ' ');
  deconflict::json::AppendString(key, out);
  *out += ": ";
}

void CloseObject(int depth, std::string* out) {
  *out += '\n';
  out->append(static_cast<size_t>(depth) * 2, ' ');
  *out += '}';
}

void AppendTime(TimePoint t, std::string* out) {
  if (!t.is_finite()) {
    *out += "null";
    return;
  }
  *out += '"';
  *out += FormatRfc3339(t);
  *out += '"';
}

void AppendRounded(double x, int decimals, std::string* out) {
  deconflict::json::AppendDouble(RoundTo(x, decimals), out);
}

template <typename Int>
void AppendInteger(Int x, std::string* out) {
  char buf[24];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, x);
  out->append(buf, r.ptr);
}

// ["a", "b"]: an array of at most 8 scalars stays on one line.
void AppendPair(std::string_view a, std::string_view b, std::string* out) {
  *out += '[';
  deconflict::json::AppendString(a, out);
  *out += ", ";
  deconflict::json::AppendString(b, out);
  *out += ']';
}

// WritePretty(ConflictToJson(c)) as an element of the "conflicts" array (the object at depth 2).
void AppendConflict(const Conflict& c, std::string* out) {
  constexpr int kMember = 3, kInner = 4;
  *out += '{';
  Key("id", kMember, true, out);
  deconflict::json::AppendString(ConflictId(c), out);
  Key("plans", kMember, false, out);
  AppendPair(c.plan_a.value(), c.plan_b.value(), out);
  Key("parties", kMember, false, out);
  AppendPair(c.party_a.value(), c.party_b.value(), out);
  Key("kinds", kMember, false, out);
  AppendPair(model::PlanKindName(c.kind_a), model::PlanKindName(c.kind_b), out);
  Key("callsigns", kMember, false, out);
  AppendPair(c.callsign_a, c.callsign_b, out);
  Key("type", kMember, false, out);
  deconflict::json::AppendString(engine::ConflictTypeName(c.type), out);
  Key("rule", kMember, false, out);
  deconflict::json::AppendString(c.rule, out);
  Key("min_distance_m", kMember, false, out);
  AppendRounded(c.min_distance.value(), kMetreDecimals, out);
  Key("required_m", kMember, false, out);
  AppendRounded(c.required.value(), kMetreDecimals, out);
  if (c.vertical_distance_m >= 0) {
    Key("vertical_distance_m", kMember, false, out);
    AppendRounded(c.vertical_distance_m, kMetreDecimals, out);
  }
  Key("window", kMember, false, out);
  *out += '{';
  Key("start", kInner, true, out);
  AppendTime(c.window.start, out);
  Key("end", kInner, false, out);
  AppendTime(c.window.end, out);
  Key("duration_s", kInner, false, out);
  if (c.window.start.is_finite() && c.window.end.is_finite()) {
    AppendInteger(
        std::llround(c.window.end.unix_seconds()) - std::llround(c.window.start.unix_seconds()),
        out);
  } else {
    *out += "null";
  }
  CloseObject(kMember, out);
  Key("cpa", kMember, false, out);
  *out += '{';
  Key("time", kInner, true, out);
  AppendTime(c.cpa_time, out);
  Key("position", kInner, false, out);
  *out += '[';
  AppendRounded(c.cpa_position.lon_deg, kDegreeDecimals, out);
  *out += ", ";
  AppendRounded(c.cpa_position.lat_deg, kDegreeDecimals, out);
  *out += ']';
  Key("times", kInner, false, out);
  *out += '{';
  if (c.plan_a == c.plan_b) {  // one key: the second assignment of ConflictToJson wins
    Key(c.plan_a.value(), kInner + 1, true, out);
    AppendTime(c.cpa_time_b, out);
  } else {
    Key(c.plan_a.value(), kInner + 1, true, out);
    AppendTime(c.cpa_time_a, out);
    Key(c.plan_b.value(), kInner + 1, false, out);
    AppendTime(c.cpa_time_b, out);
  }
  CloseObject(kInner, out);
  CloseObject(kMember, out);
  CloseObject(2, out);
}

// StatsJson(s) as the object at depth 1.
void AppendStats(const CheckSummary& s, std::string* out) {
  *out += '{';
  Key("plans", 2, true, out);
  AppendInteger(s.plans, out);
  Key("parties", 2, false, out);
  AppendInteger(s.parties, out);
  Key("conflicts", 2, false, out);
  AppendInteger(s.conflicts, out);
  Key("elements", 2, false, out);
  AppendInteger(s.elements, out);
  Key("elapsed_ms", 2, false, out);
  AppendRounded(s.elapsed_ms, 1, out);
  Key("method", 2, false, out);
  deconflict::json::AppendString(s.brute_force ? "brute_force" : "index", out);
  CloseObject(1, out);
}

// Conflicts [begin, end) as the elements of the "conflicts" array, each after its separator.
void AppendConflicts(const std::vector<Conflict>& conflicts, size_t begin, size_t end,
                     std::string* out) {
  out->reserve((end - begin) * 900);
  for (size_t i = begin; i < end; ++i) {
    *out += i == 0 ? "\n    " : ",\n    ";
    AppendConflict(conflicts[i], out);
  }
}

// FormatConflictsJson's text in consecutive parts, the conflicts formatted by up to `threads`
// workers (each at least kMinConflictsPerWorker of them).
constexpr size_t kMinConflictsPerWorker = 5000;
std::vector<std::string> ConflictsJsonParts(const std::vector<Conflict>& conflicts,
                                            const CheckSummary& summary, int threads) {
  const size_t n = conflicts.size();
  const size_t workers =
      std::clamp<size_t>(n / kMinConflictsPerWorker, 1, static_cast<size_t>(std::max(threads, 1)));
  std::vector<std::string> parts(workers + 2);
  parts.front() = n == 0 ? "{\n  \"conflicts\": []" : "{\n  \"conflicts\": [";
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) {
    const size_t begin = n * w / workers, end = n * (w + 1) / workers;
    std::string* part = &parts[w + 1];
    if (w + 1 == workers) {
      AppendConflicts(conflicts, begin, end, part);
    } else {
      pool.emplace_back(
          [&conflicts, begin, end, part] { AppendConflicts(conflicts, begin, end, part); });
    }
  }
  for (std::thread& t : pool) t.join();
  std::string& tail = parts.back();
  if (n > 0) tail += "\n  ]";
  Key("stats", 1, false, &tail);
  AppendStats(summary, &tail);
  tail += "\n}\n";
  return parts;
}

json::value ShiftJson(double s) {
  if (!std::isfinite(s)) return nullptr;
  return RoundTo(s, kSecondDecimals);
}

// "+20 min", "-12 min 5 s", "unbounded".
std::string SignedDuration(double s) {
  if (!std::isfinite(s)) return s < 0 ? "any advance" : "any delay";
  return (s > 0 ? "+" : "") + FormatDuration(Seconds(s));
}

}  // namespace

std::string FormatThousands(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(value));
  std::string digits = buf;
  const size_t point = std::min(digits.find('.'), digits.size());
  std::string out;
  for (size_t i = 0; i < point; ++i) {
    if (i > 0 && (point - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  out += digits.substr(point);
  const bool zero = digits.find_first_not_of("0.") == std::string::npos;
  return (value < 0 && !zero ? "-" : "") + out;
}

std::string ConflictId(const Conflict& c) {
  const double start = c.window.start.unix_seconds();
  // The hash of "plan_a|plan_b|start", fed piece by piece.
  char digits[24];
  std::string_view start_text = "-inf";
  if (std::isfinite(start)) {
    const std::to_chars_result r =
        std::to_chars(digits, digits + sizeof digits, static_cast<long long>(std::llround(start)));
    start_text = std::string_view(digits, static_cast<size_t>(r.ptr - digits));
  }
  uint64_t h = kFnvOffset;
  for (std::string_view part :
       {std::string_view(c.plan_a.value()), std::string_view("|"),
        std::string_view(c.plan_b.value()), std::string_view("|"), start_text}) {
    h = Fnv1a64(part, h);
  }
  // The first 12 of its 16 hex digits.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(12, '0');
  for (int i = 0; i < 12; ++i) id[static_cast<size_t>(i)] = kHex[(h >> (60 - 4 * i)) & 0xF];
  return id;
}

json::object ConflictToJson(const Conflict& c) {
  json::object o;
  o["id"] = ConflictId(c);
  o["plans"] = json::array{c.plan_a.value(), c.plan_b.value()};
  o["parties"] = json::array{c.party_a.value(), c.party_b.value()};
  o["kinds"] = json::array{model::PlanKindName(c.kind_a), model::PlanKindName(c.kind_b)};
  o["callsigns"] = json::array{c.callsign_a, c.callsign_b};
  o["type"] = engine::ConflictTypeName(c.type);
  o["rule"] = c.rule;
  o["min_distance_m"] = RoundTo(c.min_distance.value(), kMetreDecimals);
  o["required_m"] = RoundTo(c.required.value(), kMetreDecimals);
  if (c.vertical_distance_m >= 0) {
    o["vertical_distance_m"] = RoundTo(c.vertical_distance_m, kMetreDecimals);
  }
  json::object window;
  window["start"] = TimeJson(c.window.start);
  window["end"] = TimeJson(c.window.end);
  if (c.window.start.is_finite() && c.window.end.is_finite()) {
    window["duration_s"] =
        std::llround(c.window.end.unix_seconds()) - std::llround(c.window.start.unix_seconds());
  } else {
    window["duration_s"] = nullptr;
  }
  o["window"] = std::move(window);
  json::object cpa;
  cpa["time"] = TimeJson(c.cpa_time);
  cpa["position"] = PositionJson(c.cpa_position);
  json::object times;
  times[c.plan_a.value()] = TimeJson(c.cpa_time_a);
  times[c.plan_b.value()] = TimeJson(c.cpa_time_b);
  cpa["times"] = std::move(times);
  o["cpa"] = std::move(cpa);
  return o;
}

std::string FormatConflictsJson(const std::vector<Conflict>& conflicts,
                                const CheckSummary& summary) {
  std::string out;
  for (std::string& part : ConflictsJsonParts(conflicts, summary, 1)) out += part;
  return out;
}

void WriteConflictsJson(const std::vector<Conflict>& conflicts, const CheckSummary& summary,
                        int threads, std::ostream& out) {
  for (const std::string& part : ConflictsJsonParts(conflicts, summary, threads)) out << part;
}

geo::LatLng RoutePositionAt(const model::Route& route, TimePoint t) {
  const std::vector<model::Waypoint>& w = route.waypoints;
  if (t <= w.front().time) return w.front().position;
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if (t > w[i + 1].time) continue;
    const double span = w[i + 1].time.unix_seconds() - w[i].time.unix_seconds();
    if (span <= 0) return w[i + 1].position;
    const double f = (t.unix_seconds() - w[i].time.unix_seconds()) / span;
    return geo::GeodesicPoint(w[i].position, w[i + 1].position, f);
  }
  return w.back().position;
}

std::string FormatConflictsGeoJson(const std::vector<Conflict>& conflicts,
                                   const CheckSummary& summary, const PlanLookup& lookup) {
  json::array features;
  for (const Conflict& c : conflicts) {
    json::object props = ConflictToJson(c);
    const std::string id = props["id"].as_string().c_str();
    props["feature"] = "cpa";
    props["description"] = DescribeConflict(c);
    json::object point{
        {"type", "Feature"},
        {"id", id},
        {"geometry", {{"type", "Point"}, {"coordinates", PositionJson(c.cpa_position)}}},
        {"properties", std::move(props)}};
    features.push_back(std::move(point));
    if (!lookup) continue;
    const model::Plan* a = lookup(c.plan_a);
    const model::Plan* b = lookup(c.plan_b);
    if (a == nullptr || b == nullptr || !a->is_route() || !b->is_route() ||
        !c.cpa_time_a.is_finite() || !c.cpa_time_b.is_finite()) {
      continue;
    }
    const geo::LatLng pa = RoutePositionAt(a->route(), c.cpa_time_a);
    const geo::LatLng pb = RoutePositionAt(b->route(), c.cpa_time_b);
    json::object line{{"type", "Feature"},
                      {"id", id + "-line"},
                      {"geometry",
                       {{"type", "LineString"},
                        {"coordinates", json::array{PositionJson(pa), PositionJson(pb)}}}},
                      {"properties",
                       {{"feature", "cpa_line"},
                        {"conflict", id},
                        {"plans", json::array{c.plan_a.value(), c.plan_b.value()}},
                        {"distance_m", RoundTo(geo::GeodesicDistance(pa, pb), kMetreDecimals)}}}};
    features.push_back(std::move(line));
  }
  json::object root;
  root["type"] = "FeatureCollection";
  root["features"] = std::move(features);
  root["stats"] = StatsJson(summary);  // a foreign member (RFC 7946 section 6.1)
  return WriteForPeople(root);
}

std::string DescribeConflict(const Conflict& c) {
  const Side a = SideA(c), b = SideB(c);
  const std::string when = WhenPhrase(c.window);
  const std::string dist = FormatMeters(c.min_distance.value());
  const std::string req = FormatMeters(c.required.value());
  const bool touching = c.min_distance.value() < 0.5;
  switch (c.type) {
    case ConflictType::kSeparation: {
      std::string s = Label(a, c.type) + " and " + Label(b, c.type);
      if (touching && c.vertical_distance_m < 0) {
        // "come within 0 m" reads oddly: they meet.
        s += " lose separation (required " + req + ") " + when;
        if (c.cpa_time_a.is_finite() && c.cpa_time_b.is_finite()) {
          const std::string date = DateOf(c.window.start);
          if (std::fabs((c.cpa_time_a - c.cpa_time_b).value()) < 1) {
            s += " and meet at " + ClockOn(c.cpa_time, date);
          } else {
            // Only the time tolerances bring them together: say when each is scheduled there.
            s += "; " + c.plan_a.value() + " is scheduled at the closest point at " +
                 ClockOn(c.cpa_time_a, date) + ", " + c.plan_b.value() + " at " +
                 ClockOn(c.cpa_time_b, date) + " (within their time tolerances)";
          }
        }
        return s + ".";
      }
      s += " come within " + dist;
      if (c.vertical_distance_m >= 0) {
        s += " horizontally and " + FormatMeters(c.vertical_distance_m) + " vertically";
      }
      return s + " (required " + req + ") " + when + ".";
    }
    case ConflictType::kSiteBuffer: {
      const bool a_is_site = a.kind == model::PlanKind::kSite;
      const Side& mover = a_is_site ? b : a;
      const Side& site = a_is_site ? a : b;
      if (touching) {
        return Label(mover, c.type) + " crosses " + Label(site, c.type) + " (inside or within " +
               req + " of it) " + when + ".";
      }
      return Label(mover, c.type) + " comes within " + dist + " of " + Label(site, c.type) +
             " (required " + req + ") " + when + ".";
    }
    case ConflictType::kZoneEntry:
    case ConflictType::kLineCrossing: {
      const bool a_is_zone = a.kind == model::PlanKind::kZone;
      const Side& mover = a_is_zone ? b : a;
      const Side& zone = a_is_zone ? a : b;
      const bool line = c.type == ConflictType::kLineCrossing;
      const std::string closed =
          ", closed to " + mover.party.value() + (line ? " for crossing" : "") + ",";
      if (touching) {
        return Label(mover, c.type) + (line ? " crosses " : " enters ") + Label(zone, c.type) +
               closed + " " + when + ".";
      }
      return Label(mover, c.type) + " comes within " + dist + " of " + Label(zone, c.type) +
             closed + " (required " + req + ") " + when + ".";
    }
  }
  return "";
}

std::string FormatConflictsText(const std::vector<Conflict>& conflicts,
                                const CheckSummary& summary) {
  const std::string among =
      Plural(summary.plans, "plan", "plans") + " of " + Plural(summary.parties, "party", "parties");
  if (conflicts.empty()) return "No conflicts among " + among + ".\n";
  std::string out =
      Plural(conflicts.size(), "conflict", "conflicts") + " among " + among + ". Times are UTC.\n";
  std::string date = "\x01";  // none yet
  const size_t number_width = std::to_string(conflicts.size()).size();
  for (size_t i = 0; i < conflicts.size(); ++i) {
    const Conflict& c = conflicts[i];
    const std::string d = c.window.start.is_finite() ? DateOf(c.window.start) : "(no start)";
    if (d != date) {
      date = d;
      out += "\n" + date + "\n";
    }
    std::string num = std::to_string(i + 1);
    num.insert(0, number_width + 2 - num.size(), ' ');
    num += ". ";
    const std::string indent(num.size(), ' ');
    out.append(num).append(WindowClock(c.window)).append("  ");
    out.append(engine::ConflictTypeName(c.type)).append(" (").append(c.rule).append(")  id ");
    out.append(ConflictId(c)).append("\n");
    const size_t id_w = std::max(c.plan_a.value().size(), c.plan_b.value().size());
    const size_t party_w = std::max(c.party_a.value().size(), c.party_b.value().size());
    for (const Side& s : {SideA(c), SideB(c)}) {
      std::string line = indent + s.id.value();
      line.append(id_w - s.id.value().size() + 2, ' ');
      line += s.party.value();
      line.append(party_w - s.party.value().size() + 2, ' ');
      line += model::PlanKindName(s.kind);
      if (!s.callsign.empty()) {
        line.append(8 - std::string(model::PlanKindName(s.kind)).size() + 2, ' ');
        line += s.callsign;
      }
      out += line + "\n";
    }
    out += indent + "closest " + FormatMeters(c.min_distance.value());
    if (c.cpa_time_a.is_finite() && c.cpa_time_b.is_finite() &&
        std::fabs((c.cpa_time_a - c.cpa_time_b).value()) >= 1) {
      out += " (scheduled there " + ClockOn(c.cpa_time_a, date) + "Z and " +
             ClockOn(c.cpa_time_b, date) + "Z)";
    } else if (c.cpa_time.is_finite()) {
      out += " at " + ClockOn(c.cpa_time, date) + "Z";
    }
    out +=
        " (" + FormatPosition(c.cpa_position) + "), required " + FormatMeters(c.required.value());
    if (c.vertical_distance_m >= 0) out += ", vertical " + FormatMeters(c.vertical_distance_m);
    out += "\n" + indent + DescribeConflict(c) + "\n";
  }
  return out;
}

const char* OutcomeName(engine::Suggestion::Outcome o) {
  switch (o) {
    case engine::Suggestion::kNoConflict:
      return "none";
    case engine::Suggestion::kDelay:
      return "delay";
    case engine::Suggestion::kAdvance:
      return "advance";
    case engine::Suggestion::kImpossible:
      return "impossible";
  }
  return "impossible";
}

std::string FormatSuggestionJson(const PlanId& plan, const engine::Suggestion& s) {
  json::object o;
  o["plan"] = plan.value();
  o["outcome"] = OutcomeName(s.outcome);
  if (s.outcome == engine::Suggestion::kImpossible) {
    o["shift_s"] = nullptr;
  } else {
    o["shift_s"] = RoundTo(s.shift.value(), kSecondDecimals);
  }
  o["conflicts_now"] = s.conflicts_now;
  o["explanation"] = s.explanation;
  json::array blockers;
  for (const engine::Suggestion::Blocker& b : s.blockers) {
    json::array blocked;
    for (const auto& [lo, hi] : b.blocked)
      blocked.push_back(json::array{ShiftJson(lo), ShiftJson(hi)});
    blockers.push_back(json::object{
        {"plan", b.plan.value()}, {"party", b.party.value()}, {"blocked", std::move(blocked)}});
  }
  o["blockers"] = std::move(blockers);
  return WriteForPeople(o);
}

std::string FormatSuggestionText(const PlanId& plan, const engine::Suggestion& s) {
  std::string out = s.explanation + "\n";
  if (s.blockers.empty()) return out;
  out += "Shifts of " + plan.value() + " that would conflict (+ later, - earlier):\n";
  for (const engine::Suggestion::Blocker& b : s.blockers) {
    out += "  " + b.plan.value() + " (" + b.party.value() + "): ";
    for (size_t i = 0; i < b.blocked.size(); ++i) {
      if (i) out += "; ";
      out += SignedDuration(b.blocked[i].first) + " to " + SignedDuration(b.blocked[i].second);
    }
    out += "\n";
  }
  return out;
}

}  // namespace deconflict::cli
