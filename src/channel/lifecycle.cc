#include "channel/lifecycle.h"

#include <algorithm>
#include <limits>

namespace deconflict::channel {

namespace {

int64_t& Ack(store::ConflictRecord* c, int side) { return side == 0 ? c->ack_a_ms : c->ack_b_ms; }
int64_t& Accepted(store::ConflictRecord* c, int side) {
  return side == 0 ? c->accept_a_ms : c->accept_b_ms;
}
int& Level(store::ConflictRecord* c, int side) {
  return side == 0 ? c->escalated_a : c->escalated_b;
}

void AcknowledgedWhenBoth(store::ConflictRecord* c) {
  if (c->ack_a_ms != 0 && c->ack_b_ms != 0 && c->status == ConflictStatus::kOpen) {
    c->status = ConflictStatus::kAcknowledged;
  }
}

void Close(store::ConflictRecord* c, ConflictStatus status, Resolution resolution, int64_t now) {
  c->status = status;
  c->resolution = resolution;
  c->resolved_ms = now;
}

}  // namespace

bool IsLive(const store::ConflictRecord& c) {
  return c.status == ConflictStatus::kOpen || c.status == ConflictStatus::kAcknowledged;
}

int64_t EscalationDue(const store::ConflictRecord& c, int side, const DeadlinePolicy& policy) {
  const int64_t ack = side == 0 ? c.ack_a_ms : c.ack_b_ms;
  const int level = side == 0 ? c.escalated_a : c.escalated_b;
  if (ack != 0 || level >= 2) return std::numeric_limits<int64_t>::max();
  return c.deadline_ms + (level == 0 ? 0 : static_cast<int64_t>(policy.reescalate_s * 1000.0));
}

int64_t NextDue(const store::ConflictRecord& c, const DeadlinePolicy& policy) {
  int64_t due = c.window_end_ms + 1;  // expires once the window has passed
  for (int side = 0; side < 2; ++side) due = std::min(due, EscalationDue(c, side, policy));
  return due;
}

Result<Transition> Apply(store::ConflictRecord* c, const Event& e, int64_t now,
                         const DeadlinePolicy& policy) {
  if (!IsLive(*c))
    return Status::FailedPrecondition("conflict " + c->id + " is already " +
                                      std::string(Name(c->status)));
  const bool sided =
      e.kind == Event::kAcknowledge || e.kind == Event::kAccept || e.kind == Event::kEscalate;
  if (sided && e.side != 0 && e.side != 1) {
    return Status::InvalidArgument("a conflict has sides 0 and 1, not " + std::to_string(e.side));
  }
  Transition t;
  switch (e.kind) {
    case Event::kAcknowledge:
      t.kind = EventType::kConflictAcknowledged;
      if (Ack(c, e.side) != 0) return t;  // idempotent
      Ack(c, e.side) = now;
      AcknowledgedWhenBoth(c);
      break;
    case Event::kAccept:
      t.kind = EventType::kConflictAccepted;
      if (Accepted(c, e.side) != 0) return t;  // idempotent
      Accepted(c, e.side) = now;
      if (Ack(c, e.side) == 0) Ack(c, e.side) = now;  // accepting implies having seen it
      AcknowledgedWhenBoth(c);
      if (c->accept_a_ms != 0 && c->accept_b_ms != 0) {
        Close(c, ConflictStatus::kResolved, Resolution::kCoordinated, now);
        t.kind = EventType::kConflictResolved;
        t.closed = true;
      }
      break;
    case Event::kEscalate:
      if (now < EscalationDue(*c, e.side, policy)) {
        return Status::FailedPrecondition("no escalation of conflict " + c->id + " is due");
      }
      t.kind = EventType::kConflictEscalated;
      t.level = ++Level(c, e.side);
      break;
    case Event::kResolve:
      Close(c, ConflictStatus::kResolved, e.resolution, now);
      t.kind = EventType::kConflictResolved;
      t.closed = true;
      break;
    case Event::kExpire:
      Close(c, ConflictStatus::kExpired, Resolution::kExpired, now);
      t.kind = EventType::kConflictExpired;
      t.closed = true;
      break;
  }
  t.changed = true;
  c->updated_ms = now;
  return t;
}

}  // namespace deconflict::channel
