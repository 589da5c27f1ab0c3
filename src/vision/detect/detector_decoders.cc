#include "vision/detect/detector_decoders.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace ocula::vision_internal {
namespace {

constexpr std::array<int, 3> kStrides = {8, 16, 32};
constexpr std::array<int, 4> kPicoDetStrides = {8, 16, 32, 64};

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

Status SizeError(const DecodeContext& context, const std::string& what, size_t got, size_t want) {
  return absl::FailedPreconditionError(absl::StrCat("model ", context.model, ": output ", what,
                                                    " has ", got, " values, expected ", want,
                                                    " (wrong decoder or input size?)"));
}

Status CheckSize(const DecodeContext& context, const Tensor& t, const std::string& what,
                 size_t want) {
  if (t.data.size() == want) return absl::OkStatus();
  return SizeError(context, what, t.data.size(), want);
}

// The grid of one stride: cells per row and in all.
struct Grid {
  int cols = 0;
  int rows = 0;
  size_t cells() const { return static_cast<size_t>(cols) * rows; }
};
Grid GridOf(const DecodeContext& context, int stride) {
  return {(context.input_width + stride - 1) / stride,
          (context.input_height + stride - 1) / stride};
}

// The best class of `scores[0..n)` (with `step` between them) and its score.
std::pair<int, float> BestClass(const float* scores, int n, size_t step) {
  int best = 0;
  for (int c = 1; c < n; ++c) {
    if (scores[c * step] > scores[best * step]) best = c;
  }
  return {best, scores[best * step]};
}

// Expected value (in bins) of the softmax over `bins` logits.
float ExpectedBin(const float* logits, int bins) {
  float max = *std::max_element(logits, logits + bins);
  float sum = 0, weighted = 0;
  for (int i = 0; i < bins; ++i) {
    float e = std::exp(logits[i] - max);
    sum += e;
    weighted += e * static_cast<float>(i);
  }
  return weighted / sum;
}

// One level of a GFL head (NanoDet, PicoDet): class scores (cells x classes, sigmoid already
// applied by the export) and side distributions (cells x 4 x bins).
Status DecodeGflLevel(const Tensor& cls, const Tensor& box, int stride,
                      const DecodeContext& context, std::vector<Candidate>& out) {
  const Grid grid = GridOf(context, stride);
  const size_t cells = grid.cells();
  const int classes = context.num_classes;
  OCULA_RETURN_IF_ERROR(CheckSize(context, cls, absl::StrCat("cls_", stride), cells * classes));
  if (box.data.empty() || box.data.size() % (cells * 4) != 0) {
    return SizeError(context, absl::StrCat("box_", stride), box.data.size(), cells * 4 * 8);
  }
  const int bins = static_cast<int>(box.data.size() / (cells * 4));
  for (size_t i = 0; i < cells; ++i) {
    auto [label, score] = BestClass(&cls.data[i * classes], classes, 1);
    if (score < context.score_threshold) continue;
    const float cx = (static_cast<float>(i % grid.cols) + 0.5f) * stride;
    const float cy = (static_cast<float>(i / grid.cols) + 0.5f) * stride;
    std::array<float, 4> d{};
    for (int side = 0; side < 4; ++side) {
      d[side] = ExpectedBin(&box.data[(i * 4 + side) * bins], bins) * stride;
    }
    out.push_back({cx - d[0], cy - d[1], cx + d[2], cy + d[3], score, label});
  }
  return absl::OkStatus();
}

// One YuNet level: cls and obj (cells x 1), bbox (cells x 4).
Status DecodeYuNetLevel(const Tensor& cls, const Tensor& obj, const Tensor& bbox, int stride,
                        const DecodeContext& context, std::vector<Candidate>& out) {
  const Grid grid = GridOf(context, stride);
  const size_t cells = grid.cells();
  OCULA_RETURN_IF_ERROR(CheckSize(context, cls, absl::StrCat("cls_", stride), cells));
  OCULA_RETURN_IF_ERROR(CheckSize(context, obj, absl::StrCat("obj_", stride), cells));
  OCULA_RETURN_IF_ERROR(CheckSize(context, bbox, absl::StrCat("bbox_", stride), cells * 4));
  for (size_t i = 0; i < cells; ++i) {
    float score =
        std::sqrt(std::clamp(cls.data[i], 0.0f, 1.0f) * std::clamp(obj.data[i], 0.0f, 1.0f));
    if (score < context.score_threshold) continue;
    const float* b = &bbox.data[i * 4];
    float cx = (static_cast<float>(i % grid.cols) + b[0]) * stride;
    float cy = (static_cast<float>(i / grid.cols) + b[1]) * stride;
    float w = std::exp(b[2]) * stride;
    float h = std::exp(b[3]) * stride;
    out.push_back({cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, 0});
  }
  return absl::OkStatus();
}

// A GFL head: outputs cls_s, box_s for each stride s, in that order.
template <size_t N>
StatusOr<std::vector<Candidate>> DecodeGfl(const std::vector<Tensor>& outputs,
                                           const DecodeContext& context,
                                           const std::array<int, N>& strides) {
  std::vector<Candidate> out;
  for (size_t level = 0; level < N; ++level) {
    OCULA_RETURN_IF_ERROR(DecodeGflLevel(outputs.at(2 * level), outputs.at(2 * level + 1),
                                         strides[level], context, out));
  }
  return out;
}

}  // namespace

// FastestDet: one 1 x (5 + classes) x H x W map. Objectness is already a
// sigmoid and the classes a softmax (both inside the exported graph).
StatusOr<std::vector<Candidate>> DecodeFastestDet(const std::vector<Tensor>& outputs,
                                                  const DecodeContext& context) {
  const Tensor& t = outputs.at(0);
  if (t.shape.size() != 4 || t.shape[1] != 5 + context.num_classes) {
    return absl::FailedPreconditionError(
        absl::StrCat("model ", context.model, ": FastestDet output must be 1 x ",
                     5 + context.num_classes, " x H x W (5 + one channel per label)"));
  }
  const int rows = static_cast<int>(t.shape[2]), cols = static_cast<int>(t.shape[3]);
  const size_t plane = static_cast<size_t>(rows) * cols;
  OCULA_RETURN_IF_ERROR(CheckSize(context, t, "predictions", plane * t.shape[1]));
  std::vector<Candidate> out;
  for (size_t i = 0; i < plane; ++i) {
    const float* cell = &t.data[i];  // channel c at cell[c * plane]
    auto [label, cls] = BestClass(cell + 5 * plane, context.num_classes, plane);
    float score = std::pow(std::max(cell[0], 0.0f), 0.6f) * std::pow(std::max(cls, 0.0f), 0.4f);
    if (score < context.score_threshold) continue;
    float cx = (static_cast<float>(i % cols) + std::tanh(cell[plane])) / cols;
    float cy = (static_cast<float>(i / cols) + std::tanh(cell[2 * plane])) / rows;
    float w = Sigmoid(cell[3 * plane]), h = Sigmoid(cell[4 * plane]);
    out.push_back({(cx - w / 2) * context.input_width, (cy - h / 2) * context.input_height,
                   (cx + w / 2) * context.input_width, (cy + h / 2) * context.input_height, score,
                   label});
  }
  return out;
}

// NanoDet: outputs cls_8, box_8, cls_16, box_16, cls_32, box_32.
StatusOr<std::vector<Candidate>> DecodeNanoDet(const std::vector<Tensor>& outputs,
                                               const DecodeContext& context) {
  return DecodeGfl(outputs, context, kStrides);
}

// PicoDet: the same head with a fourth level, stride 64.
StatusOr<std::vector<Candidate>> DecodePicoDet(const std::vector<Tensor>& outputs,
                                               const DecodeContext& context) {
  return DecodeGfl(outputs, context, kPicoDetStrides);
}

// YuNet: outputs cls_s, obj_s, bbox_s for s = 8, 16, 32.
StatusOr<std::vector<Candidate>> DecodeYuNet(const std::vector<Tensor>& outputs,
                                             const DecodeContext& context) {
  std::vector<Candidate> out;
  for (size_t level = 0; level < kStrides.size(); ++level) {
    OCULA_RETURN_IF_ERROR(DecodeYuNetLevel(outputs.at(3 * level), outputs.at(3 * level + 1),
                                           outputs.at(3 * level + 2), kStrides[level], context,
                                           out));
  }
  return out;
}

// UltraFace: scores (N x 2, softmaxed; index 1 = face) and boxes (N x 4,
// normalised x1, y1, x2, y2).
StatusOr<std::vector<Candidate>> DecodeUltraFace(const std::vector<Tensor>& outputs,
                                                 const DecodeContext& context) {
  const Tensor& scores = outputs.at(0);
  const Tensor& boxes = outputs.at(1);
  const size_t n = scores.data.size() / 2;
  OCULA_RETURN_IF_ERROR(CheckSize(context, boxes, "boxes", n * 4));
  const float w = static_cast<float>(context.input_width);
  const float h = static_cast<float>(context.input_height);
  std::vector<Candidate> out;
  for (size_t i = 0; i < n; ++i) {
    float score = scores.data[i * 2 + 1];
    if (score < context.score_threshold) continue;
    const float* b = &boxes.data[i * 4];
    out.push_back({b[0] * w, b[1] * h, b[2] * w, b[3] * h, score, 0});
  }
  return out;
}

const DecoderInfo* FindDecoder(std::string_view task, std::string_view name) {
  static const std::array<DecoderInfo, 5> kDecoders = {{
      {"fastestdet", "objects", {"predictions"}, true, &DecodeFastestDet},
      {"nanodet",
       "objects",
       {"cls_8", "box_8", "cls_16", "box_16", "cls_32", "box_32"},
       true,
       &DecodeNanoDet},
      {"picodet",
       "objects",
       {"cls_8", "box_8", "cls_16", "box_16", "cls_32", "box_32", "cls_64", "box_64"},
       true,
       &DecodePicoDet},
      {"yunet",
       "faces",
       {"cls_8", "obj_8", "bbox_8", "cls_16", "obj_16", "bbox_16", "cls_32", "obj_32", "bbox_32"},
       false,
       &DecodeYuNet},
      {"ultraface", "faces", {"scores", "boxes"}, false, &DecodeUltraFace},
  }};
  for (const DecoderInfo& d : kDecoders) {
    if (d.name == name && d.task == task) return &d;
  }
  return nullptr;
}

}  // namespace ocula::vision_internal
