// The authorization table against docs/security.md §7, as a table: every action for every role,
// on the caller's own resources and on another party's.
#include "service/policy.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

namespace deconflict::service {
namespace {

// What docs/security.md §7 says, one row per action: the status for a party on its own resource
// or conflict, a party on another's, a coordinator, an observer (on another party's resource).
struct Expected {
  Action action;
  StatusCode own, others, coordinator, observer;
};

constexpr StatusCode kOk = StatusCode::kOk;
constexpr StatusCode k403 = StatusCode::kPermissionDenied;
constexpr StatusCode k404 = StatusCode::kNotFound;

constexpr Expected kTable[] = {
    // action                    own  others coordinator observer
    {Action::kListParties, kOk, k404, kOk, kOk},  // parties see themselves only (ListScope)
    {Action::kSubmitPlan, kOk, k404, k403, k403},     {Action::kDryRun, kOk, k404, k403, k403},
    {Action::kReadPlan, kOk, k404, kOk, kOk},         {Action::kReadConflict, kOk, k404, kOk, kOk},
    {Action::kActOnConflict, kOk, k404, k403, k403},  {Action::kPostText, kOk, k404, kOk, k403},
    {Action::kNegotiate, kOk, k404, k403, k403},      {Action::kSuggest, kOk, k404, k403, k403},
    {Action::kReadRecord, kOk, k404, kOk, kOk},       {Action::kExportRecord, k403, k403, kOk, kOk},
    {Action::kManageSettings, kOk, k404, k404, k404}, {Action::kReadContacts, kOk, k404, kOk, kOk},
    {Action::kReviewPlan, k403, k403, kOk, k403},     {Action::kReadProbes, kOk, k404, kOk, kOk},
};

TEST(Policy, RulesAreInActionOrder) {
  auto rules = Rules();
  ASSERT_EQ(rules.size(), std::size(kTable));
  for (size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(rules[i].action), i) << ActionName(rules[i].action);
    const bool denies_someone = rules[i].party == Scope::kDenied ||
                                rules[i].coordinator == Scope::kDenied ||
                                rules[i].observer == Scope::kDenied;
    EXPECT_EQ(denies_someone, std::string(rules[i].denied).size() > 0)
        << ActionName(rules[i].action) << ": a denial needs a reason, and only a denial";
  }
}

TEST(Policy, MatchesTheSecurityDocument) {
  const Caller us{PartyId("US"), Role::kParty};
  const Caller coord{PartyId("UN"), Role::kCoordinator};
  const Caller obs{PartyId("OBS"), Role::kObserver};
  store::ConflictRecord c;
  c.id = ConflictId("c-1");
  c.party_a = PartyId("US");
  c.party_b = PartyId("RU");
  store::ConflictRecord others = c;
  others.party_a = PartyId("TR");
  for (const Expected& e : kTable) {
    SCOPED_TRACE(ActionName(e.action));
    const bool conflicty = e.action == Action::kReadConflict ||
                           e.action == Action::kActOnConflict || e.action == Action::kPostText ||
                           e.action == Action::kNegotiate || e.action == Action::kSuggest;
    const Target own = conflicty ? Target::Conflict(c) : Target::OwnedBy(PartyId("US"), "thing");
    const Target theirs =
        conflicty ? Target::Conflict(others) : Target::OwnedBy(PartyId("RU"), "thing");
    EXPECT_EQ(Authorize(us, e.action, own).code(), e.own);
    EXPECT_EQ(Authorize(us, e.action, theirs).code(), e.others);
    EXPECT_EQ(Authorize(coord, e.action, theirs).code(), e.coordinator);
    EXPECT_EQ(Authorize(obs, e.action, theirs).code(), e.observer);
  }
}

TEST(Policy, NotFoundNamesTheResourceAndDenialGivesTheReason) {
  const Caller us{PartyId("US"), Role::kParty};
  Status s = Authorize(us, Action::kReadPlan, Target::OwnedBy(PartyId("RU"), "plan RU:ru-1"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "plan RU:ru-1 does not exist");
  Status d = Authorize(Caller{PartyId("UN"), Role::kCoordinator}, Action::kSubmitPlan);
  EXPECT_EQ(d.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(d.message().find("a party changes its own"), std::string::npos);
}

TEST(Policy, ListScopeIsTheCallersPartyUnlessItSeesAll) {
  EXPECT_EQ(ListScope(Caller{PartyId("US"), Role::kParty}, Action::kReadPlan), PartyId("US"));
  EXPECT_EQ(ListScope(Caller{PartyId("UN"), Role::kCoordinator}, Action::kReadPlan), std::nullopt);
  EXPECT_EQ(ListScope(Caller{PartyId("OBS"), Role::kObserver}, Action::kReadContacts),
            std::nullopt);
  EXPECT_EQ(ListScope(Caller{PartyId("UN"), Role::kCoordinator}, Action::kManageSettings),
            PartyId("UN"));
}

}  // namespace
}  // namespace deconflict::service
