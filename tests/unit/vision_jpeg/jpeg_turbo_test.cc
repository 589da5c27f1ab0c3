#include "vision/image/jpeg_turbo.h"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../vision/vision_test_util.h"
#include "vision/image/exif.h"
#include "vision/image/image.h"

namespace ocula {
namespace {

using testing_vision::DecodeFull;
using testing_vision::Message;
using testing_vision::Pixels;
using testing_vision::ReadFileOrDie;
using testing_vision::TestDataPath;
using vision_internal::DecodeImageWithVips;

constexpr int kShortSide = 256;

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
using VipsImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

// JPEG bytes of `pixels` saved by libvips with `options` (e.g. "[Q=95]"),
// converted to `space` first (B_W, CMYK or sRGB), with EXIF `orientation`
// when non-zero and the libvips EXIF fields `exif` ("exif-ifd0-Make" -> "X").
std::string EncodeJpeg(const Pixels& pixels, const char* options, int orientation = 0,
                       VipsInterpretation space = VIPS_INTERPRETATION_sRGB,
                       const std::map<std::string, std::string>& exif = {}) {
  (void)DecodeFull(ReadFileOrDie(TestDataPath("photos/fruits.jpg")));  // initialises libvips
  VipsImagePtr image(vips_image_new_from_memory_copy(
      pixels.rgb.data(), pixels.rgb.size(), pixels.width, pixels.height, 3, VIPS_FORMAT_UCHAR));
  if (space != VIPS_INTERPRETATION_sRGB) {
    VipsImage* converted = nullptr;
    if (vips_colourspace(image.get(), &converted, space, nullptr) != 0) {
      ADD_FAILURE() << vips_error_buffer();
      return {};
    }
    image.reset(converted);
  }
  if (orientation != 0) vips_image_set_int(image.get(), VIPS_META_ORIENTATION, orientation);
  for (const auto& [field, value] : exif) {
    vips_image_set_string(image.get(), field.c_str(), value.c_str());
  }
  void* buffer = nullptr;
  size_t size = 0;
  std::string suffix = std::string(".jpg") + options;
  if (vips_image_write_to_buffer(image.get(), suffix.c_str(), &buffer, &size, nullptr) != 0) {
    ADD_FAILURE() << vips_error_buffer();
    return {};
  }
  std::string out(static_cast<const char*>(buffer), size);
  g_free(buffer);
  return out;
}

// Mean absolute difference per channel; `b` is sampled at the position of
// each pixel of `a` (nearest), so sizes may differ by a pixel or so.
double MeanAbsDiff(const RgbImage& a, const RgbImage& b) {
  double sum = 0;
  for (int y = 0; y < a.height; ++y) {
    int by = std::min(b.height - 1, static_cast<int>((y + 0.5) * b.height / a.height));
    for (int x = 0; x < a.width; ++x) {
      int bx = std::min(b.width - 1, static_cast<int>((x + 0.5) * b.width / a.width));
      for (int c = 0; c < 3; ++c) {
        sum += std::abs(a.pixels[(static_cast<size_t>(y) * a.width + x) * 3 + c] -
                        b.pixels[(static_cast<size_t>(by) * b.width + bx) * 3 + c]);
      }
    }
  }
  return sum / (static_cast<double>(a.width) * a.height * 3);
}

// A mid-grey image with a red 16x16 block in its stored top-left corner.
Pixels MarkedImage(int width, int height) {
  Pixels p{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3, 128)};
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) {
      uint8_t* px = p.rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
      px[0] = 250;
      px[1] = 10;
      px[2] = 10;
    }
  }
  return p;
}

bool IsRed(const RgbImage& image, int x, int y) {
  const uint8_t* px = image.pixels.data() + (static_cast<size_t>(y) * image.width + x) * 3;
  return px[0] > 200 && px[1] < 60 && px[2] < 60;
}

class JpegTurboTest : public ::testing::Test {
 protected:
  ImageLimits limits_;
};

TEST_F(JpegTurboTest, MatchesLibvipsOnEveryImagenetDevPhoto) {
  int count = 0;
  double worst = 0, total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TestDataPath("imagenet-dev"))) {
    std::string bytes = ReadFileOrDie(entry.path().string());
    if (SniffMimeType(bytes) != "image/jpeg") continue;
    ++count;
    auto fast = DecodeImage(bytes, kShortSide, limits_);
    auto vips = DecodeImageWithVips(bytes, kShortSide, limits_);
    ASSERT_TRUE(fast.ok()) << entry.path() << ": " << fast.status();
    ASSERT_TRUE(vips.ok()) << entry.path() << ": " << vips.status();
    EXPECT_EQ(fast->header.width, vips->header.width) << entry.path();
    EXPECT_EQ(fast->header.height, vips->header.height) << entry.path();
    EXPECT_EQ(fast->header.format, "Jpeg");
    EXPECT_EQ(fast->exif, vips->exif) << entry.path();
    EXPECT_EQ(fast->rgb.width, vips->rgb.width) << entry.path();
    EXPECT_EQ(fast->rgb.height, vips->rgb.height) << entry.path();
    // Both reduced to a common small size, so that the two resampling
    // filters (triangle here, lanczos3 in libvips) do not dominate.
    auto [w, h] = vision_internal::ShortSideSize(vips->rgb.width, vips->rgb.height, 64);
    double diff = MeanAbsDiff(vision_internal::ResampleRgb(fast->rgb, w, h),
                              vision_internal::ResampleRgb(vips->rgb, w, h));
    worst = std::max(worst, diff);
    total += diff;
    EXPECT_LT(diff, 4.0) << entry.path();  // zebra stripes: ~2.9
  }
  std::printf("mean absolute difference: mean %.3f, worst %.3f\n", total / count, worst);
  EXPECT_LT(total / count, 1.5);
  EXPECT_EQ(count, 100);
}

TEST_F(JpegTurboTest, AppliesEveryExifOrientationLikeLibvips) {
  const Pixels marked = MarkedImage(240, 120);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    SCOPED_TRACE(orientation);
    std::string bytes = EncodeJpeg(marked, "[Q=95]", orientation);
    EXPECT_EQ(vision_internal::JpegExifOrientation(bytes), orientation);
    auto fast = DecodeImage(bytes, 1000, limits_);
    auto vips = DecodeImageWithVips(bytes, 1000, limits_);
    ASSERT_TRUE(fast.ok()) << fast.status();
    ASSERT_TRUE(vips.ok()) << vips.status();
    const bool swapped = orientation >= 5;
    EXPECT_EQ(fast->header.width, swapped ? 120 : 240);
    EXPECT_EQ(fast->rgb.width, fast->header.width);
    EXPECT_EQ(fast->rgb.height, fast->header.height);
    EXPECT_EQ(fast->exif["Orientation"], std::to_string(orientation));
    // Where the stored top-left corner is displayed.
    const int right = fast->rgb.width - 4, bottom = fast->rgb.height - 4;
    const int corners[9][2] = {{},     {3, 3},     {right, 3},      {right, bottom}, {3, bottom},
                               {3, 3}, {right, 3}, {right, bottom}, {3, bottom}};
    EXPECT_TRUE(IsRed(fast->rgb, corners[orientation][0], corners[orientation][1]));
    EXPECT_TRUE(IsRed(vips->rgb, corners[orientation][0], corners[orientation][1]));
    EXPECT_LT(MeanAbsDiff(fast->rgb, vips->rgb), 1.0);
  }
}

TEST_F(JpegTurboTest, RejectsTruncatedJpeg) {
  std::string jpeg = ReadFileOrDie(TestDataPath("photos/fruits.jpg"));
  std::string half = jpeg.substr(0, jpeg.size() / 2);
  auto status = DecodeImage(half, kShortSide, limits_).status();
  EXPECT_EQ(ReasonOf(status), reason::kInvalidImageFormat) << status;
  // Cut in the scan data but with an end marker: passes the structural check.
  // libjpeg only warns ("premature end of data segment"): the fast path
  // declines and the libvips policy (fail_on=error) decides, as before.
  std::string cut = half + "\xFF\xD9";
  ASSERT_TRUE(ProbeImage(cut, limits_).ok());
  status = DecodeImage(cut, kShortSide, limits_).status();
  Status before = DecodeImageWithVips(cut, kShortSide, limits_).status();
  EXPECT_EQ(status.code(), before.code()) << status << " vs " << before;
}

TEST_F(JpegTurboTest, DecodesGreyscaleCmykAndProgressiveToRgb) {
  const Pixels photo = DecodeFull(ReadFileOrDie(TestDataPath("photos/fruits.jpg")));
  struct Case {
    const char* name;
    const char* options;
    VipsInterpretation space;
  };
  for (const Case& c : {Case{"grey", "[Q=90]", VIPS_INTERPRETATION_B_W},
                        Case{"cmyk", "[Q=90]", VIPS_INTERPRETATION_CMYK},
                        Case{"progressive", "[Q=90,interlace]", VIPS_INTERPRETATION_sRGB}}) {
    SCOPED_TRACE(c.name);
    std::string bytes = EncodeJpeg(photo, c.options, 0, c.space);
    auto fast = DecodeImage(bytes, kShortSide, limits_);
    auto vips = DecodeImageWithVips(bytes, kShortSide, limits_);
    ASSERT_TRUE(fast.ok()) << fast.status();
    ASSERT_TRUE(vips.ok()) << vips.status();
    EXPECT_EQ(fast->rgb.pixels.size(), size_t{3} * fast->rgb.width * fast->rgb.height);
    EXPECT_EQ(std::min(fast->rgb.width, fast->rgb.height), kShortSide);
    EXPECT_LT(MeanAbsDiff(fast->rgb, vips->rgb), 3.0);
  }
}

TEST_F(JpegTurboTest, ShrinksOnLoadWithDctScaling) {
  // 1500 * 2/8 = 375 is the smallest DCT size whose shorter side is >= 256.
  EXPECT_EQ(vision_internal::JpegScaleEighths(2000, 1500, 256), 2);
  EXPECT_EQ(vision_internal::JpegScaleEighths(512, 480, 256), 5);
  EXPECT_EQ(vision_internal::JpegScaleEighths(200, 120, 256), 8);  // never upscaled

  Pixels big{2000, 1500, std::vector<uint8_t>(size_t{2000} * 1500 * 3)};
  for (size_t i = 0; i < big.rgb.size(); ++i) big.rgb[i] = static_cast<uint8_t>(i * 7 / 3000);
  auto decoded = DecodeImage(EncodeJpeg(big, "[Q=85]"), kShortSide, limits_);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->header.width, 2000);
  EXPECT_EQ(decoded->header.height, 1500);
  const int shorter = std::min(decoded->rgb.width, decoded->rgb.height);
  EXPECT_GE(shorter, 256);
  EXPECT_LT(shorter, 512);
  EXPECT_NEAR(decoded->rgb.width, 2000 * 256 / 1500, 1);
}

// ProbeImage and DecodeImage read JPEG headers and EXIF without libvips;
// what they report must be what libvips reported for every test photo.
TEST_F(JpegTurboTest, ReadsHeadersAndExifLikeLibvipsOnEveryTestJpeg) {
  limits_.min_dimension = 1;  // photos/scenetext_word01.jpg is 109x32
  int count = 0, with_exif = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(TestDataPath(""))) {
    if (!entry.is_regular_file()) continue;
    std::string bytes = ReadFileOrDie(entry.path().string());
    if (SniffMimeType(bytes) != "image/jpeg") continue;
    SCOPED_TRACE(entry.path().string());
    ++count;
    auto probe = ProbeImage(bytes, limits_);
    auto fast = DecodeImage(bytes, kShortSide, limits_);
    auto vips = DecodeImageWithVips(bytes, kShortSide, limits_);
    ASSERT_TRUE(probe.ok()) << probe.status();
    ASSERT_TRUE(fast.ok()) << fast.status();
    ASSERT_TRUE(vips.ok()) << vips.status();
    auto vips_probe = vision_internal::ProbeImageWithVips(bytes, limits_);
    ASSERT_TRUE(vips_probe.ok()) << vips_probe.status();
    for (const ImageHeader* h : {&*probe, &fast->header, &*vips_probe}) {
      EXPECT_EQ(h->format, vips->header.format);
      EXPECT_EQ(h->mime_type, vips->header.mime_type);
      EXPECT_EQ(h->width, vips->header.width);
      EXPECT_EQ(h->height, vips->header.height);
      EXPECT_EQ(h->frames, vips->header.frames);
    }
    EXPECT_EQ(fast->exif, vips->exif);
    if (!vips->exif.empty()) ++with_exif;
  }
  std::printf("%d JPEGs, %d with EXIF fields\n", count, with_exif);
  EXPECT_GE(count, 130);
  EXPECT_GE(with_exif, 5);
}

TEST_F(JpegTurboTest, ReadsEveryReportedExifFieldLikeLibvips) {
  const std::map<std::string, std::string> fields = {
      {"exif-ifd0-Make", "OculaCam"},
      {"exif-ifd0-Model", "Model 7 with a name longer than four bytes"},
      {"exif-ifd0-Software", "ocula-test 1.0"},
      {"exif-ifd2-DateTimeOriginal", "2026:12:05 10:11:12"},
      {"exif-ifd3-GPSLatitudeRef", "N"},
  };
  std::string bytes =
      EncodeJpeg(MarkedImage(120, 80), "[Q=90]", 3, VIPS_INTERPRETATION_sRGB, fields);
  auto fast = DecodeImage(bytes, 1000, limits_);
  auto vips = DecodeImageWithVips(bytes, 1000, limits_);
  ASSERT_TRUE(fast.ok()) << fast.status();
  ASSERT_TRUE(vips.ok()) << vips.status();
  const std::map<std::string, std::string> expected = {
      {"Make", "OculaCam"},           {"Model", "Model 7 with a name longer than four bytes"},
      {"Software", "ocula-test 1.0"}, {"DateTimeOriginal", "2026:12:05 10:11:12"},
      {"Orientation", "3"},           {"GpsInfo", "present"},
  };
  EXPECT_EQ(fast->exif, expected);
  EXPECT_EQ(vips->exif, expected);
  EXPECT_EQ(vision_internal::JpegExifFields(bytes), expected);

  // The fuzzer's seed with every field, its EXIF block written by hand.
  const std::string seed =
      ReadFileOrDie(std::string(OCULA_SOURCE_DIR) + "/fuzz/corpus/image_probe/exif_fields.jpg");
  ImageLimits any_size;
  any_size.min_dimension = 1;
  auto seed_vips = DecodeImageWithVips(seed, 64, any_size);
  ASSERT_TRUE(seed_vips.ok()) << seed_vips.status();
  EXPECT_EQ(vision_internal::JpegExifFields(seed), seed_vips->exif);
  EXPECT_EQ(seed_vips->exif.size(), 6u);

  // Damaged EXIF is safe input (offsets and counts pointing anywhere): each
  // byte of the segment set to 0x00 and to 0xFF yields known keys at most.
  size_t exif = bytes.find("Exif");
  ASSERT_NE(exif, std::string::npos);
  for (size_t at = exif; at < exif + 400 && at < bytes.size(); ++at) {
    for (char value : {'\x00', '\xFF'}) {
      std::string damaged = bytes;
      damaged[at] = value;
      for (const auto& [key, text] : vision_internal::JpegExifFields(damaged)) {
        ASSERT_TRUE(expected.count(key)) << at << ": " << key;
        EXPECT_LE(text.size(), 256u);
      }
    }
  }
}

TEST_F(JpegTurboTest, ProbeRefusesJpegWhoseHeaderLibjpegCannotRead) {
  // JPEG by its first bytes and complete by its end marker, but no frame header.
  std::string bytes = std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 20) +
                      std::string(64, '\x55') + "\xFF\xD9";
  auto status = ProbeImage(bytes, limits_).status();
  EXPECT_EQ(ReasonOf(status), reason::kInvalidImageFormat) << status;
  EXPECT_NE(Message(status).find("JPEG header"), std::string::npos) << status;
  // An oversized frame: refused from the header alone.
  Pixels wide{4000, 60, std::vector<uint8_t>(size_t{4000} * 60 * 3, 90)};
  ImageLimits narrow;
  narrow.max_dimension = 2000;
  status = ProbeImage(EncodeJpeg(wide, "[Q=50]"), narrow).status();
  EXPECT_EQ(ReasonOf(status), reason::kInvalidImageSize) << status;
}

TEST_F(JpegTurboTest, OrientationParserIsBoundsChecked) {
  EXPECT_EQ(vision_internal::JpegExifOrientation(""), 1);
  EXPECT_EQ(vision_internal::JpegExifOrientation("not a jpeg"), 1);
  std::string bytes = EncodeJpeg(MarkedImage(64, 64), "[Q=90]", 6);
  ASSERT_EQ(vision_internal::JpegExifOrientation(bytes), 6);
  size_t exif = bytes.find("Exif");
  ASSERT_NE(exif, std::string::npos);
  for (size_t cut = 0; cut < exif + 200 && cut < bytes.size(); ++cut) {
    int o = vision_internal::JpegExifOrientation(bytes.substr(0, cut));
    EXPECT_TRUE(o == 1 || o == 6) << cut;
  }
}

// ResampleRgb against the filter written out directly, per output sample in
// double precision: a triangle of radius max(1, in/out), normalised over the
// input samples that exist. Sizes cover shrinking by less than 2x (3 taps,
// with the padded taps near the far edge), by 4.6x, and enlarging.
RgbImage ResampleReference(const RgbImage& in, int out_w, int out_h) {
  auto weights = [](int in_size, int out_size, int o) {
    const double scale = static_cast<double>(in_size) / out_size;
    const double radius = std::max(1.0, scale);
    const double center = (o + 0.5) * scale - 0.5;
    std::vector<std::pair<int, double>> w;
    double sum = 0;
    for (int i = 0; i < in_size; ++i) {
      const double v = std::max(0.0, 1.0 - std::abs(i - center) / radius);
      if (v <= 0) continue;
      w.emplace_back(i, v);
      sum += v;
    }
    for (auto& [i, v] : w) v /= sum;
    return w;
  };
  RgbImage out{out_w, out_h, std::vector<uint8_t>(static_cast<size_t>(out_w) * out_h * 3)};
  for (int y = 0; y < out_h; ++y) {
    const auto wy = weights(in.height, out_h, y);
    for (int x = 0; x < out_w; ++x) {
      const auto wx = weights(in.width, out_w, x);
      for (int c = 0; c < 3; ++c) {
        double acc = 0;
        for (const auto& [sy, vy] : wy) {
          for (const auto& [sx, vx] : wx) {
            acc += vy * vx * in.pixels[(static_cast<size_t>(sy) * in.width + sx) * 3 + c];
          }
        }
        out.pixels[(static_cast<size_t>(y) * out_w + x) * 3 + c] =
            static_cast<uint8_t>(std::clamp(std::lround(acc), 0L, 255L));
      }
    }
  }
  return out;
}

TEST_F(JpegTurboTest, ResampleMatchesTheTriangleFilterWrittenOut) {
  RgbImage in{75, 50, {}};
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      for (int c = 0; c < 3; ++c) {
        in.pixels.push_back(static_cast<uint8_t>((x * 37 + y * 91 + c * 53) % 256));
      }
    }
  }
  for (auto [w, h] : {std::pair{70, 47}, {16, 11}, {75, 50}, {101, 64}}) {
    SCOPED_TRACE(testing::Message() << w << "x" << h);
    const RgbImage fast = vision_internal::ResampleRgb(in, w, h);
    const RgbImage reference = ResampleReference(in, w, h);
    ASSERT_EQ(fast.pixels.size(), reference.pixels.size());
    int worst = 0;
    for (size_t i = 0; i < fast.pixels.size(); ++i) {
      worst = std::max(worst, std::abs(fast.pixels[i] - reference.pixels[i]));
    }
    EXPECT_LE(worst, 1);  // float against double rounding only
  }
}

}  // namespace
}  // namespace ocula
