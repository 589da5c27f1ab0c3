// Hostile-input limits checked by ProbeImage before anything is decoded or
// stored: frame counts of animated and multi-page images, the format
// allow-list (limits.formats), and libvips' blocked "untrusted" loaders.
#include <gtest/gtest.h>
#include <vips/vips.h>

#include <chrono>
#include <string>

#include "vision/image/image.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::Message;
using testing_vision::ReadFileOrDie;
using testing_vision::Reencode;
using testing_vision::TestDataPath;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A 64x64 animation of `frames` distinct frames (a white square moves), saved
// by libvips with `suffix` (".gif", ".webp", ".tif").
std::string Animation(int frames, const char* suffix) {
  VipsImage* black = nullptr;
  EXPECT_EQ(vips_black(&black, 64, 64 * frames, "bands", 3, nullptr), 0);
  VipsImage* image = vips_image_copy_memory(black);
  g_object_unref(black);
  double white[] = {255, 255, 255};
  for (int i = 0; i < frames; ++i) {
    EXPECT_EQ(vips_draw_rect(image, white, 3, (i * 7) % 56, i * 64 + (i * 3) % 56, 8, 8, "fill",
                             TRUE, nullptr),
              0);
  }
  vips_image_set_int(image, "page-height", 64);
  void* buffer = nullptr;
  size_t size = 0;
  int rc = vips_image_write_to_buffer(image, suffix, &buffer, &size, nullptr);
  g_object_unref(image);
  if (rc != 0) {
    ADD_FAILURE() << "libvips cannot write " << suffix << ": " << vips_error_buffer();
    vips_error_clear();
    return {};
  }
  std::string out(static_cast<const char*>(buffer), size);
  g_free(buffer);
  return out;
}

class FrameLimitTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FrameLimitTest, MoreFramesThanTheLimitIsInvalidImageSize) {
  std::string five = Animation(5, GetParam());
  ImageLimits limits;
  limits.max_frames = 5;
  auto header = ProbeImage(five, limits);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->frames, 5);
  EXPECT_EQ(header->width, 64);
  EXPECT_EQ(header->height, 64);

  limits.max_frames = 4;
  Status refused = ProbeImage(five, limits).status();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused;
  EXPECT_EQ(ReasonOf(refused), reason::kInvalidImageSize);
  EXPECT_TRUE(Contains(Message(refused), "5 frames")) << refused;
  EXPECT_TRUE(Contains(Message(refused), "limits.max_image_frames")) << refused;
  // Decoding applies the same limits (the worker never decodes what the
  // upload would have refused).
  EXPECT_EQ(ReasonOf(DecodeImage(five, 64, limits).status()), reason::kInvalidImageSize);
}

INSTANTIATE_TEST_SUITE_P(Containers, FrameLimitTest, ::testing::Values(".gif", ".webp", ".tif"));

TEST(ImageLimitsTest, DefaultLimitRefusesAHundredAndOneFramesBeforeDecoding) {
  EXPECT_EQ(ImageLimits{}.max_frames, 100);
  std::string gif = Animation(101, ".gif");
  auto start = std::chrono::steady_clock::now();
  Status refused = ProbeImage(gif, ImageLimits{}).status();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ReasonOf(refused), reason::kInvalidImageSize) << refused;
  EXPECT_TRUE(Contains(Message(refused), "101 frames")) << refused;
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
  EXPECT_TRUE(ProbeImage(Animation(100, ".gif"), ImageLimits{}).ok());
}

TEST(ImageLimitsTest, FormatsOffTheAllowListAreUnsupportedMediaType) {
  const std::string jpeg = ReadFileOrDie(TestDataPath("photos/fruits.jpg"));
  const std::string png = Reencode(jpeg, ".png");
  const std::string gif = Reencode(jpeg, ".gif");
  ImageLimits limits;
  EXPECT_EQ(limits.formats, AllImageFormats());
  for (const std::string* bytes : {&jpeg, &png, &gif}) EXPECT_TRUE(ProbeImage(*bytes, limits).ok());

  limits.formats = {"jpeg", "png"};
  EXPECT_TRUE(ProbeImage(jpeg, limits).ok());
  EXPECT_TRUE(ProbeImage(png, limits).ok());
  Status refused = ProbeImage(gif, limits).status();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused;
  EXPECT_EQ(ReasonOf(refused), reason::kUnsupportedMediaType);  // HTTP 415
  EXPECT_TRUE(Contains(Message(refused), "Gif")) << refused;
  EXPECT_TRUE(Contains(Message(refused), "jpeg, png (limits.formats)")) << refused;
  EXPECT_EQ(ReasonOf(DecodeImage(gif, 64, limits).status()), reason::kUnsupportedMediaType);
  // Bytes of no supported format stay InvalidImageFormat.
  EXPECT_EQ(ReasonOf(ProbeImage("plain text", limits).status()), reason::kInvalidImageFormat);
}

TEST(ImageLimitsTest, ParseImageFormats) {
  auto parsed = ParseImageFormats(" JPEG, png ,,webp,png");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, (std::vector<std::string>{"jpeg", "png", "webp"}));
  EXPECT_EQ(*ParseImageFormats("jpeg,png,webp,gif,tiff,bmp"), AllImageFormats());
  EXPECT_EQ(ParseImageFormats("jpeg,svg").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(Message(ParseImageFormats("jpeg,svg").status()), "svg"));
  EXPECT_EQ(ParseImageFormats(" , ").status().code(), StatusCode::kInvalidArgument);
}

// libvips runs with vips_block_untrusted_set(TRUE) (vips/vips.h): loaders
// flagged VIPS_OPERATION_UNTRUSTED refuse to run at all, so even bytes that
// got past the sniffer could not reach them.
TEST(ImageLimitsTest, UntrustedLibvipsLoadersAreBlocked) {
  ASSERT_TRUE(EnsureVips().ok());  // initialises libvips as Ocula does
  const std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">)"
                          R"(<rect width="100" height="100" fill="red"/></svg>)";
  const std::string ppm = "P6\n64 64\n255\n" + std::string(64 * 64 * 3, '\x7f');

  // Ocula refuses them before libvips sees them.
  for (const std::string* bytes : {&svg, &ppm}) {
    EXPECT_EQ(ReasonOf(ProbeImage(*bytes, ImageLimits{}).status()), reason::kInvalidImageFormat);
  }
  // And libvips itself will not run the loaders.
  struct Case {
    const char* name;
    int (*load)(const std::string&, VipsImage**);
  };
  const Case cases[] = {
      {"svgload_buffer",
       [](const std::string& b, VipsImage** out) {
         return vips_svgload_buffer(const_cast<char*>(b.data()), b.size(), out, nullptr);
       }},
      {"jp2kload_buffer",
       [](const std::string& b, VipsImage** out) {
         return vips_jp2kload_buffer(const_cast<char*>(b.data()), b.size(), out, nullptr);
       }},
  };
  for (const Case& c : cases) {
    VipsImage* out = nullptr;
    vips_error_clear();
    EXPECT_NE(c.load(svg, &out), 0) << c.name;
    EXPECT_EQ(out, nullptr) << c.name;
    EXPECT_TRUE(Contains(vips_error_buffer(), "blocked")) << c.name << ": " << vips_error_buffer();
    vips_error_clear();
  }
  // The generic entry point refuses too.
  VipsImage* any = vips_image_new_from_buffer(svg.data(), svg.size(), "", nullptr);
  EXPECT_EQ(any, nullptr);
  if (any != nullptr) g_object_unref(any);
  vips_error_clear();
}

}  // namespace
}  // namespace ocula
