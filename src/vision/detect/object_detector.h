// ObjectDetector: COCO-80 objects (CONTRACTS.md §1 "Objects") from a
// detection model described by a ModelManifest with task "objects". The
// manifest's `decoder` picks the output decoder ("fastestdet", "nanodet",
// "picodet"), its [input] the preprocessing, its [labels] the class names
// and its [detector] table the score threshold, NMS overlap and detection
// cap (models/README.md).
//
// Thread-safety: an ObjectDetector is NOT safe for concurrent use (it owns
// one ModelRunner); create one per worker thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"

namespace ocula {

namespace vision_internal {
class DetectorCore;
}

class ObjectDetector {
 public:
  // Loads the model of `manifest` (already verified by LoadModelManifest)
  // as `inference` says (engine, threads, time limit), and
  // reads its labels. InvalidArgument naming the manifest for a task
  // other than "objects", an unknown decoder, a missing output role or an
  // unknown engine; NotFound when the model or labels file is missing;
  // FailedPrecondition when the engine cannot load the model.
  static StatusOr<std::unique_ptr<ObjectDetector>> Create(const ModelManifest& manifest,
                                                          const InferenceOptions& inference = {});

  // Objects in `image`, a decode (possibly shrunk) of an image that is
  // `original_width` x `original_height`: boxes in ORIGINAL pixels, clamped
  // to the image, best confidence first. Keeps detections scoring at least
  // the manifest's detector.score_threshold and at least `min_confidence`
  // (pass 0 for the manifest's). InvalidArgument for an empty image or a
  // non-positive original size; FailedPrecondition when the model's outputs
  // do not fit the decoder or the labels; Internal when the engine fails.
  StatusOr<std::vector<Detection>> Detect(const RgbImage& image, int original_width,
                                          int original_height, float min_confidence);

  const ModelManifest& manifest() const;
  const std::vector<std::string>& labels() const { return labels_; }

  ~ObjectDetector();

 private:
  struct PassKey {};

 public:
  ObjectDetector(PassKey, std::vector<std::string> labels,
                 std::unique_ptr<vision_internal::DetectorCore> core);

 private:
  // Constant after construction.
  const std::vector<std::string> labels_;
  const std::unique_ptr<vision_internal::DetectorCore> core_;
};

}  // namespace ocula
