#include "base/status.h"

#include <gtest/gtest.h>

namespace deconflict {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, InvalidListsAllIssues) {
  Status s = Status::Invalid({{"features[0].id", "missing"}, {"features[1].geometry", "null"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(s.issues().size(), 2u);
  EXPECT_EQ(s.message(), "features[0].id: missing (and 1 more)");
  EXPECT_STREQ(StatusCodeName(s.code()), "invalid_argument");
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Status::NotFound("plan x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace deconflict
