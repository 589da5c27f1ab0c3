#include "vision/image/thumbnail.h"

#include <gtest/gtest.h>

#include <vips/vips.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <string>

#include "pixels_test_util.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_pixels::Stopwatch;
using testing_vision::DecodeFull;
using testing_vision::ReadFileOrDie;
using testing_vision::TestDataPath;

// The face in photos/astronaut.png (512 x 512), measured by eye: forehead to
// chin, ear to ear.
constexpr Box kAstronautFace{170, 70, 110, 120};

bool Inside(const Box& inner, const Box& outer) {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w &&
         inner.y + inner.h <= outer.y + outer.h;
}

std::string Photo(const char* relative) { return ReadFileOrDie(TestDataPath(relative)); }

TEST(ThumbnailTest, ValidatesSize) {
  EXPECT_TRUE(ValidateThumbnailSize(1, 1).ok());
  EXPECT_TRUE(ValidateThumbnailSize(1024, 1024).ok());
  for (auto [w, h] : {std::pair{0, 100}, {100, 0}, {1025, 100}, {100, 1025}, {-5, 10}}) {
    Status s = ValidateThumbnailSize(w, h);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << w << "x" << h;
    EXPECT_EQ(ReasonOf(s), reason::kInvalidThumbnailSize);
  }
  auto thumb = GenerateThumbnail(Photo("photos/orange.jpg"), ImageLimits{}, {1025, 10, false}, {});
  EXPECT_EQ(ReasonOf(thumb.status()), reason::kInvalidThumbnailSize) << thumb.status();
  thumb = GenerateThumbnail(Photo("photos/orange.jpg"), ImageLimits{}, {0, 10, true}, {});
  EXPECT_EQ(ReasonOf(thumb.status()), reason::kInvalidThumbnailSize) << thumb.status();
}

// JPEG input is read without libvips, so the thumbnail encoder must start
// libvips itself, with Ocula's settings (libvips would otherwise start on
// its own, untrusted loaders allowed). ctest runs each test in its own
// process: here nothing else has started it.
TEST(ThumbnailTest, JpegThumbnailStartsLibvipsWithOculasSettings) {
  auto thumb = GenerateThumbnail(Photo("photos/orange.jpg"), ImageLimits{}, {64, 48, false}, {});
  ASSERT_TRUE(thumb.ok()) << thumb.status();
  EXPECT_EQ(thumb->bytes.substr(0, 3), "\xFF\xD8\xFF");
  const std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>)";
  VipsImage* out = nullptr;
  EXPECT_NE(vips_svgload_buffer(const_cast<char*>(svg.data()), svg.size(), &out, nullptr), 0);
  EXPECT_EQ(out, nullptr);
  if (out != nullptr) g_object_unref(out);
}

TEST(ThumbnailTest, NotAnImage) {
  auto thumb = GenerateThumbnail("definitely not an image", ImageLimits{}, {10, 10, false}, {});
  EXPECT_EQ(thumb.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(thumb.status()), reason::kInvalidImageFormat);
}

TEST(ThumbnailCropTest, CentreAndInterest) {
  // 4:1 thumbnail of a square image: full width, a quarter of the height.
  Box centre = ThumbnailCrop(512, 512, 200, 50, nullptr);
  EXPECT_EQ(centre.w, 512);
  EXPECT_EQ(centre.h, 128);
  EXPECT_EQ(centre.x, 0);
  EXPECT_EQ(centre.y, 192);
  Box smart = ThumbnailCrop(512, 512, 200, 50, &kAstronautFace);
  EXPECT_TRUE(Inside(kAstronautFace, smart));
  EXPECT_FALSE(Inside(kAstronautFace, centre));
  // Interest at the corner: the window stays inside the image.
  Box corner{0, 0, 10, 10};
  Box clamped = ThumbnailCrop(800, 600, 100, 100, &corner);
  EXPECT_EQ(clamped.x, 0);
  EXPECT_EQ(clamped.y, 0);
  EXPECT_EQ(clamped.w, 600);
  EXPECT_EQ(clamped.h, 600);
}

// Exact sizes, decodable output, PNG for PNG input and JPEG otherwise.
TEST(ThumbnailTest, ExactSizeAndFormat) {
  const std::string jpeg = Photo("photos/orange.jpg");
  const std::string png = Photo("photos/astronaut.png");
  double total_ms = 0;
  int n = 0;
  for (auto [w, h] : {std::pair{100, 100}, {300, 50}, {50, 300}, {1, 1}, {1024, 1024}, {1024, 7}}) {
    for (bool smart : {false, true}) {
      for (const std::string* bytes : {&jpeg, &png}) {
        Stopwatch watch;
        auto thumb = GenerateThumbnail(*bytes, ImageLimits{}, {w, h, smart}, {});
        total_ms += watch.ElapsedMs();
        ++n;
        ASSERT_TRUE(thumb.ok()) << thumb.status();
        const bool is_png = bytes == &png;
        EXPECT_EQ(thumb->mime_type, is_png ? "image/png" : "image/jpeg");
        EXPECT_EQ(SniffMimeType(thumb->bytes), thumb->mime_type);
        testing_vision::Pixels decoded = DecodeFull(thumb->bytes);
        EXPECT_EQ(decoded.width, w);
        EXPECT_EQ(decoded.height, h);
      }
    }
  }
  std::printf("  GenerateThumbnail: %.2f ms per thumbnail (%d, decode + crop + encode)\n",
              total_ms / n, n);
}

// Mean absolute difference between `thumb` and rows [y0, y0 + h) of the
// original, scaled to the thumbnail's size.
double DistanceToBand(const testing_vision::Pixels& thumb, testing_vision::Pixels& full, int y0,
                      int h) {
  cv::Mat original(full.height, full.width, CV_8UC3, full.rgb.data());
  cv::Mat band;
  cv::resize(original(cv::Rect(0, y0, full.width, h)), band, cv::Size(thumb.width, thumb.height), 0,
             0, cv::INTER_AREA);
  cv::Mat t(thumb.height, thumb.width, CV_8UC3, const_cast<uint8_t*>(thumb.rgb.data()));
  return cv::norm(t, band, cv::NORM_L1) / static_cast<double>(t.total() * 3);
}

TEST(ThumbnailTest, SmartCropKeepsTheFace) {
  const std::string bytes = Photo("photos/astronaut.png");
  testing_vision::Pixels full = DecodeFull(bytes);
  ASSERT_EQ(full.width, 512);
  auto plain = GenerateThumbnail(bytes, ImageLimits{}, {200, 50, false}, {kAstronautFace});
  auto smart = GenerateThumbnail(bytes, ImageLimits{}, {200, 50, true}, {kAstronautFace});
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(smart.ok()) << smart.status();
  const Box face_window = ThumbnailCrop(512, 512, 200, 50, &kAstronautFace);
  const Box centre_window = ThumbnailCrop(512, 512, 200, 50, nullptr);
  testing_vision::Pixels s = DecodeFull(smart->bytes), p = DecodeFull(plain->bytes);
  const double smart_face = DistanceToBand(s, full, face_window.y, face_window.h);
  const double smart_centre = DistanceToBand(s, full, centre_window.y, centre_window.h);
  const double plain_face = DistanceToBand(p, full, face_window.y, face_window.h);
  const double plain_centre = DistanceToBand(p, full, centre_window.y, centre_window.h);
  std::printf("  smart: %.1f to face band, %.1f to centre; plain: %.1f / %.1f\n", smart_face,
              smart_centre, plain_face, plain_centre);
  EXPECT_LT(smart_face, 12);
  EXPECT_LT(smart_face, smart_centre);
  EXPECT_LT(plain_centre, 12);
  EXPECT_LT(plain_centre, plain_face);
}

TEST(AreaOfInterestTest, FacesWinOverObjects) {
  std::vector<Face> faces = {{{10, 20, 30, 40}, 0.9f}, {{100, 50, 20, 20}, 0.8f}};
  std::vector<Detection> objects = {{"dog", 0.99f, {0, 0, 300, 200}}};
  Box area = AreaOfInterest(400, 300, faces, objects, nullptr);
  EXPECT_EQ(area.x, 10);
  EXPECT_EQ(area.y, 20);
  EXPECT_EQ(area.w, 110);
  EXPECT_EQ(area.h, 50);
}

TEST(AreaOfInterestTest, MostConfidentObjects) {
  std::vector<Detection> objects = {{"dog", 0.9f, {50, 50, 50, 50}},
                                    {"cat", 0.6f, {200, 100, 20, 40}},
                                    {"cup", 0.3f, {0, 250, 10, 10}}};  // below half the best
  Box area = AreaOfInterest(400, 300, {}, objects, nullptr);
  EXPECT_EQ(area.x, 50);
  EXPECT_EQ(area.y, 50);
  EXPECT_EQ(area.w, 170);
  EXPECT_EQ(area.h, 90);
}

TEST(AreaOfInterestTest, ClippedToTheImage) {
  std::vector<Face> faces = {{{-20, -10, 60, 40}, 0.9f}};
  Box area = AreaOfInterest(100, 100, faces, {}, nullptr);
  EXPECT_EQ(area.x, 0);
  EXPECT_EQ(area.y, 0);
  EXPECT_EQ(area.w, 40);
  EXPECT_EQ(area.h, 30);
  // Entirely outside: the whole image.
  faces = {{{500, 500, 10, 10}, 0.9f}};
  area = AreaOfInterest(100, 100, faces, {}, nullptr);
  EXPECT_EQ(area.w, 100);
  EXPECT_EQ(area.h, 100);
}

TEST(AreaOfInterestTest, SaliencyThenWholeImage) {
  // A red square on grey at (300..400, 100..200) of an 800 x 400 image; the
  // saliency copy is half size.
  RgbImage half = testing_pixels::Solid(400, 200, 128, 128, 128);
  for (int y = 50; y < 100; ++y) {
    for (int x = 150; x < 200; ++x) {
      uint8_t* p = &half.pixels[(static_cast<size_t>(y) * 400 + x) * 3];
      p[0] = 230, p[1] = 20, p[2] = 20;
    }
  }
  Stopwatch watch;
  Box area = AreaOfInterest(800, 400, {}, {}, &half);
  const double ms = watch.ElapsedMs();
  std::printf("  saliency box %d,%d %dx%d (%.3f ms)\n", area.x, area.y, area.w, area.h, ms);
  EXPECT_NEAR(area.x, 300, 20);
  EXPECT_NEAR(area.y, 100, 20);
  EXPECT_NEAR(area.x + area.w, 400, 20);
  EXPECT_NEAR(area.y + area.h, 200, 20);

  RgbImage flat = testing_pixels::Solid(64, 32, 10, 200, 10);
  area = AreaOfInterest(800, 400, {}, {}, &flat);
  EXPECT_EQ(area.x, 0);
  EXPECT_EQ(area.w, 800);
  EXPECT_EQ(area.h, 400);
  area = AreaOfInterest(800, 400, {}, {}, nullptr);
  EXPECT_EQ(area.w, 800);
  EXPECT_EQ(area.h, 400);
}

TEST(AreaOfInterestTest, AstronautSaliencyIsNotTheWholeImage) {
  RgbImage image = testing_pixels::LoadPhoto("photos/astronaut.png", 256);
  Stopwatch watch;
  Box area = AreaOfInterest(512, 512, {}, {}, &image);
  std::printf("  astronaut saliency box %d,%d %dx%d (%.3f ms)\n", area.x, area.y, area.w, area.h,
              watch.ElapsedMs());
  EXPECT_GT(area.w, 0);
  EXPECT_GT(area.h, 0);
  EXPECT_LT(static_cast<double>(area.w) * area.h, 0.95 * 512 * 512);
}

}  // namespace
}  // namespace ocula
