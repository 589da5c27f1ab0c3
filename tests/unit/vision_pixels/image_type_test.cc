#include "vision/image/image_type.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "pixels_test_util.h"

namespace ocula {
namespace {

using testing_pixels::LoadPhoto;
using testing_pixels::Stopwatch;

void Print(const std::string& what, const ImageTypeStats& s, const ImageTypeInfo& info,
           double drawing) {
  std::printf(
      "  %-44s clip=%d line=%d | palette90=%4d flat=%.2f oflat=%.2f strong=%.2f colorful=%.3f "
      "bg=%3d "
      "bright=%.2f ink=%.3f mid=%.3f drawing=%.2f\n",
      what.c_str(), info.clip_art_type, info.line_drawing_type, s.palette90, s.flat_share,
      s.object_flat_share, s.strong_edge_share, s.colorful_share, s.background_luma, s.bright_share,
      s.ink_share, s.mid_share, drawing);
}

double Drawing(const AdultInfo* adult) {
  if (adult == nullptr) return -1;
  for (const auto& [name, p] : adult->classes) {
    if (name == "Drawing") return p;
  }
  return 0;
}

TEST(ImageTypeTest, LineDrawing) {
  RgbImage image = testing_pixels::SyntheticLineDrawing(640, 480);
  ImageTypeStats stats = MeasureImageType(image);
  ImageTypeInfo info = ClassifyImageType(stats, nullptr);
  Print("synthetic line drawing", stats, info, -1);
  EXPECT_EQ(info.line_drawing_type, 1);
}

TEST(ImageTypeTest, FlatColourShapesAreClipArt) {
  RgbImage image = testing_pixels::SyntheticClipArt(640, 480);
  ImageTypeStats stats = MeasureImageType(image);
  ImageTypeInfo info = ClassifyImageType(stats, nullptr);
  Print("synthetic clip art", stats, info, -1);
  EXPECT_GE(info.clip_art_type, 2);
  EXPECT_EQ(info.line_drawing_type, 0);
}

TEST(ImageTypeTest, DrawingProbabilityOnlyRaisesDrawnImages) {
  AdultInfo drawing = AdultFromClasses({{"Drawing", 1.0f}});
  ImageTypeStats photo;  // many colours, no flat regions, soft edges
  photo.palette90 = 300;
  photo.flat_share = 0.1;
  photo.strong_edge_share = 0.05;
  EXPECT_EQ(ClassifyImageType(photo, &drawing).clip_art_type, 0);

  ImageTypeStats drawn = MeasureImageType(testing_pixels::SyntheticClipArt(320, 240));
  AdultInfo neutral = AdultFromClasses({{"Neutral", 1.0f}});
  EXPECT_GE(ClassifyImageType(drawn, &drawing).clip_art_type,
            ClassifyImageType(drawn, &neutral).clip_art_type);
}

TEST(ImageTypeTest, EmptyImage) {
  ImageTypeInfo info = ClassifyImageType(RgbImage{}, nullptr);
  EXPECT_EQ(info.clip_art_type, 0);
  EXPECT_EQ(info.line_drawing_type, 0);
}

// Photos are neither clip art nor line drawings, even with the adult model's
// "Drawing" probability (which is high for some photos). Prints the table.
TEST(ImageTypeTest, PhotosAreNeither) {
  std::unique_ptr<AdultClassifier> adult = testing_pixels::LoadAdult();
  ASSERT_NE(adult, nullptr);
  const std::vector<std::string> paths = testing_pixels::AllPhotos();
  double total_ms = 0;
  for (const std::string& path : paths) {
    RgbImage image = LoadPhoto(path);
    auto scores = adult->Classify(image);
    ASSERT_TRUE(scores.ok()) << scores.status();
    Stopwatch watch;
    ImageTypeStats stats = MeasureImageType(image);
    ImageTypeInfo info = ClassifyImageType(stats, &*scores);
    total_ms += watch.ElapsedMs();
    Print(path, stats, info, Drawing(&*scores));
    EXPECT_EQ(info.clip_art_type, 0) << path;
    EXPECT_EQ(info.line_drawing_type, 0) << path;
  }
  std::printf("  ClassifyImageType: %.3f ms per image (%zu images, short side 256)\n",
              total_ms / paths.size(), paths.size());
}

// Text pictures and a painting are not asserted (dark text on white meets the
// line-drawing rules); printed for the record.
TEST(ImageTypeTest, TextPicturesTable) {
  for (const char* path : {"photos/page.png", "photos/imageTextN.png", "detect/scream.jpg"}) {
    RgbImage image = LoadPhoto(path);
    ImageTypeStats stats = MeasureImageType(image);
    Print(path, stats, ClassifyImageType(stats, nullptr), -1);
  }
}

}  // namespace
}  // namespace ocula
