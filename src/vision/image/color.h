// Color feature (CONTRACTS.md §1 "Color"): names the colours of an image with
// the contract's 12 names and picks an accent colour, from pixel statistics
// alone (no model).
//
// How it decides (all on a copy shrunk to at most kColorAnalysisSide pixels a
// side, so the cost does not depend on the input size):
// - Each pixel gets one name from its HSV value (ColorNameOf): dark pixels are
//   Black; unsaturated ones White, Gray or Black by brightness; the rest by hue
//   (Red, Orange, Yellow, Green, Teal, Blue, Purple, Pink), with dark or dull
//   orange/red/yellow named Brown, light red Pink and dark magenta Purple.
// - dominant_background: the most frequent name in the border band (the outer
//   kColorBorderFraction of each side).
// - dominant_foreground: the most frequent name in the centre region (the
//   middle half of each axis), where a subject usually is.
// - dominant_colors: up to 3 names, most frequent first, each covering at least
//   kDominantMinShare of the image (the most frequent one always appears).
// - accent_color: "RRGGBB" (uppercase hex, no '#'): among saturated pixels,
//   the hue cluster (three adjacent 15-degree bins) with the largest summed
//   saturation x brightness, averaged with that weight. An image without
//   saturated pixels gets its mean colour.
// - is_bw: fewer than kBwMaxColorfulShare of the pixels have a noticeable
//   chroma (max - min channel > 25 of 255): greyscale photos, not sepia.
//
// Thread-safety: pure functions, safe for concurrent use.
#pragma once

#include <string>

#include "vision/feature_types.h"
#include "vision/image/image.h"

namespace ocula {

inline constexpr int kColorAnalysisSide = 128;
inline constexpr double kColorBorderFraction = 0.12;
inline constexpr double kDominantMinShare = 0.10;
inline constexpr double kBwMaxColorfulShare = 0.02;

// The contract's name for one 8-bit sRGB colour: one of Black, Blue, Brown,
// Gray, Green, Orange, Pink, Purple, Red, Teal, White, Yellow.
std::string ColorNameOf(uint8_t r, uint8_t g, uint8_t b);

// Colour analysis of `image` as described above. An empty image yields Black
// names, accent "000000" and is_bw true.
ColorInfo AnalyzeColor(const RgbImage& image);

}  // namespace ocula
