// FaceDetector: face rectangles (CONTRACTS.md §1 "Faces") from a model
// described by a ModelManifest with task "faces". The manifest's `decoder`
// picks the output decoder ("yunet", "ultraface"), its [input] the
// preprocessing and its [detector] table the score threshold, NMS overlap
// and face cap (models/README.md). Landmarks, where a model has them, are
// not read: the contract has no field for them.
//
// Thread-safety: a FaceDetector is NOT safe for concurrent use (it owns one
// ModelRunner); create one per worker thread.
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

class FaceDetector {
 public:
  // Loads the model of `manifest` (already verified by LoadModelManifest)
  // as `inference` says (engine, threads, time limit).
  // InvalidArgument naming the manifest for a task other than "faces", an
  // unknown decoder, a missing output role or an unknown engine; NotFound
  // when the model file is missing; FailedPrecondition when the engine
  // cannot load it.
  static StatusOr<std::unique_ptr<FaceDetector>> Create(const ModelManifest& manifest,
                                                        const InferenceOptions& inference = {});

  // Faces in `image`, a decode (possibly shrunk) of an image that is
  // `original_width` x `original_height`: boxes in ORIGINAL pixels, clamped
  // to the image, best confidence first. Keeps faces scoring at least the
  // manifest's detector.score_threshold and at least `min_confidence` (pass
  // 0 for the manifest's). InvalidArgument for an empty image or a
  // non-positive original size; FailedPrecondition when the model's outputs
  // do not fit the decoder; Internal when the engine fails.
  StatusOr<std::vector<Face>> Detect(const RgbImage& image, int original_width, int original_height,
                                     float min_confidence);

  const ModelManifest& manifest() const;

  ~FaceDetector();

 private:
  struct PassKey {};

 public:
  FaceDetector(PassKey, std::unique_ptr<vision_internal::DetectorCore> core);

 private:
  const std::unique_ptr<vision_internal::DetectorCore> core_;  // constant after construction
};

}  // namespace ocula
