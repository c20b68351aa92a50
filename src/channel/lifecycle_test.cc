// One test per edge of the conflict lifecycle (lifecycle.h).
#include "channel/lifecycle.h"

#include <gtest/gtest.h>

#include <limits>

#include "base/time.h"

namespace deconflict::channel {
namespace {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

constexpr int64_t kT0 = 1'665'216'000'000;  // 2022-10-08T08:00:00Z
constexpr int64_t kDeadline = kT0 + 120'000;
constexpr int64_t kWindowEnd = kT0 + 900'000;

store::ConflictRecord Open() {
  store::ConflictRecord c;
  c.id = ConflictId("c-1");
  c.party_a = PartyId("US");
  c.party_b = PartyId("RU");
  c.status = ConflictStatus::kOpen;
  c.deadline = Ms(kDeadline);
  c.window_start = Ms(kT0 + 600'000);
  c.window_end = Ms(kWindowEnd);
  return c;
}

const DeadlinePolicy kPolicy;  // reescalate_s = 600

TEST(Lifecycle, OneAcknowledgementKeepsItOpenBothMakeItAcknowledged) {
  store::ConflictRecord c = Open();
  auto t = Apply(&c, Event::Acknowledge(0), Ms(kT0 + 1), kPolicy);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->changed);
  EXPECT_FALSE(t->closed);
  EXPECT_EQ(Name(t->kind), "conflict.acknowledged");
  EXPECT_EQ(c.status, ConflictStatus::kOpen);
  EXPECT_EQ(c.ack_a, Ms(kT0 + 1));
  EXPECT_EQ(c.updated, Ms(kT0 + 1));
  ASSERT_TRUE(Apply(&c, Event::Acknowledge(1), Ms(kT0 + 2), kPolicy).ok());
  EXPECT_EQ(c.status, ConflictStatus::kAcknowledged);
  EXPECT_EQ(c.ack_b, Ms(kT0 + 2));
}

TEST(Lifecycle, RepeatedAcknowledgementIsIdempotent) {
  store::ConflictRecord c = Open();
  ASSERT_TRUE(Apply(&c, Event::Acknowledge(1), Ms(kT0 + 1), kPolicy).ok());
  auto t = Apply(&c, Event::Acknowledge(1), Ms(kT0 + 50), kPolicy);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->changed);
  EXPECT_EQ(c.ack_b, Ms(kT0 + 1));
  EXPECT_EQ(c.updated, Ms(kT0 + 1));
}

TEST(Lifecycle, AcceptImpliesAcknowledgeAndBothAcceptsResolveAsCoordinated) {
  store::ConflictRecord c = Open();
  auto first = Apply(&c, Event::Accept(0), Ms(kT0 + 5), kPolicy);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Name(first->kind), "conflict.accepted");
  EXPECT_FALSE(first->closed);
  EXPECT_EQ(c.ack_a, Ms(kT0 + 5));
  EXPECT_EQ(c.status, ConflictStatus::kOpen);
  auto again = Apply(&c, Event::Accept(0), Ms(kT0 + 6), kPolicy);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  auto second = Apply(&c, Event::Accept(1), Ms(kT0 + 7), kPolicy);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->closed);
  EXPECT_EQ(Name(second->kind), "conflict.resolved");
  EXPECT_EQ(c.status, ConflictStatus::kResolved);
  EXPECT_EQ(c.resolution, Resolution::kCoordinated);
  EXPECT_EQ(c.resolved, Ms(kT0 + 7));
}

TEST(Lifecycle, AcceptAfterOwnAcknowledgementKeepsTheAcknowledgementTime) {
  store::ConflictRecord c = Open();
  ASSERT_TRUE(Apply(&c, Event::Acknowledge(1), Ms(kT0 + 1), kPolicy).ok());
  ASSERT_TRUE(Apply(&c, Event::Accept(1), Ms(kT0 + 9), kPolicy).ok());
  EXPECT_EQ(c.ack_b, Ms(kT0 + 1));
  EXPECT_EQ(c.accept_b, Ms(kT0 + 9));
}

TEST(Lifecycle, ResolveByPlanChange) {
  for (Resolution how : {Resolution::kAmended, Resolution::kCancelled, Resolution::kSuperseded}) {
    store::ConflictRecord c = Open();
    auto t = Apply(&c, Event::Resolve(how), Ms(kT0 + 3), kPolicy);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t->closed);
    EXPECT_EQ(c.status, ConflictStatus::kResolved);
    EXPECT_EQ(c.resolution, how);
  }
}

TEST(Lifecycle, Expire) {
  store::ConflictRecord c = Open();
  auto t = Apply(&c, Event::Expire(), Ms(kWindowEnd + 1), kPolicy);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Name(t->kind), "conflict.expired");
  EXPECT_EQ(c.status, ConflictStatus::kExpired);
  EXPECT_EQ(c.resolution, Resolution::kExpired);
}

TEST(Lifecycle, NothingHappensToAClosedConflict) {
  store::ConflictRecord c = Open();
  ASSERT_TRUE(Apply(&c, Event::Expire(), Ms(kT0), kPolicy).ok());
  const store::ConflictRecord before = c;
  for (const Event& e : {Event::Acknowledge(0), Event::Accept(1), Event::Escalate(0),
                         Event::Resolve(Resolution::kAmended), Event::Expire()}) {
    auto t = Apply(&c, e, Ms(kT0 + 10), kPolicy);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(t.status().message(), "conflict c-1 is already expired");
  }
  EXPECT_EQ(c.updated, before.updated);
  EXPECT_EQ(c.status, before.status);
}

TEST(Lifecycle, EscalatesAtTheDeadlineThenAfterReescalateThenNoMore) {
  store::ConflictRecord c = Open();
  EXPECT_EQ(EscalationDue(c, 0, kPolicy), c.deadline);
  auto early = Apply(&c, Event::Escalate(0), Ms(kDeadline - 1), kPolicy);
  EXPECT_EQ(early.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.escalated_a, 0);
  auto one = Apply(&c, Event::Escalate(0), c.deadline, kPolicy);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->level, 1);
  EXPECT_EQ(Name(one->kind), "conflict.escalated");
  EXPECT_EQ(EscalationDue(c, 0, kPolicy), Ms(kDeadline + 600'000));
  EXPECT_FALSE(Apply(&c, Event::Escalate(0), Ms(kDeadline + 599'999), kPolicy).ok());
  auto two = Apply(&c, Event::Escalate(0), Ms(kDeadline + 600'000), kPolicy);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->level, 2);
  EXPECT_EQ(EscalationDue(c, 0, kPolicy), TimePoint::InfiniteFuture());
  EXPECT_FALSE(Apply(&c, Event::Escalate(0), Ms(kDeadline + 10'000'000), kPolicy).ok());
  EXPECT_EQ(c.escalated_b, 0);  // the other side is untouched
}

TEST(Lifecycle, AnAcknowledgedSideDoesNotEscalate) {
  store::ConflictRecord c = Open();
  ASSERT_TRUE(Apply(&c, Event::Acknowledge(1), Ms(kT0), kPolicy).ok());
  EXPECT_EQ(EscalationDue(c, 1, kPolicy), TimePoint::InfiniteFuture());
  EXPECT_FALSE(Apply(&c, Event::Escalate(1), Ms(kDeadline + 1), kPolicy).ok());
}

TEST(Lifecycle, NextDueIsTheEarlierOfEscalationAndExpiry) {
  store::ConflictRecord c = Open();
  EXPECT_EQ(NextDue(c, kPolicy), c.deadline);
  c.ack_a = c.ack_b = Ms(kT0);
  EXPECT_EQ(NextDue(c, kPolicy), Ms(kWindowEnd + 1));
  c.ack_b = std::nullopt;
  c.deadline = Ms(kWindowEnd + 5'000);  // a deadline after the window: expiry comes first
  EXPECT_EQ(NextDue(c, kPolicy), Ms(kWindowEnd + 1));
}

TEST(Lifecycle, RejectsASideThatIsNotZeroOrOne) {
  store::ConflictRecord c = Open();
  EXPECT_EQ(Apply(&c, Event::Acknowledge(2), Ms(kT0), kPolicy).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(c.ack_a.has_value() || c.ack_b.has_value());
}

}  // namespace
}  // namespace deconflict::channel
