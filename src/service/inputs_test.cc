// The API's plan references: "id" and "PARTY:id", read once at the edge.
#include "service/inputs.h"

#include <gtest/gtest.h>

namespace deconflict::service {
namespace {

TEST(ParsePlanRef, IdAloneLeavesThePartyEmpty) {
  channel::PlanRef r = ParsePlanRef("us-patrol-1");
  EXPECT_TRUE(r.party.empty());
  EXPECT_EQ(r.id, PlanId("us-patrol-1"));
  EXPECT_EQ(PlanRefText(r), "us-patrol-1");
}

TEST(ParsePlanRef, PartyAndIdSplitAtTheFirstColon) {
  channel::PlanRef r = ParsePlanRef("RU:ru-a");
  EXPECT_EQ(r.party, PartyId("RU"));
  EXPECT_EQ(r.id, PlanId("ru-a"));
  EXPECT_EQ(PlanRefText(r), "RU:ru-a");

  channel::PlanRef odd = ParsePlanRef("US:a:b");
  EXPECT_EQ(odd.party, PartyId("US"));
  EXPECT_EQ(odd.id, PlanId("a:b"));
  EXPECT_EQ(PlanRefText(odd), "US:a:b");
}

TEST(ParsePlanRef, EmptyParts) {
  EXPECT_TRUE(ParsePlanRef("").id.empty());
  channel::PlanRef no_id = ParsePlanRef("US:");
  EXPECT_EQ(no_id.party, PartyId("US"));
  EXPECT_TRUE(no_id.id.empty());
}

}  // namespace
}  // namespace deconflict::service
