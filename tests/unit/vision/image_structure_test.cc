#include "vision/image/image_structure.h"

#include <gtest/gtest.h>

#include <string>

#include "vision_test_util.h"

namespace ocula::vision_internal {
namespace {

using testing_vision::ReadFileOrDie;
using testing_vision::TestDataPath;

TEST(SniffFormatTest, RecognisesEachFormatByMagicBytes) {
  EXPECT_EQ(SniffFormat("\xFF\xD8\xFF\xE0rest"), ImageFormat::kJpeg);
  EXPECT_EQ(SniffFormat("\x89PNG\r\n\x1A\nrest"), ImageFormat::kPng);
  EXPECT_EQ(SniffFormat(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), ImageFormat::kWebp);
  EXPECT_EQ(SniffFormat("GIF87a..."), ImageFormat::kGif);
  EXPECT_EQ(SniffFormat("GIF89a..."), ImageFormat::kGif);
  EXPECT_EQ(SniffFormat(std::string("II*\0\x08\0\0\0", 8)), ImageFormat::kTiff);
  EXPECT_EQ(SniffFormat(std::string("MM\0*\0\0\0\x08", 8)), ImageFormat::kTiff);
  EXPECT_EQ(SniffFormat(std::string("BM\0\0\0\0\0\0\0\0\0\0\0\0\x28\0\0\0", 18)),
            ImageFormat::kBmp);
}

TEST(SniffFormatTest, RejectsNonImages) {
  EXPECT_EQ(SniffFormat(""), std::nullopt);
  EXPECT_EQ(SniffFormat("hello world, this is text"), std::nullopt);
  EXPECT_EQ(SniffFormat("BMW is a car maker, not a bitmap"), std::nullopt);
  EXPECT_EQ(SniffFormat(std::string("RIFF\x10\0\0\0WAVEfmt ", 16)), std::nullopt);
  EXPECT_EQ(SniffFormat("\xFF\xD8"), std::nullopt);
}

TEST(LooksCompleteTest, JpegNeedsItsEndMarker) {
  std::string jpeg = ReadFileOrDie(TestDataPath("photos/fruits.jpg"));
  EXPECT_TRUE(LooksComplete(jpeg, ImageFormat::kJpeg));
  EXPECT_FALSE(LooksComplete(jpeg.substr(0, jpeg.size() / 2), ImageFormat::kJpeg));
  EXPECT_FALSE(LooksComplete(jpeg.substr(0, jpeg.size() - 2), ImageFormat::kJpeg));
  // Data after EOI (padding, a motion-photo video) is allowed.
  EXPECT_TRUE(LooksComplete(jpeg + std::string(10, '\0'), ImageFormat::kJpeg));
  EXPECT_TRUE(LooksComplete(jpeg + std::string(100000, 'x'), ImageFormat::kJpeg));
}

TEST(LooksCompleteTest, PngNeedsIend) {
  std::string png = ReadFileOrDie(TestDataPath("photos/chelsea.png"));
  EXPECT_TRUE(LooksComplete(png, ImageFormat::kPng));
  EXPECT_FALSE(LooksComplete(png.substr(0, png.size() - 12), ImageFormat::kPng));
  EXPECT_FALSE(LooksComplete(png.substr(0, png.size() / 3), ImageFormat::kPng));
}

TEST(LooksCompleteTest, GifNeedsTrailer) {
  std::string gif = "GIF89a" + std::string(40, '\x01') + "\x3B";
  EXPECT_TRUE(LooksComplete(gif, ImageFormat::kGif));
  EXPECT_TRUE(LooksComplete(gif + std::string(4, '\0'), ImageFormat::kGif));
  EXPECT_FALSE(LooksComplete(gif.substr(0, gif.size() - 1), ImageFormat::kGif));
}

TEST(BmpDimensionsTest, ReadsSignedHeight) {
  std::string bmp("BM", 2);
  bmp += std::string(12, '\0');
  bmp += std::string("\x28\0\0\0", 4);        // header size 40
  bmp += std::string("\x10\x27\0\0", 4);      // width 10000
  bmp += std::string("\xF0\xD8\xFF\xFF", 4);  // height -10000 (top-down)
  auto dims = BmpDimensions(bmp);
  ASSERT_TRUE(dims.has_value());
  EXPECT_EQ(dims->width, 10000);
  EXPECT_EQ(dims->height, 10000);
}

}  // namespace
}  // namespace ocula::vision_internal
