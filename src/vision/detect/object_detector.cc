#include "vision/detect/object_detector.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "vision/classify/classifier.h"
#include "vision/detect/detector_core.h"

namespace ocula {
namespace {

// The display names in the manifest's labels file, in class order.
StatusOr<std::vector<std::string>> ReadLabelNames(const ModelManifest& manifest) {
  std::ifstream in(manifest.LabelsPath(), std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("labels file ", manifest.LabelsPath(), " is missing"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto labels = ParseLabels(text.str());
  if (!labels.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(manifest.LabelsPath(), ": ", std::string(labels.status().message())));
  }
  std::vector<std::string> names;
  for (ClassLabel& label : *labels) names.push_back(std::move(label.name));
  return names;
}

}  // namespace

StatusOr<std::unique_ptr<ObjectDetector>> ObjectDetector::Create(
    const ModelManifest& manifest, const InferenceOptions& inference) {
  if (manifest.labels_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("model manifest ", manifest.manifest_path,
                                                   ": an object detector needs [labels]"));
  }
  OCULA_ASSIGN_OR_RETURN(std::vector<std::string> labels, ReadLabelNames(manifest));
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<vision_internal::DetectorCore> core,
                         vision_internal::DetectorCore::Create(manifest, inference, "objects",
                                                               static_cast<int>(labels.size())));
  return std::make_unique<ObjectDetector>(PassKey{}, std::move(labels), std::move(core));
}

ObjectDetector::ObjectDetector(PassKey, std::vector<std::string> labels,
                               std::unique_ptr<vision_internal::DetectorCore> core)
    : labels_(std::move(labels)), core_(std::move(core)) {}

ObjectDetector::~ObjectDetector() = default;

const ModelManifest& ObjectDetector::manifest() const { return core_->manifest(); }

StatusOr<std::vector<Detection>> ObjectDetector::Detect(const RgbImage& image, int original_width,
                                                        int original_height, float min_confidence) {
  OCULA_ASSIGN_OR_RETURN(std::vector<vision_internal::Found> found,
                         core_->Detect(image, original_width, original_height, min_confidence));
  std::vector<Detection> detections;
  detections.reserve(found.size());
  for (const vision_internal::Found& f : found) {
    detections.push_back({labels_.at(f.label), f.score, f.box});
  }
  return detections;
}

}  // namespace ocula
