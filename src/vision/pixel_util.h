// Small pixel helpers shared by the vision modules that use OpenCV.
// Internal to vision/: it exposes OpenCV types, so public headers must not
// include it.
#pragma once

#include <array>

#include <opencv2/core.hpp>

#include "vision/image.h"
#include "vision/model_manifest.h"

namespace ocula {

// `image` as a cv::Mat whose longer side is at most `max_side`: a view of the
// pixels when it already fits, else an INTER_AREA-shrunk copy (area averaging
// keeps flat regions flat and thin strokes visible).
cv::Mat ShrunkView(const RgbImage& image, int max_side);

// Per input channel c, the model value for each 8-bit pixel:
// (p * scale - mean[c]) / std[c].
using ChannelLuts = std::array<std::array<float, 256>, 3>;
ChannelLuts MakeChannelLuts(const ModelInputSpec& spec);

}  // namespace ocula
