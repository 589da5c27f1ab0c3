#include "vision/image/color.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "vision/image/pixel_util.h"

namespace ocula {
namespace {

enum ColorId {
  kBlack,
  kBlue,
  kBrown,
  kGray,
  kGreen,
  kOrange,
  kPink,
  kPurple,
  kRed,
  kTeal,
  kWhite,
  kYellow,
  kColorCount
};

constexpr std::array<const char*, kColorCount> kNames = {"Black", "Blue",   "Brown", "Gray",
                                                         "Green", "Orange", "Pink",  "Purple",
                                                         "Red",   "Teal",   "White", "Yellow"};

struct Hsv {
  float h = 0;       // degrees, 0..360
  float s = 0;       // 0..1
  float v = 0;       // 0..1
  float chroma = 0;  // (max - min) / 255
};

Hsv ToHsv(uint8_t r, uint8_t g, uint8_t b) {
  const int max = std::max({r, g, b});
  const int min = std::min({r, g, b});
  const float delta = static_cast<float>(max - min);
  Hsv hsv;
  hsv.v = max / 255.0f;
  hsv.chroma = delta / 255.0f;
  hsv.s = max == 0 ? 0 : delta / max;
  if (delta == 0) return hsv;
  float h = 0;
  if (max == r) {
    h = 60.0f * std::fmod((g - b) / delta + 6.0f, 6.0f);
  } else if (max == g) {
    h = 60.0f * ((b - r) / delta + 2.0f);
  } else {
    h = 60.0f * ((r - g) / delta + 4.0f);
  }
  hsv.h = h;
  return hsv;
}

// The hue rules for a saturated, not-dark pixel.
ColorId HueName(const Hsv& c) {
  const float h = c.h;
  if (h < 15 || h >= 340) {
    if (c.s < 0.5f && c.v > 0.75f) return kPink;
    return c.v < 0.45f && c.s < 0.7f ? kBrown : kRed;
  }
  if (h < 45) return c.v < 0.6f || c.s < 0.45f ? kBrown : kOrange;
  if (h < 70) return c.v < 0.55f ? kBrown : kYellow;
  if (h < 160) return kGreen;
  if (h < 200) return kTeal;
  if (h < 260) return kBlue;
  if (h < 290) return kPurple;
  return c.v < 0.5f ? kPurple : kPink;
}

ColorId NameId(const Hsv& c) {
  if (c.v < 0.22f) return kBlack;
  if (c.chroma < 0.12f || c.s < 0.18f) {
    if (c.v > 0.82f) return kWhite;
    return c.v < 0.3f ? kBlack : kGray;
  }
  return HueName(c);
}

using Counts = std::array<int, kColorCount>;

ColorId MostFrequent(const Counts& counts) {
  return static_cast<ColorId>(std::max_element(counts.begin(), counts.end()) - counts.begin());
}

std::vector<std::string> DominantNames(const Counts& counts, int total) {
  std::array<int, kColorCount> order{};
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return counts[a] > counts[b]; });
  std::vector<std::string> names{kNames[order[0]]};
  for (int i = 1; i < 3; ++i) {
    if (counts[order[i]] < kDominantMinShare * total) break;
    names.emplace_back(kNames[order[i]]);
  }
  return names;
}

std::string Hex(double r, double g, double b) {
  auto clamp = [](double x) { return static_cast<int>(std::lround(std::clamp(x, 0.0, 255.0))); };
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02X%02X%02X", clamp(r), clamp(g), clamp(b));
  return buf;
}

constexpr int kHueBins = 24;  // 15 degrees each

// Accumulates the accent candidates: per hue bin, the salience-weighted sum
// of colours of saturated pixels.
struct AccentHistogram {
  std::array<double, kHueBins> weight{};
  std::array<std::array<double, 3>, kHueBins> rgb{};
  std::array<double, 3> all{};  // plain sum of every pixel, for the fallback
  int pixels = 0;

  void Add(const uint8_t* p, const Hsv& c) {
    for (int k = 0; k < 3; ++k) all[k] += p[k];
    ++pixels;
    if (c.s < 0.35f || c.v < 0.3f || c.chroma < 0.15f) return;
    const int bin = std::min(kHueBins - 1, static_cast<int>(c.h / (360.0f / kHueBins)));
    const double w = c.s * c.v;
    weight[bin] += w;
    for (int k = 0; k < 3; ++k) rgb[bin][k] += w * p[k];
  }

  std::string Accent() const {
    int best = -1;
    double best_weight = 0;
    for (int i = 0; i < kHueBins; ++i) {
      double w = ClusterWeight(i);
      if (w > best_weight) best_weight = w, best = i;
    }
    if (best < 0) return Hex(all[0] / pixels, all[1] / pixels, all[2] / pixels);
    std::array<double, 3> sum{};
    for (int d = -1; d <= 1; ++d) {
      const int i = (best + d + kHueBins) % kHueBins;
      for (int k = 0; k < 3; ++k) sum[k] += rgb[i][k];
    }
    return Hex(sum[0] / best_weight, sum[1] / best_weight, sum[2] / best_weight);
  }

  double ClusterWeight(int center) const {
    double w = 0;
    for (int d = -1; d <= 1; ++d) w += weight[(center + d + kHueBins) % kHueBins];
    return w;
  }
};

bool InBorder(int x, int y, int width, int height) {
  const int bx = std::max(1, static_cast<int>(width * kColorBorderFraction));
  const int by = std::max(1, static_cast<int>(height * kColorBorderFraction));
  return x < bx || y < by || x >= width - bx || y >= height - by;
}

bool InCentre(int x, int y, int width, int height) {
  return 4 * x >= width && 4 * x < 3 * width && 4 * y >= height && 4 * y < 3 * height;
}

}  // namespace

std::string ColorNameOf(uint8_t r, uint8_t g, uint8_t b) { return kNames[NameId(ToHsv(r, g, b))]; }

ColorInfo AnalyzeColor(const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return ColorInfo{"Black", "Black", {"Black"}, "000000", true};
  }
  const cv::Mat small = ShrunkView(image, kColorAnalysisSide);
  Counts all{}, border{}, centre{};
  AccentHistogram accent;
  int colorful = 0;
  for (int y = 0; y < small.rows; ++y) {
    const uint8_t* row = small.ptr<uint8_t>(y);
    for (int x = 0; x < small.cols; ++x) {
      const uint8_t* p = row + 3 * x;
      const Hsv c = ToHsv(p[0], p[1], p[2]);
      const ColorId id = NameId(c);
      ++all[id];
      if (InBorder(x, y, small.cols, small.rows)) ++border[id];
      if (InCentre(x, y, small.cols, small.rows)) ++centre[id];
      accent.Add(p, c);
      if (c.chroma * 255 > 25) ++colorful;
    }
  }
  const int total = small.rows * small.cols;
  ColorInfo info;
  info.dominant_background = kNames[MostFrequent(border)];
  // A very small image may have no centre pixel: fall back to the whole image.
  info.dominant_foreground =
      kNames[MostFrequent(std::accumulate(centre.begin(), centre.end(), 0) > 0 ? centre : all)];
  info.dominant_colors = DominantNames(all, total);
  info.accent_color = accent.Accent();
  info.is_bw = colorful < kBwMaxColorfulShare * total;
  return info;
}

}  // namespace ocula
