#include "vision/classify/region_features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "vision/classify/classifier.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/models/onnx_append.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::MakeRegionFeatures;
using testing_vision::ReadFileOrDie;
using testing_vision::RepoModelDir;
using testing_vision::TestDataPath;

TEST(RegionGridTest, TwoOverlappingHalvesOfOddMapsAndTwoHalvesOfEvenOnes) {
  const RegionGrid seven = RegionGridFor(7, 7);
  EXPECT_EQ(seven.kernel_h, 4);
  EXPECT_EQ(seven.stride_h, 3);  // rows 0-3 and 3-6
  const RegionGrid wide = RegionGridFor(8, 10);
  EXPECT_EQ(wide.kernel_h, 4);
  EXPECT_EQ(wide.stride_h, 4);
  EXPECT_EQ(wide.kernel_w, 5);
  EXPECT_EQ(wide.stride_w, 5);
}

TEST(RegionGridTest, PoolsEachQuadrantChannelByChannel) {
  // 2 channels of 3 x 3: channel 0 counts 0..8, channel 1 is 10x that.
  std::vector<float> map(18);
  std::iota(map.begin(), map.begin() + 9, 0.0f);
  for (int i = 0; i < 9; ++i) map[9 + i] = 10.0f * i;
  const std::vector<float> regions = PoolRegions(map.data(), 2, 3, 3);
  ASSERT_EQ(regions.size(), 8u);
  // Kernel 2, stride 1: top-left {0,1,3,4}, top-right {1,2,4,5},
  // bottom-left {3,4,6,7}, bottom-right {4,5,7,8}.
  EXPECT_FLOAT_EQ(regions[0], 2.0f);
  EXPECT_FLOAT_EQ(regions[1], 20.0f);
  EXPECT_FLOAT_EQ(regions[2], 3.0f);
  EXPECT_FLOAT_EQ(regions[4], 5.0f);
  EXPECT_FLOAT_EQ(regions[6], 6.0f);
  EXPECT_FLOAT_EQ(regions[7], 60.0f);
}

ModelManifest Manifest() {
  auto manifest = LoadModelManifest(RepoModelDir() + "/classify/model.toml");
  EXPECT_TRUE(manifest.ok()) << manifest.status();
  return *manifest;
}

RgbImage Photo(const std::string& name) {
  auto decoded = DecodeImage(ReadFileOrDie(TestDataPath(name)), 256, ImageLimits{});
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded->rgb;
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

TEST(RegionFeaturesTest, FourRegionsOfTheWholeImageOnBothEngines) {
  auto onnx = MakeRegionFeatures("onnxruntime");
  auto opencv = MakeRegionFeatures("opencv");
  ASSERT_NE(onnx, nullptr);
  ASSERT_NE(opencv, nullptr);
  EXPECT_EQ(onnx->EmbeddingModel(), "mobilenetv2-12-int8-embed/regions-2x2");
  EXPECT_EQ(onnx->input().resize, "stretch");
  const RgbImage dog = Photo("detect/dog.jpg");
  auto a = onnx->Embed(dog);
  auto b = opencv->Embed(dog);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->values.size(), 4u * 1280);
  EXPECT_GT(Cosine(a->values, b->values), 0.98);
  // The regions see different parts of the photo.
  const std::vector<float> top_left(a->values.begin(), a->values.begin() + 1280);
  const std::vector<float> bottom_right(a->values.end() - 1280, a->values.end());
  EXPECT_LT(Cosine(top_left, bottom_right), 0.95);
}

// The same regions from the model itself: an AveragePool node appended to
// the graph with the grid's kernel and stride (what an exported classifier
// runs) gives what PoolRegions computed; an appended constant (an
// initializer, as an exported head's weights) is read by appended nodes.
TEST(RegionFeaturesTest, AnAppendedAveragePoolNodeGivesTheSameRegions) {
  const ModelManifest manifest = Manifest();
  const RegionGrid grid = RegionGridFor(7, 7);
  OnnxGraphAddition addition;
  addition.nodes.push_back({"AveragePool",
                            {manifest.outputs.at("feature_map")},
                            {"regions_map"},
                            {{"kernel_shape", std::vector<int64_t>{grid.kernel_h, grid.kernel_w}},
                             {"strides", std::vector<int64_t>{grid.stride_h, grid.stride_w}}}});
  addition.initializers.push_back({"per_region_scale", {1, 1, 2, 2}, {1.0f, 2.0f, -1.0f, 0.5f}});
  addition.nodes.push_back({"Mul", {"regions_map", "per_region_scale"}, {"scaled_map"}, {}});
  addition.outputs = {{"regions_map", 4}, {"scaled_map", 4}};
  RunnerOptions options;
  options.inference = {.engine = "onnxruntime"};
  options.model_path = manifest.ModelPath();
  options.model_bytes = AppendToOnnxModel(ReadFileOrDie(manifest.ModelPath()), addition);
  options.input_name = manifest.input.name;
  options.output_names = {"regions_map", "scaled_map"};
  auto runner = CreateModelRunner(options);
  ASSERT_TRUE(runner.ok()) << runner.status();
  auto regions = MakeRegionFeatures("onnxruntime");
  ASSERT_NE(regions, nullptr);
  const RgbImage dog = Photo("detect/dog.jpg");
  auto tensor = PreprocessImage(dog, regions->input());
  ASSERT_TRUE(tensor.ok());
  auto pooled = (*runner)->Run(*tensor);
  ASSERT_TRUE(pooled.ok()) << pooled.status();
  ASSERT_EQ(pooled->at(0).shape, (std::vector<int64_t>{1, 1280, 2, 2}));
  auto embedded = regions->Embed(dog);
  ASSERT_TRUE(embedded.ok());
  // AveragePool's layout is channel-major (c, y, x); ours region-major.
  const float scale[] = {1.0f, 2.0f, -1.0f, 0.5f};
  for (int region = 0; region < 4; ++region) {
    for (int c = 0; c < 1280; c += 97) {
      const size_t at = static_cast<size_t>(c) * 4 + region;
      const float expected = embedded->values[static_cast<size_t>(region) * 1280 + c];
      EXPECT_NEAR(pooled->at(0).data[at], expected, 1e-4)
          << "region " << region << " channel " << c;
      EXPECT_NEAR(pooled->at(1).data[at], scale[region] * expected, 1e-4);
    }
  }
}

TEST(RegionFeaturesTest, AManifestWithoutAFeatureMapIsRefusedWithHowToFixIt) {
  ModelManifest manifest = Manifest();
  manifest.outputs.erase("feature_map");
  auto options = RegionFeatureRunnerOptions(manifest, {.engine = "onnxruntime"});
  ASSERT_EQ(options.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(options.status().message().find("feature_map"), std::string::npos);
}

TEST(RegionFeaturesTest, AFeatureMapTheModelLacksFailsToLoad) {
  ModelManifest manifest = Manifest();
  manifest.outputs["feature_map"] = "no_such_tensor";
  auto options = RegionFeatureRunnerOptions(manifest, {.engine = "onnxruntime"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(CreateModelRunner(*options).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ocula
