#include <gtest/gtest.h>

#include "core/types.h"

namespace petiscan {

TEST(Core, PageKindRoundTrips) {
  for (auto k : {PageKind::Signatures, PageKind::Other, PageKind::Blank}) {
    EXPECT_EQ(page_kind_from_string(to_string(k)), k);
  }
  EXPECT_FALSE(page_kind_from_string("letter").has_value());
}

TEST(Core, RowStatusRoundTrips) {
  for (auto s : {RowStatus::Accepted, RowStatus::Review, RowStatus::Corrected}) {
    EXPECT_EQ(row_status_from_string(to_string(s)), s);
  }
  EXPECT_FALSE(row_status_from_string("").has_value());
}

}  // namespace petiscan
