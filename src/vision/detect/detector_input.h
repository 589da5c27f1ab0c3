// Detector input: an image resized straight into the model's float tensor,
// with the mapping that takes boxes back to the original image's pixels.
//
// Thread-safety: pure functions and plain values, safe for concurrent use.
#pragma once

#include "core/status.h"
#include "vision/detect/nms.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"

namespace ocula::vision_internal {

// Maps model-input pixels to original-image pixels:
// x_original = (x_model - offset_x) * to_original_x, and likewise for y.
struct BoxMapping {
  float offset_x = 0;  // where the resized image's left edge lies in the model input
  float offset_y = 0;
  float to_original_x = 1;
  float to_original_y = 1;
  int original_width = 0;
  int original_height = 0;

  // The candidate as a Box in original pixels, clamped to the image.
  Box ToOriginal(const Candidate& c) const;
};

struct DetectorInput {
  Tensor tensor;
  BoxMapping mapping;
};

// Resizes `image` as `spec` says ("stretch", "letterbox": fit inside and pad
// black, centred; "short_side_center_crop") and writes the normalised
// channels (scale, mean/std, RGB or BGR, NCHW or NHWC) into the tensor.
// `original_width` x `original_height` is the size of the image `image` was
// decoded from (it may be a shrunk decode). InvalidArgument for an empty or
// inconsistent image or a non-positive original size.
StatusOr<DetectorInput> MakeDetectorInput(const RgbImage& image, const ModelInputSpec& spec,
                                          int original_width, int original_height);

}  // namespace ocula::vision_internal
