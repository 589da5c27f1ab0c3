#include "vision/classify/adult.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "pixels_test_util.h"
#include "vision/models/model_manifest.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_pixels::LoadPhoto;
using testing_pixels::Stopwatch;

TEST(AdultFromClassesTest, Mapping) {
  AdultInfo info = AdultFromClasses(
      {{"Drawing", 0.05f}, {"Hentai", 0.1f}, {"Neutral", 0.05f}, {"Porn", 0.7f}, {"Sexy", 0.1f}});
  EXPECT_NEAR(info.adult_score, 0.8f, 1e-6);
  EXPECT_NEAR(info.racy_score, 0.9f, 1e-6);
  EXPECT_TRUE(info.is_adult);
  EXPECT_TRUE(info.is_racy);
  EXPECT_EQ(info.classes.size(), 5u);
}

TEST(AdultFromClassesTest, RacyButNotAdultAndClamping) {
  AdultInfo racy = AdultFromClasses({{"Sexy", 0.7f}, {"Neutral", 0.3f}});
  EXPECT_FALSE(racy.is_adult);
  EXPECT_TRUE(racy.is_racy);
  EXPECT_FLOAT_EQ(racy.adult_score, 0);

  AdultInfo over = AdultFromClasses({{"Porn", 0.8f}, {"Hentai", 0.3f}, {"Sexy", 0.2f}});
  EXPECT_FLOAT_EQ(over.adult_score, 1);
  EXPECT_FLOAT_EQ(over.racy_score, 1);

  AdultInfo at_threshold = AdultFromClasses({{"Porn", 0.7f}, {"Neutral", 0.3f}});
  EXPECT_FALSE(at_threshold.is_adult);  // strictly greater than kAdultThreshold
  EXPECT_TRUE(at_threshold.is_racy);
}

TEST(AdultClassifierTest, RejectsLabelsWithoutAdultClasses) {
  // The ImageNet classifier loads fine but has no Porn/Hentai/Sexy classes.
  auto manifest = LoadModelManifest(testing_vision::RepoModelDir() + "/classify/model.toml");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  auto adult = AdultClassifier::Create(*manifest, {.engine = "onnxruntime"});
  EXPECT_EQ(adult.status().code(), StatusCode::kFailedPrecondition) << adult.status();
}

TEST(AdultClassifierTest, EmptyImageIsInvalid) {
  std::unique_ptr<AdultClassifier> adult = testing_pixels::LoadAdult();
  ASSERT_NE(adult, nullptr);
  EXPECT_EQ(adult->Classify(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(AdultClassifierTest, EnginesAgree) {
  std::unique_ptr<AdultClassifier> ort = testing_pixels::LoadAdult("onnxruntime");
  std::unique_ptr<AdultClassifier> ocv = testing_pixels::LoadAdult("opencv");
  ASSERT_NE(ort, nullptr);
  ASSERT_NE(ocv, nullptr);
  RgbImage image = LoadPhoto("photos/chelsea.png");
  auto a = ort->Classify(image);
  auto b = ocv->Classify(image);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NEAR(a->adult_score, b->adult_score, 1e-3);
  EXPECT_NEAR(a->racy_score, b->racy_score, 1e-3);
}

// Ordinary photos are (almost all) not adult; scores are probabilities.
// Prints the table. The model is small: one ImageNet photo, a skin-toned
// close-up of a hand on a banjo, scores Porn 0.55-0.82 depending on the
// decoder's resampling, so the bar is a false-positive rate of at most one
// photo in the 116 rather than none.
TEST(AdultClassifierTest, OrdinaryPhotosAreNotAdult) {
  std::unique_ptr<AdultClassifier> adult = testing_pixels::LoadAdult();
  ASSERT_NE(adult, nullptr);
  const std::vector<std::string> paths = testing_pixels::AllPhotos();
  double total_ms = 0;
  int racy = 0;
  std::vector<std::string> flagged_adult;
  for (const std::string& path : paths) {
    RgbImage image = LoadPhoto(path);
    Stopwatch watch;
    auto info = adult->Classify(image);
    total_ms += watch.ElapsedMs();
    ASSERT_TRUE(info.ok()) << path << ": " << info.status();
    double sum = 0;
    std::string classes;
    for (const auto& [name, p] : info->classes) {
      EXPECT_GE(p, 0.0f);
      EXPECT_LE(p, 1.0f);
      sum += p;
      char buf[32];
      std::snprintf(buf, sizeof buf, " %s=%.3f", name.c_str(), p);
      classes += buf;
    }
    EXPECT_NEAR(sum, 1.0, 1e-3) << path;
    EXPECT_GE(info->adult_score, 0.0f);
    EXPECT_LE(info->racy_score, 1.0f);
    EXPECT_GE(info->racy_score, info->adult_score);
    if (info->is_adult) flagged_adult.push_back(path + classes);
    racy += info->is_racy;
    std::printf("  %-48s adult=%.3f racy=%.3f |%s\n", path.c_str(), info->adult_score,
                info->racy_score, classes.c_str());
  }
  std::printf(
      "  AdultClassifier (onnxruntime, 1 thread): %.2f ms per image (%zu images); "
      "%d flagged racy\n",
      total_ms / paths.size(), paths.size(), racy);
  EXPECT_GE(paths.size(), 100u);
  EXPECT_LE(flagged_adult.size(), 1u)
      << "ordinary photos flagged adult: " << ::testing::PrintToString(flagged_adult);
}

}  // namespace
}  // namespace ocula
