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
}

TEST(VocabularyTest, UnknownTextIsRefused) {
  EXPECT_EQ(Parse<Role>("Coordinator"), std::nullopt);
  EXPECT_EQ(Parse<Role>(""), std::nullopt);
  EXPECT_EQ(Parse<ConflictStatus>("nonsense"), std::nullopt);
  EXPECT_EQ(Parse<PlanStatus>("active "), std::nullopt);
  EXPECT_EQ(Parse<Resolution>(""), Resolution::kNone);
  static_assert(Parse<MessageKind>("reject") == MessageKind::kReject);
  static_assert(Name(DeliveryState::kFailed) == "failed");
}

}  // namespace
}  // namespace deconflict
