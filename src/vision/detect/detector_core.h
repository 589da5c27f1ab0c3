// DetectorCore: what the object and face detectors share. One ModelRunner
// for the manifest's model, the manifest's preprocessing, its decoder
// (detector_decoders.h), non-maximum suppression and the mapping of boxes
// back to original-image pixels.
//
// Thread-safety: NOT safe for concurrent use (it owns a ModelRunner); create
// one per worker thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "vision/detect/nms.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"

namespace ocula::vision_internal {

struct DecoderInfo;

// One detection: its score and label, and its box in original pixels.
struct Found {
  int label = 0;
  float score = 0;
  Box box;
};

class DetectorCore {
 public:
  // Checks that `manifest` is a `task` model with a known decoder and every
  // output role that decoder reads, then loads the model as `inference` says.
  // InvalidArgument naming the manifest (wrong task, unknown decoder, missing
  // output role, unknown engine); otherwise as CreateModelRunner.
  // `num_classes` is the label count (1 for single-class detectors).
  static StatusOr<std::unique_ptr<DetectorCore>> Create(const ModelManifest& manifest,
                                                        const InferenceOptions& inference,
                                                        std::string_view task, int num_classes);

  // Detections scoring at least max(manifest threshold, min_confidence),
  // after suppression, best first, boxes in original pixels (never empty).
  // InvalidArgument for an empty image or original size; FailedPrecondition
  // when the outputs do not fit the decoder; Internal when the engine fails.
  StatusOr<std::vector<Found>> Detect(const RgbImage& image, int original_width,
                                      int original_height, float min_confidence);

  const ModelManifest& manifest() const { return manifest_; }

 private:
  struct PassKey {};

 public:
  DetectorCore(PassKey, ModelManifest manifest, const DecoderInfo& decoder, int num_classes,
               std::unique_ptr<ModelRunner> runner);

 private:
  // Constant after construction.
  const ModelManifest manifest_;
  const DecoderInfo& decoder_;
  const int num_classes_;
  const std::unique_ptr<ModelRunner> runner_;
};

}  // namespace ocula::vision_internal
