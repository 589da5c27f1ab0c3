#include "vision/image/jpeg_turbo.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "vision/image/exif.h"

namespace ocula::vision_internal {
namespace {

// ---- Resampling ---------------------------------------------------------------

// The taps of a triangle filter of radius max(1, in/out) along one axis:
// output sample o is the sum over k < taps of weights[o * taps + k] times
// input sample first[o] + k. Every output reads `taps` inputs (zero weights
// pad the shorter ones), so the loops have no per-sample bounds.
struct AxisWeights {
  int taps = 0;
  std::vector<int> first;
  std::vector<float> weights;
};

AxisWeights TriangleWeights(int in, int out) {
  const double scale = static_cast<double>(in) / out;
  const double radius = std::max(1.0, scale);
  std::vector<int> lo(out);
  std::vector<std::vector<float>> w(out);
  size_t taps = 1;
  for (int o = 0; o < out; ++o) {
    double center = (o + 0.5) * scale - 0.5;
    lo[o] = std::max(0, static_cast<int>(std::ceil(center - radius)));
    int hi = std::min(in - 1, static_cast<int>(std::floor(center + radius)));
    double sum = 0;
    for (int i = lo[o]; i <= hi; ++i) {
      double v = std::max(0.0, 1.0 - std::abs(i - center) / radius);
      w[o].push_back(static_cast<float>(v));
      sum += v;
    }
    if (sum <= 0) {  // cannot happen for in >= out, kept for safety
      lo[o] = std::clamp(static_cast<int>(std::lround(center)), 0, in - 1);
      w[o].assign(1, 1.0f);
      sum = 1;
    }
    for (float& v : w[o]) v = static_cast<float>(v / sum);
    taps = std::max(taps, w[o].size());
  }
  AxisWeights axis{static_cast<int>(taps), std::vector<int>(out), std::vector<float>(out * taps)};
  for (int o = 0; o < out; ++o) {
    // Near the far edge, start earlier so that all `taps` inputs exist.
    const int first = std::min(lo[o], in - axis.taps);
    axis.first[o] = first;
    for (size_t k = 0; k < w[o].size(); ++k) {
      axis.weights[o * taps + (lo[o] - first) + k] = w[o][k];
    }
  }
  return axis;
}

// Rounds to nearest (half away from zero, as std::lround) and clamps; exact
// for every float, and cheap enough to vectorise.
uint8_t ToByte(float v) {
  return static_cast<uint8_t>(std::clamp(static_cast<double>(v) + 0.5, 0.0, 255.0));
}

}  // namespace

RgbImage ResampleRgb(const RgbImage& in, int out_w, int out_h) {
  const AxisWeights wx = TriangleWeights(in.width, out_w);
  const AxisWeights wy = TriangleWeights(in.height, out_h);
  // Horizontal pass: in.height rows of out_w pixels, kept in float.
  std::vector<float> rows(static_cast<size_t>(in.height) * out_w * 3);
  for (int y = 0; y < in.height; ++y) {
    const uint8_t* src = in.pixels.data() + static_cast<size_t>(y) * in.width * 3;
    float* dst = rows.data() + static_cast<size_t>(y) * out_w * 3;
    for (int x = 0; x < out_w; ++x) {
      const uint8_t* p = src + static_cast<size_t>(wx.first[x]) * 3;
      const float* w = wx.weights.data() + static_cast<size_t>(x) * wx.taps;
      float r = 0, g = 0, b = 0;
      for (int k = 0; k < wx.taps; ++k, p += 3) {
        r += w[k] * p[0];
        g += w[k] * p[1];
        b += w[k] * p[2];
      }
      dst[3 * x] = r;
      dst[3 * x + 1] = g;
      dst[3 * x + 2] = b;
    }
  }
  // Vertical pass.
  RgbImage out{out_w, out_h, std::vector<uint8_t>(static_cast<size_t>(out_w) * out_h * 3)};
  const size_t row_len = static_cast<size_t>(out_w) * 3;
  std::vector<float> acc(row_len);
  for (int y = 0; y < out_h; ++y) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    const float* w = wy.weights.data() + static_cast<size_t>(y) * wy.taps;
    for (int k = 0; k < wy.taps; ++k) {
      if (w[k] == 0) continue;  // padding
      const float* src = rows.data() + static_cast<size_t>(wy.first[y] + k) * row_len;
      for (size_t i = 0; i < row_len; ++i) acc[i] += w[k] * src[i];
    }
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * row_len;
    for (size_t i = 0; i < row_len; ++i) dst[i] = ToByte(acc[i]);
  }
  return out;
}

namespace {

// ---- TurboJPEG ----------------------------------------------------------------

struct TjDestroy {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDestroy>;

Status TjFormatError(const TjHandle& handle, const char* what) {
  return InvalidImageFormatError(absl::StrCat(what, ": ", tjGetErrorStr2(handle.get())));
}

int ScaledSide(int side, int eighths) { return (side * eighths + 7) / 8; }

}  // namespace

int JpegScaleEighths(int width, int height, int short_side) {
  const int shorter = std::min(width, height);
  for (int k = 1; k < 8; ++k) {
    if (ScaledSide(shorter, k) >= short_side) return k;
  }
  return 8;
}

RgbImage ApplyExifOrientation(RgbImage image, int orientation) {
  if (orientation < 2 || orientation > 8) return image;
  const int w = image.width;
  const int h = image.height;
  const bool swap = orientation >= 5;
  RgbImage out{swap ? h : w, swap ? w : h, std::vector<uint8_t>(image.pixels.size())};
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          break;  // mirror horizontally
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;  // rotate 180
        case 4:
          sy = h - 1 - y;
          break;  // mirror vertically
        case 5:
          sx = y;
          sy = x;
          break;  // transpose
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;  // rotate 90 clockwise
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;  // transverse
        case 8:
          sx = w - 1 - y;
          sy = x;
          break;  // rotate 90 anticlockwise
      }
      const uint8_t* src = image.pixels.data() + (static_cast<size_t>(sy) * w + sx) * 3;
      uint8_t* dst = out.pixels.data() + (static_cast<size_t>(y) * out.width + x) * 3;
      std::copy(src, src + 3, dst);
    }
  }
  return out;
}

std::pair<int, int> ShortSideSize(int width, int height, int short_side) {
  const int shorter = std::min(width, height);
  if (short_side <= 0 || shorter <= short_side) return {width, height};
  const double scale = static_cast<double>(short_side) / shorter;
  auto side = [&](int s) {
    return s == shorter ? short_side : std::max(1, static_cast<int>(std::lround(s * scale)));
  };
  return {side(width), side(height)};
}

StatusOr<JpegInfo> ReadJpegInfo(std::string_view bytes) {
  TjHandle handle(tjInitDecompress());
  if (!handle) return absl::InternalError("TurboJPEG failed to start");
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(handle.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                          bytes.size(), &width, &height, &subsamp, &colorspace) != 0) {
    return TjFormatError(handle, "cannot read the JPEG header");
  }
  if (width < 1 || height < 1) {  // TurboJPEG accepts a tables-only stream as 0x0
    return InvalidImageFormatError("cannot read the JPEG header: it holds no image");
  }
  return JpegInfo{width, height, colorspace == TJCS_CMYK || colorspace == TJCS_YCCK,
                  JpegExifOrientation(bytes)};
}

StatusOr<std::optional<RgbImage>> DecodeJpegTurbo(std::string_view bytes, const JpegInfo& info,
                                                  int short_side) {
  if (info.cmyk) return std::nullopt;
  TjHandle handle(tjInitDecompress());
  if (!handle) return absl::InternalError("TurboJPEG failed to start");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const int width = info.width, height = info.height;
  const int eighths = JpegScaleEighths(width, height, short_side);
  RgbImage rgb{ScaledSide(width, eighths), ScaledSide(height, eighths), {}};
  rgb.pixels.resize(static_cast<size_t>(rgb.width) * rgb.height * 3);
  if (tjDecompress2(handle.get(), data, bytes.size(), rgb.pixels.data(), rgb.width, /*pitch=*/0,
                    rgb.height, TJPF_RGB, TJFLAG_STOPONWARNING) != 0) {
    if (tjGetErrorCode(handle.get()) == TJERR_WARNING) return std::nullopt;
    return TjFormatError(handle, "cannot decode the image");
  }
  if (auto [w, h] = ShortSideSize(width, height, short_side); w != rgb.width || h != rgb.height) {
    rgb = ResampleRgb(rgb, w, h);
  }
  return ApplyExifOrientation(std::move(rgb), info.orientation);
}

}  // namespace ocula::vision_internal
