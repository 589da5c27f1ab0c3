// RegionFeatures: the image features custom classifiers are trained on.
//
// The pipeline's embedding (the classifier's global-average-pool over its
// centre crop) is made for ImageNet's classes. Measured on the labelled
// collections of ../shared/testdata/custom (bench/ocula_bench_custom), a
// head names the user's classes better from:
//   - the whole photo squeezed to the classifier's input square, not its
//     centre crop (a garment's sleeves and hem, a dent at the edge of the
//     frame are in view), and
//   - the classifier's last feature map averaged over a 2 x 2 grid of
//     overlapping regions (kernel ceil(H/2), stride H - kernel: rows 0-3 and
//     3-6 of a 7 x 7 map) instead of over the whole map: the head sees where
//     things are (long or short sleeves, a bumper low in the frame).
// The result has 4 x C values (4 x 1280 = 5120 for MobileNetV2), region by
// region (top-left, top-right, bottom-left, bottom-right), channels within.
//
// The feature map is the manifest's `feature_map` output (a tensor inside
// the model, added as an output with AppendToOnnxModel). One forward pass per
// image, the same as the pipeline's classifier.
//
// Thread-safety: NOT safe for concurrent use (owns a ModelRunner), like
// Classifier.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "vision/classify/embedding.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"

namespace ocula {

// How the regions are cut from an H x W map: the kernel and stride of an
// AveragePool that gives a 2 x 2 result (what an exported model uses).
struct RegionGrid {
  int kernel_h = 0, kernel_w = 0, stride_h = 0, stride_w = 0;
};
RegionGrid RegionGridFor(int height, int width);

// The name of RegionFeatures' vectors of the model named `model_name`.
std::string RegionFeaturesModel(const std::string& model_name);

// The runner options for `manifest`'s model with its feature map as the
// one output. FailedPrecondition when the manifest names no
// outputs.feature_map; NotFound when the model file cannot be read.
StatusOr<RunnerOptions> RegionFeatureRunnerOptions(const ModelManifest& manifest,
                                                   const InferenceOptions& inference);

class RegionFeatures final : public ImageEmbedder {
 public:
  // `runner` must come from RegionFeatureRunnerOptions(manifest, ...).
  static StatusOr<std::unique_ptr<RegionFeatures>> Create(const ModelManifest& manifest,
                                                          std::unique_ptr<ModelRunner> runner);

  // "<model name>/regions-2x2": vectors of different models do not mix.
  std::string EmbeddingModel() const override;
  // InvalidArgument for an empty image; Internal when the engine fails or
  // the output is not an N x C x H x W map.
  StatusOr<Embedding> Embed(const RgbImage& image) override;

  // The preprocessing of an exported model's input: the manifest's, with
  // the whole image stretched to the input size.
  const ModelInputSpec& input() const { return input_; }

 private:
  struct PassKey {};

 public:
  RegionFeatures(PassKey, std::string model_name, ModelInputSpec input,
                 std::unique_ptr<ModelRunner> runner);

 private:
  // Constant after construction.
  const std::string model_name_;
  const ModelInputSpec input_;
  const std::unique_ptr<ModelRunner> runner_;
};

// The 2 x 2 region means of one C x H x W map (what Embed returns).
std::vector<float> PoolRegions(const float* map, int channels, int height, int width);

}  // namespace ocula
