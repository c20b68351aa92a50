// GeoJSON plans -> model::Plan (the format is docs/plan-format.md). A FeatureParser walks one
// Feature and records every issue it finds under the feature's JSON path; ParsePlans adds the
// file-level checks (unique ids, swapped lat/lon) and fails if any feature had an error.

#include "model/plan_parser.h"

#include <GeographicLib/Geocentric.hpp>
#include <GeographicLib/Geodesic.hpp>
#include <GeographicLib/Gnomonic.hpp>
#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "base/time.h"
#include "geo/geodesic.h"
#include "json/parse.h"
#include "model/json_util.h"

namespace deconflict::model {
namespace {

namespace json = boost::json;
using internal::Describe;
using internal::FormatNumber;

// Limits: beyond these a value is an error.
constexpr double kMaxCorridorM = 100'000;
constexpr double kMaxRadiusM = 1'000'000;
constexpr double kMaxTimeToleranceS = 86'400;
constexpr double kMinAltitudeM = -500, kMaxAltitudeM = 100'000;
constexpr size_t kMaxVertices = 10'000;            // per geometry, all rings together
constexpr double kMaxPolygonSpanM = 5'000'000;     // between any two vertices of a polygon
constexpr size_t kMaxRingVerticesToCheck = 2'000;  // larger rings skip the self-crossing check
constexpr double kSamePlaceM = 1;  // consecutive waypoints with equal times must be this close
// Warning thresholds: beyond these a value is suspicious but accepted.
constexpr double kMaxGroundSpeedKmh = 200, kMaxFlightSpeedKmh = 1'500;
constexpr double kLongRouteS = 7 * 86'400;
constexpr double kSwapFarM = 500'000, kSwapNearM = 100'000;
constexpr int kSwapWarningsPerFeature = 3;

constexpr const char* kKindList = "movement, flight, site, zone";
constexpr const char* kSwapHint = "(GeoJSON order is [longitude, latitude])";

std::string Sub(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string At(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

// A JSON path made only when an issue names it: `base`, then "[index]" unless index < 0. Valid
// input (millions of positions and timestamps in a large file) then builds no path strings.
struct LazyPath {
  LazyPath(const std::string& b, std::ptrdiff_t i = -1) : base(b), index(i) {}  // NOLINT
  std::string str() const { return index < 0 ? base : At(base, static_cast<size_t>(index)); }
  const std::string& base;
  std::ptrdiff_t index;
};

// An upper bound of the geodesic distance between two points on the WGS84 ellipsoid whose ECEF
// chord (straight line) is `chord_m` long. Below kChordBoundMaxM the geodesic is at most about
// 0.1 % longer than its chord (an arc of curvature radius R >= 6,335 km, the ellipsoid's smallest:
// 2R asin(c / 2R) / c - 1 < 0.11 % for c <= 1,000 km); the bound allows 1 %. A bound at or below a
// threshold proves the exact distance is too, without computing it; otherwise compute it.
// Beyond kChordBoundMaxM: infinity.
constexpr double kChordBoundMaxM = 1'000'000;
double GeodesicUpperBound(double chord_m) {
  return chord_m < kChordBoundMaxM ? chord_m * 1.01 : std::numeric_limits<double>::infinity();
}
std::string Km(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f km", m / 1000);
  return buf;
}

// Allowed values of a numeric property: [min, max], or (min, max] if min_exclusive.
struct Range {
  double min, max;
  bool min_exclusive = false;
};
constexpr Range kAltitudeRange{kMinAltitudeM, kMaxAltitudeM};

// A position as written: [lon, lat] or [lon, lat, alt_m].
struct Position {
  geo::LatLng ll;
  std::optional<double> alt_m;
  geo::Vec3 ecef;  // of ll, on the ellipsoid: for the cheap distance bounds
};

// Where a valid position was read, for the file-level swapped-lat/lon check:
// geometry.coordinates, then [ring] if ring >= 0, then [vertex] if vertex >= 0.
struct PositionRef {
  geo::LatLng ll;
  geo::Vec3 ecef;
  size_t feature;
  int ring, vertex;
};

enum class GeometryType { kMissing, kPoint, kLineString, kPolygon, kOther };

// A geometry whose coordinates were checked independently of the plan's kind.
struct Geometry {
  GeometryType type = GeometryType::kMissing;   // kMissing: absent or malformed (reported)
  std::string type_name;                        // as written, for messages
  std::string path;                             // e.g. "features[2].geometry"
  bool valid = false;                           // every coordinate passed every check
  std::vector<Position> points;                 // Point (1), LineString (as written)
  std::vector<std::vector<geo::LatLng>> rings;  // Polygon: no closing vertex, no repeats
};

// Which geometry types each kind accepts, indexed by PlanKind.
struct KindGeometries {
  bool point, line, polygon;
  const char* text;  // for "site: geometry must be <text>, got LineString"
};
constexpr KindGeometries kKindGeometries[] = {
    {false, true, false, "LineString"},
    {true, true, true, "LineString (4D trajectory), Polygon or Point with radius_m (4D volume)"},
    {true, false, true, "Point (with radius_m) or Polygon"},
    {false, true, true, "Polygon or LineString"},
};

// True if the segments [a, b] and [c, d] of a plane share a point (touching counts).
bool SegmentsIntersect(geo::Vec2 a, geo::Vec2 b, geo::Vec2 c, geo::Vec2 d) {
  auto orient = [](geo::Vec2 p, geo::Vec2 q, geo::Vec2 r) { return (q - p).Cross(r - p); };
  auto within = [](geo::Vec2 p, geo::Vec2 q, geo::Vec2 r) {  // r on segment pq, given collinear
    return std::min(p.x, q.x) <= r.x && r.x <= std::max(p.x, q.x) && std::min(p.y, q.y) <= r.y &&
           r.y <= std::max(p.y, q.y);
  };
  const double d1 = orient(c, d, a), d2 = orient(c, d, b);
  const double d3 = orient(a, b, c), d4 = orient(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    return true;
  }
  return (d1 == 0 && within(c, d, a)) || (d2 == 0 && within(c, d, b)) ||
         (d3 == 0 && within(a, b, c)) || (d4 == 0 && within(a, b, d));
}

// Finds two non-adjacent edges of a closed ring that cross or touch, in a gnomonic projection
// centred on the ring's first vertex (geodesics are nearly straight there). Edge i runs from
// vertex i to vertex i + 1 (mod n). Returns false if none, or if the ring is too large to check.
bool FindRingCrossing(const std::vector<geo::LatLng>& ring, size_t* edge_a, size_t* edge_b) {
  const size_t n = ring.size();
  if (n > kMaxRingVerticesToCheck) return false;
  const GeographicLib::Gnomonic gnomonic(GeographicLib::Geodesic::WGS84());
  std::vector<geo::Vec2> p(n);
  for (size_t i = 0; i < n; ++i) {
    gnomonic.Forward(ring[0].lat_deg, ring[0].lon_deg, ring[i].lat_deg, ring[i].lon_deg, p[i].x,
                     p[i].y);
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 2; j < n; ++j) {
      if (i == 0 && j == n - 1) continue;  // adjacent through the closing vertex
      if (SegmentsIntersect(p[i], p[i + 1], p[j], p[(j + 1) % n])) {
        *edge_a = i;
        *edge_b = j;
        return true;
      }
    }
  }
  return false;
}

// Validates one Feature, appending issues (prefixed by `path`) to *errors and warnings to
// *warnings; records its valid positions in *positions if not null.
class FeatureParser {
 public:
  FeatureParser(std::string path, size_t feature_index, std::vector<Issue>* errors,
                std::vector<Issue>* warnings, std::vector<PositionRef>* positions)
      : path_(std::move(path)),
        props_path_(Sub(path_, "properties")),
        feature_index_(feature_index),
        errors_(errors),
        warnings_(warnings),
        positions_(positions) {}

  // Returns the plan, or nullopt if any error was recorded.
  std::optional<Plan> Parse(const json::value& value) {
    const size_t errors_before = errors_->size();
    const json::object* feature = value.if_object();
    if (feature == nullptr) {
      Error(path_, "expected a GeoJSON Feature object, got " + Describe(value));
      return std::nullopt;
    }
    const json::value* type = feature->if_contains("type");
    if (type == nullptr) {
      Error(Sub(path_, "type"), "missing (expected \"Feature\")");
    } else if (!type->is_string() || type->get_string() != "Feature") {
      Error(Sub(path_, "type"), "expected \"Feature\", got " + Describe(*type));
    }
    Plan plan;
    const json::value* id = feature->if_contains("id");
    if (id == nullptr || id->is_null()) {
      Error(Sub(path_, "id"), "missing (every plan needs a unique string id)");
    } else if (!id->is_string() || id->get_string().empty()) {
      Error(Sub(path_, "id"), "expected a non-empty string, got " + Describe(*id));
    } else {
      plan.id = PlanId(std::string(id->get_string()));
    }
    const json::value* props = feature->if_contains("properties");
    if (props != nullptr && !props->is_null()) {
      if (props->is_object()) {
        props_ = &props->get_object();
      } else {
        Error(props_path_, "expected an object, got " + Describe(*props));
      }
    }

    context_ = "every plan";
    std::optional<std::string> party = String("party", std::nullopt, true);
    std::optional<PlanKind> kind = Kind();
    std::optional<std::string> callsign = String("callsign", "", false, kMaxCallsignChars);
    std::optional<std::string> note = String("note", "", false, kMaxNoteChars);
    const Geometry geometry =
        ParseGeometry(feature->if_contains("geometry"), Sub(path_, "geometry"));
    if (party) plan.party = PartyId(*party);
    if (callsign) plan.callsign = *callsign;
    if (note) plan.note = *note;
    if (kind) plan.kind = *kind;

    std::optional<std::variant<Route, Area>> shape;
    if (kind && geometry.type != GeometryType::kMissing) {
      shape = Shape(*kind, geometry);
    } else if (geometry.type == GeometryType::kOther) {
      Error(Sub(geometry.path, "type"), "unsupported geometry type " + geometry.type_name +
                                            "; expected Point, LineString or Polygon");
    }
    if (kind == PlanKind::kZone) RestrictedParties(&plan);
    if (errors_->size() != errors_before || !shape) return std::nullopt;
    plan.shape = std::move(*shape);
    return plan;
  }

 private:
  void Error(std::string path, std::string reason) {
    errors_->push_back({std::move(path), std::move(reason)});
  }
  void Warn(std::string path, std::string reason) {
    if (warnings_ != nullptr) warnings_->push_back({std::move(path), std::move(reason)});
  }
  std::string Missing() const { return "missing (required for " + context_ + ")"; }

  // The property `key`, or null if absent or JSON null.
  const json::value* Prop(std::string_view key) const {
    if (props_ == nullptr) return nullptr;
    const json::value* v = props_->if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  // Each property reader returns the value, `fallback` if the property is absent (no fallback:
  // it is required, and its absence an error), or nullopt after recording an error.
  // `max_chars`: the most characters (code points) allowed; 0 = no limit.
  std::optional<std::string> String(std::string_view key, std::optional<std::string> fallback,
                                    bool non_empty, size_t max_chars = 0) {
    const json::value* v = Prop(key);
    if (v == nullptr) {
      if (!fallback) Error(Sub(props_path_, key), Missing());
      return fallback;
    }
    if (!v->is_string() || (non_empty && v->get_string().empty())) {
      Error(Sub(props_path_, key),
            std::string(non_empty ? "expected a non-empty string" : "expected a string") +
                ", got " + Describe(*v));
      return std::nullopt;
    }
    if (size_t n = CountCharacters(v->get_string()); max_chars > 0 && n > max_chars) {
      Error(Sub(props_path_, key),
            "too long: " + std::to_string(n) + " characters, at most " + std::to_string(max_chars));
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<double> Number(std::string_view key, Range range, std::optional<double> fallback) {
    const json::value* v = Prop(key);
    if (v == nullptr) {
      if (!fallback) Error(Sub(props_path_, key), Missing());
      return fallback;
    }
    if (v->is_number()) {  // the common case: no message is built
      const double x = v->to_number<double>();
      if (std::isfinite(x) && x >= range.min && !(range.min_exclusive && x == range.min) &&
          x <= range.max) {
        return x;
      }
    }
    const std::string path = Sub(props_path_, key);
    const std::string min_text = (range.min_exclusive ? "> " : ">= ") + FormatNumber(range.min);
    if (!v->is_number()) {
      Error(path, "expected a number " + min_text + " and <= " + FormatNumber(range.max) +
                      ", got " + Describe(*v));
      return std::nullopt;
    }
    const double x = v->to_number<double>();
    if (!std::isfinite(x)) {
      Error(path, "expected a finite number, got " + FormatNumber(x));
    } else if (x < range.min || (range.min_exclusive && x == range.min)) {
      Error(path, "expected a number " + min_text + ", got " + FormatNumber(x));
    } else if (x > range.max) {
      Error(path,
            "expected a number <= " + FormatNumber(range.max) + " (limit), got " + FormatNumber(x));
    } else {
      return x;
    }
    return std::nullopt;
  }

  std::optional<TimePoint> ParseTime(const json::value& v, const LazyPath& path) {
    if (!v.is_string()) {
      Error(path.str(),
            "expected an RFC 3339 timestamp string such as \"2022-10-08T09:30:00Z\", got " +
                Describe(v));
      return std::nullopt;
    }
    Result<TimePoint> t = ParseRfc3339(v.get_string());
    if (!t.ok()) {
      Error(path.str(), t.status().message() + ", got " + Describe(v));
      return std::nullopt;
    }
    return *t;
  }

  std::optional<TimePoint> Time(std::string_view key, std::optional<TimePoint> fallback) {
    const json::value* v = Prop(key);
    if (v == nullptr) {
      if (!fallback) Error(Sub(props_path_, key), Missing());
      return fallback;
    }
    const std::string path = Sub(props_path_, key);
    return ParseTime(*v, path);
  }

  std::optional<PlanKind> Kind() {
    const json::value* v = Prop("kind");
    if (v == nullptr) {
      Error(Sub(props_path_, "kind"), std::string("missing (expected one of ") + kKindList + ")");
      return std::nullopt;
    }
    for (PlanKind k : {PlanKind::kMovement, PlanKind::kFlight, PlanKind::kSite, PlanKind::kZone}) {
      if (v->is_string() && v->get_string() == PlanKindName(k)) return k;
    }
    Error(Sub(props_path_, "kind"),
          "unknown kind " + Describe(*v) + "; expected one of " + kKindList);
    return std::nullopt;
  }

  // --- Geometry: coordinates are checked whatever the kind. ---

  std::optional<Position> ParsePosition(const json::value& v, const LazyPath& where, int ring,
                                        int vertex) {
    const json::array* a = v.if_array();
    if (a == nullptr || a->size() < 2 || a->size() > 3) {
      Error(where.str(),
            "expected a position [longitude, latitude] or [longitude, latitude, altitude_m], got " +
                (a == nullptr ? Describe(v)
                              : "an array of " + std::to_string(a->size()) +
                                    (a->size() == 1 ? " element" : " elements")));
      return std::nullopt;
    }
    double c[3] = {0, 0, 0};
    bool ok = true;
    std::string path;  // made on the first issue
    const auto named = [&]() -> const std::string& {
      if (path.empty()) path = where.str();
      return path;
    };
    for (size_t i = 0; i < a->size(); ++i) {
      const json::value& e = (*a)[i];
      if (!e.is_number() || !std::isfinite(e.to_number<double>())) {
        Error(At(named(), i), "expected a finite number, got " + Describe(e));
        ok = false;
      } else {
        c[i] = e.to_number<double>();
      }
    }
    if (!ok) return std::nullopt;
    if (c[0] < -180 || c[0] > 180) {
      Error(At(named(), 0), "expected a longitude in [-180, 180], got " + FormatNumber(c[0]));
      ok = false;
    }
    if (c[1] < -90 || c[1] > 90) {
      Error(At(named(), 1),
            "expected a latitude in [-90, 90], got " + FormatNumber(c[1]) + " " + kSwapHint);
      ok = false;
    }
    if (a->size() == 3 && (c[2] < kMinAltitudeM || c[2] > kMaxAltitudeM)) {
      Error(At(named(), 2), "expected an altitude in metres between " +
                                FormatNumber(kMinAltitudeM) + " and " +
                                FormatNumber(kMaxAltitudeM) + ", got " + FormatNumber(c[2]));
      ok = false;
    }
    if (!ok) return std::nullopt;
    Position p{{c[1], c[0]}, std::nullopt, geo::ToEcef({c[1], c[0]})};
    if (a->size() == 3) p.alt_m = c[2];
    if (positions_ != nullptr) positions_->push_back({p.ll, p.ecef, feature_index_, ring, vertex});
    return p;
  }

  // Parses an array of at least `min_count` positions (`what` names it in messages) into *out.
  // Returns false after recording errors; *out then holds placeholders for invalid positions.
  bool ParsePositions(const json::value& v, const std::string& path, size_t min_count,
                      const char* what, int ring, std::vector<Position>* out) {
    const json::array* a = v.if_array();
    if (a == nullptr || a->size() < min_count) {
      Error(path, std::string("expected ") + what + " of at least " + std::to_string(min_count) +
                      " positions, got " +
                      (a == nullptr ? Describe(v) : std::to_string(a->size())));
      return false;
    }
    bool ok = true;
    out->reserve(out->size() + a->size());
    for (size_t k = 0; k < a->size(); ++k) {
      std::optional<Position> p = ParsePosition(
          (*a)[k], LazyPath(path, static_cast<std::ptrdiff_t>(k)), ring, static_cast<int>(k));
      ok = ok && p.has_value();
      out->push_back(p.value_or(Position{}));
    }
    return ok;
  }

  // Polygon ring r: closed, then stored without its closing vertex and repeated vertices.
  bool ParseRing(const json::value& v, const std::string& path, int r,
                 std::vector<geo::LatLng>* ring, std::vector<size_t>* raw_index) {
    std::vector<Position> pos;
    if (!ParsePositions(v, path, 4, "a closed ring", r, &pos)) return false;
    if (!(pos.front().ll == pos.back().ll)) {
      Error(path, "ring is not closed: first and last positions differ");
      return false;
    }
    for (size_t k = 0; k + 1 < pos.size(); ++k) {
      if (ring->empty() || !(ring->back() == pos[k].ll)) {
        ring->push_back(pos[k].ll);
        raw_index->push_back(k);
      }
    }
    while (ring->size() > 1 && ring->back() == ring->front()) {
      ring->pop_back();
      raw_index->pop_back();
    }
    std::vector<geo::LatLng> distinct = *ring;
    auto less = [](geo::LatLng a, geo::LatLng b) {
      return a.lat_deg != b.lat_deg ? a.lat_deg < b.lat_deg : a.lon_deg < b.lon_deg;
    };
    std::sort(distinct.begin(), distinct.end(), less);
    const size_t n_distinct =
        static_cast<size_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
    if (n_distinct < 3) {
      Error(path,
            "expected a ring with at least 3 distinct vertices, got " + std::to_string(n_distinct));
      return false;
    }
    return true;
  }

  // Records an error if two vertices of the polygon are more than kMaxPolygonSpanM apart.
  bool CheckPolygonSpan(const Geometry& g, const std::vector<std::vector<size_t>>& raw_index) {
    struct Vertex {
      geo::LatLng ll;
      size_t ring, raw;
    };
    std::vector<Vertex> all;
    for (size_t r = 0; r < g.rings.size(); ++r) {
      for (size_t k = 0; k < g.rings[r].size(); ++k)
        all.push_back({g.rings[r][k], r, raw_index[r][k]});
    }
    // Cheap bound first: within half the span of one vertex means within the span of each other.
    double radius = 0;
    for (const Vertex& v : all) radius = std::max(radius, geo::GeodesicDistance(all[0].ll, v.ll));
    if (radius <= kMaxPolygonSpanM / 2) return true;
    // Otherwise the farthest pair by chord, then its geodesic distance.
    size_t best_a = 0, best_b = 0;
    double best = -1;
    std::vector<geo::Vec3> ecef(all.size());
    for (size_t i = 0; i < all.size(); ++i) ecef[i] = geo::ToEcef(all[i].ll);
    for (size_t a = 0; a < all.size(); ++a) {
      for (size_t b = a + 1; b < all.size(); ++b) {
        const double d2 = (ecef[a] - ecef[b]).Norm2();
        if (d2 > best) std::tie(best, best_a, best_b) = std::tuple(d2, a, b);
      }
    }
    const double span = geo::GeodesicDistance(all[best_a].ll, all[best_b].ll);
    if (span <= kMaxPolygonSpanM) return true;
    auto name = [](const Vertex& v) {
      return "coordinates[" + std::to_string(v.ring) + "][" + std::to_string(v.raw) + "]";
    };
    Error(Sub(g.path, "coordinates"), "polygon spans " + Km(span) + " (" + name(all[best_a]) +
                                          " to " + name(all[best_b]) + "); at most " +
                                          Km(kMaxPolygonSpanM) + " is allowed");
    return false;
  }

  void ParsePolygon(const json::array& rings, Geometry* g) {
    const std::string path = Sub(g->path, "coordinates");
    if (rings.empty()) {
      Error(path, "expected at least one linear ring, got none");
      return;
    }
    std::vector<std::vector<size_t>> raw_index(rings.size());
    g->rings.resize(rings.size());
    bool ok = true;
    for (size_t r = 0; r < rings.size(); ++r) {
      ok = ParseRing(rings[r], At(path, r), static_cast<int>(r), &g->rings[r], &raw_index[r]) && ok;
    }
    if (!ok || !CheckPolygonSpan(*g, raw_index)) return;
    for (size_t r = 0; r < rings.size(); ++r) {
      size_t a, b;
      if (!FindRingCrossing(g->rings[r], &a, &b)) continue;
      const size_t n = raw_index[r].size(), closing = rings[r].as_array().size() - 1;
      auto edge = [&](size_t i) {
        return "[" + std::to_string(raw_index[r][i]) + "]-[" +
               std::to_string(i + 1 < n ? raw_index[r][i + 1] : closing) + "]";
      };
      Error(At(path, r), "ring is self-intersecting: edge " + edge(a) + " crosses edge " + edge(b));
      ok = false;
    }
    g->valid = ok;
  }

  Geometry ParseGeometry(const json::value* v, const std::string& path) {
    Geometry g;
    g.path = path;
    if (v == nullptr || v->is_null()) {
      Error(path, "missing (every plan needs a geometry)");
      return g;
    }
    const json::object* obj = v->if_object();
    if (obj == nullptr) {
      Error(path, "expected a GeoJSON geometry object, got " + Describe(*v));
      return g;
    }
    const json::value* type = obj->if_contains("type");
    if (type == nullptr || !type->is_string()) {
      Error(Sub(path, "type"), type == nullptr ? "missing (expected Point, LineString or Polygon)"
                                               : "expected a string, got " + Describe(*type));
      return g;
    }
    g.type_name = std::string(type->get_string());
    g.type = g.type_name == "Point"        ? GeometryType::kPoint
             : g.type_name == "LineString" ? GeometryType::kLineString
             : g.type_name == "Polygon"    ? GeometryType::kPolygon
                                           : GeometryType::kOther;
    if (g.type == GeometryType::kOther) return g;
    const std::string coords_path = Sub(path, "coordinates");
    const json::value* coords = obj->if_contains("coordinates");
    if (coords == nullptr) {
      Error(coords_path, "missing");
      g.type = GeometryType::kMissing;
      return g;
    }
    if (g.type == GeometryType::kPoint) {
      std::optional<Position> p = ParsePosition(*coords, coords_path, -1, -1);
      if (p) g.points.push_back(*p);
      g.valid = p.has_value();
      return g;
    }
    const json::array* a = coords->if_array();
    size_t vertices = a == nullptr ? 0 : a->size();
    if (a != nullptr && g.type == GeometryType::kPolygon) {
      vertices = 0;
      for (const json::value& ring : *a) vertices += ring.is_array() ? ring.get_array().size() : 0;
    }
    if (vertices > kMaxVertices) {
      Error(coords_path, "too many vertices: " + std::to_string(vertices) + " (at most " +
                             std::to_string(kMaxVertices) + " per geometry)");
    } else if (g.type == GeometryType::kLineString) {
      g.valid = ParsePositions(*coords, coords_path, 2, "an array", -1, &g.points);
    } else if (a == nullptr) {
      Error(coords_path, "expected an array of linear rings, got " + Describe(*coords));
    } else {
      ParsePolygon(*a, &g);
    }
    return g;
  }

  // --- Kinds ---

  std::optional<std::variant<Route, Area>> Shape(PlanKind kind, const Geometry& g) {
    const KindGeometries& allowed = kKindGeometries[static_cast<int>(kind)];
    const bool ok = (g.type == GeometryType::kPoint && allowed.point) ||
                    (g.type == GeometryType::kLineString && allowed.line) ||
                    (g.type == GeometryType::kPolygon && allowed.polygon);
    if (!ok) {
      Error(Sub(g.path, "type"), std::string(PlanKindName(kind)) + ": geometry must be " +
                                     allowed.text + ", got " + g.type_name);
      return std::nullopt;
    }
    const int n_allowed = int{allowed.point} + int{allowed.line} + int{allowed.polygon};
    context_ = std::string("kind ") + PlanKindName(kind) +
               (n_allowed > 1 ? " with a " + g.type_name + " geometry" : "");
    if (g.type == GeometryType::kLineString && kind != PlanKind::kZone) {
      std::optional<Route> route = ParseRoute(g, kind == PlanKind::kFlight);
      if (route) return std::move(*route);
      return std::nullopt;
    }
    std::optional<Area> area = ParseArea(g, kind);
    if (area) return std::move(*area);
    return std::nullopt;
  }

  // properties.times: one timestamp per vertex, non-decreasing; equal only where the vertices
  // coincide (within kSamePlaceM).
  std::optional<std::vector<TimePoint>> Times(const Geometry& g) {
    const std::string path = Sub(props_path_, "times");
    const json::value* v = Prop("times");
    if (v == nullptr || !v->is_array()) {
      Error(path, v == nullptr ? Missing()
                               : "expected an array of RFC 3339 timestamps (one per vertex), got " +
                                     Describe(*v));
      return std::nullopt;
    }
    const json::array& a = v->get_array();
    bool ok = true;
    if (!g.points.empty() && a.size() != g.points.size()) {  // empty: coordinates unreadable
      ok = false;
      Error(path, "expected " + std::to_string(g.points.size()) +
                      " timestamps (one per vertex), got " + std::to_string(a.size()));
    }
    std::vector<std::optional<TimePoint>> t(a.size());
    for (size_t j = 0; j < a.size(); ++j) {
      t[j] = ParseTime(a[j], LazyPath(path, static_cast<std::ptrdiff_t>(j)));
      if (!t[j]) {
        ok = false;
        continue;
      }
      if (j == 0 || !t[j - 1]) continue;
      if (*t[j] < *t[j - 1]) {
        Error(At(path, j), "earlier than times[" + std::to_string(j - 1) + "] (" +
                               std::string(a[j - 1].get_string()) + ")");
        ok = false;
      } else if (*t[j] == *t[j - 1] && g.valid && j < g.points.size()) {
        const double d = geo::GeodesicDistance(g.points[j - 1].ll, g.points[j].ll);
        if (d > kSamePlaceM) {
          Error(At(path, j), "equal to times[" + std::to_string(j - 1) + "] but the vertices are " +
                                 FormatNumber(std::round(d)) + " m apart (infinite speed)");
          ok = false;
        }
      }
    }
    if (!ok) return std::nullopt;
    std::vector<TimePoint> out(t.size());
    std::transform(t.begin(), t.end(), out.begin(), [](const auto& tp) { return *tp; });
    return out;
  }

  std::optional<Route> ParseRoute(const Geometry& g, bool flight) {
    const std::optional<double> corridor = Number("corridor_m", {0, kMaxCorridorM}, 0.0);
    const std::optional<double> tolerance =
        Number("time_tolerance_s", {0, kMaxTimeToleranceS}, 0.0);
    const std::optional<std::vector<TimePoint>> times = Times(g);
    const std::string coords_path = Sub(g.path, "coordinates");
    bool missing_altitude = false, warned = false;
    for (size_t k = 0; k < g.points.size() && g.valid; ++k) {
      if (flight && !g.points[k].alt_m) {
        Error(At(coords_path, k),
              "missing altitude: a flight trajectory needs [longitude, latitude, altitude_m]");
        missing_altitude = true;
      } else if (!flight && g.points[k].alt_m && !warned) {
        Warn(At(coords_path, k), "altitude ignored: a ground movement has no altitude");
        warned = true;
      }
    }
    if (!g.valid || !corridor || !tolerance || !times || missing_altitude) return std::nullopt;

    Route route;
    route.corridor = Meters(*corridor);
    route.time_tolerance = Seconds(*tolerance);
    route.has_altitude = flight;
    route.waypoints.reserve(g.points.size());
    for (size_t k = 0; k < g.points.size(); ++k) {
      route.waypoints.push_back({g.points[k].ll, flight ? *g.points[k].alt_m : 0.0, (*times)[k]});
    }
    const double max_kmh = flight ? kMaxFlightSpeedKmh : kMaxGroundSpeedKmh;
    const char* what = flight ? "a flight" : "a ground movement";
    const std::string times_path = Sub(props_path_, "times");
    for (size_t j = 1; j < route.waypoints.size(); ++j) {
      const Waypoint &a = route.waypoints[j - 1], &b = route.waypoints[j];
      const double dt = (b.time - a.time).value();
      // The bound first: most legs are far below the limit, and a geodesic costs ~20 chords.
      const double chord = (g.points[j].ecef - g.points[j - 1].ecef).Norm();
      if (dt <= 0 || GeodesicUpperBound(chord) / dt * 3.6 <= max_kmh) continue;
      const double kmh = geo::GeodesicDistance(a.position, b.position) / dt * 3.6;
      if (kmh > max_kmh) {
        Warn(At(times_path, j), "implausible speed: " + FormatNumber(std::round(kmh)) +
                                    " km/h since times[" + std::to_string(j - 1) + "] (more than " +
                                    FormatNumber(max_kmh) + " km/h for " + what + ")");
      }
    }
    const double duration = (route.waypoints.back().time - route.waypoints.front().time).value();
    if (duration > kLongRouteS) {
      char days[32];
      std::snprintf(days, sizeof days, "%.1f", duration / 86'400);
      Warn(times_path, std::string("lasts ") + days + " days (more than 7): check the dates");
    }
    return route;
  }

  std::optional<Footprint> ParseFootprint(const Geometry& g) {
    switch (g.type) {
      case GeometryType::kPoint: {
        const std::optional<double> radius =
            Number("radius_m", {0, kMaxRadiusM, true}, std::nullopt);
        if (!radius || !g.valid) return std::nullopt;
        return Circle{g.points[0].ll, Meters(*radius)};
      }
      case GeometryType::kPolygon:
        if (!g.valid) return std::nullopt;
        return Polygon{g.rings};
      case GeometryType::kLineString: {  // a demarcation line: repeated vertices are dropped
        if (!g.valid) return std::nullopt;
        Polyline line;
        for (const Position& p : g.points) {
          if (line.points.empty() || !(line.points.back() == p.ll)) line.points.push_back(p.ll);
        }
        if (line.points.size() < 2) {
          Error(Sub(g.path, "coordinates"), "expected at least 2 distinct positions, got 1");
          return std::nullopt;
        }
        return line;
      }
      default:
        return std::nullopt;
    }
  }

  // Flight volumes, sites and zones. Volumes need a window and an altitude band.
  std::optional<Area> ParseArea(const Geometry& g, PlanKind kind) {
    const bool volume = kind == PlanKind::kFlight;
    std::optional<Footprint> footprint = ParseFootprint(g);
    const std::optional<TimePoint> start =
        Time("start", volume ? std::nullopt : std::optional(TimePoint::InfinitePast()));
    const std::optional<TimePoint> end =
        Time("end", volume ? std::nullopt : std::optional(TimePoint::InfiniteFuture()));
    bool ok = footprint && start && end;
    if (start && end && *start >= *end) {
      Error(Sub(props_path_, "end"), "expected a time after start (" + FormatRfc3339(*start) +
                                         "), got " + FormatRfc3339(*end));
      ok = false;
    }
    std::optional<AltitudeBand> band;
    if (volume) {
      const std::optional<double> lower = Number("altitude_lower_m", kAltitudeRange, std::nullopt);
      const std::optional<double> upper = Number("altitude_upper_m", kAltitudeRange, std::nullopt);
      if (lower && upper && *lower > *upper) {
        Error(Sub(props_path_, "altitude_upper_m"), "expected a number >= altitude_lower_m (" +
                                                        FormatNumber(*lower) + "), got " +
                                                        FormatNumber(*upper));
      } else if (lower && upper) {
        band = AltitudeBand{*lower, *upper};
      }
      ok = ok && band;
    }
    if (!ok) return std::nullopt;
    return Area{std::move(*footprint), {*start, *end}, band};
  }

  // Zones: properties.restricted_parties, if present, replaces "every party but the owner".
  void RestrictedParties(Plan* plan) {
    const json::value* v = Prop("restricted_parties");
    if (v == nullptr) return;
    const std::string path = Sub(props_path_, "restricted_parties");
    if (!v->is_array()) {
      Error(path, "expected an array of party names, got " + Describe(*v));
      return;
    }
    plan->restricts_all_others = false;
    if (v->get_array().empty()) Warn(path, "empty: the zone restricts no party");
    for (size_t k = 0; k < v->get_array().size(); ++k) {
      const json::value& e = v->get_array()[k];
      if (!e.is_string() || e.get_string().empty()) {
        Error(At(path, k), "expected a non-empty party name, got " + Describe(e));
        continue;
      }
      PartyId party(std::string(e.get_string()));
      if (party == plan->party) {
        Warn(At(path, k),
             "lists the zone's own party " + Describe(e) + "; the owner is never restricted");
      }
      plan->restricted_parties.push_back(std::move(party));
    }
  }

  const std::string path_;
  const std::string props_path_;
  const size_t feature_index_;
  std::vector<Issue>* const errors_;
  std::vector<Issue>* const warnings_;
  std::vector<PositionRef>* const positions_;
  const json::object* props_ = nullptr;  // null if absent or not an object (reported)
  std::string context_;                  // "kind movement": who requires a missing property
};

// The component-wise median of ECEF vectors: robust to outliers, and unaffected by the
// antimeridian (a median of longitudes is not). REQUIRES: !v.empty().
geo::Vec3 Median(std::vector<geo::Vec3> v) {
  const auto mid = static_cast<std::ptrdiff_t>(v.size() / 2);
  geo::Vec3 out;
  for (double geo::Vec3::*axis : {&geo::Vec3::x, &geo::Vec3::y, &geo::Vec3::z}) {
    std::nth_element(v.begin(), v.begin() + mid, v.end(),
                     [axis](const geo::Vec3& a, const geo::Vec3& b) { return a.*axis < b.*axis; });
    out.*axis = v[mid].*axis;
  }
  return out;
}

// Warns about positions far from the file's centre that would be near it if read as [lat, lon].
// The centre is the median of the features' own medians, so that one long swapped route cannot
// outvote several correct plans. At most kSwapWarningsPerFeature per feature, then one summary.
// `parts`: the positions in file order, in consecutive parts that never split a feature.
void WarnSwapped(const std::vector<std::vector<PositionRef>>& parts, std::vector<Issue>* warnings) {
  std::vector<geo::Vec3> feature_medians, current;
  for (const std::vector<PositionRef>& refs : parts) {
    for (size_t i = 0; i < refs.size(); ++i) {
      current.push_back(refs[i].ecef);
      if (i + 1 == refs.size() || refs[i + 1].feature != refs[i].feature) {
        feature_medians.push_back(Median(std::move(current)));
        current.clear();
      }
    }
  }
  if (feature_medians.size() < 2) return;
  const geo::Vec3 c = Median(std::move(feature_medians));
  geo::LatLng centre;
  double height;
  GeographicLib::Geocentric::WGS84().Reverse(c.x, c.y, c.z, centre.lat_deg, centre.lon_deg, height);
  const geo::Vec3 centre_ecef = geo::ToEcef(centre);
  std::map<size_t, int> count;  // per feature
  for (const std::vector<PositionRef>& refs : parts) {
    for (const PositionRef& r : refs) {
      if (std::abs(r.ll.lon_deg) > 90) continue;  // not a latitude
      // Bounds first, no geodesic needed: most positions are provably near the centre, and of the
      // others most are provably far from it when swapped (a chord is never longer than the
      // geodesic).
      const geo::LatLng swapped_ll{r.ll.lon_deg, r.ll.lat_deg};
      if (GeodesicUpperBound((r.ecef - centre_ecef).Norm()) <= kSwapFarM ||
          (geo::ToEcef(swapped_ll) - centre_ecef).Norm() >= kSwapNearM) {
        continue;
      }
      const double d = geo::GeodesicDistance(centre, r.ll);
      if (d <= kSwapFarM) continue;
      const double swapped = geo::GeodesicDistance(centre, swapped_ll);
      if (swapped >= kSwapNearM || ++count[r.feature] > kSwapWarningsPerFeature) continue;
      std::string path = "features[" + std::to_string(r.feature) + "].geometry.coordinates";
      if (r.ring >= 0) path = At(path, static_cast<size_t>(r.ring));
      if (r.vertex >= 0) path = At(path, static_cast<size_t>(r.vertex));
      warnings->push_back({path, "looks like [lat, lon]: read as given it is " + Km(d) +
                                     " from the other plans; swapped it would be " + Km(swapped) +
                                     " away " + kSwapHint});
    }
  }
  for (const auto& [feature, n] : count) {
    if (n <= kSwapWarningsPerFeature) continue;
    warnings->push_back(
        {"features[" + std::to_string(feature) + "].geometry.coordinates",
         std::to_string(n - kSwapWarningsPerFeature) + " more positions look like [lat, lon] too"});
  }
}

// What one worker found in its run of features [begin, end), in file order.
struct Chunk {
  size_t begin = 0, end = 0;
  std::vector<Plan> plans;
  std::vector<Issue> errors, warnings;
  std::vector<size_t> errors_end;  // per feature: errors.size() after it
  std::vector<PositionRef> positions;
};

void ParseChunk(const json::array& array, Chunk* c) {
  c->errors_end.reserve(c->end - c->begin);
  for (size_t i = c->begin; i < c->end; ++i) {
    std::optional<Plan> plan =
        FeatureParser(At("features", i), i, &c->errors, &c->warnings, &c->positions)
            .Parse(array[i]);
    if (plan) {
      plan->feature_index = static_cast<int>(i);
      c->plans.push_back(std::move(*plan));
    }
    c->errors_end.push_back(c->errors.size());
  }
}

// Features are independent: `threads` workers parse consecutive runs of them. Fewer for small
// files (each worker gets at least kMinFeaturesPerWorker).
constexpr size_t kMinFeaturesPerWorker = 1000;
std::vector<Chunk> ParseFeatures(const json::array& array, int threads) {
  size_t workers = threads > 0 ? static_cast<size_t>(threads)
                               : std::max(1u, std::thread::hardware_concurrency());
  workers = std::clamp<size_t>(array.size() / kMinFeaturesPerWorker, 1, workers);
  std::vector<Chunk> chunks(workers);
  for (size_t w = 0; w < workers; ++w) {
    chunks[w].begin = array.size() * w / workers;
    chunks[w].end = array.size() * (w + 1) / workers;
  }
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(ParseChunk, std::cref(array), &chunks[w]);
  ParseChunk(array, &chunks[0]);
  for (std::thread& t : pool) t.join();
  return chunks;
}

}  // namespace

Result<PlanSet> ParsePlans(std::string_view geojson_text, int threads) {
  // The tree lives only in this function: one arena, no malloc per node, freed at once.
  json::monotonic_resource arena;
  json::value doc(&arena);
  if (std::optional<Issue> bad = deconflict::json::Parse(geojson_text, &doc)) {
    return Status::Invalid({*bad});
  }
  const json::object* top = doc.if_object();
  if (top == nullptr) {
    return Status::Invalid(
        {{"", "expected a GeoJSON FeatureCollection object, got " + Describe(doc)}});
  }
  std::vector<Issue> errors;
  const json::value* type = top->if_contains("type");
  if (type == nullptr) {
    errors.push_back({"type", "missing (expected \"FeatureCollection\")"});
  } else if (type->is_string() && type->get_string() == "Feature") {
    return Status::Invalid({{"type",
                             "expected \"FeatureCollection\", got \"Feature\": wrap the "
                             "feature as {\"type\": \"FeatureCollection\", \"features\": [...]}"}});
  } else if (!type->is_string() || type->get_string() != "FeatureCollection") {
    errors.push_back({"type", "expected \"FeatureCollection\", got " + Describe(*type)});
  }
  const json::value* features = top->if_contains("features");
  if (features == nullptr) {
    errors.push_back({"features", "missing (expected an array of Features)"});
  } else if (!features->is_array()) {
    errors.push_back({"features", "expected an array of Features, got " + Describe(*features)});
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));

  const json::array& array = features->get_array();
  std::vector<Chunk> chunks = ParseFeatures(array, threads);

  // In file order, as one worker would have found them: each feature's errors, then whether its
  // id was used before.
  PlanSet set;
  std::vector<std::vector<PositionRef>> positions;  // per chunk
  size_t n_plans = 0;
  for (const Chunk& c : chunks) n_plans += c.plans.size();
  set.plans.reserve(n_plans);
  std::unordered_map<std::string_view, size_t> first_use;  // id -> feature index
  first_use.reserve(array.size());
  for (Chunk& c : chunks) {
    for (size_t i = c.begin, from = 0; i < c.end; ++i) {
      const size_t to = c.errors_end[i - c.begin];
      std::move(c.errors.begin() + static_cast<std::ptrdiff_t>(from),
                c.errors.begin() + static_cast<std::ptrdiff_t>(to), std::back_inserter(errors));
      from = to;
      const json::value* id =
          array[i].is_object() ? array[i].get_object().if_contains("id") : nullptr;
      if (id != nullptr && id->is_string() && !id->get_string().empty()) {
        auto [it, inserted] = first_use.emplace(std::string_view(id->get_string()), i);
        if (!inserted) {
          errors.push_back({Sub(At("features", i), "id"),
                            "duplicate id: also used by " + At("features", it->second)});
        }
      }
    }
    std::move(c.plans.begin(), c.plans.end(), std::back_inserter(set.plans));
    std::move(c.warnings.begin(), c.warnings.end(), std::back_inserter(set.warnings));
    positions.push_back(std::move(c.positions));
  }
  if (!errors.empty()) return Status::Invalid(std::move(errors));
  if (array.size() >= 2) WarnSwapped(positions, &set.warnings);
  return set;
}

Result<Plan> ParsePlanFeature(const boost::json::value& feature, const std::string& path,
                              std::vector<Issue>* warnings) {
  std::vector<Issue> errors;
  std::optional<Plan> plan = FeatureParser(path, 0, &errors, warnings, nullptr).Parse(feature);
  if (!plan) return Status::Invalid(std::move(errors));
  return std::move(*plan);
}

}  // namespace deconflict::model
