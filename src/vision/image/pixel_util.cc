#include "vision/image/pixel_util.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace ocula {

cv::Mat ShrunkView(const RgbImage& image, int max_side) {
  cv::Mat src(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  const int longer = std::max(image.width, image.height);
  if (longer <= max_side) return src;
  const double f = static_cast<double>(max_side) / longer;
  cv::Mat out;
  cv::resize(src, out,
             cv::Size(std::max(1, static_cast<int>(std::lround(image.width * f))),
                      std::max(1, static_cast<int>(std::lround(image.height * f)))),
             0, 0, cv::INTER_AREA);
  return out;
}

}  // namespace ocula
