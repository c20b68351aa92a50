// The closed vocabularies of the channel (docs/channel.md, docs/security.md) as enums, each with
// one name table: the names are the text stored in the SQLite columns and written in JSON, and
// conversion happens only at those edges.
//
//   std::string_view s = Name(ConflictStatus::kOpen);                   // "open"
//   std::optional<Role> r = Parse<Role>("coordinator");                 // Role::kCoordinator
//
// Thread-safety: value types and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace deconflict {

// Who a party is (docs/security.md §2).
enum class Role { kParty, kCoordinator, kObserver };
// The newest version of a plan: active (in the detector), cancelled, or, for a zone that restricts
// other parties (docs/security.md §11), pending a coordinator's approval or rejected by one;
// completed once its time is over (retired from the detector: docs/channel.md).
enum class PlanStatus { kActive, kCancelled, kPending, kRejected, kCompleted };
// open -> acknowledged (both sides acked) -> resolved | expired.
enum class ConflictStatus { kOpen, kAcknowledged, kResolved, kExpired };
// Why a conflict was closed; kNone (name "") while it is open or acknowledged.
enum class Resolution { kNone, kAmended, kCancelled, kCoordinated, kSuperseded, kExpired };
// A message in a conflict's thread.
enum class MessageKind { kText, kPropose, kAccept, kReject };
// A contact of a party: the primary is called first, backups are named at escalation.
enum class ContactRole { kPrimary, kBackup };
// A webhook job's or a contact page's delivery.
enum class DeliveryState { kPending, kDelivered, kFailed };

// The type of an event in a party's stream (SSE event name, WebSocket and webhook "type").
enum class EventType {
  kConflictOpened,
  kConflictAcknowledged,
  kConflictAccepted,
  kConflictResolved,
  kConflictExpired,
  kConflictEscalated,
  kMessagePosted,
  kPlanPending,    // to coordinators and observers: a restricting zone awaits approval
  kPlanApproved,   // to the owner (and coordinators, observers): a coordinator approved it
  kPlanRejected,   // to the owner (and coordinators, observers): a coordinator rejected it
  kPlanCompleted,  // to the owner (and coordinators, observers): its time is over (retired)
};
// Where a delivery receipt was recorded, and what it says.
enum class ReceiptChannel { kSse, kWs, kWebhook, kApi };
enum class ReceiptKind { kDelivered, kRead };
// The kind of an entry of the audit log (docs/channel.md). The log itself keeps the kind as text
// (store::AuditEntry::kind, hashed and verified as written); these are the kinds the channel, the
// server and the admin CLI write.
enum class AuditKind {
  kPartyCreated,
  kTokenCreated,
  kTokenRevoked,
  kPlanSubmitted,
  kPlanAmended,
  kPlanCancelled,
  kConflictOpened,
  kConflictAcknowledged,
  kConflictAccepted,
  kConflictResolved,
  kConflictExpired,
  kNoticeSent,
  kMessagePosted,
  kReceiptDelivered,
  kReceiptRead,
  kEscalation,
  kEscalationContacts,
  kWebhookAdded,
  kWebhookDeleted,
  kWebhookFailed,
  kContactAdded,
  kContactDeleted,
  kContactPaged,
  kContactPageFailed,
  kConflictDetail,  // the exact detail of a conflict just opened; read by no party (coordinators)
  kPlanApproved,
  kPlanRejected,
  kDryRunChecked,
  kPlanCompleted,
};

// The name table of each enum, indexed by the enumerator's value (enumerators are 0, 1, ...).
template <typename E>
struct EnumNames;
template <>
struct EnumNames<Role> {
  static constexpr std::array<std::string_view, 3> kNames{"party", "coordinator", "observer"};
};
template <>
struct EnumNames<PlanStatus> {
  static constexpr std::array<std::string_view, 5> kNames{"active", "cancelled", "pending",
                                                          "rejected", "completed"};
};
template <>
struct EnumNames<ConflictStatus> {
  static constexpr std::array<std::string_view, 4> kNames{"open", "acknowledged", "resolved",
                                                          "expired"};
};
template <>
struct EnumNames<Resolution> {
  static constexpr std::array<std::string_view, 6> kNames{
      "", "amended", "cancelled", "coordinated", "superseded", "expired"};
};
template <>
struct EnumNames<MessageKind> {
  static constexpr std::array<std::string_view, 4> kNames{"text", "propose", "accept", "reject"};
};
template <>
struct EnumNames<ContactRole> {
  static constexpr std::array<std::string_view, 2> kNames{"primary", "backup"};
};
template <>
struct EnumNames<DeliveryState> {
  static constexpr std::array<std::string_view, 3> kNames{"pending", "delivered", "failed"};
};

template <>
struct EnumNames<EventType> {
  static constexpr std::array<std::string_view, 11> kNames{
      "conflict.opened",  "conflict.acknowledged", "conflict.accepted", "conflict.resolved",
      "conflict.expired", "conflict.escalated",    "message.posted",    "plan.pending",
      "plan.approved",    "plan.rejected",         "plan.completed"};
};
template <>
struct EnumNames<ReceiptChannel> {
  static constexpr std::array<std::string_view, 4> kNames{"sse", "ws", "webhook", "api"};
};
template <>
struct EnumNames<ReceiptKind> {
  static constexpr std::array<std::string_view, 2> kNames{"delivered", "read"};
};
template <>
struct EnumNames<AuditKind> {
  static constexpr std::array<std::string_view, 29> kNames{
      "party.created",       "token.created",     "token.revoked",    "plan.submitted",
      "plan.amended",        "plan.cancelled",    "conflict.opened",  "conflict.acknowledged",
      "conflict.accepted",   "conflict.resolved", "conflict.expired", "notice.sent",
      "message.posted",      "receipt.delivered", "receipt.read",     "escalation",
      "escalation.contacts", "webhook.added",     "webhook.deleted",  "webhook.failed",
      "contact.added",       "contact.deleted",   "contact.paged",    "contact.page_failed",
      "conflict.detail",     "plan.approved",     "plan.rejected",    "dryrun.checked",
      "plan.completed"};
};

template <typename E>
concept NamedEnum = requires {
  EnumNames<E>::kNames;
};

// The name of `e` (the stored and JSON text). An out-of-range value (never made by Parse) gives
// "?".
template <NamedEnum E>
constexpr std::string_view Name(E e) {
  auto i = static_cast<size_t>(e);
  return i < EnumNames<E>::kNames.size() ? EnumNames<E>::kNames[i] : std::string_view("?");
}

// The enumerator named `text` (exact, case-sensitive); nullopt if none is.
template <NamedEnum E>
constexpr std::optional<E> Parse(std::string_view text) {
  for (size_t i = 0; i < EnumNames<E>::kNames.size(); ++i) {
    if (EnumNames<E>::kNames[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace deconflict
