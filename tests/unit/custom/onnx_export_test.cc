// An exported classifier (backbone + region pooling + head in one ONNX
// file) gives, on the same input tensor, the probabilities Ocula's own
// path gives: RegionFeatures then the head. The official-client test
// (tests/sdk/customvision.mjs) runs the same file in ONNX Runtime for Node.
#include "custom/onnx_export.h"

#include <gtest/gtest.h>

#include <random>

#include "vision/classify/classifier.h"
#include "vision/classify/region_features.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::ReadFileOrDie;
using testing_vision::RepoModelDir;
using testing_vision::TestDataPath;

// A head of three classes over `manifest`'s region features, with random
// weights large enough that the classes differ.
StoredHead RandomHead(const ModelManifest& manifest, HeadActivation activation) {
  const int dim = 4 * 1280;
  std::mt19937 random(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> mean(dim), weights(3 * dim), bias = {0.1f, -0.2f, 0.3f};
  for (float& m : mean) m = std::abs(normal(random)) * 0.2f;
  for (float& w : weights) w = normal(random) * 0.3f;
  auto linear = LinearHead::Create({"a", "b", "c"}, dim, weights, bias, activation);
  EXPECT_TRUE(linear.ok()) << linear.status();
  return StoredHead{RegionFeaturesModel(manifest.name),
                    {"tag-a", "tag-b", "tag-c"},
                    std::make_unique<CentredHead>(mean, std::move(*linear))};
}

void ExpectSameProbabilities(HeadActivation activation) {
  auto manifest = LoadModelManifest(RepoModelDir() + "/classify/model.toml");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  const StoredHead head = RandomHead(*manifest, activation);
  auto exported = ExportOnnx(RepoModelDir(), head);
  ASSERT_TRUE(exported.ok()) << exported.status();

  // Ocula's path.
  auto regions = testing_vision::MakeRegionFeatures();
  ASSERT_NE(regions, nullptr);
  for (const char* photo : {"detect/dog.jpg", "custom/clothing-types/hat"}) {
    std::string path = TestDataPath(photo);
    if (std::string(photo).find("custom/") == 0) {
      path = std::filesystem::directory_iterator(path)->path().string();
    }
    auto decoded = DecodeImage(ReadFileOrDie(path), 352, ImageLimits{});
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    auto features = regions->Embed(decoded->rgb);
    ASSERT_TRUE(features.ok()) << features.status();
    auto expected = head.head->Scores(features->values);
    ASSERT_TRUE(expected.ok()) << expected.status();

    // The exported file on the same input tensor.
    RunnerOptions options;
    options.inference = {.engine = "onnxruntime"};
    options.model_path = "exported.onnx";
    options.model_bytes = *exported;
    options.input_name = manifest->input.name;
    options.output_names = {"probabilities"};
    auto runner = CreateModelRunner(options);
    ASSERT_TRUE(runner.ok()) << runner.status();
    auto input = PreprocessImage(decoded->rgb, regions->input());
    ASSERT_TRUE(input.ok()) << input.status();
    auto outputs = (*runner)->Run(*input);
    ASSERT_TRUE(outputs.ok()) << outputs.status();
    const std::vector<float>& got = outputs->at(0).data;
    ASSERT_EQ(got.size(), 3u);
    for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(got[k], (*expected)[k], 1e-4) << photo << " " << k;
  }
}

TEST(OnnxExportTest, SoftmaxHeadGivesOculasProbabilities) {
  ExpectSameProbabilities(HeadActivation::kSoftmax);
}

TEST(OnnxExportTest, SigmoidHeadGivesOculasProbabilities) {
  ExpectSameProbabilities(HeadActivation::kSigmoid);
}

TEST(OnnxExportTest, AHeadOfAnotherModelIsRefused) {
  auto manifest = LoadModelManifest(RepoModelDir() + "/classify/model.toml");
  ASSERT_TRUE(manifest.ok());
  StoredHead head = RandomHead(*manifest, HeadActivation::kSoftmax);
  head.feature_model = "another/regions-2x2";
  EXPECT_EQ(ExportOnnx(RepoModelDir(), head).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ocula
