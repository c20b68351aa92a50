#include "service/policy.h"

namespace deconflict::service {

namespace {

// docs/security.md §7, by action. Keep the two in step: policy_test.cc and the HTTP matrix
// (server/authz_test.cc) check both.
constexpr Rule kRules[] = {
    {Action::kListParties, Scope::kOwn, Scope::kAny, Scope::kAny, ""},
    {Action::kSubmitPlan, Scope::kOwn, Scope::kDenied, Scope::kDenied,
     "coordinators and observers do not submit, amend or cancel plans; a party changes its own"},
    {Action::kDryRun, Scope::kOwn, Scope::kDenied, Scope::kDenied,
     "a dry run checks one of the caller's own plans; coordinators and observers have none"},
    {Action::kReadPlan, Scope::kOwn, Scope::kAny, Scope::kAny, ""},
    {Action::kReadConflict, Scope::kSide, Scope::kAny, Scope::kAny, ""},
    {Action::kActOnConflict, Scope::kSide, Scope::kDenied, Scope::kDenied,
     "only the two parties of a conflict can acknowledge or accept it"},
    {Action::kPostText, Scope::kSide, Scope::kAny, Scope::kDenied,
     "observers cannot post to a conflict's thread"},
    {Action::kNegotiate, Scope::kSide, Scope::kDenied, Scope::kDenied,
     "only the two parties can propose, accept or reject; coordinators may post text"},
    {Action::kSuggest, Scope::kSide, Scope::kDenied, Scope::kDenied,
     "only the two parties of a conflict can ask for a shift of their own plan"},
    {Action::kReadRecord, Scope::kOwn, Scope::kAny, Scope::kAny, ""},
    {Action::kExportRecord, Scope::kDenied, Scope::kAny, Scope::kAny,
     "the full log holds every party's plans; parties read their own entries at /v1/audit"},
    {Action::kManageSettings, Scope::kOwn, Scope::kOwn, Scope::kOwn, ""},
    {Action::kReadContacts, Scope::kOwn, Scope::kAny, Scope::kAny, ""},
    {Action::kReviewPlan, Scope::kDenied, Scope::kAny, Scope::kDenied,
     "only a coordinator approves or rejects a zone that restricts other parties"},
    {Action::kReadProbes, Scope::kOwn, Scope::kAny, Scope::kAny, ""},
};

}  // namespace

const char* ActionName(Action a) {
  switch (a) {
    case Action::kListParties:
      return "list_parties";
    case Action::kSubmitPlan:
      return "submit_plan";
    case Action::kDryRun:
      return "dry_run";
    case Action::kReadPlan:
      return "read_plan";
    case Action::kReadConflict:
      return "read_conflict";
    case Action::kActOnConflict:
      return "act_on_conflict";
    case Action::kPostText:
      return "post_text";
    case Action::kNegotiate:
      return "negotiate";
    case Action::kSuggest:
      return "suggest";
    case Action::kReadRecord:
      return "read_record";
    case Action::kExportRecord:
      return "export_record";
    case Action::kManageSettings:
      return "manage_settings";
    case Action::kReadContacts:
      return "read_contacts";
    case Action::kReviewPlan:
      return "review_plan";
    case Action::kReadProbes:
      return "read_probes";
  }
  return "unknown";
}

std::span<const Rule> Rules() { return kRules; }

Scope ScopeFor(Role role, Action a) {
  const Rule& r = kRules[static_cast<size_t>(a)];
  switch (role) {
    case Role::kParty:
      return r.party;
    case Role::kCoordinator:
      return r.coordinator;
    case Role::kObserver:
      return r.observer;
  }
  return Scope::kDenied;
}

Status Authorize(const Caller& caller, Action action, const Target& target) {
  const Rule& rule = kRules[static_cast<size_t>(action)];
  switch (ScopeFor(caller.role, action)) {
    case Scope::kDenied:
      return Status::PermissionDenied(rule.denied);
    case Scope::kAny:
      return Status::Ok();
    case Scope::kOwn:
    case Scope::kSide:
      if (target.party_a.empty() || target.party_a == caller.party ||
          target.party_b == caller.party) {
        return Status::Ok();
      }
      return Status::NotFound(target.what + " does not exist");
  }
  return Status::PermissionDenied(rule.denied);
}

std::optional<PartyId> ListScope(const Caller& caller, Action action) {
  if (ScopeFor(caller.role, action) == Scope::kAny) return std::nullopt;
  return caller.party;
}

}  // namespace deconflict::service
