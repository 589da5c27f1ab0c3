#include "core/status.h"

#include <gtest/gtest.h>

namespace ocula {
namespace {

TEST(StatusTest, ReasonTravelsWithTheStatus) {
  Status s = InvalidImageSizeError("too big");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), reason::kInvalidImageSize);
  EXPECT_EQ(s.message(), "too big");
}

TEST(StatusTest, PlainStatusHasNoReason) {
  EXPECT_EQ(ReasonOf(absl::NotFoundError("x")), "");
  EXPECT_TRUE(WithReason(absl::OkStatus(), "X").ok());
}

StatusOr<int> Half(int v) {
  if (v % 2) return absl::InvalidArgumentError("odd");
  return v / 2;
}

StatusOr<int> Quarter(int v) {
  OCULA_ASSIGN_OR_RETURN(int h, Half(v));
  OCULA_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, AssignOrReturnPropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ocula
