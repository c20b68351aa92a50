// EXPECT_OK and ASSERT_OK for a Status or a Result<T>: on failure they print the expression and
// the status (code, message, issues), so a failing test says why.
//
//   ASSERT_OK(server.Start());
//   Result<Url> u = ParseUrl("http://x"); ASSERT_OK(u);
//
// Header-only (needs gtest and base); the one copy every test in bounds uses.
#pragma once

#include <gtest/gtest.h>

#include "base/status.h"

namespace deconflict::testing::internal {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace deconflict::testing::internal

#define DECONFLICT_STATUS_CHECK_(check, expr)                                         \
  do {                                                                                \
    const auto& deconflict_status_or_ = (expr);                                       \
    const ::deconflict::Status& deconflict_status_ =                                  \
        ::deconflict::testing::internal::StatusOf(deconflict_status_or_);             \
    check(deconflict_status_.ok()) << #expr << ": " << deconflict_status_.ToString(); \
  } while (0)

#define EXPECT_OK(expr) DECONFLICT_STATUS_CHECK_(EXPECT_TRUE, expr)
#define ASSERT_OK(expr) DECONFLICT_STATUS_CHECK_(ASSERT_TRUE, expr)
