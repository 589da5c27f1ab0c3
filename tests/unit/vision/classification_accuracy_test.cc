// Classification accuracy over the 100 ImageNet dev images (one per class;
// the WordNet id is the file name's prefix), for each engine. Also prints
// per-image decode and classify times.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "vision/classify/classifier.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

class AccuracyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AccuracyTest, TrueClassInTopFiveForAtLeast90Of100) {
  auto manifest = LoadModelManifest(testing_vision::RepoModelDir() + "/classify/model.toml");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  auto runner = CreateModelRunner(ClassifierRunnerOptions(*manifest, {.engine = GetParam()}));
  ASSERT_TRUE(runner.ok()) << runner.status();
  auto classifier = Classifier::Create(*manifest, *std::move(runner));
  ASSERT_TRUE(classifier.ok()) << classifier.status();

  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing_vision::TestDataPath("imagenet-dev"))) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 100u);

  int top1 = 0, top5 = 0;
  std::vector<double> decode_ms, classify_ms;
  for (const auto& file : files) {
    std::string wnid = file.filename().string().substr(0, file.filename().string().find('_'));
    std::string bytes = testing_vision::ReadFileOrDie(file.string());
    auto t0 = Clock::now();
    auto image = DecodeImage(bytes, 256, ImageLimits{});
    auto t1 = Clock::now();
    ASSERT_TRUE(image.ok()) << file << ": " << image.status();
    auto result = (*classifier)->Classify(image->rgb, 5);
    auto t2 = Clock::now();
    ASSERT_TRUE(result.ok()) << file << ": " << result.status();
    decode_ms.push_back(Ms(t1 - t0));
    classify_ms.push_back(Ms(t2 - t1));
    top1 += result->top[0].id == wnid;
    top5 += std::any_of(result->top.begin(), result->top.end(),
                        [&](const ClassScore& c) { return c.id == wnid; });
  }
  std::printf(
      "[accuracy] engine=%s top1=%d/100 top5=%d/100 median decode=%.1f ms "
      "classify=%.1f ms per image\n",
      GetParam().c_str(), top1, top5, Median(decode_ms), Median(classify_ms));
  EXPECT_GE(top5, 90);
}

INSTANTIATE_TEST_SUITE_P(Engines, AccuracyTest, ::testing::Values("onnxruntime", "opencv"));

}  // namespace
}  // namespace ocula
