#include "vision/image/image_type.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <vector>

#include "vision/image/pixel_util.h"

namespace ocula {
namespace {

int Luma(const uint8_t* p) { return (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000; }

int MaxChannelDiff(const uint8_t* a, const uint8_t* b) {
  return std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
}

int Bin(const uint8_t* p) { return ((p[0] >> 4) << 8) | ((p[1] >> 4) << 4) | (p[2] >> 4); }

// palette90 (quantised colours, 4 bits a channel, covering 90% of the pixels);
// returns the most frequent bin (the background of a drawing, if any).
int MeasurePalette(const cv::Mat& img, ImageTypeStats& s) {
  std::vector<int> bins(4096, 0);
  for (int y = 0; y < img.rows; ++y) {
    const uint8_t* row = img.ptr<uint8_t>(y);
    for (int x = 0; x < img.cols; ++x) ++bins[Bin(row + 3 * x)];
  }
  const int dominant = static_cast<int>(std::max_element(bins.begin(), bins.end()) - bins.begin());
  std::sort(bins.begin(), bins.end(), std::greater<>());
  const double need = 0.9 * img.rows * img.cols;
  int covered = 0, count = 0;
  while (covered < need && count < 4096) covered += bins[count++];
  s.palette90 = count;
  return dominant;
}

// flat_share, object_flat_share and strong_edge_share, from differences with
// the right and lower neighbours (largest channel difference, so that colour
// edges of equal brightness count). `background_bin` is MeasurePalette's.
void MeasureFlatAndEdges(const cv::Mat& img, int background_bin, ImageTypeStats& s) {
  int flat = 0, edges = 0, strong = 0, n = 0, objects = 0, object_flat = 0;
  for (int y = 0; y + 1 < img.rows; ++y) {
    const uint8_t* row = img.ptr<uint8_t>(y);
    const uint8_t* below = img.ptr<uint8_t>(y + 1);
    for (int x = 0; x + 1 < img.cols; ++x) {
      const uint8_t* p = row + 3 * x;
      const int d = std::max(MaxChannelDiff(p, p + 3), MaxChannelDiff(p, below + 3 * x));
      ++n;
      if (d <= 3) ++flat;
      if (Bin(p) != background_bin) {
        ++objects;
        if (d <= 3) ++object_flat;
      }
      if (d > 24) ++edges;
      if (d > 120) ++strong;
    }
  }
  s.flat_share = n > 0 ? static_cast<double>(flat) / n : 0;
  s.object_flat_share = objects > 0 ? static_cast<double>(object_flat) / objects : 0;
  s.strong_edge_share = edges > 0 ? static_cast<double>(strong) / edges : 0;
}

// colorful_share and the luma-based line-drawing statistics.
void MeasureTones(const cv::Mat& img, ImageTypeStats& s) {
  std::array<int, 256> hist{};
  int colorful = 0;
  for (int y = 0; y < img.rows; ++y) {
    const uint8_t* row = img.ptr<uint8_t>(y);
    for (int x = 0; x < img.cols; ++x) {
      const uint8_t* p = row + 3 * x;
      ++hist[Luma(p)];
      if (std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]}) > 38) ++colorful;
    }
  }
  const double total = static_cast<double>(img.rows) * img.cols;
  s.colorful_share = colorful / total;
  int seen = 0, bg = 0;
  while (bg < 255 && seen + hist[bg] < 0.7 * total) seen += hist[bg++];
  s.background_luma = bg;
  int bright = 0, ink = 0;
  for (int l = 0; l < 256; ++l) {
    if (l >= bg - 20) bright += hist[l];
    if (l < bg - 60) ink += hist[l];
  }
  s.bright_share = bright / total;
  s.ink_share = ink / total;
  s.mid_share = 1.0 - s.bright_share - s.ink_share;
}

// Linear ramp: 0 at `zero`, 1 at `one` (either order), clamped.
double Ramp(double x, double zero, double one) {
  return std::clamp((x - zero) / (one - zero), 0.0, 1.0);
}

double DrawingProbability(const AdultInfo& adult) {
  for (const auto& [name, p] : adult.classes) {
    if (name == "Drawing") return p;
  }
  return 0;
}

int ClipArtType(const ImageTypeStats& s, const AdultInfo* adult) {
  const double stats = 0.3 * Ramp(s.palette90, 40, 6) + 0.3 * Ramp(s.object_flat_share, 0.6, 0.9) +
                       0.4 * Ramp(s.strong_edge_share, 0.2, 0.5);
  double score = stats;
  if (adult != nullptr && stats >= 0.3) score = 0.8 * stats + 0.2 * DrawingProbability(*adult);
  if (score >= 0.8) return 3;
  if (score >= 0.6) return 2;
  if (score >= 0.4) return 1;
  return 0;
}

bool IsLineDrawing(const ImageTypeStats& s) {
  return s.colorful_share < 0.05 && s.background_luma >= 180 && s.bright_share >= 0.55 &&
         s.ink_share >= 0.003 && s.ink_share <= 0.35 && s.mid_share <= 2 * s.ink_share + 0.05;
}

}  // namespace

ImageTypeStats MeasureImageType(const RgbImage& image) {
  ImageTypeStats stats;
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return stats;
  }
  const cv::Mat small = ShrunkView(image, kImageTypeAnalysisSide);
  MeasureFlatAndEdges(small, MeasurePalette(small, stats), stats);
  MeasureTones(small, stats);
  return stats;
}

ImageTypeInfo ClassifyImageType(const ImageTypeStats& stats, const AdultInfo* adult) {
  ImageTypeInfo info;
  if (stats.palette90 == 0) return info;  // empty image
  info.clip_art_type = ClipArtType(stats, adult);
  info.line_drawing_type = IsLineDrawing(stats) ? 1 : 0;
  return info;
}

ImageTypeInfo ClassifyImageType(const RgbImage& image, const AdultInfo* adult) {
  return ClassifyImageType(MeasureImageType(image), adult);
}

}  // namespace ocula
