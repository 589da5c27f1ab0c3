#include "custom/onnx_export.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "vision/classify/region_features.h"
#include "vision/models/model_manifest.h"
#include "vision/models/onnx_append.h"

namespace ocula {
namespace {

// How Ocula runs the file (model_runner_onnx.cc): without it, ONNX
// Runtime's int8 products overflow on x86-64 CPUs without VNNI and the
// probabilities move by a percent.
constexpr char kRuntime[] =
    "ONNX Runtime session config entry session.x64quantprecision = 1 (exact int8 products on "
    "x86-64 CPUs without VNNI)";

// MobileNetV2's output stride: its last feature map is the input / 32.
constexpr int kOutputStride = 32;

OnnxNode Node(std::string op, std::vector<std::string> inputs, std::string output,
              std::vector<OnnxAttribute> attributes = {}) {
  return OnnxNode{std::move(op), std::move(inputs), {std::move(output)}, std::move(attributes)};
}

std::string Preprocessing(const ModelInputSpec& input) {
  return nlohmann::json{{"input", input.name},
                        {"layout", input.layout},
                        {"width", input.width},
                        {"height", input.height},
                        {"resize", "stretch the whole image (no crop), EXIF orientation applied"},
                        {"color", input.color},
                        {"scale", input.scale},
                        {"mean", input.mean},
                        {"std", input.std},
                        {"formula", "(pixel * scale - mean[c]) / std[c]"}}
      .dump();
}

}  // namespace

StatusOr<std::string> ExportOnnx(const std::string& model_dir, const StoredHead& head) {
  OCULA_ASSIGN_OR_RETURN(ModelManifest manifest,
                         LoadModelManifest(model_dir + "/classify/model.toml"));
  if (head.feature_model != RegionFeaturesModel(manifest.name)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the iteration was trained on ", head.feature_model,
                     ", the installed model "
                     "gives ",
                     RegionFeaturesModel(manifest.name), "; train it again"));
  }
  const auto feature_map = manifest.outputs.find("feature_map");
  if (feature_map == manifest.outputs.end()) {
    return absl::FailedPreconditionError("the classifier's manifest names no feature_map output");
  }
  OCULA_ASSIGN_OR_RETURN(std::string model, ReadWholeFile(std::filesystem::path(model_dir) /
                                                          "classify" / manifest.file));
  const CentredHead& centred = *head.head;
  const LinearHead& linear = centred.linear();
  const int64_t dim = linear.dim(), classes = static_cast<int64_t>(linear.classes().size());
  const RegionGrid grid = RegionGridFor((manifest.input.height + kOutputStride - 1) / kOutputStride,
                                        (manifest.input.width + kOutputStride - 1) / kOutputStride);

  OnnxGraphAddition add;
  add.nodes = {
      Node("AveragePool", {feature_map->second}, "ocula_regions",
           {{"kernel_shape", std::vector<int64_t>{grid.kernel_h, grid.kernel_w}},
            {"strides", std::vector<int64_t>{grid.stride_h, grid.stride_w}}}),
      // N x C x 2 x 2 -> N x 2 x 2 x C -> N x 4C: region by region, channels within.
      Node("Transpose", {"ocula_regions"}, "ocula_regions_nhwc",
           {{"perm", std::vector<int64_t>{0, 2, 3, 1}}}),
      Node("Flatten", {"ocula_regions_nhwc"}, "ocula_features", {{"axis", int64_t{1}}}),
      Node("Sub", {"ocula_features", "ocula_mean"}, "ocula_centred"),
      Node("LpNormalization", {"ocula_centred"}, "ocula_unit",
           {{"axis", int64_t{1}}, {"p", int64_t{2}}}),
      Node("Gemm", {"ocula_unit", "ocula_weights", "ocula_bias"}, "ocula_scores",
           {{"transB", int64_t{1}}}),
      linear.activation() == HeadActivation::kSigmoid
          ? Node("Sigmoid", {"ocula_scores"}, "probabilities")
          : Node("Softmax", {"ocula_scores"}, "probabilities", {{"axis", int64_t{1}}}),
  };
  add.initializers = {{"ocula_mean", {1, dim}, centred.mean()},
                      {"ocula_weights", {classes, dim}, linear.weights()},
                      {"ocula_bias", {classes}, linear.bias()}};
  add.outputs = {{"probabilities", 2}};
  add.metadata = {{"ocula.classes", nlohmann::json(linear.classes()).dump()},
                  {"ocula.tagIds", nlohmann::json(head.tag_ids).dump()},
                  {"ocula.featureModel", head.feature_model},
                  {"ocula.preprocessing", Preprocessing(manifest.input)},
                  {"ocula.runtime", kRuntime}};
  return AppendToOnnxModel(model, add);
}

}  // namespace ocula
