// End to end over ../shared/testdata/imagenet-dev: decode, classify, detect
// and categorize each photo with the real models, then check the categories
// against the WordNet truth of each photo's TRUE class (from its file name):
// a dog breed must be categorized animal_dog, a feline animal_cat, a bird
// animal_bird, any other animal animal_*, a food food_*.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "vision/analyzer.h"
#include "vision/semantics/semantics.h"
#include "vision/semantics/wordnet.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::ReadFileOrDie;
using testing_vision::RepoModelDir;
using testing_vision::TestDataPath;

struct Expectation {
  const char* ancestor;  // WordNet id of the true class's ancestor
  const char* prefix;    // a category that must be present starts with this
};

// Most specific first.
constexpr Expectation kRules[] = {
    {"n02084071", "animal_dog"},   // dog
    {"n02120997", "animal_cat"},   // feline
    {"n01503061", "animal_bird"},  // bird
    {"n00015388", "animal_"},      // animal
    {"n07555863", "food_"},        // food, solid food
};

TEST(CategoryAccuracyTest, PhotosLandInTheirBroadCategory) {
  auto wordnet = WordNet::Load();
  ASSERT_TRUE(wordnet.ok()) << wordnet.status();
  AnalyzerOptions options;
  options.model_dir = RepoModelDir();
  options.pipeline_features = {Feature::kCategories};
  auto analyzer = Analyzer::Create(options);
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();

  int checked = 0, right = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TestDataPath("imagenet-dev"))) {
    std::string file = entry.path().filename().string();
    std::string wnid = file.substr(0, 9);
    const Expectation* rule = nullptr;
    for (const Expectation& e : kRules) {
      if ((*wordnet)->IsA(wnid, e.ancestor)) {
        rule = &e;
        break;
      }
    }
    if (rule == nullptr) continue;  // no broad category to expect
    auto result = (*analyzer)->Run(ReadFileOrDie(entry.path().string()), {Feature::kCategories});
    ASSERT_TRUE(result.ok()) << file << ": " << result.status();
    ++checked;
    std::string names;
    bool found = false;
    for (const Category& c : result->categories) {
      names += c.name + " ";
      found |= c.name.rfind(rule->prefix, 0) == 0;
    }
    right += found;
    if (!found)
      std::printf("  %-45s want %-12s got %s\n", file.c_str(), rule->prefix, names.c_str());
  }
  std::printf("broad category right for %d of %d photos with one\n", right, checked);
  ASSERT_GE(checked, 40);
  EXPECT_GE(right, checked * 9 / 10) << "at least 90% in their broad category";
}

}  // namespace
}  // namespace ocula
