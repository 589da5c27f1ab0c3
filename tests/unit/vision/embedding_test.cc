// LinearHead: the scores of a head over embeddings (the piece a custom
// classifier trains), checked against values worked out by hand.
#include "vision/classify/embedding.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ocula {
namespace {

std::unique_ptr<LinearHead> Head(HeadActivation activation) {
  // Two classes over three dimensions: "a" reads dimension 0, "b" dimension 1.
  auto head = LinearHead::Create({"a", "b"}, 3, {1, 0, 0, 0, 1, 0}, {0, 0.5f}, activation);
  EXPECT_TRUE(head.ok()) << head.status();
  return head.ok() ? *std::move(head) : nullptr;
}

TEST(LinearHeadTest, SoftmaxScoresSumToOne) {
  auto head = Head(HeadActivation::kSoftmax);
  ASSERT_NE(head, nullptr);
  const std::vector<float> embedding = {2, 1, 7};  // logits 2 and 1.5
  auto scores = head->Scores(embedding);
  ASSERT_TRUE(scores.ok()) << scores.status();
  ASSERT_EQ(scores->size(), 2u);
  const double a = 1 / (1 + std::exp(-0.5));
  EXPECT_NEAR((*scores)[0], a, 1e-6);
  EXPECT_NEAR((*scores)[1], 1 - a, 1e-6);
  EXPECT_EQ(head->classes(), (std::vector<std::string>{"a", "b"}));
}

TEST(LinearHeadTest, SigmoidScoresEachClassAlone) {
  auto head = Head(HeadActivation::kSigmoid);
  ASSERT_NE(head, nullptr);
  const std::vector<float> embedding = {0, -0.5f, 3};  // logits 0 and 0
  auto scores = head->Scores(embedding);
  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_NEAR((*scores)[0], 0.5, 1e-6);
  EXPECT_NEAR((*scores)[1], 0.5, 1e-6);
}

TEST(LinearHeadTest, WrongEmbeddingSizeIsInvalid) {
  auto head = Head(HeadActivation::kSoftmax);
  ASSERT_NE(head, nullptr);
  const std::vector<float> short_embedding = {1, 2};
  EXPECT_EQ(head->Scores(short_embedding).status().code(), StatusCode::kInvalidArgument);
}

TEST(LinearHeadTest, CreateChecksShapes) {
  auto code = [](std::vector<std::string> classes, int dim, std::vector<float> w,
                 std::vector<float> b) {
    return LinearHead::Create(std::move(classes), dim, std::move(w), std::move(b),
                              HeadActivation::kSoftmax)
        .status()
        .code();
  };
  EXPECT_EQ(code({}, 2, {}, {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"a"}, 0, {}, {0}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"a"}, 2, {1}, {0}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"a"}, 2, {1, 2}, {}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"a"}, 2, {1, 2}, {0}), StatusCode::kOk);
}

TEST(SoftmaxTest, LargeScoresDoNotOverflow) {
  std::vector<float> scores = {1000, 1000};
  Softmax(scores);
  EXPECT_FLOAT_EQ(scores[0], 0.5f);
  EXPECT_FLOAT_EQ(scores[1], 0.5f);
}

}  // namespace
}  // namespace ocula
