// The detectors' parts on hand-made inputs: NMS, the four output decoders
// and the input tensor with its box mapping.
#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <vector>

#include "vision/detect/detector_decoders.h"
#include "vision/detect/detector_input.h"
#include "vision/detect/nms.h"

namespace ocula::vision_internal {
namespace {

Candidate Box4(float x1, float y1, float x2, float y2, float score, int label = 0) {
  return {x1, y1, x2, y2, score, label};
}

TEST(NmsTest, IouOfKnownBoxes) {
  EXPECT_FLOAT_EQ(Iou(Box4(0, 0, 10, 10, 1), Box4(0, 0, 10, 10, 1)), 1.0f);
  EXPECT_FLOAT_EQ(Iou(Box4(0, 0, 10, 10, 1), Box4(5, 0, 15, 10, 1)), 50.0f / 150.0f);
  EXPECT_FLOAT_EQ(Iou(Box4(0, 0, 10, 10, 1), Box4(20, 20, 30, 30, 1)), 0.0f);
  EXPECT_FLOAT_EQ(Iou(Box4(0, 0, 0, 0, 1), Box4(0, 0, 0, 0, 1)), 0.0f);
}

TEST(NmsTest, KeepsTheBestOfOverlappingBoxesPerClass) {
  std::vector<Candidate> in = {Box4(0, 0, 10, 10, 0.6f, 1), Box4(1, 1, 11, 11, 0.9f, 1),
                               Box4(1, 0, 11, 10, 0.8f, 2), Box4(50, 50, 60, 60, 0.7f, 1)};
  std::vector<Candidate> out = Nms(in, 0.45f, /*per_class=*/true, 100);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FLOAT_EQ(out[0].score, 0.9f);  // best first
  EXPECT_FLOAT_EQ(out[1].score, 0.8f);  // another class is not suppressed
  EXPECT_FLOAT_EQ(out[2].score, 0.7f);  // no overlap

  std::vector<Candidate> agnostic = Nms(in, 0.45f, /*per_class=*/false, 100);
  ASSERT_EQ(agnostic.size(), 2u);
  EXPECT_FLOAT_EQ(agnostic[1].score, 0.7f);

  EXPECT_EQ(Nms(in, 0.45f, true, 1).size(), 1u);
}

TEST(NmsTest, DropsALesserBoxLyingInsideABetterOneOfTheSameClass) {
  // The astronaut photo's case: a second "person" on the torso of the first
  // (IoU 0.35, fully inside).
  std::vector<Candidate> in = {Box4(31, 12, 392, 512, 0.79f, 0), Box4(111, 20, 328, 313, 0.52f, 0),
                               Box4(111, 20, 328, 313, 0.50f, 3),   // another class: kept
                               Box4(300, 400, 420, 520, 0.6f, 0)};  // sticks out: kept
  EXPECT_LT(Iou(in[0], in[1]), 0.45f);
  EXPECT_FLOAT_EQ(Containment(in[1], in[0]), 1.0f);
  std::vector<Candidate> out = Nms(in, 0.45f, /*per_class=*/true, 100);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FLOAT_EQ(out[0].score, 0.79f);
  EXPECT_FLOAT_EQ(out[1].score, 0.6f);
  EXPECT_FLOAT_EQ(out[2].score, 0.50f);
  // Face detectors (not per class) keep nested boxes: IoU alone decides.
  EXPECT_EQ(Nms({in[0], in[1]}, 0.45f, /*per_class=*/false, 100).size(), 2u);
}

DecodeContext Context(int w, int h, int classes, float threshold) {
  return {w, h, classes, threshold, "test.onnx"};
}

TEST(DecoderTest, FastestDetDecodesOneCell) {
  const int grid = 22, classes = 80, plane = grid * grid;
  Tensor t{{1, 5 + classes, grid, grid}, std::vector<float>((5 + classes) * plane, 0.0f)};
  const int cell = 10 * grid + 5;                      // row 10, col 5
  t.data[cell] = 0.9f;                                 // objectness
  t.data[3 * plane + cell] = std::log(0.25f / 0.75f);  // w = sigmoid(.) = 0.25
  t.data[4 * plane + cell] = 0.0f;                     // h = 0.5
  t.data[(5 + 16) * plane + cell] = 0.8f;              // class 16
  auto out = DecodeFastestDet({t}, Context(352, 352, classes, 0.4f));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  const Candidate& c = (*out)[0];
  EXPECT_EQ(c.label, 16);
  EXPECT_NEAR(c.score, std::pow(0.9f, 0.6f) * std::pow(0.8f, 0.4f), 1e-5);
  EXPECT_NEAR((c.x1 + c.x2) / 2, 5.0f / 22 * 352, 1e-3);
  EXPECT_NEAR((c.y1 + c.y2) / 2, 10.0f / 22 * 352, 1e-3);
  EXPECT_NEAR(c.x2 - c.x1, 0.25f * 352, 1e-3);
  EXPECT_NEAR(c.y2 - c.y1, 0.5f * 352, 1e-3);
}

TEST(DecoderTest, FastestDetRejectsWrongClassCount) {
  Tensor t{{1, 85, 22, 22}, std::vector<float>(85 * 22 * 22, 0.0f)};
  auto out = DecodeFastestDet({t}, Context(352, 352, 20, 0.4f));
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
}

// Empty outputs of a GFL head (NanoDet, PicoDet) on a 320 x 320 input:
// cls_s (cells x classes, all 0.01) and box_s (cells x 4 sides x 8 bins) per
// stride, with ceil(320 / s) cells a side.
std::vector<Tensor> GflOutputs(std::initializer_list<int> strides, int classes) {
  std::vector<Tensor> outs;
  for (int stride : strides) {
    const int side = (320 + stride - 1) / stride, cells = side * side;
    outs.push_back({{1, cells, classes}, std::vector<float>(cells * classes, 0.01f)});
    outs.push_back({{1, cells, 32}, std::vector<float>(cells * 32, 0.0f)});
  }
  return outs;
}

TEST(DecoderTest, NanoDetDecodesDistributions) {
  const int classes = 3;
  std::vector<Tensor> outs = GflOutputs({8, 16, 32}, classes);
  // Stride 16, row 4, col 7: class 2 at 0.9, every side 2 bins away.
  const int cell = 4 * 20 + 7;
  outs[2].data[cell * classes + 2] = 0.9f;
  for (int side = 0; side < 4; ++side) outs[3].data[(cell * 4 + side) * 8 + 2] = 50.0f;
  auto out = DecodeNanoDet(outs, Context(320, 320, classes, 0.4f));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  const Candidate& c = (*out)[0];
  EXPECT_EQ(c.label, 2);
  EXPECT_FLOAT_EQ(c.score, 0.9f);
  const float cx = 7.5f * 16, cy = 4.5f * 16;
  EXPECT_NEAR(c.x1, cx - 32, 1e-3);
  EXPECT_NEAR(c.y1, cy - 32, 1e-3);
  EXPECT_NEAR(c.x2, cx + 32, 1e-3);
  EXPECT_NEAR(c.y2, cy + 32, 1e-3);

  outs[5].data.pop_back();  // box_16 one value short
  EXPECT_EQ(DecodeNanoDet(outs, Context(320, 320, classes, 0.4f)).status().code(),
            StatusCode::kFailedPrecondition);
}

// PicoDet's fourth level has stride 64 and a grid of ceil(320 / 64) = 5.
TEST(DecoderTest, PicoDetReadsTheStride64Level) {
  const int classes = 80;
  std::vector<Tensor> outs = GflOutputs({8, 16, 32, 64}, classes);
  // Stride 64, row 3, col 1: class 16 at 0.7, sides 1, 2, 3 and 4 bins away.
  const int cell = 3 * 5 + 1;
  outs[6].data[cell * classes + 16] = 0.7f;
  for (int side = 0; side < 4; ++side) outs[7].data[(cell * 4 + side) * 8 + side + 1] = 50.0f;
  auto out = DecodePicoDet(outs, Context(320, 320, classes, 0.5f));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  const Candidate& c = (*out)[0];
  EXPECT_EQ(c.label, 16);
  const float cx = 1.5f * 64, cy = 3.5f * 64;
  EXPECT_NEAR(c.x1, cx - 64, 1e-3);
  EXPECT_NEAR(c.y1, cy - 128, 1e-3);
  EXPECT_NEAR(c.x2, cx + 192, 1e-3);
  EXPECT_NEAR(c.y2, cy + 256, 1e-3);

  outs[6].data.resize(16 * classes);  // cls_64 sized for a 4 x 4 grid
  EXPECT_EQ(DecodePicoDet(outs, Context(320, 320, classes, 0.5f)).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(DecoderTest, YuNetDecodesOneCell) {
  std::vector<Tensor> outs;
  for (int stride : {8, 16, 32}) {
    const int cells = (320 / stride) * (320 / stride);
    outs.push_back({{1, cells, 1}, std::vector<float>(cells, 0.0f)});
    outs.push_back({{1, cells, 1}, std::vector<float>(cells, 0.0f)});
    outs.push_back({{1, cells, 4}, std::vector<float>(cells * 4, 0.0f)});
  }
  // Stride 32, row 2, col 3.
  const int cell = 2 * 10 + 3;
  outs[6].data[cell] = 0.81f;
  outs[7].data[cell] = 1.2f;  // clamped to 1
  float* b = &outs[8].data[cell * 4];
  b[0] = 0.5f, b[1] = 0.5f, b[2] = std::log(2.0f), b[3] = std::log(3.0f);
  auto out = DecodeYuNet(outs, Context(320, 320, 1, 0.5f));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  const Candidate& c = (*out)[0];
  EXPECT_NEAR(c.score, 0.9f, 1e-5);
  EXPECT_NEAR(c.x1, 3.5f * 32 - 32, 1e-3);
  EXPECT_NEAR(c.x2, 3.5f * 32 + 32, 1e-3);
  EXPECT_NEAR(c.y1, 2.5f * 32 - 48, 1e-3);
  EXPECT_NEAR(c.y2, 2.5f * 32 + 48, 1e-3);
}

TEST(DecoderTest, UltraFaceScalesNormalisedBoxes) {
  Tensor scores{{1, 2, 2}, {0.9f, 0.1f, 0.2f, 0.8f}};
  Tensor boxes{{1, 2, 4}, {0, 0, 1, 1, 0.25f, 0.5f, 0.75f, 1.0f}};
  auto out = DecodeUltraFace({scores, boxes}, Context(320, 240, 1, 0.7f));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_FLOAT_EQ((*out)[0].x1, 80);
  EXPECT_FLOAT_EQ((*out)[0].y1, 120);
  EXPECT_FLOAT_EQ((*out)[0].x2, 240);
  EXPECT_FLOAT_EQ((*out)[0].y2, 240);
  boxes.data.pop_back();
  EXPECT_EQ(DecodeUltraFace({scores, boxes}, Context(320, 240, 1, 0.7f)).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(DecoderTest, RegistryFindsDecodersByTask) {
  ASSERT_NE(FindDecoder("objects", "fastestdet"), nullptr);
  ASSERT_NE(FindDecoder("objects", "nanodet"), nullptr);
  ASSERT_NE(FindDecoder("objects", "picodet"), nullptr);
  EXPECT_EQ(FindDecoder("objects", "picodet")->roles.size(), 8u);
  ASSERT_NE(FindDecoder("faces", "yunet"), nullptr);
  ASSERT_NE(FindDecoder("faces", "ultraface"), nullptr);
  EXPECT_EQ(FindDecoder("faces", "fastestdet"), nullptr);
  EXPECT_EQ(FindDecoder("objects", "yolo"), nullptr);
}

RgbImage Solid(int w, int h, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage image{w, h, {}};
  for (int i = 0; i < w * h; ++i) image.pixels.insert(image.pixels.end(), {r, g, b});
  return image;
}

ModelInputSpec Spec(const char* resize, const char* color) {
  ModelInputSpec spec;
  spec.width = 320;
  spec.height = 320;
  spec.resize = resize;
  spec.color = color;
  spec.scale = 1.0f / 255;
  return spec;
}

TEST(DetectorInputTest, LetterboxCentresPadsAndMapsBack) {
  const RgbImage image = Solid(200, 100, 255, 128, 0);
  auto input = MakeDetectorInput(image, Spec("letterbox", "BGR"), 400, 200);
  ASSERT_TRUE(input.ok()) << input.status();
  const Tensor& t = input->tensor;
  EXPECT_EQ(t.shape, (std::vector<int64_t>{1, 3, 320, 320}));
  const size_t plane = 320 * 320;
  EXPECT_FLOAT_EQ(t.data[0 * plane + 10 * 320 + 160], 0.0f);            // padding above: black
  EXPECT_FLOAT_EQ(t.data[0 * plane + 160 * 320 + 160], 0.0f);           // B of orange
  EXPECT_NEAR(t.data[1 * plane + 160 * 320 + 160], 128 / 255.0, 1e-6);  // G
  EXPECT_FLOAT_EQ(t.data[2 * plane + 160 * 320 + 160], 1.0f);           // R
  // The resized image spans model rows 80..240: map its corners back to the
  // 400 x 200 original.
  Box box = input->mapping.ToOriginal({0, 80, 320, 240, 1, 0});
  EXPECT_EQ(box.x, 0);
  EXPECT_EQ(box.y, 0);
  EXPECT_EQ(box.w, 400);
  EXPECT_EQ(box.h, 200);
  Box clamped = input->mapping.ToOriginal({-50, 0, 160, 320, 1, 0});
  EXPECT_EQ(clamped.x, 0);
  EXPECT_EQ(clamped.y, 0);
  EXPECT_EQ(clamped.w, 200);
  EXPECT_EQ(clamped.h, 200);
}

TEST(DetectorInputTest, StretchMapsEachAxis) {
  const RgbImage image = Solid(64, 32, 10, 20, 30);
  auto input = MakeDetectorInput(image, Spec("stretch", "RGB"), 640, 320);
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_NEAR(input->tensor.data[0], 10 / 255.0, 1e-6);
  Box box = input->mapping.ToOriginal({32, 32, 160, 320, 1, 0});
  EXPECT_EQ(box.x, 64);
  EXPECT_EQ(box.y, 32);
  EXPECT_EQ(box.w, 256);
  EXPECT_EQ(box.h, 288);
}

TEST(DetectorInputTest, RejectsEmptyImageAndOriginalSize) {
  EXPECT_EQ(MakeDetectorInput(RgbImage{}, Spec("stretch", "RGB"), 10, 10).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeDetectorInput(Solid(4, 4, 0, 0, 0), Spec("stretch", "RGB"), 0, 10).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ocula::vision_internal
