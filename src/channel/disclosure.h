// What each caller may see, as JSON: the disclosure rule of docs/security.md §2 in one place.
//
//   std::string detail = DisclosureJson(engine_conflict);        // exact; stored with the conflict
//   boost::json::object v = ConflictView(record, caller, opts);  // what GET /v1/conflicts returns
//
// A conflict's stored detail (`detail_json`) is the exact internal document: the rule, the exact
// window, the closest approach (time and midpoint) and each side's party, callsign, kind, whether
// it moves, and its own point and time at the closest approach. It is never shown to a party as
// is. Every answer is derived from it here:
//  - coordinators and observers (Caller::sees_all) get the exact view;
//  - a party gets the coarse view: of the other side only its party, callsign and kind; an
//    `area` made of cells of a fixed global grid (GridCellOf, at least DisclosureOptions::cell_m
//    across) covering the conflict region; times rounded to DisclosureOptions::time_s (the window
//    outward); distances floored to the cell (horizontal) or to kVerticalStepM (vertical); and a
//    point only of its own plan (where its own plan is at the closest approach), none when its own
//    plan is an area (site, zone, flight volume);
//  - the record entry both sides read (`conflict.opened`) holds SharedView: the coarse view
//    without any point.
// Plan ids are kept in the record's columns; ConflictView shows the caller's own plan id and never
// the other party's.
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "channel/channel.h"
#include "engine/conflict.h"
#include "geo/latlng.h"
#include "store/store.h"

namespace deconflict::channel {

// The vertical distance a party is told is floored to a multiple of this (about 1,000 ft).
inline constexpr double kVerticalStepM = 300;

// One cell of the global disclosure grid of cell size `cell_m`: rows of equal latitude height
// (180° divided into whole rows at least cell_m high), each row divided into equal longitude
// columns at least cell_m wide (corner to corner) on the row's narrowest parallel (one column near
// the poles). Cells depend only on cell_m, never on a plan. Degrees; west < east, south < north.
struct GridCell {
  double west = 0, south = 0, east = 0, north = 0;
};
// The cell holding `p`. REQUIRES: cell_m > 0.
GridCell GridCellOf(geo::LatLng p, double cell_m);
// The bounding box of the cells holding `points` (its edges are grid lines). REQUIRES: points not
// empty, cell_m > 0.
GridCell CoveringCells(const std::vector<geo::LatLng>& points, double cell_m);

// t rounded down (`up`: up) to a whole multiple of step_s seconds since the epoch; an infinite t
// is returned unchanged. REQUIRES: step_s >= 1.
TimePoint SnapTime(TimePoint t, int64_t step_s, bool up);

// The exact internal document stored with a conflict (see above). Never sent to a party as is.
std::string DisclosureJson(const engine::Conflict& c);

// The coarse view of a stored document that both sides may read: no point, no plan id, no
// lifecycle state. `exact` is a DisclosureJson document (or one stored by an older version).
boost::json::object SharedView(const boost::json::object& exact, const DisclosureOptions& o);

// null when absent, else RFC 3339 UTC with milliseconds when not whole seconds
// (FormatRfc3339Millis).
boost::json::value TimeOrNull(std::optional<TimePoint> t);

// The conflict as `caller` may see it. REQUIRES: caller is a side or sees_all().
boost::json::object ConflictView(const store::ConflictRecord& c, const Caller& caller,
                                 const DisclosureOptions& o);
// The same, with c.detail_json already parsed (one parse for the views of many recipients).
boost::json::object ConflictView(const store::ConflictRecord& c, const Caller& caller,
                                 const boost::json::object& detail, const DisclosureOptions& o);
// A plan version (own plans, or any plan for coordinators/observers).
boost::json::object PlanView(const store::PlanRecord& p);
// The same with p.feature_json already parsed (`feature`).
boost::json::object PlanView(const store::PlanRecord& p, boost::json::value feature);
// json::Write(PlanView(p)) without parsing p.feature_json (written by json::Write, so it is
// already in the form PlanView would write it): the stored text is spliced in.
std::string PlanViewText(const store::PlanRecord& p);
boost::json::object MessageView(const store::MessageRecord& m);
boost::json::object EventView(const store::EventRecord& e);
// A dry-run conflict for the submitting party `own_party` (a party's coarse view, as
// ConflictView, without an id or status, with `plan` on its own side).
boost::json::object DryRunView(const engine::Conflict& c, const PartyId& own_party,
                               const DisclosureOptions& o);

// True if the caller may see this conflict at all (a side, or sees_all()).
bool CanSee(const store::ConflictRecord& c, const Caller& caller);
// 0 if the caller is side a, 1 if side b, -1 otherwise.
int SideOf(const store::ConflictRecord& c, const PartyId& party);

}  // namespace deconflict::channel
