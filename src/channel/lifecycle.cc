#include "channel/lifecycle.h"

#include <algorithm>
#include <optional>

#include "base/time.h"

namespace deconflict::channel {

namespace {

std::optional<TimePoint>& Ack(store::ConflictRecord* c, int side) {
  return side == 0 ? c->ack_a : c->ack_b;
}
std::optional<TimePoint>& Accepted(store::ConflictRecord* c, int side) {
  return side == 0 ? c->accept_a : c->accept_b;
}
int& Level(store::ConflictRecord* c, int side) {
  return side == 0 ? c->escalated_a : c->escalated_b;
}

void AcknowledgedWhenBoth(store::ConflictRecord* c) {
  if (c->ack_a.has_value() && c->ack_b.has_value() && c->status == ConflictStatus::kOpen) {
    c->status = ConflictStatus::kAcknowledged;
  }
}

void Close(store::ConflictRecord* c, ConflictStatus status, Resolution resolution, TimePoint now) {
  c->status = status;
  c->resolution = resolution;
  c->resolved = now;
}

}  // namespace

bool IsLive(const store::ConflictRecord& c) {
  return c.status == ConflictStatus::kOpen || c.status == ConflictStatus::kAcknowledged;
}

TimePoint EscalationDue(const store::ConflictRecord& c, int side, const DeadlinePolicy& policy) {
  const std::optional<TimePoint>& ack = side == 0 ? c.ack_a : c.ack_b;
  const int level = side == 0 ? c.escalated_a : c.escalated_b;
  if (ack.has_value() || level >= 2) return TimePoint::InfiniteFuture();
  if (level == 0) return c.deadline;
  return WholeMillis(c.deadline + Seconds(policy.reescalate_s));
}

TimePoint NextDue(const store::ConflictRecord& c, const DeadlinePolicy& policy) {
  // Expires once the window has passed (1 ms after its end).
  TimePoint due = WholeMillis(c.window_end + Seconds(0.001));
  for (int side = 0; side < 2; ++side) due = std::min(due, EscalationDue(c, side, policy));
  return due;
}

Result<Transition> Apply(store::ConflictRecord* c, const Event& e, TimePoint now,
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
      if (Ack(c, e.side).has_value()) return t;  // idempotent
      Ack(c, e.side) = now;
      AcknowledgedWhenBoth(c);
      break;
    case Event::kAccept:
      t.kind = EventType::kConflictAccepted;
      if (Accepted(c, e.side).has_value()) return t;  // idempotent
      Accepted(c, e.side) = now;
      if (!Ack(c, e.side).has_value()) Ack(c, e.side) = now;  // accepting implies having seen it
      AcknowledgedWhenBoth(c);
      if (c->accept_a.has_value() && c->accept_b.has_value()) {
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
  c->updated = now;
  return t;
}

}  // namespace deconflict::channel
