#include "vision/classify/embedding.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace ocula {

void Softmax(std::span<float> scores) {
  if (scores.empty()) return;
  float max = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (float& x : scores) sum += (x = std::exp(x - max));
  for (float& x : scores) x = static_cast<float>(x / sum);
}

void Sigmoid(std::span<float> scores) {
  for (float& x : scores) x = 1.0f / (1.0f + std::exp(-x));
}

StatusOr<std::unique_ptr<LinearHead>> LinearHead::Create(std::vector<std::string> classes, int dim,
                                                         std::vector<float> weights,
                                                         std::vector<float> bias,
                                                         HeadActivation activation) {
  if (classes.empty()) return absl::InvalidArgumentError("a head needs at least one class");
  if (dim < 1) return absl::InvalidArgumentError(absl::StrCat("head dimension ", dim, " < 1"));
  const size_t n = classes.size();
  if (weights.size() != n * static_cast<size_t>(dim) || bias.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("a head of ", n, " classes over ", dim, " dimensions needs ", n * dim,
                     " weights and ", n, " biases, not ", weights.size(), " and ", bias.size()));
  }
  return std::unique_ptr<LinearHead>(
      new LinearHead(std::move(classes), dim, std::move(weights), std::move(bias), activation));
}

LinearHead::LinearHead(std::vector<std::string> classes, int dim, std::vector<float> weights,
                       std::vector<float> bias, HeadActivation activation)
    : classes_(std::move(classes)),
      dim_(dim),
      weights_(std::move(weights)),
      bias_(std::move(bias)),
      activation_(activation) {}

StatusOr<std::vector<float>> LinearHead::Scores(std::span<const float> embedding) const {
  if (embedding.size() != static_cast<size_t>(dim_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the head expects an embedding of ", dim_, " values, not ", embedding.size()));
  }
  std::vector<float> scores(bias_);
  for (size_t c = 0; c < scores.size(); ++c) {
    const float* row = weights_.data() + c * dim_;
    double sum = 0;
    for (int i = 0; i < dim_; ++i) sum += static_cast<double>(row[i]) * embedding[i];
    scores[c] += static_cast<float>(sum);
  }
  if (activation_ == HeadActivation::kSoftmax) {
    Softmax(scores);
  } else {
    Sigmoid(scores);
  }
  return scores;
}

}  // namespace ocula
