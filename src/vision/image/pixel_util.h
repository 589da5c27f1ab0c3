// Pixel helpers for the vision modules that use OpenCV (color, image_type).
// Internal to vision/: it exposes OpenCV types, so public headers must not
// include it.
#pragma once

#include <opencv2/core.hpp>

#include "vision/image/image.h"

namespace ocula {

// `image` as a cv::Mat whose longer side is at most `max_side`: a view of the
// pixels when it already fits, else an INTER_AREA-shrunk copy (area averaging
// keeps flat regions flat and thin strokes visible).
cv::Mat ShrunkView(const RgbImage& image, int max_side);

}  // namespace ocula
