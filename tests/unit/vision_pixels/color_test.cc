#include "vision/image/color.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_join.h"
#include "pixels_test_util.h"

namespace ocula {
namespace {

using testing_pixels::LoadPhoto;
using testing_pixels::Solid;
using testing_pixels::Stopwatch;

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

int HexChannel(const std::string& hex, int index) {
  return std::stoi(hex.substr(2 * index, 2), nullptr, 16);
}

TEST(ColorNameOfTest, CanonicalColours) {
  EXPECT_EQ(ColorNameOf(0, 0, 0), "Black");
  EXPECT_EQ(ColorNameOf(255, 255, 255), "White");
  EXPECT_EQ(ColorNameOf(128, 128, 128), "Gray");
  EXPECT_EQ(ColorNameOf(230, 20, 20), "Red");
  EXPECT_EQ(ColorNameOf(250, 140, 10), "Orange");
  EXPECT_EQ(ColorNameOf(240, 220, 30), "Yellow");
  EXPECT_EQ(ColorNameOf(30, 180, 40), "Green");
  EXPECT_EQ(ColorNameOf(20, 160, 160), "Teal");
  EXPECT_EQ(ColorNameOf(30, 60, 220), "Blue");
  EXPECT_EQ(ColorNameOf(120, 40, 200), "Purple");
  EXPECT_EQ(ColorNameOf(250, 120, 200), "Pink");
  EXPECT_EQ(ColorNameOf(255, 170, 180), "Pink");
  EXPECT_EQ(ColorNameOf(120, 70, 30), "Brown");
}

TEST(AnalyzeColorTest, PureRed) {
  ColorInfo info = AnalyzeColor(Solid(300, 200, 255, 0, 0));
  ASSERT_FALSE(info.dominant_colors.empty());
  EXPECT_EQ(info.dominant_colors.front(), "Red");
  EXPECT_EQ(info.dominant_foreground, "Red");
  EXPECT_EQ(info.dominant_background, "Red");
  EXPECT_EQ(info.accent_color.size(), 6u);
  EXPECT_GE(HexChannel(info.accent_color, 0), 0xF0) << info.accent_color;
  EXPECT_LE(HexChannel(info.accent_color, 1), 0x10) << info.accent_color;
  EXPECT_LE(HexChannel(info.accent_color, 2), 0x10) << info.accent_color;
  EXPECT_FALSE(info.is_bw);
}

TEST(AnalyzeColorTest, ForegroundFromCentreBackgroundFromBorder) {
  RgbImage image = Solid(200, 200, 255, 255, 255);
  for (int y = 60; y < 140; ++y) {
    for (int x = 60; x < 140; ++x) {
      uint8_t* p = &image.pixels[(static_cast<size_t>(y) * 200 + x) * 3];
      p[0] = 20, p[1] = 40, p[2] = 230;
    }
  }
  ColorInfo info = AnalyzeColor(image);
  EXPECT_EQ(info.dominant_background, "White");
  EXPECT_EQ(info.dominant_foreground, "Blue");
  EXPECT_TRUE(Contains(info.dominant_colors, "White"));
  EXPECT_TRUE(Contains(info.dominant_colors, "Blue"));
  EXPECT_LE(info.dominant_colors.size(), 3u);
  EXPECT_GE(HexChannel(info.accent_color, 2), 0xC0) << info.accent_color;
}

TEST(AnalyzeColorTest, EmptyImage) {
  ColorInfo info = AnalyzeColor(RgbImage{});
  EXPECT_EQ(info.dominant_colors, std::vector<std::string>{"Black"});
  EXPECT_EQ(info.accent_color, "000000");
}

TEST(AnalyzeColorTest, GreyscalePhotoIsBlackAndWhite) {
  RgbImage dog = LoadPhoto("detect/dog.jpg");
  EXPECT_FALSE(AnalyzeColor(dog).is_bw);
  ColorInfo grey = AnalyzeColor(testing_pixels::ToGrey(dog));
  EXPECT_TRUE(grey.is_bw);
  for (const std::string& name : grey.dominant_colors) {
    EXPECT_TRUE(name == "Black" || name == "Gray" || name == "White") << name;
  }
}

TEST(AnalyzeColorTest, GreyscaleFileIsBlackAndWhite) {
  EXPECT_TRUE(AnalyzeColor(LoadPhoto(testing_pixels::kGreyPhoto)).is_bw);
}

TEST(AnalyzeColorTest, OrangePhotoHasOrange) {
  ColorInfo info = AnalyzeColor(LoadPhoto("photos/orange.jpg"));
  EXPECT_TRUE(Contains(info.dominant_colors, "Orange")) << absl::StrJoin(info.dominant_colors, ",");
}

// Colour photos are never black and white; prints the table and timing.
TEST(AnalyzeColorTest, PhotosTable) {
  double total_ms = 0;
  int n = 0;
  for (const std::string& path : testing_pixels::ColorPhotos()) {
    RgbImage image = LoadPhoto(path);
    Stopwatch watch;
    ColorInfo info = AnalyzeColor(image);
    total_ms += watch.ElapsedMs();
    ++n;
    std::printf("  %-28s fg=%-6s bg=%-6s dominant=%-20s accent=%s bw=%d\n", path.c_str(),
                info.dominant_foreground.c_str(), info.dominant_background.c_str(),
                absl::StrJoin(info.dominant_colors, ",").c_str(), info.accent_color.c_str(),
                info.is_bw);
    EXPECT_FALSE(info.is_bw) << path;
  }
  std::printf("  AnalyzeColor: %.3f ms per image (%d images, decoded at short side 256)\n",
              total_ms / n, n);
}

}  // namespace
}  // namespace ocula
