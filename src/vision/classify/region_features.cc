#include "vision/classify/region_features.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "vision/classify/classifier.h"
#include "vision/models/onnx_append.h"

namespace ocula {

RegionGrid RegionGridFor(int height, int width) {
  const auto kernel = [](int size) { return (size + 1) / 2; };
  const auto stride = [](int size, int k) { return std::max(1, size - k); };
  const int kh = kernel(height), kw = kernel(width);
  return RegionGrid{kh, kw, stride(height, kh), stride(width, kw)};
}

std::vector<float> PoolRegions(const float* map, int channels, int height, int width) {
  const RegionGrid grid = RegionGridFor(height, width);
  const float area = static_cast<float>(grid.kernel_h * grid.kernel_w);
  std::vector<float> out(4 * static_cast<size_t>(channels), 0.0f);
  for (int region = 0; region < 4; ++region) {
    const int top = (region / 2) * grid.stride_h, left = (region % 2) * grid.stride_w;
    float* dst = &out[static_cast<size_t>(region) * channels];
    for (int c = 0; c < channels; ++c) {
      const float* plane = map + static_cast<size_t>(c) * height * width;
      float sum = 0;
      for (int y = top; y < top + grid.kernel_h; ++y) {
        for (int x = left; x < left + grid.kernel_w; ++x) sum += plane[y * width + x];
      }
      dst[c] = sum / area;
    }
  }
  return out;
}

StatusOr<RunnerOptions> RegionFeatureRunnerOptions(const ModelManifest& manifest,
                                                   const InferenceOptions& inference) {
  const auto it = manifest.outputs.find("feature_map");
  if (it == manifest.outputs.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "model manifest ", manifest.manifest_path,
        " names no \"feature_map\" output; custom classifiers need the classifier's last "
        "feature map (see models/README.md)"));
  }
  RunnerOptions options;
  options.inference = inference;
  options.model_path = manifest.ModelPath();
  options.input_name = manifest.input.name;
  options.output_names = {it->second};
  OCULA_ASSIGN_OR_RETURN(std::string model, ReadWholeFile(options.model_path));
  OnnxGraphAddition addition;
  addition.outputs = {{it->second, 4}};
  options.model_bytes = AppendToOnnxModel(model, addition);
  return options;
}

StatusOr<std::unique_ptr<RegionFeatures>> RegionFeatures::Create(
    const ModelManifest& manifest, std::unique_ptr<ModelRunner> runner) {
  if (runner == nullptr) return absl::InvalidArgumentError("RegionFeatures needs a ModelRunner");
  ModelInputSpec input = manifest.input;
  input.resize = "stretch";
  return std::make_unique<RegionFeatures>(PassKey{}, manifest.name, std::move(input),
                                          std::move(runner));
}

RegionFeatures::RegionFeatures(PassKey, std::string model_name, ModelInputSpec input,
                               std::unique_ptr<ModelRunner> runner)
    : model_name_(std::move(model_name)), input_(std::move(input)), runner_(std::move(runner)) {}

std::string RegionFeaturesModel(const std::string& model_name) {
  return model_name + "/regions-2x2";
}

std::string RegionFeatures::EmbeddingModel() const { return RegionFeaturesModel(model_name_); }

StatusOr<Embedding> RegionFeatures::Embed(const RgbImage& image) {
  OCULA_ASSIGN_OR_RETURN(Tensor tensor, PreprocessImage(image, input_));
  OCULA_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, runner_->Run(tensor));
  const Tensor& map = outputs.at(0);
  if (map.shape.size() != 4 || map.shape[0] != 1 || map.shape[2] < 2 || map.shape[3] < 2 ||
      static_cast<size_t>(map.shape[1] * map.shape[2] * map.shape[3]) != map.data.size()) {
    return absl::InternalError(absl::StrCat("the feature map of ", model_name_,
                                            " is not a 1 x C x H x W tensor with H, W >= 2"));
  }
  return Embedding{EmbeddingModel(),
                   PoolRegions(map.data.data(), static_cast<int>(map.shape[1]),
                               static_cast<int>(map.shape[2]), static_cast<int>(map.shape[3]))};
}

}  // namespace ocula
