// ImageType feature (CONTRACTS.md §1 "ImageType"): is the image clip art
// (0 none, 1 ambiguous, 2 normal, 3 good) and is it a line drawing (0/1)?
//
// Decided from pixel statistics (MeasureImageType, on a copy shrunk to at most
// kImageTypeAnalysisSide pixels a side), optionally helped by the adult model's
// "Drawing" probability:
//
// Clip art. Three cues, each mapped linearly to 0..1:
//   palette  few colours: palette90 (quantised colours covering 90% of the
//            pixels) 6 or fewer -> 1, 40 or more -> 0;
//   flat     flat-filled shapes: object_flat_share (flatness of the pixels
//            that are not the background colour, so that a product photo on a
//            white backdrop does not count) 0.6 -> 0, 0.9 or more -> 1;
//   edges    crisp edges: strong_edge_share 0.2 -> 0, 0.5 or more -> 1.
//   stats = 0.3 palette + 0.3 flat + 0.4 edges. Edges weigh most: on the
//   test photos (116, ImageNet and everyday) strong_edge_share stays below
//   0.25, while greyscale photos have few quantised colours and smooth
//   photos look flat once shrunk.
//   With the adult model: score = 0.8 stats + 0.2 Drawing, but only when stats
//   is at least 0.3 (the model calls some ordinary photos "Drawing", so it can
//   raise the level of an image that already looks drawn, never make one).
//   clipArtType = 3 when score >= 0.8, 2 when >= 0.6, 1 when >= 0.4, else 0.
//
// Line drawing (1 when all hold): nearly no colour (colorful_share < 0.05), a
// bright paper-like background (background_luma >= 180 and bright_share >=
// 0.55), some dark strokes (ink_share from 0.003 to 0.35) and few mid-tones
// beside them (mid_share <= 2 ink_share + 0.05: strokes, not shading).
// Dark text on white paper passes these rules too.
//
// Thread-safety: pure functions, safe for concurrent use.
#pragma once

#include "vision/feature_types.h"
#include "vision/image/image.h"

namespace ocula {

inline constexpr int kImageTypeAnalysisSide = 160;

// Pixel statistics behind the decision; shares are fractions of all pixels.
struct ImageTypeStats {
  int palette90 = 0;             // colours (4 bits a channel) covering 90%
  double flat_share = 0;         // pixels equal (+-3) to right and lower neighbours
  double object_flat_share = 0;  // the same among pixels not of the most frequent colour
  double strong_edge_share = 0;  // of edge pixels (gradient > 24), those > 120
  double colorful_share = 0;     // chroma (max - min channel) > 38
  int background_luma = 0;       // luma at the 70th percentile
  double bright_share = 0;       // luma >= background_luma - 20
  double ink_share = 0;          // luma < background_luma - 60
  double mid_share = 0;          // in between
};

// Statistics of `image`; all zero for an empty image.
ImageTypeStats MeasureImageType(const RgbImage& image);

// The decision from `stats` (rules above); `adult` may be null.
ImageTypeInfo ClassifyImageType(const ImageTypeStats& stats, const AdultInfo* adult);

// MeasureImageType then ClassifyImageType.
ImageTypeInfo ClassifyImageType(const RgbImage& image, const AdultInfo* adult);

}  // namespace ocula
