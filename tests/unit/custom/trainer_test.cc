#include "custom/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "custom/head_codec.h"
#include "nlohmann/json.hpp"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

constexpr int kDim = 16;
constexpr char kModel[] = "test/regions-2x2";

// Images "<tag>-<n>" whose features sit around a corner of the cube that
// depends on the tag: separable, with noise.
std::vector<float> FeaturesFor(const std::string& image_id) {
  const int tag = image_id[0] - 'a';
  std::mt19937 random(static_cast<unsigned>(std::hash<std::string>{}(image_id)));
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<float> v(kDim);
  for (int j = 0; j < kDim; ++j) v[j] = (j % 3 == tag ? 2.0f : 0.5f) + noise(random);
  return v;
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteCustomVisionStore(dir_.File("cv.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateProject({"p", "things", "", "Multiclass", 1, 1}).ok());
  }

  void Tag(const std::string& id, const std::string& name, int images) {
    ASSERT_TRUE(store_->CreateTag({id, "p", name, "", "Regular", ++clock_, 0}).ok());
    std::vector<CvImage> batch;
    for (int n = 0; n < images; ++n) {
      batch.push_back({id + "-" + std::to_string(n), ++clock_, 64, 64, {id}});
    }
    ASSERT_TRUE(store_->AddImages("p", batch).ok());
  }

  CvIteration Iteration(uint64_t seed = 3) {
    CvIteration it;
    it.id = "i";
    it.project_id = "p";
    it.classification_type = "Multiclass";
    it.seed = seed;
    return it;
  }

  StatusOr<TrainedIteration> Train(const CvIteration& it) {
    return TrainIteration(*store_, it, kModel, [this](const std::string& id) {
      ++computed_[id];
      return StatusOr<std::vector<float>>(FeaturesFor(id));
    });
  }

  testing::TempDir dir_;
  std::unique_ptr<CustomVisionStore> store_;
  std::map<std::string, int> computed_;
  int64_t clock_ = 0;
};

TEST_F(TrainerTest, TrainsAHeadThatNamesEachTagAndMeasuresIt) {
  Tag("a", "dent", 12);
  Tag("b", "scratch", 10);
  Tag("c", "glass", 8);
  auto trained = Train(Iteration());
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->images, 30);

  auto stored = DecodeHead(trained->head);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->feature_model, kModel);
  EXPECT_EQ(stored->tag_ids, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(stored->head->classes(), (std::vector<std::string>{"dent", "scratch", "glass"}));
  for (const char* unseen : {"a-new", "b-new", "c-new"}) {
    auto scores = stored->head->Scores(FeaturesFor(unseen));
    ASSERT_TRUE(scores.ok());
    const size_t best = std::max_element(scores->begin(), scores->end()) - scores->begin();
    EXPECT_EQ(stored->tag_ids[best], std::string(1, unseen[0])) << unseen;
  }

  const auto perf = nlohmann::json::parse(trained->performance_json);
  EXPECT_EQ(perf["folds"], kCrossValidationFolds);
  EXPECT_GT(perf["precision"].get<double>(), 0.9);
  EXPECT_GT(perf["recall"].get<double>(), 0.9);
  EXPECT_GT(perf["averagePrecision"].get<double>(), 0.9);
  ASSERT_EQ(perf["perTag"].size(), 3u);
  EXPECT_EQ(perf["perTag"][0]["id"], "a");
  EXPECT_EQ(perf["perTag"][0]["name"], "dent");
  EXPECT_EQ(perf["perTag"][0]["imageCount"], 12);
  EXPECT_EQ(perf["confusion"].size(), 3u);
  int confused = 0;
  for (int t = 0; t < 3; ++t) {
    for (int p = 0; p < 3; ++p) confused += perf["confusion"][t][p].get<int>();
  }
  EXPECT_EQ(confused, 30);  // every image predicted once
}

TEST_F(TrainerTest, FeaturesAreComputedOnceAndTrainingIsDeterministic) {
  Tag("a", "dent", 6);
  Tag("b", "scratch", 6);
  auto first = Train(Iteration());
  auto second = Train(Iteration());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->head, second->head);
  EXPECT_EQ(first->performance_json, second->performance_json);
  EXPECT_EQ(computed_.size(), 12u);
  for (const auto& [id, times] : computed_) EXPECT_EQ(times, 1) << id;
}

TEST_F(TrainerTest, ProjectsThatCannotBeTrainedAreRefusedWithTheReason) {
  auto empty = Train(Iteration());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("no tagged image"), std::string::npos);

  Tag("a", "dent", 6);
  auto one = Train(Iteration());
  EXPECT_EQ(one.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(one.status().message().find("at least 2 tags"), std::string::npos);

  Tag("b", "scratch", 4);
  auto few = Train(Iteration());
  EXPECT_EQ(few.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(few.status().message().find("\"scratch\" has 4 images"), std::string::npos);

  ASSERT_TRUE(store_->AddImages("p", {{"b-9", 99, 64, 64, {"b"}}, {"a-0", 1, 64, 64, {"b"}}}).ok());
  auto two_tags = Train(Iteration());
  EXPECT_EQ(two_tags.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(two_tags.status().message().find("a-0 has 2 tags"), std::string::npos);
  EXPECT_TRUE(computed_.empty()) << "features computed for a project that cannot be trained";
}

// Images "<tags>-<n>" ("ab-3": tags a and b) whose features sit near the
// corners of all their tags.
std::vector<float> MultiFeaturesFor(const std::string& image_id) {
  const std::string tags = image_id.substr(0, image_id.find('-'));
  std::mt19937 random(static_cast<unsigned>(std::hash<std::string>{}(image_id)));
  std::normal_distribution<float> noise(0.0f, 0.2f);
  std::vector<float> v(kDim);
  for (int j = 0; j < kDim; ++j) {
    v[j] = (tags.find(static_cast<char>('a' + j % 3)) != std::string::npos ? 2.0f : 0.5f) +
           noise(random);
  }
  return v;
}

TEST_F(TrainerTest, MultilabelProjectsTrainASigmoidPerTag) {
  ASSERT_TRUE(store_->UpdateProject({"p", "things", "", "Multilabel", 1, 2}).ok());
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_TRUE(
        store_->CreateTag({id, "p", std::string("tag ") + id, "", "Regular", ++clock_, 0}).ok());
  }
  std::vector<CvImage> images;
  for (const std::string set : {"a", "b", "c", "ab"}) {
    for (int n = 0; n < 6; ++n) {
      std::vector<std::string> tags;
      for (char t : set) tags.push_back(std::string(1, t));
      images.push_back({set + "-" + std::to_string(n), ++clock_, 64, 64, tags});
    }
  }
  ASSERT_TRUE(store_->AddImages("p", images).ok());
  CvIteration it = Iteration();
  it.classification_type = "Multilabel";
  auto trained = TrainIteration(*store_, it, kModel, [](const std::string& id) {
    return StatusOr<std::vector<float>>(MultiFeaturesFor(id));
  });
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->images, 24);
  auto stored = DecodeHead(trained->head);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->head->linear().activation(), HeadActivation::kSigmoid);
  auto both = stored->head->Scores(MultiFeaturesFor("ab-new"));
  ASSERT_TRUE(both.ok());
  EXPECT_GT((*both)[0], 0.5f);
  EXPECT_GT((*both)[1], 0.5f);
  EXPECT_LT((*both)[2], 0.5f);
  auto glass = stored->head->Scores(MultiFeaturesFor("c-new"));
  EXPECT_LT((*glass)[0], 0.5f);
  EXPECT_GT((*glass)[2], 0.5f);

  const auto perf = nlohmann::json::parse(trained->performance_json);
  EXPECT_TRUE(perf["confusion"].empty());
  EXPECT_EQ(perf["perTag"][0]["imageCount"], 12);  // a and ab
  EXPECT_GT(perf["recall"].get<double>(), 0.8);
  auto strict = PerformanceAt(trained->performance_json, 0.99f);
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_LE(nlohmann::json::parse(*strict)["recall"].get<double>(), perf["recall"].get<double>());
}

TEST(HeadCodecTest, RoundTripsScoresAndRefusesDamagedBytes) {
  EmbeddingSet data{4, {"x", "y"}, {}, {}, {}};
  ASSERT_TRUE(data.Add(std::vector<float>{1, 0, 0, 0.5f}, 0).ok());
  ASSERT_TRUE(data.Add(std::vector<float>{0.9f, 0.1f, 0, 0.4f}, 0).ok());
  ASSERT_TRUE(data.Add(std::vector<float>{0, 1, 0.2f, 0}, 1).ok());
  ASSERT_TRUE(data.Add(std::vector<float>{0.1f, 0.8f, 0.3f, 0}, 1).ok());
  auto head = TrainHead(data);
  ASSERT_TRUE(head.ok());
  const std::string bytes = EncodeHead(**head, {"tx", "ty"}, "m");
  auto decoded = DecodeHead(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const std::vector<float> probe{0.5f, 0.5f, 0.1f, 0.2f};
  EXPECT_EQ(*decoded->head->Scores(probe), *(*head)->Scores(probe));
  EXPECT_EQ(DecodeHead(bytes.substr(0, bytes.size() - 1)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeHead("garbage").status().code(), StatusCode::kDataLoss);
  // Metadata of the wrong types is damage too, not an exception.
  std::string wrong_types = bytes;
  const std::string tag_ids = R"("tagIds":["tx","ty"])";
  wrong_types.replace(wrong_types.find(tag_ids), tag_ids.size(), R"("tagIds":[1,"ty"])");
  EXPECT_EQ(DecodeHead(wrong_types).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ocula
