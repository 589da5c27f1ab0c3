#include "vision/detect/face_detector.h"

#include "vision/detect/detector_core.h"

namespace ocula {

StatusOr<std::unique_ptr<FaceDetector>> FaceDetector::Create(const ModelManifest& manifest,
                                                             const InferenceOptions& inference) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<vision_internal::DetectorCore> core,
                         vision_internal::DetectorCore::Create(manifest, inference, "faces", 1));
  return std::make_unique<FaceDetector>(PassKey{}, std::move(core));
}

FaceDetector::FaceDetector(PassKey, std::unique_ptr<vision_internal::DetectorCore> core)
    : core_(std::move(core)) {}

FaceDetector::~FaceDetector() = default;

const ModelManifest& FaceDetector::manifest() const { return core_->manifest(); }

StatusOr<std::vector<Face>> FaceDetector::Detect(const RgbImage& image, int original_width,
                                                 int original_height, float min_confidence) {
  OCULA_ASSIGN_OR_RETURN(std::vector<vision_internal::Found> found,
                         core_->Detect(image, original_width, original_height, min_confidence));
  std::vector<Face> faces;
  faces.reserve(found.size());
  for (const vision_internal::Found& f : found) faces.push_back({f.box, f.score});
  return faces;
}

}  // namespace ocula
