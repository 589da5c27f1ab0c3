#include "vision/classify/classifier.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

// The resized image to crop from and the crop rectangle, per spec.resize.
// Returns a view of `src` (no copy) when no resize is needed.
std::pair<cv::Mat, cv::Rect> ResizeForInput(const cv::Mat& src, const ModelInputSpec& spec) {
  cv::Size target(spec.width, spec.height);
  if (spec.resize == "short_side_center_crop") {
    double scale = static_cast<double>(spec.resize_short_side) / std::min(src.cols, src.rows);
    target = cv::Size(std::max(spec.width, static_cast<int>(std::lround(src.cols * scale))),
                      std::max(spec.height, static_cast<int>(std::lround(src.rows * scale))));
  }
  cv::Mat resized = src;
  if (target != src.size()) {
    bool shrinking = target.width < src.cols;
    cv::resize(src, resized, target, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  }
  cv::Rect crop((target.width - spec.width) / 2, (target.height - spec.height) / 2, spec.width,
                spec.height);
  return {resized, crop};
}

void Decode(const std::string& decoder, std::vector<float>& scores) {
  if (decoder == "softmax") {
    Softmax(scores);
  } else if (decoder == "sigmoid") {
    Sigmoid(scores);
  }
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("labels file ", path, " is missing"));
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

}  // namespace

StatusOr<std::vector<ClassLabel>> ParseLabels(std::string_view text) {
  std::vector<ClassLabel> labels;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = Trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.empty()) continue;
    ClassLabel label;
    std::string_view names = line;
    if (size_t tab = line.find('\t'); tab != std::string_view::npos) {
      label.id = std::string(Trim(line.substr(0, tab)));
      names = line.substr(tab + 1);
    }
    label.name = std::string(Trim(names.substr(0, names.find(','))));
    labels.push_back(std::move(label));
  }
  if (labels.empty()) return absl::InvalidArgumentError("labels file holds no labels");
  return labels;
}

StatusOr<Tensor> PreprocessImage(const RgbImage& image, const ModelInputSpec& spec) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    return absl::InvalidArgumentError("PreprocessImage: empty or inconsistent image");
  }
  // A view of the caller's pixels: OpenCV only reads them.
  cv::Mat src(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  auto [resized, crop] = ResizeForInput(src, spec);
  const cv::Mat roi = resized(crop);
  const ChannelLuts luts = MakeChannelLuts(spec);
  const bool bgr = spec.color == "BGR";
  const bool nchw = spec.layout == "NCHW";
  const size_t plane = static_cast<size_t>(spec.width) * spec.height;

  Tensor t;
  t.shape = nchw ? std::vector<int64_t>{1, 3, spec.height, spec.width}
                 : std::vector<int64_t>{1, spec.height, spec.width, 3};
  t.data.resize(plane * 3);
  for (int y = 0; y < spec.height; ++y) {
    const uint8_t* row = roi.ptr<uint8_t>(y);
    for (int x = 0; x < spec.width; ++x) {
      size_t pixel = static_cast<size_t>(y) * spec.width + x;
      for (int c = 0; c < 3; ++c) {
        uint8_t value = row[x * 3 + (bgr ? 2 - c : c)];
        t.data[nchw ? c * plane + pixel : pixel * 3 + c] = luts[c][value];
      }
    }
  }
  return t;
}

RunnerOptions ClassifierRunnerOptions(const ModelManifest& manifest,
                                      const InferenceOptions& inference) {
  RunnerOptions options;
  options.inference = inference;
  options.model_path = manifest.ModelPath();
  options.input_name = manifest.input.name;
  options.output_names.push_back(manifest.outputs.at("logits"));
  if (auto it = manifest.outputs.find("embedding"); it != manifest.outputs.end()) {
    options.output_names.push_back(it->second);
  }
  return options;
}

StatusOr<std::unique_ptr<Classifier>> Classifier::Create(const ModelManifest& manifest,
                                                         std::unique_ptr<ModelRunner> runner) {
  if (runner == nullptr) return absl::InvalidArgumentError("Classifier needs a ModelRunner");
  OCULA_ASSIGN_OR_RETURN(std::string text, ReadText(manifest.LabelsPath()));
  auto labels = ParseLabels(text);
  if (!labels.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(manifest.LabelsPath(), ": ", labels.status().message()));
  }
  return std::make_unique<Classifier>(PassKey{}, manifest, *std::move(labels), std::move(runner));
}

Classifier::Classifier(PassKey, ModelManifest manifest, std::vector<ClassLabel> labels,
                       std::unique_ptr<ModelRunner> runner)
    : manifest_(std::move(manifest)), labels_(std::move(labels)), runner_(std::move(runner)) {}

StatusOr<Classification> Classifier::Classify(const RgbImage& image, int top_k) {
  OCULA_ASSIGN_OR_RETURN(Tensor input, PreprocessImage(image, manifest_.input));
  OCULA_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, runner_->Run(input));
  std::vector<float>& scores = outputs.at(0).data;
  if (scores.size() != labels_.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "model ", manifest_.ModelPath(), " gives ", scores.size(), " scores but labels file ",
        manifest_.LabelsPath(), " has ", labels_.size(), " labels"));
  }
  Decode(manifest_.decoder, scores);

  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  size_t k = std::min(static_cast<size_t>(std::max(top_k, 0)), order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int a, int b) { return scores[a] > scores[b]; });
  Classification result;
  for (size_t i = 0; i < k; ++i) {
    int index = order[i];
    result.top.push_back({index, labels_[index].id, labels_[index].name, scores[index]});
  }
  if (outputs.size() > 1) result.embedding = std::move(outputs[1].data);
  return result;
}

std::string Classifier::EmbeddingModel() const {
  return manifest_.outputs.contains("embedding") ? manifest_.name : "";
}

StatusOr<Embedding> Classifier::Embed(const RgbImage& image) {
  if (EmbeddingModel().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("model manifest ", manifest_.manifest_path, " names no \"embedding\" output"));
  }
  OCULA_ASSIGN_OR_RETURN(Classification classes, Classify(image, 0));
  return Embedding{manifest_.name, std::move(classes.embedding)};
}

}  // namespace ocula
