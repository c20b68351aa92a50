// The life of one conflict as a value type: every change of a conflict's state is an event
// applied here, in one place, and the writer (channel.h) only sequences, persists, records and
// announces the transitions this returns.
//
//   Result<Transition> t = Apply(&record, Event::Acknowledge(0), now, policy);
//   if (t.ok() && t->changed) { txn->PutConflict(record); ... audit t->kind ... }
//
//   open ──ack by one side──▶ open ──ack by both──▶ acknowledged
//    │  ╲                                              │
//    │   ╲─accept by both (coordinated)────────────────┤──▶ resolved (coordinated)
//    │    ──a plan amended/cancelled/superseded────────┤──▶ resolved (amended|cancelled|superseded)
//    └─────the window has passed───────────────────────┴──▶ expired
//   A side that has not acknowledged by the deadline escalates to level 1, and reescalate_s later
//   to level 2 (policy.h).
//
// Thread-safety: pure functions over the record they are given.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "base/vocabulary.h"
#include "channel/policy.h"
#include "store/store.h"

namespace deconflict::channel {

struct Event {
  enum Kind {
    kAcknowledge,  // a side has seen the notice
    kAccept,       // a side accepts the conflict as coordinated (implies acknowledging)
    kEscalate,     // a side missed its deadline (or its level-1 escalation's reescalate_s)
    kResolve,      // a plan change cleared the conflict: `resolution` says how
    kExpire,       // the conflict's window has passed
  };
  Kind kind;
  int side = -1;  // kAcknowledge, kAccept, kEscalate: 0 (side a) or 1 (side b)
  Resolution resolution = Resolution::kNone;  // kResolve: kAmended | kCancelled | kSuperseded

  static Event Acknowledge(int side) { return {kAcknowledge, side}; }
  static Event Accept(int side) { return {kAccept, side}; }
  static Event Escalate(int side) { return {kEscalate, side}; }
  static Event Resolve(Resolution resolution) { return {kResolve, -1, resolution}; }
  static Event Expire() { return {kExpire, -1}; }
};

struct Transition {
  bool changed = false;  // false: nothing to do (a repeated ack or accept is idempotent)
  bool closed = false;   // the conflict left the live set (resolved or expired)
  EventType kind = EventType::kConflictAcknowledged;  // the event's type (and the record's kind)
  int level = 0;                                      // kEscalate: the level reached
};

// Applies `e` at `now` (whole milliseconds, as the store keeps them) to *c (status,
// ack/accept/escalation fields, resolution, updated, resolved). FailedPrecondition when *c is no
// longer open or acknowledged, or an escalation is not due; InvalidArgument for a side other than 0
// or 1. *c is unchanged on failure.
Result<Transition> Apply(store::ConflictRecord* c, const Event& e, TimePoint now,
                         const DeadlinePolicy& policy);

// True while the conflict is open or acknowledged.
bool IsLive(const store::ConflictRecord& c);
// When `side` is next due to escalate, or TimePoint::InfiniteFuture() when it will not
// (acknowledged, or at level 2).
TimePoint EscalationDue(const store::ConflictRecord& c, int side, const DeadlinePolicy& policy);
// When the conflict next needs attention: its next escalation or its expiry, whichever is first.
TimePoint NextDue(const store::ConflictRecord& c, const DeadlinePolicy& policy);

}  // namespace deconflict::channel
