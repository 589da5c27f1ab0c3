#include "vision/detect/detector_input.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace ocula::vision_internal {
namespace {

// Where the resized image lands in the model input: its size and the
// position of its top-left corner (negative when a centre crop cuts it).
struct Placement {
  cv::Size size;
  int x = 0;
  int y = 0;
};

Placement Place(int width, int height, const ModelInputSpec& spec) {
  if (spec.resize == "stretch") return {cv::Size(spec.width, spec.height), 0, 0};
  double scale = spec.resize == "letterbox"
                     ? std::min(static_cast<double>(spec.width) / width,
                                static_cast<double>(spec.height) / height)
                     : static_cast<double>(spec.resize_short_side) / std::min(width, height);
  cv::Size size(std::max(1, static_cast<int>(std::lround(width * scale))),
                std::max(1, static_cast<int>(std::lround(height * scale))));
  if (spec.resize == "letterbox") {
    size.width = std::min(size.width, spec.width);
    size.height = std::min(size.height, spec.height);
  }
  return {size, (spec.width - size.width) / 2, (spec.height - size.height) / 2};
}

// Writes `resized` (RGB, placed at `at`) into `t`; model pixels it does not
// cover get black (letterbox padding). NCHW, the common case, writes three
// planes through plain pointers so that the inner loop has no branches.
void FillTensor(const cv::Mat& resized, const Placement& at, const ModelInputSpec& spec,
                Tensor& t) {
  const ChannelLuts luts = MakeChannelLuts(spec);
  const int source[3] = {spec.color == "BGR" ? 2 : 0, 1, spec.color == "BGR" ? 0 : 2};
  const bool nchw = spec.layout == "NCHW";
  const size_t plane = static_cast<size_t>(spec.width) * spec.height;
  t.shape = nchw ? std::vector<int64_t>{1, 3, spec.height, spec.width}
                 : std::vector<int64_t>{1, spec.height, spec.width, 3};
  t.data.resize(plane * 3);
  // Element (c, pixel) lives at c * c_step + pixel * p_step.
  const size_t c_step = nchw ? plane : 1, p_step = nchw ? 1 : 3;
  if (at.x > 0 || at.y > 0) {
    for (int c = 0; c < 3; ++c) {
      for (size_t p = 0; p < plane; ++p) t.data[c * c_step + p * p_step] = luts[c][0];
    }
  }
  const int x0 = std::max(0, at.x), x1 = std::min(spec.width, at.x + resized.cols);
  const int y0 = std::max(0, at.y), y1 = std::min(spec.height, at.y + resized.rows);
  for (int y = y0; y < y1; ++y) {
    const uint8_t* px = resized.ptr<uint8_t>(y - at.y) + (x0 - at.x) * 3;
    const size_t first = static_cast<size_t>(y) * spec.width + x0;
    for (int c = 0; c < 3; ++c) {
      const std::array<float, 256>& lut = luts[c];
      const uint8_t* in = px + source[c];
      float* out = t.data.data() + c * c_step + first * p_step;
      for (int x = x0; x < x1; ++x, in += 3, out += p_step) *out = lut[*in];
    }
  }
}

// INTER_AREA gives the cleanest shrink but is slow for non-integer ratios;
// below a 2x shrink bilinear loses nothing visible to a detector.
int Interpolation(cv::Size from, cv::Size to) {
  return from.width >= 2 * to.width && from.height >= 2 * to.height ? cv::INTER_AREA
                                                                    : cv::INTER_LINEAR;
}

int Clamp(double v, int hi) { return static_cast<int>(std::clamp(std::lround(v), 0L, long{hi})); }

}  // namespace

Box BoxMapping::ToOriginal(const Candidate& c) const {
  int x1 = Clamp((c.x1 - offset_x) * to_original_x, original_width);
  int y1 = Clamp((c.y1 - offset_y) * to_original_y, original_height);
  int x2 = Clamp((c.x2 - offset_x) * to_original_x, original_width);
  int y2 = Clamp((c.y2 - offset_y) * to_original_y, original_height);
  return Box{x1, y1, std::max(0, x2 - x1), std::max(0, y2 - y1)};
}

StatusOr<DetectorInput> MakeDetectorInput(const RgbImage& image, const ModelInputSpec& spec,
                                          int original_width, int original_height) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return absl::InvalidArgumentError("detector input: empty or inconsistent image");
  }
  if (original_width <= 0 || original_height <= 0) {
    return absl::InvalidArgumentError("detector input: original size must be positive");
  }
  // A view of the caller's pixels: OpenCV only reads them.
  const cv::Mat src(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  const Placement at = Place(image.width, image.height, spec);
  cv::Mat resized = src;
  if (at.size != src.size()) {
    cv::resize(src, resized, at.size, 0, 0, Interpolation(src.size(), at.size));
  }
  DetectorInput input;
  FillTensor(resized, at, spec, input.tensor);
  BoxMapping& m = input.mapping;
  m.offset_x = static_cast<float>(at.x);
  m.offset_y = static_cast<float>(at.y);
  m.to_original_x = static_cast<float>(original_width) / at.size.width;
  m.to_original_y = static_cast<float>(original_height) / at.size.height;
  m.original_width = original_width;
  m.original_height = original_height;
  return input;
}

}  // namespace ocula::vision_internal
