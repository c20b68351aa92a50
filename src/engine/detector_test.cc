// Tests of ConflictDetector: the grid index against its brute-force twin on seeded scenarios of
// thousands of plans (under every grid option and thread count), Check/Remove/Add against
// DetectAll, property tests (symmetry, invariance to plan order, monotonicity in separation and
// tolerance) and agreement with GeographicLib on random legs (docs/semantics.md §3 accuracy).
#include "engine/detector.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/suggest.h"
#include "geo/geodesic.h"
#include "testsupport/fixtures.h"
#include "testsupport/scenario.h"
#include "testsupport/status_macros.h"

namespace deconflict::engine {
namespace {

namespace ts = deconflict::testing;

// ---------------------------------------------------------------------------------------------
// Helpers

// Sanitizer builds run ~3x slower: scenario sizes are divided by this.
size_t SizeDivisor() {
#if defined(__SANITIZE_ADDRESS__)
  return 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return 4;
#endif
#endif
  const char* env = std::getenv("DECONFLICT_SANITIZE");
  return env != nullptr && env[0] != '\0' && env[0] != '0' ? 4 : 1;
}

std::string Fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Describe(const Conflict& c) {
  std::ostringstream s;
  s << "{" << c.plan_a.value() << " (" << c.party_a.value() << ", " << model::PlanKindName(c.kind_a)
    << ") vs " << c.plan_b.value() << " (" << c.party_b.value() << ", "
    << model::PlanKindName(c.kind_b) << "), " << ConflictTypeName(c.type) << "/" << c.rule
    << ", window [" << Fmt(c.window.start.unix_seconds()) << ", "
    << Fmt(c.window.end.unix_seconds()) << "], min " << Fmt(c.min_distance.value()) << " m of "
    << Fmt(c.required.value()) << " m, vertical " << Fmt(c.vertical_distance_m) << ", cpa "
    << Fmt(c.cpa_time.unix_seconds()) << " (a " << Fmt(c.cpa_time_a.unix_seconds()) << ", b "
    << Fmt(c.cpa_time_b.unix_seconds()) << ") at " << Fmt(c.cpa_position.lat_deg) << ","
    << Fmt(c.cpa_position.lon_deg) << "}";
  return s.str();
}

// The first field in which two conflicts differ ("" if none). Exact comparison: the index and
// the brute force evaluate the same element pairs in the same order.
std::string FirstDifference(const Conflict& x, const Conflict& y) {
  auto num = [](const char* name, double a, double b) -> std::string {
    if (a == b || (std::isnan(a) && std::isnan(b))) return "";
    return std::string(name) + ": " + Fmt(a) + " vs " + Fmt(b);
  };
  auto str = [](const char* name, const std::string& a, const std::string& b) -> std::string {
    return a == b ? "" : std::string(name) + ": " + a + " vs " + b;
  };
  for (const std::string& d : {
           str("plan_a", x.plan_a.value(), y.plan_a.value()),
           str("plan_b", x.plan_b.value(), y.plan_b.value()),
           str("party_a", x.party_a.value(), y.party_a.value()),
           str("party_b", x.party_b.value(), y.party_b.value()),
           str("kind_a", model::PlanKindName(x.kind_a), model::PlanKindName(y.kind_a)),
           str("kind_b", model::PlanKindName(x.kind_b), model::PlanKindName(y.kind_b)),
           str("callsign_a", x.callsign_a, y.callsign_a),
           str("callsign_b", x.callsign_b, y.callsign_b),
           str("type", ConflictTypeName(x.type), ConflictTypeName(y.type)),
           str("rule", x.rule, y.rule),
           num("window.start", x.window.start.unix_seconds(), y.window.start.unix_seconds()),
           num("window.end", x.window.end.unix_seconds(), y.window.end.unix_seconds()),
           num("min_distance", x.min_distance.value(), y.min_distance.value()),
           num("required", x.required.value(), y.required.value()),
           num("vertical_distance_m", x.vertical_distance_m, y.vertical_distance_m),
           num("cpa_time", x.cpa_time.unix_seconds(), y.cpa_time.unix_seconds()),
           num("cpa_time_a", x.cpa_time_a.unix_seconds(), y.cpa_time_a.unix_seconds()),
           num("cpa_time_b", x.cpa_time_b.unix_seconds(), y.cpa_time_b.unix_seconds()),
           num("cpa.lat", x.cpa_position.lat_deg, y.cpa_position.lat_deg),
           num("cpa.lon", x.cpa_position.lon_deg, y.cpa_position.lon_deg),
           num("cpa_a.lat", x.cpa_position_a.lat_deg, y.cpa_position_a.lat_deg),
           num("cpa_a.lon", x.cpa_position_a.lon_deg, y.cpa_position_a.lon_deg),
           num("cpa_b.lat", x.cpa_position_b.lat_deg, y.cpa_position_b.lat_deg),
           num("cpa_b.lon", x.cpa_position_b.lon_deg, y.cpa_position_b.lon_deg),
           num("moves_a", x.moves_a, y.moves_a),
           num("moves_b", x.moves_b, y.moves_b),
       }) {
    if (!d.empty()) return d;
  }
  return "";
}

// Compares two sorted conflict lists field by field; on failure names the first mismatch.
::testing::AssertionResult SameConflicts(const std::vector<Conflict>& want,
                                         const std::vector<Conflict>& got) {
  const size_t n = std::min(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string d = FirstDifference(want[i], got[i]);
    if (!d.empty()) {
      return ::testing::AssertionFailure()
             << "conflict #" << i << " of " << want.size() << " vs " << got.size() << " differs in "
             << d << "\n  want " << Describe(want[i]) << "\n  got  " << Describe(got[i]);
    }
  }
  if (want.size() != got.size()) {
    const auto& longer = want.size() > got.size() ? want : got;
    return ::testing::AssertionFailure()
           << want.size() << " vs " << got.size() << " conflicts; first extra ("
           << (want.size() > got.size() ? "wanted" : "got") << "): " << Describe(longer[n]);
  }
  return ::testing::AssertionSuccess();
}

std::unique_ptr<ConflictDetector> Build(const std::vector<model::Plan>& plans,
                                        const model::Rules& rules = {},
                                        DetectorOptions options = {}) {
  auto d = std::make_unique<ConflictDetector>(rules, options);
  for (const model::Plan& p : plans) {
    const Status s = d->Add(p);
    EXPECT_OK(s);
  }
  return d;
}

using PairSet = std::set<std::pair<std::string, std::string>>;

PairSet Pairs(const std::vector<Conflict>& conflicts) {
  PairSet out;
  for (const Conflict& c : conflicts) out.emplace(c.plan_a.value(), c.plan_b.value());
  return out;
}

std::vector<Conflict> Involving(const std::vector<Conflict>& all, const PlanId& id) {
  std::vector<Conflict> out;
  for (const Conflict& c : all) {
    if (c.plan_a == id || c.plan_b == id) out.push_back(c);
  }
  return out;
}

double ElapsedS(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// ---------------------------------------------------------------------------------------------
// 1. The index agrees with the brute force on seeded scenarios of thousands of plans.

struct RegionScenario {
  const char* name;
  uint64_t seed;
  geo::LatLng centre;
  size_t plans;
  double radius_km;
  double horizon_h;
};

void PrintTo(const RegionScenario& s, std::ostream* os) { *os << s.name; }

std::string ScenarioName(const ::testing::TestParamInfo<RegionScenario>& p) { return p.param.name; }

struct Variant {
  const char* name;
  DetectorOptions options;
};

// Builds the scenario under the brute force and under each variant of the index, and requires
// identical conflict lists from DetectAll and from Check of a sample of plans.
void ExpectAgreement(const RegionScenario& sc, std::span<const Variant> variants) {
  ts::ScenarioOptions o;
  o.seed = sc.seed;
  // Sanitizer builds: fewer plans in a smaller area, at the same density.
  o.plans = sc.plans / SizeDivisor();
  o.centre = sc.centre;
  o.radius_km = sc.radius_km / std::sqrt(static_cast<double>(SizeDivisor()));
  o.horizon_h = sc.horizon_h;
  const std::vector<model::Plan> plans = ts::GenerateScenario(o);

  auto t0 = std::chrono::steady_clock::now();
  const auto brute = Build(plans, {}, {.use_brute_force = true});
  const std::vector<Conflict> want = brute->DetectAll();
  std::string timing = "brute " + std::to_string(ElapsedS(t0));
  // A scenario with few conflicts, or conflicts of few rules, would prove little (the reduced
  // sanitizer scenarios are allowed fewer).
  const size_t divisor = SizeDivisor();
  ASSERT_GE(want.size(), o.plans / (20 * divisor)) << "scenario too sparse to be meaningful";
  std::set<std::string> rules_seen;
  for (const Conflict& c : want) rules_seen.insert(c.rule);
  EXPECT_GE(rules_seen.size(), divisor == 1 ? 4u : 2u);
  // Check(plan) of a sample of plans (one side of every 8th conflict, and every 50th plan) must
  // give that plan's part of DetectAll, under the brute force and under every variant.
  std::set<std::string> sample;
  for (size_t i = 0; i < want.size(); i += 8) {
    sample.insert((i % 16 == 0 ? want[i].plan_a : want[i].plan_b).value());
  }
  for (size_t i = 0; i < plans.size(); i += 50) sample.insert(plans[i].id.value());
  auto expect_checks = [&](const ConflictDetector& d) {
    for (const model::Plan& p : plans) {
      if (sample.contains(p.id.value())) {
        EXPECT_TRUE(SameConflicts(Involving(want, p.id), d.Check(p))) << "Check " << p.id.value();
      }
    }
  };
  expect_checks(*brute);

  for (const Variant& v : variants) {
    SCOPED_TRACE(v.name);
    t0 = std::chrono::steady_clock::now();
    const auto index = Build(plans, {}, v.options);
    EXPECT_TRUE(SameConflicts(want, index->DetectAll()));
    expect_checks(*index);
    timing += std::string(", ") + v.name + " " + std::to_string(ElapsedS(t0));
  }
  std::printf("[%s] %zu plans, %zu conflicts; seconds: %s\n", sc.name, plans.size(), want.size(),
              timing.c_str());
}

constexpr GridOptions kTinyGrid{.cell_m = 1000, .bucket_s = 60, .max_buckets = 2};
constexpr GridOptions kHugeGrid{.cell_m = 200000, .bucket_s = 86400};
constexpr GridOptions kOddGrid{.cell_m = 2718, .bucket_s = 314, .max_buckets = 3};

// Thousands of plans in all over theatres of 300-400 km: the index with 1 and 2 threads (and one
// per core) and with huge cells against the brute force (O(n^2) plan pairs, the slow part).
class DetectorLargeScenario : public ::testing::TestWithParam<RegionScenario> {};

TEST_P(DetectorLargeScenario, IndexAgreesWithBruteForce) {
  const Variant variants[] = {
      {"default", {}},
      {"threads=2", {.threads = 2}},
      {"threads=0", {.threads = 0}},
      {"huge cells", {.grid = kHugeGrid}},
  };
  ExpectAgreement(GetParam(), variants);
}

INSTANTIATE_TEST_SUITE_P(
    Detector, DetectorLargeScenario,
    ::testing::Values(RegionScenario{"syria_seed1", 1, {36.0, 40.0}, 1500, 400, 24},
                      RegionScenario{"syria_seed2", 2, {36.0, 40.0}, 1000, 400, 24},
                      RegionScenario{"syria_seed3", 3, {36.0, 40.0}, 1000, 400, 24},
                      RegionScenario{"north_pole", 4, {89.7, 10.0}, 800, 300, 24},
                      RegionScenario{"antimeridian", 5, {-20.0, 179.9}, 800, 300, 24},
                      RegionScenario{"equator", 6, {0.0, 30.0}, 800, 300, 24}),
    ScenarioName);

// Dense scenarios (50 km, 8 h), where elements straddle many cells and buckets: every grid
// geometry, including 1 km cells with 60 s buckets that send nearly everything to the space-only
// layer, gives the brute force's answer.
class DetectorDenseScenario : public ::testing::TestWithParam<RegionScenario> {};

TEST_P(DetectorDenseScenario, AnyGridAgreesWithBruteForce) {
  const Variant variants[] = {
      {"default", {}},
      {"threads=2", {.threads = 2}},
      {"tiny cells", {.grid = kTinyGrid}},
      {"tiny cells, threads=2", {.threads = 2, .grid = kTinyGrid}},
      {"huge cells", {.grid = kHugeGrid}},
      {"odd cells", {.grid = kOddGrid}},
  };
  ExpectAgreement(GetParam(), variants);
}

INSTANTIATE_TEST_SUITE_P(
    Detector, DetectorDenseScenario,
    ::testing::Values(RegionScenario{"syria", 7, {36.0, 40.0}, 200, 50, 8},
                      RegionScenario{"north_pole", 8, {89.7, 10.0}, 200, 50, 8},
                      RegionScenario{"antimeridian", 9, {-20.0, 179.9}, 200, 50, 8},
                      RegionScenario{"equator", 10, {0.0, 30.0}, 200, 50, 8}),
    ScenarioName);

// ---------------------------------------------------------------------------------------------
// 2. Check, Remove and Add agree with DetectAll.

std::vector<model::Plan> MediumScenario(uint64_t seed) {
  ts::ScenarioOptions o;
  o.seed = seed;
  o.plans = 800 / SizeDivisor();
  o.radius_km = 120 / std::sqrt(static_cast<double>(SizeDivisor()));
  return ts::GenerateScenario(o);
}

TEST(DetectorCheck, CheckAgreesWithDetectAll) {
  const std::vector<model::Plan> plans = MediumScenario(11);
  const auto d = Build(plans);
  const auto brute = Build(plans, {}, {.use_brute_force = true});
  const std::vector<Conflict> all = d->DetectAll();
  ASSERT_FALSE(all.empty());
  // A sample: every 20th plan (most have no conflict) and one side of every 2nd conflict.
  std::set<std::string> sample;
  for (size_t i = 0; i < plans.size(); i += 20) sample.insert(plans[i].id.value());
  for (size_t i = 0; i < all.size(); i += 2) {
    sample.insert((i % 4 == 0 ? all[i].plan_a : all[i].plan_b).value());
  }
  size_t checked_conflicts = 0;
  for (const model::Plan& p : plans) {
    if (!sample.contains(p.id.value())) continue;
    SCOPED_TRACE(p.id.value());
    const std::vector<Conflict> want = Involving(all, p.id);
    checked_conflicts += want.size();
    // Amendment semantics: the stored copy with the same id is ignored.
    EXPECT_TRUE(SameConflicts(want, d->Check(p)));
    EXPECT_TRUE(SameConflicts(want, brute->Check(p)));
    // Not in the detector at all.
    ASSERT_TRUE(d->Remove(p.id).ok());
    EXPECT_EQ(d->Find(p.id), nullptr);
    EXPECT_TRUE(SameConflicts(want, d->Check(p)));
    ASSERT_TRUE(d->Add(p).ok());
  }
  EXPECT_GE(checked_conflicts, all.size() / 2);
  // After removing and re-adding every sampled plan, DetectAll is unchanged.
  EXPECT_TRUE(SameConflicts(all, d->DetectAll()));
}

TEST(DetectorCheck, AmendmentIgnoresStoredCopy) {
  // The stored "a" (US) crosses "b" (RU). The amendment of "a", made by another party and moved
  // onto the stored copy's exact track, must conflict with "b" only, never with its own old copy.
  ConflictDetector d;
  ASSERT_TRUE(d.Add(ts::Movement("a", "US", "41.60 36.95 @ 09:00, 41.70 36.95 @ 09:30")).ok());
  ASSERT_TRUE(d.Add(ts::Movement("b", "RU", "41.65 36.90 @ 09:00, 41.65 37.00 @ 09:30")).ok());
  model::Plan amended = ts::Movement("a", "TR", "41.60 36.95 @ 09:00, 41.70 36.95 @ 09:30");
  std::vector<Conflict> got = d.Check(amended);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].plan_a.value(), "a");
  EXPECT_EQ(got[0].plan_b.value(), "b");
  EXPECT_EQ(got[0].party_a.value(), "TR");  // the checked plan, not the stored one
  // An amendment that moves away from "b" has no conflict at all (the old copy still would).
  amended = ts::Movement("a", "US", "41.60 36.95 @ 13:00, 41.70 36.95 @ 13:30");
  EXPECT_TRUE(d.Check(amended).empty());
  // A new id on the same track conflicts with both the stored "a" (other party) and "b".
  model::Plan other = ts::Movement("c", "TR", "41.60 36.95 @ 09:00, 41.70 36.95 @ 09:30");
  got = d.Check(other);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(Pairs(got), (PairSet{{"a", "c"}, {"b", "c"}}));
}

TEST(DetectorCheck, AmendedScenarioPlansMatchRebuiltDetector) {
  // Amending a plan (shift it by 40 min) in place: Check(amended) against the detector holding the
  // old version equals Check against a detector built without it, and equals the conflicts of
  // the amended plan in DetectAll of the detector holding the amended version.
  std::vector<model::Plan> plans = MediumScenario(12);
  const auto d = Build(plans);
  const size_t stride = std::max<size_t>(1, plans.size() / 12);
  for (size_t i = 0; i < plans.size(); i += stride) {
    model::Plan amended = plans[i];
    if (!amended.is_route()) continue;
    SCOPED_TRACE(amended.id.value());
    for (model::Waypoint& w : std::get<model::Route>(amended.shape).waypoints) {
      w.time = w.time + deconflict::Seconds(2400);
    }
    std::vector<model::Plan> rest = plans;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    const auto without = Build(rest);
    const std::vector<Conflict> want = without->Check(amended);
    EXPECT_TRUE(SameConflicts(want, d->Check(amended)));
    rest.push_back(amended);
    const auto with = Build(rest);
    EXPECT_TRUE(SameConflicts(Involving(with->DetectAll(), amended.id), want));
  }
}

TEST(DetectorCheck, RemoveThenDetectAllEqualsRebuild) {
  const std::vector<model::Plan> plans = MediumScenario(13);
  const auto d = Build(plans);
  const auto before = d->DetectAll();
  std::vector<model::Plan> kept;
  std::set<std::string> removed;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (i % 7 == 3) {
      ASSERT_TRUE(d->Remove(plans[i].id).ok());
      removed.insert(plans[i].id.value());
    } else {
      kept.push_back(plans[i]);
    }
  }
  const std::vector<Conflict> after = d->DetectAll();
  // Removal must actually remove something.
  ASSERT_LT(after.size(), before.size());
  for (const Conflict& c : after) {
    EXPECT_FALSE(removed.contains(c.plan_a.value()) || removed.contains(c.plan_b.value()))
        << Describe(c);
  }
  EXPECT_TRUE(SameConflicts(Build(kept)->DetectAll(), after));
  EXPECT_TRUE(SameConflicts(Build(kept, {}, {.use_brute_force = true})->DetectAll(), after));
  EXPECT_EQ(d->size(), kept.size());
}

TEST(DetectorCheck, AddRemoveFindStatus) {
  ConflictDetector d;
  const model::Plan a = ts::Movement("a", "US", "41.60 36.95 @ 09:00, 41.70 36.95 @ 09:30");
  ASSERT_TRUE(d.Add(a).ok());
  const Status dup = d.Add(ts::Movement("a", "RU", "41.65 36.90 @ 09:00, 41.65 37.00 @ 09:30"));
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(d.size(), 1u);
  ASSERT_NE(d.Find(PlanId("a")), nullptr);
  EXPECT_EQ(d.Find(PlanId("a"))->party.value(), "US");  // the duplicate did not replace it
  EXPECT_EQ(d.Remove(PlanId("zz")).code(), StatusCode::kNotFound);
  ASSERT_TRUE(d.Remove(PlanId("a")).ok());
  EXPECT_EQ(d.Remove(PlanId("a")).code(), StatusCode::kNotFound);
  EXPECT_EQ(d.size(), 0u);
  EXPECT_TRUE(d.Add(a).ok());  // the id is free again
  EXPECT_EQ(d.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// 3. Properties on small dense scenarios (conflicts are common at 30 km radius).

std::vector<model::Plan> SmallScenario() {
  ts::ScenarioOptions o;
  o.seed = *rc::gen::inRange<uint64_t>(1, uint64_t{1} << 40).as("scenario seed");
  const int most = 20 + 40 / static_cast<int>(SizeDivisor());
  o.plans = static_cast<size_t>(*rc::gen::inRange(20, most + 1).as("plans"));
  o.radius_km = 30;
  o.horizon_h = 6;
  o.parties = 4;
  return ts::GenerateScenario(o);
}

bool SameIgnoringParties(const Conflict& x, const Conflict& y) {
  Conflict xx = x, yy = y;
  xx.party_a = yy.party_a;
  xx.party_b = yy.party_b;
  return FirstDifference(xx, yy).empty();
}

// Conflicts name plans in id order whatever the add order, with the plans' own parties and kinds,
// and depend on parties only through their (in)equality: renaming parties changes nothing else.
RC_GTEST_PROP(DetectorProperty, ReportsPlansInIdOrderAndIgnoresPartyNames, ()) {
  std::vector<model::Plan> plans = SmallScenario();
  std::reverse(plans.begin(), plans.end());  // ids are added in decreasing order
  std::map<std::string, const model::Plan*> by_id;
  for (const model::Plan& p : plans) by_id[p.id.value()] = &p;
  const auto d = Build(plans);
  const std::vector<Conflict> all = d->DetectAll();
  RC_CLASSIFY(all.empty(), "no conflict");
  for (const Conflict& c : all) {
    RC_ASSERT(c.plan_a < c.plan_b);
    const model::Plan& a = *by_id.at(c.plan_a.value());
    const model::Plan& b = *by_id.at(c.plan_b.value());
    RC_ASSERT(c.party_a == a.party);
    RC_ASSERT(c.party_b == b.party);
    RC_ASSERT(c.party_a != c.party_b);
    RC_ASSERT(c.kind_a == a.kind);
    RC_ASSERT(c.kind_b == b.kind);
    RC_ASSERT(c.window.start <= c.window.end);
    RC_ASSERT(c.min_distance.value() >= 0.0);
    RC_ASSERT(c.min_distance.value() <=
              c.required.value() + std::max(1.0, 1e-3 * c.required.value()));
  }
  // Rename every party (owners and zones' restricted parties alike).
  auto rename = [](const PartyId& party) { return PartyId("x-" + party.value() + "-y"); };
  std::vector<model::Plan> renamed = plans;
  for (model::Plan& p : renamed) {
    p.party = rename(p.party);
    for (PartyId& r : p.restricted_parties) r = rename(r);
  }
  const std::vector<Conflict> all2 = Build(renamed)->DetectAll();
  RC_ASSERT(all2.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    RC_ASSERT(all2[i].party_a == rename(all[i].party_a));
    RC_ASSERT(all2[i].party_b == rename(all[i].party_b));
    RC_ASSERT(SameIgnoringParties(all[i], all2[i]));
  }
}

// Swapping the roles of the two plans of every pair (renaming ids so that their order reverses)
// gives the same conflicts to within the documented accuracy (distances max(1 m, 0.1 %),
// times 1 s): the evaluation is symmetric even though the tangent plane changes sides.
RC_GTEST_PROP(DetectorProperty, SymmetricInTheRolesOfThePair, ()) {
  const std::vector<model::Plan> plans = SmallScenario();
  std::vector<std::string> ids;
  ids.reserve(plans.size());
  for (const model::Plan& p : plans) ids.push_back(p.id.value());
  std::sort(ids.begin(), ids.end());
  std::map<std::string, std::string> to_new, to_old;
  for (size_t i = 0; i < ids.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "r%06zu", ids.size() - i);  // reverses the order
    to_new[ids[i]] = buf;
    to_old[buf] = ids[i];
  }
  std::vector<model::Plan> swapped = plans;
  for (model::Plan& p : swapped) p.id = PlanId(to_new.at(p.id.value()));

  auto key = [](const Conflict& c) {
    return std::make_tuple(c.plan_a.value(), c.plan_b.value(), c.window.start.unix_seconds());
  };
  std::vector<Conflict> want = Build(plans)->DetectAll();
  std::vector<Conflict> got = Build(swapped)->DetectAll();
  for (Conflict& c : got) {  // back to the old ids, a and b exchanged
    c.plan_a = PlanId(to_old.at(c.plan_a.value()));
    c.plan_b = PlanId(to_old.at(c.plan_b.value()));
    std::swap(c.plan_a, c.plan_b);
    std::swap(c.party_a, c.party_b);
    std::swap(c.kind_a, c.kind_b);
    std::swap(c.callsign_a, c.callsign_b);
    std::swap(c.cpa_time_a, c.cpa_time_b);
    std::swap(c.cpa_position_a, c.cpa_position_b);
    std::swap(c.moves_a, c.moves_b);
  }
  auto by_key = [&](const Conflict& x, const Conflict& y) { return key(x) < key(y); };
  std::sort(want.begin(), want.end(), by_key);
  std::sort(got.begin(), got.end(), by_key);
  RC_CLASSIFY(want.empty(), "no conflict");
  RC_ASSERT(Pairs(want) == Pairs(got));
  RC_ASSERT(want.size() == got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Conflict& w = want[i];
    const Conflict& g = got[i];
    RC_LOG() << "want " << Describe(w) << "\ngot  " << Describe(g) << "\n";
    RC_ASSERT(w.plan_a == g.plan_a);
    RC_ASSERT(w.plan_b == g.plan_b);
    RC_ASSERT(w.party_a == g.party_a);
    RC_ASSERT(w.rule == g.rule);
    RC_ASSERT(w.required == g.required);
    const double tol_m = std::max(1.0, 1e-3 * w.min_distance.value());
    RC_ASSERT(std::fabs(w.min_distance.value() - g.min_distance.value()) <= tol_m);
    RC_ASSERT(std::fabs((w.window.start - g.window.start).value()) <= 1.0);
    RC_ASSERT(std::fabs((w.window.end - g.window.end).value()) <= 1.0);
    RC_ASSERT(w.moves_a == g.moves_a);
    RC_ASSERT(w.moves_b == g.moves_b);
  }
}

// Where a route is at scheduled time t (geodesic interpolation between its waypoints).
geo::LatLng RoutePositionAt(const model::Route& r, double t) {
  const auto& w = r.waypoints;
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    const double t0 = w[i].time.unix_seconds(), t1 = w[i + 1].time.unix_seconds();
    if (t > t1 && i + 2 < w.size()) continue;
    const double f = t1 > t0 ? std::clamp((t - t0) / (t1 - t0), 0.0, 1.0) : 0.0;
    return geo::GeodesicPoint(w[i].position, w[i + 1].position, f);
  }
  return w.front().position;
}

// Each side's reported point at the closest approach is its own: a route's position at its own
// scheduled time of closest approach (to within the chord projection, 1 m), and the midpoint the
// reported cpa_position when both move; `moves_*` says which sides are routes. (The disclosure of
// docs/security.md §2 gives each party only its own point.)
RC_GTEST_PROP(DetectorProperty, EachSidesPointIsOnItsOwnPlan, ()) {
  const std::vector<model::Plan> plans = SmallScenario();
  std::map<std::string, const model::Plan*> by_id;
  for (const model::Plan& p : plans) by_id[p.id.value()] = &p;
  const std::vector<Conflict> all = Build(plans)->DetectAll();
  RC_CLASSIFY(all.empty(), "no conflict");
  for (const Conflict& c : all) {
    RC_LOG() << Describe(c) << "\n";
    const model::Plan& a = *by_id.at(c.plan_a.value());
    const model::Plan& b = *by_id.at(c.plan_b.value());
    RC_ASSERT(c.moves_a == a.is_route());
    RC_ASSERT(c.moves_b == b.is_route());
    if (a.is_route()) {
      const geo::LatLng want = RoutePositionAt(a.route(), c.cpa_time_a.unix_seconds());
      RC_ASSERT(geo::GeodesicDistance(want, c.cpa_position_a) < 1.0);
    }
    if (b.is_route()) {
      const geo::LatLng want = RoutePositionAt(b.route(), c.cpa_time_b.unix_seconds());
      RC_ASSERT(geo::GeodesicDistance(want, c.cpa_position_b) < 1.0);
    }
    if (a.is_route() && b.is_route() && c.min_distance.value() > 0) {
      const double da = geo::GeodesicDistance(c.cpa_position, c.cpa_position_a);
      const double db = geo::GeodesicDistance(c.cpa_position, c.cpa_position_b);
      RC_ASSERT(std::fabs(da - db) < 1.0);
    }
  }
}

// The add order changes plan and element indices (and so the grid's candidate order) but never
// the answer.
RC_GTEST_PROP(DetectorProperty, InvariantToPlanOrder, ()) {
  const std::vector<model::Plan> plans = SmallScenario();
  std::vector<model::Plan> shuffled = plans;
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>().as("shuffle seed"));
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  const std::vector<Conflict> want = Build(plans)->DetectAll();
  RC_CLASSIFY(want.empty(), "no conflict");
  const auto check = SameConflicts(want, Build(shuffled)->DetectAll());
  if (!check) RC_FAIL(check.message());
}

// Under any rules and any grid geometry, the index gives the brute force's answer (the reach by
// which candidate boxes are widened follows the rules).
RC_GTEST_PROP(DetectorProperty, IndexAgreesWithBruteForceUnderAnyRulesAndGrid, ()) {
  const std::vector<model::Plan> plans = SmallScenario();
  model::Rules rules;
  rules.ground_ground_horizontal_m = *rc::gen::inRange(1, 20001).as("ground_ground");
  rules.air_air_horizontal_m = *rc::gen::inRange(1, 30001).as("air_air_h");
  rules.air_air_vertical_m = *rc::gen::inRange(0, 3001).as("air_air_v");
  rules.ground_air_horizontal_m = *rc::gen::inRange(0, 20001).as("ground_air");
  rules.low_level_ceiling_m = *rc::gen::inRange(0, 12001).as("ceiling");
  rules.movement_site_buffer_m = *rc::gen::inRange(0, 20001).as("movement_site");
  rules.flight_site_buffer_m = *rc::gen::inRange(0, 20001).as("flight_site");
  rules.zone_buffer_m = *rc::gen::inRange(0, 20001).as("zone_buffer");
  DetectorOptions options;
  options.threads = *rc::gen::inRange(0, 4).as("threads");
  options.grid.cell_m = *rc::gen::inRange(1000, 100001).as("cell_m");
  options.grid.bucket_s = *rc::gen::inRange(60, 86401).as("bucket_s");
  options.grid.max_buckets = *rc::gen::inRange(1, 50).as("max_buckets");
  const std::vector<Conflict> want = Build(plans, rules, {.use_brute_force = true})->DetectAll();
  RC_CLASSIFY(want.empty(), "no conflict");
  const auto index = Build(plans, rules, options);
  const auto check = SameConflicts(want, index->DetectAll());
  if (!check) RC_FAIL(check.message());
  for (size_t i = 0; i < plans.size(); i += 5) {
    const auto one = SameConflicts(Involving(want, plans[i].id), index->Check(plans[i]));
    if (!one) RC_FAIL("Check(" + plans[i].id.value() + "): " + one.message());
  }
}

// A factor in [1, 3] with 0.01 resolution (shrinks towards 1).
double Factor(const char* name) { return 1.0 + *rc::gen::inRange(0, 201).as(name) / 100.0; }

// Larger minima and buffers never remove a conflicting pair.
RC_GTEST_PROP(DetectorProperty, MonotoneInSeparation, ()) {
  const std::vector<model::Plan> plans = SmallScenario();
  const model::Rules base;
  model::Rules more = base;
  more.ground_ground_horizontal_m *= Factor("ground_ground");
  more.air_air_horizontal_m *= Factor("air_air_h");
  more.air_air_vertical_m *= Factor("air_air_v");
  more.ground_air_horizontal_m *= Factor("ground_air");
  more.movement_site_buffer_m *= Factor("movement_site");
  more.flight_site_buffer_m *= Factor("flight_site");
  more.zone_buffer_m += *rc::gen::inRange(0, 2001).as("zone_buffer_m");
  const PairSet before = Pairs(Build(plans, base)->DetectAll());
  const PairSet after = Pairs(Build(plans, more)->DetectAll());
  RC_CLASSIFY(before.empty(), "no conflict");
  RC_CLASSIFY(after.size() > before.size(), "more conflicting pairs");
  for (const auto& p : before) {
    RC_LOG() << "lost pair " << p.first << " " << p.second << "\n";
    RC_ASSERT(after.contains(p));
  }
}

// Larger time tolerances never remove a conflicting pair.
RC_GTEST_PROP(DetectorProperty, MonotoneInTolerance, ()) {
  const std::vector<model::Plan> plans = SmallScenario();
  std::vector<model::Plan> looser = plans;
  for (model::Plan& p : looser) {
    if (!p.is_route()) continue;
    auto& r = std::get<model::Route>(p.shape);
    r.time_tolerance = deconflict::Seconds(r.time_tolerance.value() + *rc::gen::inRange(0, 1801));
  }
  const PairSet before = Pairs(Build(plans)->DetectAll());
  const PairSet after = Pairs(Build(looser)->DetectAll());
  RC_CLASSIFY(before.empty(), "no conflict");
  RC_CLASSIFY(after.size() > before.size(), "more conflicting pairs");
  for (const auto& p : before) {
    RC_LOG() << "lost pair " << p.first << " " << p.second << "\n";
    RC_ASSERT(after.contains(p));
  }
}

// ---------------------------------------------------------------------------------------------
// 3e. Agreement with GeographicLib on random one-leg ground movements.

// An integer drawn in [lo, hi] scaled to a double (rapidcheck shrinks integers well).
double Draw(const char* name, int lo, int hi, double unit = 1.0) {
  return *rc::gen::inRange(lo, hi + 1).as(name) * unit;
}

geo::LatLng DrawPlace(const char* name) {
  const int where = *rc::gen::inRange(0, 4).as(std::string(name) + " region");
  geo::LatLng p;
  switch (where) {
    case 0:  // near a pole (up to the pole itself)
      p.lat_deg = (*rc::gen::element(-1, 1)) * Draw("lat", 89000, 90000, 1e-3);
      p.lon_deg = Draw("lon", -180000, 180000, 1e-3);
      break;
    case 1:  // near the antimeridian
      p.lat_deg = Draw("lat", -80000, 80000, 1e-3);
      p.lon_deg = (*rc::gen::element(-1, 1)) * Draw("lon", 179700, 180000, 1e-3);
      break;
    case 2:  // near the equator
      p.lat_deg = Draw("lat", -300, 300, 1e-3);
      p.lon_deg = Draw("lon", -180000, 180000, 1e-3);
      break;
    default:
      p.lat_deg = Draw("lat", -89000, 89000, 1e-3);
      p.lon_deg = Draw("lon", -180000, 180000, 1e-3);
      break;
  }
  return p;
}

model::Plan OneLeg(std::string id, std::string party, geo::LatLng from, geo::LatLng to, double t0,
                   double t1) {
  model::Plan p;
  p.id = PlanId(std::move(id));
  p.party = PartyId(std::move(party));
  p.kind = model::PlanKind::kMovement;
  model::Route r;
  r.waypoints.push_back({from, 0, TimePoint::FromUnixSeconds(t0)});
  r.waypoints.push_back({to, 0, TimePoint::FromUnixSeconds(t1)});
  p.shape = std::move(r);
  return p;
}

// The exact distance at time t between two one-leg movements (GeographicLib).
struct TruePair {
  geo::LatLng a0, a1, b0, b1;
  double ta0, ta1, tb0, tb1;
  geo::LatLng At(geo::LatLng p0, geo::LatLng p1, double t0, double t1, double t) const {
    return geo::GeodesicPoint(p0, p1, t1 > t0 ? (t - t0) / (t1 - t0) : 0.0);
  }
  double Distance(double t) const {
    return geo::GeodesicDistance(At(a0, a1, ta0, ta1, t), At(b0, b1, tb0, tb1, t));
  }
};

// The distance's minimum over [lo, hi]: dense samples (times, ds), then golden-section refinement
// within the bracket of the best sample (t_min, d_min; the best sample if that is lower).
struct SampledMinimum {
  int samples = 0;
  std::vector<double> times, ds;
  double t_min = 0, d_min = 0;
};

SampledMinimum FindMinimum(const TruePair& tp, double lo, double hi) {
  SampledMinimum m;
  const int samples = m.samples = static_cast<int>(3000 / SizeDivisor());
  const double step = (hi - lo) / samples;
  std::vector<double>&times = m.times, &ds = m.ds;
  times.resize(samples + 1);
  ds.resize(samples + 1);
  int best = 0;
  for (int i = 0; i <= samples; ++i) {
    times[i] = i == samples ? hi : lo + step * i;
    ds[i] = tp.Distance(times[i]);
    if (ds[i] < ds[best]) best = i;
  }
  double x0 = times[std::max(0, best - 1)], x1 = times[std::min(samples, best + 1)];
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 80 && x1 - x0 > 1e-4; ++it) {
    const double m0 = x1 - phi * (x1 - x0), m1 = x0 + phi * (x1 - x0);
    if (tp.Distance(m0) < tp.Distance(m1)) {
      x1 = m1;
    } else {
      x0 = m0;
    }
  }
  m.t_min = 0.5 * (x0 + x1);
  m.d_min = tp.Distance(m.t_min);
  if (ds[best] < m.d_min) {
    m.t_min = times[best];
    m.d_min = ds[best];
  }
  return m;
}

// Whether the minimum is well defined: 10 s away on each side (or at the end of [lo, hi]) the
// distance is at least 1 m larger, and no sample further away comes within 1 m of it.
bool IsSharp(const TruePair& tp, const SampledMinimum& m, double lo, double hi) {
  for (double side : {-10.0, 10.0}) {
    const double t = std::clamp(m.t_min + side, lo, hi);
    if (std::fabs(t - m.t_min) > 1e-3 && tp.Distance(t) < m.d_min + 1.0) return false;
  }
  for (int i = 0; i <= m.samples; ++i) {
    if (m.ds[i] <= m.d_min + 1.0 && std::fabs(m.times[i] - m.t_min) > 10.0) return false;
  }
  return true;
}

// Checks c's window against the true one: the first and last instants with distance < required,
// from the samples refined by bisection. A window end is checked in time when the distance crosses
// `required` steeply
// (>= 5 m/s), else by the distance at the reported end (a grazing crossing is ill-conditioned).
void CheckWindow(const TruePair& tp, const SampledMinimum& m, double lo, double hi, double required,
                 const Conflict& c) {
  std::vector<std::pair<double, double>> pts;  // (t, d) in time order, incl. the refined minimum
  for (int i = 0; i <= m.samples; ++i) pts.emplace_back(m.times[i], m.ds[i]);
  pts.emplace_back(m.t_min, m.d_min);
  std::sort(pts.begin(), pts.end());
  size_t first = pts.size(), last = 0;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (pts[i].second < required) {
      first = std::min(first, i);
      last = i;
    }
  }
  RC_ASSERT(first < pts.size());
  auto crossing = [&](double inside, double outside) {  // d(inside) < required <= d(outside)
    for (int it = 0; it < 60; ++it) {
      const double mid = 0.5 * (inside + outside);
      (tp.Distance(mid) < required ? inside : outside) = mid;
    }
    return 0.5 * (inside + outside);
  };
  const double w0 = first == 0 ? lo : crossing(pts[first].first, pts[first - 1].first);
  const double w1 = last + 1 == pts.size() ? hi : crossing(pts[last].first, pts[last + 1].first);
  auto check_end = [&](const char* which, double truth, double reported, bool at_boundary) {
    RC_LOG() << which << " sampled " << Fmt(truth) << " reported " << Fmt(reported) << "\n";
    const double slope =
        std::fabs(tp.Distance(std::min(hi, truth + 0.5)) - tp.Distance(std::max(lo, truth - 0.5)));
    if (at_boundary || slope >= 5.0) {
      RC_ASSERT(std::fabs(reported - truth) <= 1.0 + 1e-3);
    } else {
      RC_TAG("grazing window end");
      RC_ASSERT(reported >= lo - 1e-6 && reported <= hi + 1e-6);
      RC_ASSERT(std::fabs(tp.Distance(reported) - required) <= std::max(1.0, 1e-3 * required));
    }
  };
  check_end("start", w0, c.window.start.unix_seconds(), first == 0);
  check_end("end", w1, c.window.end.unix_seconds(), last + 1 == pts.size());
}

RC_GTEST_PROP(DetectorProperty, AgreesWithGeographicLibOnRandomLegs, ()) {
  model::Rules rules;
  rules.ground_ground_horizontal_m = Draw("required", 1000, 50000);
  const double required = rules.ground_ground_horizontal_m;
  // A leg of 0-30 km; one in eight is a halt (zero length, time passing).
  auto length = [](const char* name) {
    return *rc::gen::inRange(0, 8).as("halt if 0") == 0 ? 0.0 : Draw(name, 0, 30000);
  };
  TruePair tp;
  tp.a0 = DrawPlace("a0");
  tp.a1 = geo::GeodesicDirect(tp.a0, Draw("a azimuth", 0, 359), length("a length"));
  tp.b0 = geo::GeodesicDirect(tp.a0, Draw("b offset azimuth", 0, 359),
                              Draw("b offset", 0, static_cast<int>(required) + 30000));
  tp.b1 = geo::GeodesicDirect(tp.b0, Draw("b azimuth", 0, 359), length("b length"));
  tp.ta0 = ts::kDay0 + 9 * 3600;
  tp.ta1 = tp.ta0 + Draw("a duration", 60, 7200);
  const double b_duration = Draw("b duration", 60, 7200);
  const double lag = Draw("b lag", 0, 1000, 1e-3);  // overlapping: b starts before a ends
  tp.tb0 = std::floor(tp.ta0 - b_duration + 1 + lag * (tp.ta1 - tp.ta0 + b_duration - 2));
  tp.tb1 = tp.tb0 + b_duration;

  ConflictDetector d(rules);
  RC_ASSERT(d.Add(OneLeg("a", "US", tp.a0, tp.a1, tp.ta0, tp.ta1)).ok());
  RC_ASSERT(d.Add(OneLeg("b", "RU", tp.b0, tp.b1, tp.tb0, tp.tb1)).ok());
  const std::vector<Conflict> got = d.DetectAll();

  // Dense sampling of the common interval, then golden-section refinement of the minimum within
  // the bracket of the best sample, and bisection of the sampled crossings of `required`.
  const double lo = std::max(tp.ta0, tp.tb0), hi = std::min(tp.ta1, tp.tb1);
  RC_PRE(hi > lo);
  const SampledMinimum m = FindMinimum(tp, lo, hi);
  const double t_min = m.t_min, d_min = m.d_min;
  const double tol = std::max(1.0, 1e-3 * d_min);
  RC_LOG() << "a " << geo::ToString(tp.a0) << " -> " << geo::ToString(tp.a1) << " [" << Fmt(tp.ta0)
           << ", " << Fmt(tp.ta1) << "]\nb " << geo::ToString(tp.b0) << " -> "
           << geo::ToString(tp.b1) << " [" << Fmt(tp.tb0) << ", " << Fmt(tp.tb1) << "]\nrequired "
           << required << " sampled min " << Fmt(d_min) << " at " << Fmt(t_min) << "\n";
  for (const Conflict& c : got) RC_LOG() << "got " << Describe(c) << "\n";

  if (d_min >= required + tol) {
    RC_TAG("no conflict");
    RC_ASSERT(got.empty());
    return;
  }
  if (d_min > required - tol) {  // too close to the threshold to require a decision
    RC_TAG("borderline");
    return;
  }
  RC_ASSERT(got.size() == 1u);
  const Conflict& c = got[0];
  RC_ASSERT(c.plan_a.value() == "a");
  RC_ASSERT(c.rule == std::string("ground_ground"));
  RC_ASSERT(c.required.value() == required);
  // Distance: within max(1 m, 0.1 %) of GeographicLib's minimum, on either side.
  RC_ASSERT(std::fabs(c.min_distance.value() - d_min) <= tol);
  // The reported distance is the true distance at the reported closest approach.
  // (Without tolerances the instants of a and b agree, up to the kernel's 1e-6 s band.)
  RC_ASSERT(std::fabs((c.cpa_time_a - c.cpa_time_b).value()) <= 1e-3);
  RC_ASSERT(std::fabs(tp.Distance(c.cpa_time.unix_seconds()) - c.min_distance.value()) <= tol);
  // cpa time: within 1 s of the true argmin when the minimum is well defined: 10 s away on each
  // side (or at the end of the common interval, if the minimum is there) the distance is at
  // least 1 m larger, and no sampled instant further away comes within 1 m of the minimum.
  if (IsSharp(tp, m, lo, hi)) {
    RC_TAG("sharp minimum");
    RC_ASSERT(std::fabs(c.cpa_time.unix_seconds() - t_min) <= 1.0);
  }
  CheckWindow(tp, m, lo, hi, required, c);
}

// ---------------------------------------------------------------------------------------------
// 4. Stats and progress.

// ---------------------------------------------------------------------------------------------
// 4. Memory follows the live plans, whatever the history (issue 14): removed and amended plans'
// slots are compacted away, and nothing the detector answers changes.

// The first route plan of `plans` with at least `legs` legs.
size_t FirstRoute(const std::vector<model::Plan>& plans, size_t legs) {
  for (size_t i = 0; i < plans.size(); ++i) {
    if (plans[i].is_route() && plans[i].route().waypoints.size() > legs) return i;
  }
  return plans.size();
}

TEST(DetectorMemory, AmendmentsCostWhatTheFinalPlansCost) {
  // The channel amends a plan by Remove + Add of the same id. 3,000 amendments of one plan (and
  // one of every third plan) must leave the detector the size of a fresh detector holding the
  // final plans; before issue 14 every amendment left a dead slot behind.
  ts::ScenarioOptions o;
  o.seed = 31;
  o.plans = 200;
  o.radius_km = 60;
  std::vector<model::Plan> plans = ts::GenerateScenario(o);
  const size_t k = FirstRoute(plans, 10);
  ASSERT_LT(k, plans.size());
  ConflictDetector d;
  for (const model::Plan& p : plans) ASSERT_OK(d.Add(p));
  // Amendments alternate between the plan and a shorter version of it (fewer elements), so that
  // freed runs are reused in part and fragment, and compaction runs.
  const model::Plan original = plans[k];
  model::Plan shorter = original;
  auto& waypoints = std::get<model::Route>(shorter.shape).waypoints;
  waypoints.resize(waypoints.size() - 5);
  size_t most_dead = 0;
  for (int i = 1; i <= 3000; ++i) {
    ASSERT_OK(d.Remove(original.id));
    plans[k] = Shifted(i % 2 == 0 ? original : shorter, deconflict::Seconds(60.0 * (i % 7)));
    ASSERT_OK(d.Add(plans[k]));
    const ConflictDetector::Stats s = d.stats();
    most_dead = std::max(most_dead, s.dead_elements + s.dead_plans);
  }
  for (size_t i = 0; i < plans.size(); i += 3) {
    ASSERT_OK(d.Remove(plans[i].id));
    plans[i] = Shifted(plans[i], deconflict::Seconds(120));
    ASSERT_OK(d.Add(plans[i]));
  }
  const auto fresh = Build(plans);
  const ConflictDetector::Stats got = d.stats(), want = fresh->stats();
  EXPECT_EQ(got.plans, want.plans);
  EXPECT_EQ(got.elements, want.elements);
  EXPECT_EQ(got.grid_entries, want.grid_entries);
  // Dead slots never exceed max_dead_fraction (0.5) of the live ones...
  EXPECT_LE(static_cast<double>(most_dead),
            0.5 * static_cast<double>(want.elements + want.plans) + 1);
  // ... so that, with vectors' doubling, the detector holds at most twice a fresh one's bytes
  // (without compaction: ~15 times, and growing with every amendment).
  EXPECT_LE(got.memory_bytes, 2 * want.memory_bytes)
      << got.memory_bytes << " vs fresh " << want.memory_bytes;
  EXPECT_TRUE(SameConflicts(fresh->DetectAll(), d.DetectAll()));
}

TEST(DetectorMemory, RemovingEveryPlanReleasesEverything) {
  ts::ScenarioOptions o;
  o.seed = 32;
  o.plans = 1000;
  const std::vector<model::Plan> plans = ts::GenerateScenario(o);
  ConflictDetector d;
  for (const model::Plan& p : plans) ASSERT_OK(d.Add(p));
  const size_t full = d.stats().memory_bytes;
  for (const model::Plan& p : plans) ASSERT_OK(d.Remove(p.id));
  const ConflictDetector::Stats s = d.stats();
  EXPECT_EQ(s.plans, 0u);
  EXPECT_EQ(s.elements, 0u);
  EXPECT_EQ(s.dead_elements, 0u);
  EXPECT_EQ(s.grid_entries, 0u);
  // What remains is the map of the 8 parties' numbers.
  EXPECT_EQ(s.plan_bytes, 0u);
  EXPECT_EQ(s.element_bytes, 0u);
  EXPECT_EQ(s.grid_bytes, 0u);
  EXPECT_LE(s.map_bytes, 1024u) << "of " << full << " bytes when full";
  EXPECT_TRUE(d.DetectAll().empty());
  EXPECT_TRUE(d.Check(plans[0]).empty());
  // And it works as new.
  for (const model::Plan& p : plans) ASSERT_OK(d.Add(p));
  EXPECT_TRUE(SameConflicts(Build(plans)->DetectAll(), d.DetectAll()));
}

TEST(DetectorMemory, CompactChangesNoAnswerAndNoPlanAddress) {
  const std::vector<model::Plan> plans = MediumScenario(14);
  // Never compacts by itself: Compact is called explicitly below.
  const auto d = Build(plans, {}, {.max_dead_fraction = std::numeric_limits<double>::infinity()});
  std::vector<const model::Plan*> kept;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (i % 3 == 1) {
      ASSERT_OK(d->Remove(plans[i].id));
    } else {
      kept.push_back(d->Find(plans[i].id));
    }
  }
  ASSERT_GT(d->stats().dead_plans, 0u);
  const std::vector<Conflict> all = d->DetectAll();
  ASSERT_FALSE(all.empty());
  std::vector<std::vector<Conflict>> checks;
  std::vector<Result<Suggestion>> suggestions;
  for (size_t i = 0; i < plans.size(); i += 25) checks.push_back(d->Check(plans[i]));
  for (size_t i = 0; i < all.size(); i += all.size() / 8 + 1) {
    suggestions.push_back(Suggest(*d, all[i].plan_a, {}));
  }
  d->Compact();
  EXPECT_EQ(d->stats().dead_plans, 0u);
  EXPECT_EQ(d->stats().dead_elements, 0u);
  EXPECT_TRUE(SameConflicts(all, d->DetectAll()));
  for (size_t i = 0, n = 0; i < plans.size(); i += 25, ++n) {
    EXPECT_TRUE(SameConflicts(checks[n], d->Check(plans[i]))) << plans[i].id.value();
  }
  for (size_t i = 0, n = 0; i < all.size(); i += all.size() / 8 + 1, ++n) {
    const Result<Suggestion> now = Suggest(*d, all[i].plan_a, {});
    ASSERT_EQ(now.ok(), suggestions[n].ok());
    if (!now.ok()) continue;
    EXPECT_EQ(now->outcome, suggestions[n]->outcome);
    EXPECT_EQ(now->shift.value(), suggestions[n]->shift.value());
    EXPECT_EQ(now->explanation, suggestions[n]->explanation);
    ASSERT_EQ(now->blockers.size(), suggestions[n]->blockers.size());
    for (size_t b = 0; b < now->blockers.size(); ++b) {
      EXPECT_EQ(now->blockers[b].plan, suggestions[n]->blockers[b].plan);
      EXPECT_EQ(now->blockers[b].blocked, suggestions[n]->blockers[b].blocked);
    }
  }
  for (size_t i = 0, n = 0; i < plans.size(); ++i) {
    if (i % 3 != 1) {
      EXPECT_EQ(d->Find(plans[i].id), kept[n++]) << plans[i].id.value();
    }
  }
  std::vector<model::Plan> live;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (i % 3 != 1) live.push_back(plans[i]);
  }
  EXPECT_TRUE(SameConflicts(Build(live, {}, {.use_brute_force = true})->DetectAll(), all));
}

// One random amendment of `plan`: shifted by up to +-2 h, cut short by its last waypoint (fewer
// elements, so that a freed run is reused in part), or back to its version in the pool.
model::Plan RandomAmendment(const model::Plan& plan, const model::Plan& original) {
  switch (*rc::gen::inRange(0, 3).as("amendment")) {
    case 0:
      return Shifted(plan, deconflict::Seconds(60.0 * *rc::gen::inRange(-120, 121).as("shift")));
    case 1:
      if (plan.is_route() && plan.route().waypoints.size() > 2) {
        model::Plan shorter = plan;
        std::get<model::Route>(shorter.shape).waypoints.pop_back();
        return shorter;
      }
      return plan;
    default:
      return original;
  }
}

// Random sequences of add / remove / amend (Remove + Add of the same id) / Compact on small dense
// scenarios, with dead slots reused by Add and compacted at a random dead fraction (or only by
// the explicit Compact steps): after every step the detector answers DetectAll and Check of a
// probe exactly as a brute-force detector built afresh from the live plans, holds as many
// elements and grid entries, its size is the live count, and dead slots stay within the fraction.
RC_GTEST_PROP(DetectorProperty, AgreesWithAFreshBruteForceThroughAddRemoveAmendCompact, ()) {
  const std::vector<model::Plan> pool = SmallScenario();
  DetectorOptions options;
  const double kNever = std::numeric_limits<double>::infinity();
  options.max_dead_fraction =
      *rc::gen::element(0.0, 0.25, 0.5, 2.0, kNever).as("max_dead_fraction");
  options.grid.cell_m = *rc::gen::inRange(1000, 50001).as("cell_m");
  ConflictDetector d({}, options);
  std::map<std::string, model::Plan> live;  // by id
  const size_t initial = *rc::gen::inRange<size_t>(0, pool.size() + 1).as("plans added first");
  for (size_t i = 0; i < initial; ++i) {
    RC_ASSERT(d.Add(pool[i]).ok());
    live.emplace(pool[i].id.value(), pool[i]);
  }
  const int steps = *rc::gen::inRange(10, 50).as("steps");
  bool compacted = false, reused = false;  // coverage (classified below)
  for (int step = 0; step < steps; ++step) {
    const model::Plan& p = pool[*rc::gen::inRange<size_t>(0, pool.size()).as("plan")];
    const bool present = live.contains(p.id.value());
    switch (*rc::gen::inRange(0, 5).as("operation")) {
      case 0:  // add (AlreadyExists if present)
        RC_ASSERT(d.Add(p).code() == (present ? StatusCode::kAlreadyExists : StatusCode::kOk));
        live.emplace(p.id.value(), p);
        break;
      case 1:  // remove (NotFound if absent)
        RC_ASSERT(d.Remove(p.id).code() == (present ? StatusCode::kOk : StatusCode::kNotFound));
        live.erase(p.id.value());
        compacted = compacted || (present && d.stats().dead_plans == 0);
        break;
      case 4:
        d.Compact();
        RC_ASSERT(d.stats().dead_plans + d.stats().dead_elements == 0u);
        break;
      default: {  // amend (more often than the others)
        if (!present) break;
        RC_ASSERT(d.Remove(p.id).ok());
        const size_t dead = d.stats().dead_plans;
        live[p.id.value()] = RandomAmendment(live[p.id.value()], p);
        RC_ASSERT(d.Add(live[p.id.value()]).ok());
        reused = reused || d.stats().dead_plans < dead;
        break;
      }
    }
    RC_ASSERT(d.size() == live.size());
    std::vector<model::Plan> now;
    now.reserve(live.size());
    for (const auto& [id, plan] : live) now.push_back(plan);
    const auto brute = Build(now, {}, {.use_brute_force = true, .grid = options.grid});
    const ConflictDetector::Stats s = d.stats(), b = brute->stats();
    RC_ASSERT(s.elements == b.elements);
    RC_ASSERT(s.grid_entries == b.grid_entries);
    if (options.max_dead_fraction != kNever) {
      RC_ASSERT(static_cast<double>(s.dead_elements + s.dead_plans) <=
                options.max_dead_fraction * static_cast<double>(s.elements + s.plans));
    }
    const auto all = SameConflicts(brute->DetectAll(), d.DetectAll());
    if (!all) RC_FAIL("DetectAll after step " + std::to_string(step) + ": " + all.message());
    const model::Plan& probe = pool[*rc::gen::inRange<size_t>(0, pool.size()).as("probe")];
    const auto one = SameConflicts(brute->Check(probe), d.Check(probe));
    if (!one) RC_FAIL("Check(" + probe.id.value() + "): " + one.message());
  }
  RC_CLASSIFY(compacted, "a Remove compacted");
  RC_CLASSIFY(reused, "an amendment reused a slot");
}

TEST(DetectorStats, ProgressReachesTotal) {
  ts::ScenarioOptions o;
  o.seed = 22;
  o.plans = 300;
  o.radius_km = 80;
  const std::vector<model::Plan> plans = ts::GenerateScenario(o);
  for (const DetectorOptions& options : {DetectorOptions{}, DetectorOptions{.threads = 2},
                                         DetectorOptions{.use_brute_force = true}}) {
    const auto d = Build(plans, {}, options);
    size_t calls = 0, last_total = 0;
    bool reached = false, within = true;
    const std::vector<Conflict> all = d->DetectAll([&](size_t done, size_t total) {
      ++calls;
      within = within && done <= total;
      reached = reached || done == total;
      last_total = total;
    });
    EXPECT_TRUE(SameConflicts(Build(plans)->DetectAll(), all));
    EXPECT_GT(calls, 0u);
    EXPECT_TRUE(within);
    EXPECT_TRUE(reached);
    EXPECT_GT(last_total, 0u);
  }
}

TEST(DetectorStats, MemoryGrowsWithPlans) {
  ts::ScenarioOptions o;
  o.seed = 21;
  o.plans = 400;
  const std::vector<model::Plan> plans = ts::GenerateScenario(o);
  ConflictDetector d;
  ASSERT_TRUE(d.Add(plans[0]).ok());
  const ConflictDetector::Stats one = d.stats();
  EXPECT_EQ(one.plans, 1u);
  EXPECT_GT(one.elements, 0u);
  EXPECT_GT(one.grid_entries, 0u);
  EXPECT_GT(one.memory_bytes, 0u);
  for (size_t i = 1; i < plans.size(); ++i) ASSERT_TRUE(d.Add(plans[i]).ok());
  const ConflictDetector::Stats many = d.stats();
  EXPECT_EQ(many.plans, plans.size());
  EXPECT_GT(many.elements, one.elements + plans.size());
  EXPECT_GT(many.grid_entries, one.grid_entries);
  EXPECT_GT(many.memory_bytes, one.memory_bytes + plans.size() * sizeof(model::Plan));
  ASSERT_TRUE(d.Remove(plans[5].id).ok());
  EXPECT_EQ(d.stats().plans, plans.size() - 1);
  EXPECT_LT(d.stats().grid_entries, many.grid_entries);
}

}  // namespace
}  // namespace deconflict::engine
