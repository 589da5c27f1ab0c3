#include "vision/detect/detector_core.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "vision/detect/detector_decoders.h"
#include "vision/detect/detector_input.h"

namespace ocula::vision_internal {
namespace {

Status ManifestError(const ModelManifest& manifest, const std::string& problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("model manifest ", manifest.manifest_path, ": ", problem));
}

// The decoder the manifest names, or InvalidArgument naming the manifest.
StatusOr<const DecoderInfo*> DecoderFor(const ModelManifest& manifest, std::string_view task) {
  if (manifest.task != task) {
    return ManifestError(manifest, absl::StrCat("task is \"", manifest.task, "\", expected \"",
                                                std::string(task), "\""));
  }
  const DecoderInfo* decoder = FindDecoder(task, manifest.decoder);
  if (decoder == nullptr) {
    return ManifestError(manifest, absl::StrCat("unknown decoder \"", manifest.decoder,
                                                "\" for task \"", std::string(task), "\""));
  }
  return decoder;
}

// Runner options reading the decoder's output roles, in its order.
StatusOr<RunnerOptions> RunnerOptionsFor(const ModelManifest& manifest, const DecoderInfo& decoder,
                                         const InferenceOptions& inference) {
  RunnerOptions options;
  options.inference = inference;
  options.model_path = manifest.ModelPath();
  options.input_name = manifest.input.name;
  for (const std::string& role : decoder.roles) {
    auto it = manifest.outputs.find(role);
    if (it == manifest.outputs.end()) {
      return ManifestError(manifest,
                           absl::StrCat("decoder \"", manifest.decoder, "\" needs outputs.", role));
    }
    options.output_names.push_back(it->second);
  }
  return options;
}

}  // namespace

StatusOr<std::unique_ptr<DetectorCore>> DetectorCore::Create(const ModelManifest& manifest,
                                                             const InferenceOptions& inference,
                                                             std::string_view task,
                                                             int num_classes) {
  OCULA_ASSIGN_OR_RETURN(const DecoderInfo* decoder, DecoderFor(manifest, task));
  OCULA_ASSIGN_OR_RETURN(RunnerOptions options, RunnerOptionsFor(manifest, *decoder, inference));
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRunner> runner, CreateModelRunner(options));
  return std::make_unique<DetectorCore>(PassKey{}, manifest, *decoder, num_classes,
                                        std::move(runner));
}

DetectorCore::DetectorCore(PassKey, ModelManifest manifest, const DecoderInfo& decoder,
                           int num_classes, std::unique_ptr<ModelRunner> runner)
    : manifest_(std::move(manifest)),
      decoder_(decoder),
      num_classes_(num_classes),
      runner_(std::move(runner)) {}

StatusOr<std::vector<Found>> DetectorCore::Detect(const RgbImage& image, int original_width,
                                                  int original_height, float min_confidence) {
  OCULA_ASSIGN_OR_RETURN(DetectorInput input, MakeDetectorInput(image, manifest_.input,
                                                                original_width, original_height));
  OCULA_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, runner_->Run(input.tensor));
  const DetectorSpec& spec = manifest_.detector;
  DecodeContext context{manifest_.input.width, manifest_.input.height, num_classes_,
                        std::max(spec.score_threshold, min_confidence), manifest_.ModelPath()};
  OCULA_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, decoder_.decode(outputs, context));
  std::vector<Candidate> kept =
      Nms(std::move(candidates), spec.nms_iou, decoder_.per_class_nms, spec.max_detections);
  std::vector<Found> found;
  for (const Candidate& c : kept) {
    Box box = input.mapping.ToOriginal(c);
    if (box.w > 0 && box.h > 0) found.push_back({c.label, c.score, box});
  }
  return found;
}

}  // namespace ocula::vision_internal
