#include "vision/image/image.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::DecodeFull;
using testing_vision::EncodeBmp24;
using testing_vision::PngBombHeader;
using testing_vision::ReadFileOrDie;
using testing_vision::Reencode;
using testing_vision::SolidPng;
using testing_vision::TestDataPath;

constexpr int kShortSide = 256;

void ExpectError(const Status& status, StatusCode code, std::string_view reason) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ReasonOf(status), reason) << status;
}

double MeanValue(const RgbImage& image) {
  double sum = std::accumulate(image.pixels.begin(), image.pixels.end(), 0.0);
  return image.pixels.empty() ? 0 : sum / image.pixels.size();
}

class ImageTest : public ::testing::Test {
 protected:
  const std::string jpeg_ = ReadFileOrDie(TestDataPath("photos/fruits.jpg"));  // 512x480
  ImageLimits limits_;
};

TEST_F(ImageTest, SniffMimeType) {
  EXPECT_EQ(SniffMimeType(jpeg_), "image/jpeg");
  EXPECT_EQ(SniffMimeType(ReadFileOrDie(TestDataPath("photos/chelsea.png"))), "image/png");
  EXPECT_EQ(SniffMimeType("plain text"), "");
  EXPECT_EQ(SniffMimeType(""), "");
}

TEST_F(ImageTest, ProbesRealJpegAndPng) {
  auto jpeg = ProbeImage(jpeg_, limits_);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status();
  EXPECT_EQ(jpeg->format, "Jpeg");
  EXPECT_EQ(jpeg->mime_type, "image/jpeg");
  EXPECT_EQ(jpeg->width, 512);
  EXPECT_EQ(jpeg->height, 480);
  EXPECT_EQ(jpeg->frames, 1);

  auto png = ProbeImage(ReadFileOrDie(TestDataPath("photos/chelsea.png")), limits_);
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png->format, "Png");
  EXPECT_EQ(png->width, 451);
  EXPECT_EQ(png->height, 300);
}

struct FormatCase {
  const char* suffix;  // libvips saver, or "bmp" for the hand-written encoder
  const char* format;
  const char* mime;
  double mean_tolerance;  // GIF's 256-colour palette moves the mean a little
};

class FormatTest : public ImageTest, public ::testing::WithParamInterface<FormatCase> {};

TEST_P(FormatTest, ProbesAndDecodesEachSupportedFormat) {
  const FormatCase& c = GetParam();
  std::string bytes =
      std::string(c.suffix) == "bmp" ? EncodeBmp24(DecodeFull(jpeg_)) : Reencode(jpeg_, c.suffix);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(SniffMimeType(bytes), c.mime);

  auto header = ProbeImage(bytes, limits_);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->format, c.format);
  EXPECT_EQ(header->width, 512);
  EXPECT_EQ(header->height, 480);

  auto decoded = DecodeImage(bytes, kShortSide, limits_);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->rgb.height, kShortSide);
  EXPECT_NEAR(decoded->rgb.width, 512 * kShortSide / 480, 1);
  EXPECT_EQ(decoded->rgb.pixels.size(), size_t{3} * decoded->rgb.width * decoded->rgb.height);

  auto reference = DecodeImage(jpeg_, kShortSide, limits_);
  ASSERT_TRUE(reference.ok());
  EXPECT_NEAR(MeanValue(decoded->rgb), MeanValue(reference->rgb), c.mean_tolerance);
}

INSTANTIATE_TEST_SUITE_P(Formats, FormatTest,
                         ::testing::Values(FormatCase{".png", "Png", "image/png", 2},
                                           FormatCase{".webp[Q=90]", "Webp", "image/webp", 3},
                                           FormatCase{".gif", "Gif", "image/gif", 8},
                                           FormatCase{".tif", "Tiff", "image/tiff", 2},
                                           FormatCase{"bmp", "Bmp", "image/bmp", 2}),
                         [](const auto& info) { return std::string(info.param.format); });

TEST_F(ImageTest, ExifOrientationSwapsWidthAndHeight) {
  std::string rotated = Reencode(jpeg_, ".jpg[Q=90]", /*orientation=*/6, /*make=*/"OculaCam");
  auto header = ProbeImage(rotated, limits_);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->width, 480);
  EXPECT_EQ(header->height, 512);

  auto full = DecodeImage(rotated, 1000, limits_);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->rgb.width, 480);
  EXPECT_EQ(full->rgb.height, 512);
  EXPECT_EQ(full->exif["Orientation"], "6");
  EXPECT_EQ(full->exif["Make"], "OculaCam");

  // Shrinking targets the displayed shorter side (the width, once rotated).
  auto small = DecodeImage(rotated, kShortSide, limits_);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->rgb.width, kShortSide);
  EXPECT_NEAR(small->rgb.height, 512 * kShortSide / 480, 1);
}

TEST_F(ImageTest, RejectsEmptyAndNonImageBytes) {
  for (std::string bytes : {std::string(), std::string("just some text, not an image")}) {
    ExpectError(ProbeImage(bytes, limits_).status(), StatusCode::kInvalidArgument,
                reason::kInvalidImageFormat);
    ExpectError(DecodeImage(bytes, kShortSide, limits_).status(), StatusCode::kInvalidArgument,
                reason::kInvalidImageFormat);
  }
  EXPECT_NE(testing_vision::Message(ProbeImage("text", limits_).status()).find("JPEG, PNG"),
            std::string::npos);
}

TEST_F(ImageTest, RejectsTruncatedFiles) {
  std::string half = jpeg_.substr(0, jpeg_.size() / 2);
  ExpectError(ProbeImage(half, limits_).status(), StatusCode::kInvalidArgument,
              reason::kInvalidImageFormat);
  std::string png = Reencode(jpeg_, ".png");
  ExpectError(ProbeImage(png.substr(0, png.size() * 2 / 3), limits_).status(),
              StatusCode::kInvalidArgument, reason::kInvalidImageFormat);
  std::string gif = Reencode(jpeg_, ".gif");
  ExpectError(ProbeImage(gif.substr(0, gif.size() - 100), limits_).status(),
              StatusCode::kInvalidArgument, reason::kInvalidImageFormat);
}

// A PNG cut at a chunk boundary halfway through its image data, with IEND
// appended: complete as far as the structural check can tell.
std::string PngWithMissingImageData(const std::string& png) {
  size_t i = 8;
  while (i + 12 <= png.size()) {
    size_t length = static_cast<uint8_t>(png[i]) << 24 | static_cast<uint8_t>(png[i + 1]) << 16 |
                    static_cast<uint8_t>(png[i + 2]) << 8 | static_cast<uint8_t>(png[i + 3]);
    size_t next = i + 12 + length;
    if (png.compare(i + 4, 4, "IDAT") == 0 && next > png.size() / 2) break;
    i = next;
  }
  return png.substr(0, i) + std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
}

TEST_F(ImageTest, DecodeFailsOnCorruptDataThatPassesTheProbe) {
  std::string png = Reencode(jpeg_, ".png");
  std::string cut = PngWithMissingImageData(png);
  ASSERT_LT(cut.size(), png.size());
  ASSERT_TRUE(ProbeImage(cut, limits_).ok());
  ExpectError(DecodeImage(cut, kShortSide, limits_).status(), StatusCode::kInvalidArgument,
              reason::kInvalidImageFormat);
}

TEST_F(ImageTest, RejectsImagesTooSmall) {
  std::string tiny = SolidPng(1, 1, 3, 128);
  ExpectError(ProbeImage(tiny, limits_).status(), StatusCode::kInvalidArgument,
              reason::kInvalidImageSize);
  ExpectError(DecodeImage(tiny, kShortSide, limits_).status(), StatusCode::kInvalidArgument,
              reason::kInvalidImageSize);
}

TEST_F(ImageTest, RejectsDecompressionBombsFromTheHeaderAlone) {
  for (uint32_t side : {100000u, 30000u, 16000u /* within max_dimension, too many pixels */}) {
    std::string bomb = PngBombHeader(side, side);
    ASSERT_LT(bomb.size(), 100u);
    auto start = std::chrono::steady_clock::now();
    Status probe = ProbeImage(bomb, limits_).status();
    Status decode = DecodeImage(bomb, kShortSide, limits_).status();
    auto elapsed = std::chrono::steady_clock::now() - start;
    ExpectError(probe, StatusCode::kInvalidArgument, reason::kInvalidImageSize);
    ExpectError(decode, StatusCode::kInvalidArgument, reason::kInvalidImageSize);
    EXPECT_LT(elapsed, std::chrono::milliseconds(200)) << side;
  }
}

TEST_F(ImageTest, RejectsBmpBombBeforeAnyDecoderRuns) {
  testing_vision::Pixels small{60, 60, std::vector<uint8_t>(60 * 60 * 3, 10)};
  std::string bmp = EncodeBmp24(small);
  bmp[18] = '\x40';  // width 60 -> 0x9C40 = 40000
  bmp[19] = '\x9C';
  ExpectError(ProbeImage(bmp, limits_).status(), StatusCode::kInvalidArgument,
              reason::kInvalidImageSize);
}

TEST_F(ImageTest, RejectsTooManyBytes) {
  ImageLimits limits;
  limits.max_bytes = jpeg_.size() - 1;
  ExpectError(ProbeImage(jpeg_, limits).status(), StatusCode::kResourceExhausted,
              reason::kPayloadTooLarge);
  ExpectError(DecodeImage(jpeg_, kShortSide, limits).status(), StatusCode::kResourceExhausted,
              reason::kPayloadTooLarge);
}

TEST_F(ImageTest, ShrinksOnLoadButNeverUpscales) {
  std::string big = ReadFileOrDie(TestDataPath("faces/10.jpg"));  // 1024x715
  auto decoded = DecodeImage(big, kShortSide, limits_);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->header.width, 1024);
  EXPECT_EQ(decoded->header.height, 715);
  EXPECT_GE(std::min(decoded->rgb.width, decoded->rgb.height), kShortSide);
  EXPECT_LE(std::min(decoded->rgb.width, decoded->rgb.height), 715);
  EXPECT_NEAR(static_cast<double>(decoded->rgb.width) / decoded->rgb.height, 1024.0 / 715, 0.01);

  std::string small = SolidPng(200, 120, 3, 90);
  auto full = DecodeImage(small, kShortSide, limits_);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->rgb.width, 200);
  EXPECT_EQ(full->rgb.height, 120);
}

TEST_F(ImageTest, FlattensAlphaOntoWhiteAndExpandsGrey) {
  auto transparent = DecodeImage(SolidPng(80, 60, 4, 0, /*alpha=*/0), kShortSide, limits_);
  ASSERT_TRUE(transparent.ok()) << transparent.status();
  EXPECT_DOUBLE_EQ(MeanValue(transparent->rgb), 255.0);

  auto grey = DecodeImage(SolidPng(80, 60, 1, 77), kShortSide, limits_);
  ASSERT_TRUE(grey.ok()) << grey.status();
  EXPECT_EQ(grey->rgb.pixels.size(), size_t{80} * 60 * 3);
  EXPECT_NEAR(MeanValue(grey->rgb), 77.0, 0.5);

  auto grey_alpha = DecodeImage(SolidPng(80, 60, 2, 0, /*alpha=*/0), kShortSide, limits_);
  ASSERT_TRUE(grey_alpha.ok()) << grey_alpha.status();
  EXPECT_DOUBLE_EQ(MeanValue(grey_alpha->rgb), 255.0);
}

TEST_F(ImageTest, ConcurrentDecodesAgree) {
  auto reference = DecodeImage(jpeg_, kShortSide, limits_);
  ASSERT_TRUE(reference.ok()) << reference.status();
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto decoded = DecodeImage(jpeg_, kShortSide, limits_);
        if (!decoded.ok() || decoded->rgb.pixels != reference->rgb.pixels) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace ocula
