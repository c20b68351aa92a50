#include "base/vocabulary.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace deconflict {
namespace {

// Every name parses back to its enumerator, and the names of one enum are distinct.
template <typename E>
void ExpectRoundTrip() {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < EnumNames<E>::kNames.size(); ++i) {
    E e = static_cast<E>(i);
    EXPECT_EQ(Parse<E>(Name(e)), e) << Name(e);
    EXPECT_TRUE(seen.insert(Name(e)).second) << "duplicate name " << Name(e);
  }
}

TEST(VocabularyTest, EveryNameRoundTrips) {
  ExpectRoundTrip<Role>();
  ExpectRoundTrip<PlanStatus>();
  ExpectRoundTrip<ConflictStatus>();
  ExpectRoundTrip<Resolution>();
  ExpectRoundTrip<MessageKind>();
  ExpectRoundTrip<ContactRole>();
  ExpectRoundTrip<DeliveryState>();
  ExpectRoundTrip<EventType>();
  ExpectRoundTrip<ReceiptChannel>();
  ExpectRoundTrip<ReceiptKind>();
  ExpectRoundTrip<AuditKind>();
}

TEST(VocabularyTest, NamesAreTheStoredStrings) {
  EXPECT_EQ(Name(Role::kParty), "party");
  EXPECT_EQ(Name(Role::kCoordinator), "coordinator");
  EXPECT_EQ(Name(Role::kObserver), "observer");
  EXPECT_EQ(Name(PlanStatus::kActive), "active");
  EXPECT_EQ(Name(PlanStatus::kCancelled), "cancelled");
  EXPECT_EQ(Name(ConflictStatus::kOpen), "open");
  EXPECT_EQ(Name(ConflictStatus::kAcknowledged), "acknowledged");
  EXPECT_EQ(Name(ConflictStatus::kResolved), "resolved");
  EXPECT_EQ(Name(ConflictStatus::kExpired), "expired");
  EXPECT_EQ(Name(Resolution::kNone), "");
  EXPECT_EQ(Name(Resolution::kAmended), "amended");
  EXPECT_EQ(Name(Resolution::kCancelled), "cancelled");
  EXPECT_EQ(Name(Resolution::kCoordinated), "coordinated");
  EXPECT_EQ(Name(Resolution::kSuperseded), "superseded");
  EXPECT_EQ(Name(Resolution::kExpired), "expired");
  EXPECT_EQ(Name(MessageKind::kText), "text");
  EXPECT_EQ(Name(MessageKind::kPropose), "propose");
  EXPECT_EQ(Name(MessageKind::kAccept), "accept");
  EXPECT_EQ(Name(MessageKind::kReject), "reject");
  EXPECT_EQ(Name(ContactRole::kPrimary), "primary");
  EXPECT_EQ(Name(ContactRole::kBackup), "backup");
  EXPECT_EQ(Name(DeliveryState::kPending), "pending");
  EXPECT_EQ(Name(DeliveryState::kDelivered), "delivered");
  EXPECT_EQ(Name(DeliveryState::kFailed), "failed");
  EXPECT_EQ(Name(EventType::kConflictOpened), "conflict.opened");
  EXPECT_EQ(Name(EventType::kConflictEscalated), "conflict.escalated");
  EXPECT_EQ(Name(EventType::kMessagePosted), "message.posted");
  EXPECT_EQ(Name(ReceiptChannel::kSse), "sse");
  EXPECT_EQ(Name(ReceiptChannel::kWs), "ws");
  EXPECT_EQ(Name(ReceiptChannel::kWebhook), "webhook");
  EXPECT_EQ(Name(ReceiptChannel::kApi), "api");
  EXPECT_EQ(Name(ReceiptKind::kDelivered), "delivered");
  EXPECT_EQ(Name(ReceiptKind::kRead), "read");
  EXPECT_EQ(Name(AuditKind::kPlanSubmitted), "plan.submitted");
  EXPECT_EQ(Name(AuditKind::kNoticeSent), "notice.sent");
  EXPECT_EQ(Name(AuditKind::kReceiptDelivered), "receipt.delivered");
  EXPECT_EQ(Name(AuditKind::kEscalation), "escalation");
  EXPECT_EQ(Name(AuditKind::kContactPageFailed), "contact.page_failed");
}

// A conflict's closing status names the event and the audit entry: "conflict." + status.
TEST(VocabularyTest, ClosingKindsFollowTheStatus) {
  EXPECT_EQ(Name(EventType::kConflictResolved), "conflict.resolved");
  EXPECT_EQ(Name(EventType::kConflictExpired), "conflict.expired");
  EXPECT_EQ(Name(AuditKind::kConflictResolved), "conflict.resolved");
  EXPECT_EQ(Name(AuditKind::kConflictExpired), "conflict.expired");
}

TEST(VocabularyTest, UnknownTextIsRefused) {
  EXPECT_EQ(Parse<Role>("Coordinator"), std::nullopt);
  EXPECT_EQ(Parse<Role>(""), std::nullopt);
  EXPECT_EQ(Parse<ConflictStatus>("nonsense"), std::nullopt);
  EXPECT_EQ(Parse<PlanStatus>("active "), std::nullopt);
  EXPECT_EQ(Parse<Resolution>(""), Resolution::kNone);
  EXPECT_EQ(Parse<EventType>("conflict.open"), std::nullopt);
  EXPECT_EQ(Parse<EventType>("escalation"), std::nullopt);  // an audit kind, not an event type
  EXPECT_EQ(Parse<ReceiptChannel>("SSE"), std::nullopt);
  EXPECT_EQ(Parse<ReceiptKind>("seen"), std::nullopt);
  EXPECT_EQ(Parse<AuditKind>("receipt."), std::nullopt);
  EXPECT_EQ(Parse<AuditKind>(""), std::nullopt);
  static_assert(Parse<MessageKind>("reject") == MessageKind::kReject);
  static_assert(Name(DeliveryState::kFailed) == "failed");
}

}  // namespace
}  // namespace deconflict
