// What each caller may see, as JSON: the need-to-know rule of docs/security.md in one place.
//
//   std::string detail = DisclosureJson(engine_conflict);   // stored with the conflict
//   boost::json::object v = ConflictView(record, caller);   // what GET /v1/conflicts returns
//
// A conflict's stored detail holds only what both parties may see: the rule, the window, the
// closest approach (time, point, distances), a coarse bounding area around it, and for each side
// its party, callsign and plan kind. Plan ids are kept in the record's columns; ConflictView shows
// the caller's own plan id and never the other party's.
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "channel/channel.h"
#include "engine/conflict.h"
#include "store/store.h"

namespace deconflict::channel {

// Half-size of the disclosed bounding area around the closest approach: max(required distance,
// min distance) + 1 km, rounded up to whole km. The area never follows either route.
double DisclosureHalfSizeM(const engine::Conflict& c);

std::string DisclosureJson(const engine::Conflict& c);

// null when absent, else RFC 3339 UTC with milliseconds when not whole seconds
// (FormatRfc3339Millis).
boost::json::value TimeOrNull(std::optional<TimePoint> t);

// The conflict as `caller` may see it. REQUIRES: caller is a side or sees_all().
boost::json::object ConflictView(const store::ConflictRecord& c, const Caller& caller);
// The same, with c.detail_json already parsed (one parse for the views of many recipients).
boost::json::object ConflictView(const store::ConflictRecord& c, const Caller& caller,
                                 const boost::json::object& detail);
// A plan version (own plans, or any plan for coordinators/observers).
boost::json::object PlanView(const store::PlanRecord& p);
// The same with p.feature_json already parsed (`feature`).
boost::json::object PlanView(const store::PlanRecord& p, boost::json::value feature);
boost::json::object MessageView(const store::MessageRecord& m);
boost::json::object EventView(const store::EventRecord& e);
// A dry-run conflict for the submitting party: as ConflictView but without an id or status.
boost::json::object DryRunView(const engine::Conflict& c, const PartyId& own_party);

// True if the caller may see this conflict at all (a side, or sees_all()).
bool CanSee(const store::ConflictRecord& c, const Caller& caller);
// 0 if the caller is side a, 1 if side b, -1 otherwise.
int SideOf(const store::ConflictRecord& c, const PartyId& party);

}  // namespace deconflict::channel
