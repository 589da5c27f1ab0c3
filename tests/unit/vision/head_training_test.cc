// Head training and cross-validation (issue 24) on synthetic embeddings:
// clusters a head must separate, hand-worked evaluation figures, and the
// errors a user sees for data that cannot be trained on.
#include "vision/classify/head_training.h"

#include <gtest/gtest.h>

#include <random>

namespace ocula {
namespace {

// `per_class` noisy points around each of `classes` random centres in `dim`
// dimensions, all positive like pooled ReLU features.
EmbeddingSet Clusters(int classes, int per_class, int dim, float noise, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::normal_distribution<float> gauss(0.0f, noise);
  EmbeddingSet set{dim, {}, {}, {}, {}};
  std::vector<std::vector<float>> centres(classes, std::vector<float>(dim));
  for (int c = 0; c < classes; ++c) {
    set.classes.push_back("tag" + std::to_string(c));
    for (float& v : centres[c]) v = uniform(random);
  }
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < classes; ++c) {
      std::vector<float> v(centres[c]);
      for (float& x : v) x = std::max(0.0f, x + gauss(random));
      EXPECT_TRUE(set.Add(v, c).ok());
    }
  }
  return set;
}

int Best(const std::vector<float>& scores) {
  return static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

TEST(HeadTrainingTest, SeparatesClustersWithProbabilitiesThatSumToOne) {
  EmbeddingSet set = Clusters(4, 20, 32, 0.1f, 1);
  auto head = TrainHead(set);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ((*head)->classes(), set.classes);
  for (size_t i = 0; i < set.size(); ++i) {
    auto scores = (*head)->Scores(set.row(i));
    ASSERT_TRUE(scores.ok());
    EXPECT_EQ(Best(*scores), set.labels[i]);
    float sum = 0;
    for (float s : *scores) sum += s;
    EXPECT_NEAR(sum, 1.0f, 1e-5);
  }
  // Vectors it has not seen, drawn around the same centres.
  EmbeddingSet unseen = Clusters(4, 5, 32, 0.1f, 1);
  for (size_t i = 0; i < unseen.size(); ++i) {
    EXPECT_EQ(Best(*(*head)->Scores(unseen.row(i))), unseen.labels[i]);
  }
  EXPECT_EQ((*head)->Scores(std::vector<float>(31, 0.0f)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(HeadTrainingTest, TheSameDataGivesTheSameHead) {
  EmbeddingSet set = Clusters(3, 10, 16, 0.3f, 2);
  auto a = TrainHead(set);
  auto b = TrainHead(set);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*(*a)->Scores(set.row(0)), *(*b)->Scores(set.row(0)));
  EXPECT_EQ((*a)->mean(), (*b)->mean());
}

TEST(HeadTrainingTest, DataThatCannotBeTrainedOnIsRefusedClearly) {
  EmbeddingSet one = Clusters(1, 10, 8, 0.1f, 3);
  EXPECT_EQ(TrainHead(one).status().code(), StatusCode::kInvalidArgument);
  EmbeddingSet empty_tag = Clusters(2, 5, 8, 0.1f, 3);
  empty_tag.classes.push_back("unused");
  auto refused = TrainHead(empty_tag);
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(refused.status().message()).find("\"unused\" has no image"),
            std::string::npos);
  EXPECT_EQ(empty_tag.Add(std::vector<float>(7, 0.0f), 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty_tag.Add(std::vector<float>(8, 0.0f), 9).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CrossValidate(Clusters(2, 3, 8, 0.1f, 3), 5, 1).status().code(),
            StatusCode::kInvalidArgument)
      << "3 images per tag cannot fill 5 folds";
}

TEST(HeadTrainingTest, CrossValidationPredictsEveryVectorWithAHeadThatDidNotSeeIt) {
  EmbeddingSet set = Clusters(3, 10, 16, 0.05f, 4);
  auto eval = CrossValidate(set, 5, 7);
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_DOUBLE_EQ(eval->Accuracy(), 1.0);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(eval->confusion[c][c], 10);
    EXPECT_DOUBLE_EQ(eval->AveragePrecision(c), 1.0);
  }
  // A mislabelled vector: nothing else in its class looks like it, so the
  // head that did not see it predicts the class it came from.
  EmbeddingSet noisy = set;
  noisy.labels[0] = 1;  // row 0 lies in cluster 0
  auto with_noise = CrossValidate(noisy, 5, 7);
  ASSERT_TRUE(with_noise.ok());
  EXPECT_EQ(with_noise->confusion[1][0], 1);
  EXPECT_LT(with_noise->Accuracy(), 1.0);
}

// Figures worked out by hand on four vectors and two tags.
TEST(EvaluationTest, PrecisionRecallAndAveragePrecision) {
  Evaluation eval;
  eval.classes = {"a", "b"};
  eval.labels = {0, 0, 1, 1};
  eval.probabilities = {{0.9f, 0.1f}, {0.4f, 0.6f}, {0.7f, 0.3f}, {0.2f, 0.8f}};
  EXPECT_DOUBLE_EQ(eval.Accuracy(), 0.5);
  // Given "a" at >= 0.5: rows 0 and 2, one of them an "a".
  EXPECT_DOUBLE_EQ(eval.Precision(0, 0.5f), 0.5);
  EXPECT_DOUBLE_EQ(eval.Recall(0, 0.5f), 0.5);
  // Ranked by "a": 0.9 (a), 0.7 (b), 0.4 (a), 0.2 (b): AP = (1/1 + 2/3) / 2.
  EXPECT_DOUBLE_EQ(eval.AveragePrecision(0), (1.0 + 2.0 / 3) / 2);
  EXPECT_DOUBLE_EQ(eval.Precision(1, 0.95f), 0.0) << "nothing given: no precision";
}

}  // namespace
}  // namespace ocula
