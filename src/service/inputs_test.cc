// The API's plan references: "id" and "PARTY:id", read once at the edge.
#include "service/inputs.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

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

// A message's text is limited to 4,000 characters (code points, not bytes), named in the issue.
TEST(ParseMessageInput, TextLengthInCharacters) {
  auto text = [](int n) {
    std::string t;
    for (int i = 0; i < n; ++i) t += "\u0416";  // two bytes in UTF-8
    return boost::json::value{{"kind", "text"}, {"text", t}};
  };
  EXPECT_TRUE(ParseMessageInput(text(4000)).ok());
  Result<MessageInput> r = ParseMessageInput(text(4001));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.status().issues().size(), 1u);
  EXPECT_EQ(r.status().issues()[0].path, "text");
  EXPECT_EQ(r.status().issues()[0].reason, "too long: 4001 characters, at most 4000");
}

}  // namespace
}  // namespace deconflict::service
