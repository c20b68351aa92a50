// Who may do what: the authorization table of docs/security.md §7 in one place.
//
//   if (Status s = Authorize(caller, Action::kAckConflict, Target::Conflict(c)); !s.ok()) return s;
//
// Each action has one rule per role: kDenied (the role may never do it: PermissionDenied, 403),
// kOwn (only on the caller's own party's resources), kSide (only on a conflict the caller's party
// is a side of) or kAny. A resource the caller may not act on because it belongs to another party
// answers NotFound (404, never 403: a party does not learn that another's plan or conflict
// exists). The table is data (kRules) and is tested as a table (policy_test.cc).
// Thread-safety: pure functions over constant data.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "channel/channel.h"
#include "store/store.h"

namespace deconflict::service {

using channel::Caller;
using channel::Role;

// Every use case that needs a decision. Reads of one's own identity and event stream need none
// beyond a valid token.
enum class Action {
  kListParties,     // names and roles of parties
  kSubmitPlan,      // create, amend, cancel a plan
  kDryRun,          // check a plan without storing it
  kReadPlan,        // a plan, its versions, the plan list
  kReadConflict,    // a conflict, the conflict list, its thread, its receipt
  kActOnConflict,   // acknowledge, accept
  kPostText,        // a text message in a conflict's thread
  kNegotiate,       // propose, accept or reject a shift in a conflict's thread
  kSuggest,         // the engine's shift suggestion for one's own plan
  kReadRecord,      // audit entries
  kExportRecord,    // the whole log
  kManageSettings,  // one's own webhooks and contacts
  kReadContacts,    // contact lists
  kReviewPlan,      // approve or reject a pending restricting zone (docs/security.md §11)
  kReadProbes,      // counts of other parties' dry runs that touched a party's plans
};
const char* ActionName(Action a);

enum class Scope {
  kDenied,  // never, for this role
  kOwn,     // the caller's party's resources only
  kSide,    // a conflict the caller's party is a side of
  kAny,     // any party's
};

struct Rule {
  Action action;
  Scope party, coordinator, observer;
  const char* denied;  // why kDenied: the problem's detail
};

// The table (one row per Action, in enum order).
std::span<const Rule> Rules();
Scope ScopeFor(Role role, Action a);

// What an action applies to.
struct Target {
  // Nothing in particular (listing, creating): only the role is checked.
  static Target None() { return {}; }
  // A resource of `owner`; `what` names it in a NotFound ("plan us-1").
  static Target OwnedBy(PartyId owner, std::string what) {
    return {std::move(owner), PartyId(), std::move(what)};
  }
  // A conflict between two parties.
  static Target Conflict(const store::ConflictRecord& c) {
    return {c.party_a, c.party_b, "conflict " + c.id};
  }
  PartyId party_a, party_b;  // owner, or the two sides; empty for None
  std::string what;
};

// OK, PermissionDenied (the role may not do this at all) or NotFound (the target is another
// party's, out of the caller's scope).
Status Authorize(const Caller& caller, Action action, const Target& target = Target::None());

// The scope of a listing: the party whose resources the caller may list, or nullopt for every
// party (kAny). REQUIRES: Authorize(caller, action) is OK.
std::optional<PartyId> ListScope(const Caller& caller, Action action);

}  // namespace deconflict::service
