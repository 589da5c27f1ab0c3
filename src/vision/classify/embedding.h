// Embeddings and heads: what custom classifiers and similar-image search
// build on. An ImageEmbedder maps an image to a fixed-size vector in a model's
// feature space (the ImageNet classifier's penultimate layer, stored with
// every analysed image); a ClassifierHead maps such a vector to one score per
// class (a custom classifier is a head trained on embeddings). Vectors from
// different embedding models are not comparable, so every vector travels with
// its model's name.
//
// Thread-safety: an ImageEmbedder is NOT safe for concurrent use (it runs a
// model); a ClassifierHead is immutable and safe for concurrent use.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "vision/image/image.h"

namespace ocula {

struct Embedding {
  std::string model;  // the embedding model's name (its manifest's name)
  std::vector<float> values;
};

class ImageEmbedder {
 public:
  virtual ~ImageEmbedder() = default;
  // The name stored with each vector; "" when the model has no embedding.
  virtual std::string EmbeddingModel() const = 0;
  // The embedding of `image`. FailedPrecondition when the model has no
  // embedding output; InvalidArgument for an empty image; Internal when the
  // engine fails.
  virtual StatusOr<Embedding> Embed(const RgbImage& image) = 0;
};

// How a head turns raw scores into what it reports: one class per image
// (softmax: scores sum to 1) or any number (sigmoid: each in 0..1).
enum class HeadActivation { kSoftmax, kSigmoid };

class ClassifierHead {
 public:
  virtual ~ClassifierHead() = default;
  virtual const std::vector<std::string>& classes() const = 0;
  // One score per class, in classes() order. InvalidArgument when
  // `embedding` does not have the size the head was made for.
  virtual StatusOr<std::vector<float>> Scores(std::span<const float> embedding) const = 0;
};

// scores = activation(weights · embedding + bias), with `weights` row-major,
// one row of `dim` values per class.
class LinearHead final : public ClassifierHead {
 public:
  // InvalidArgument when there are no classes, dim < 1, or the weights or
  // bias do not have classes x dim and classes values.
  static StatusOr<std::unique_ptr<LinearHead>> Create(std::vector<std::string> classes, int dim,
                                                      std::vector<float> weights,
                                                      std::vector<float> bias,
                                                      HeadActivation activation);

  const std::vector<std::string>& classes() const override { return classes_; }
  StatusOr<std::vector<float>> Scores(std::span<const float> embedding) const override;
  int dim() const { return dim_; }
  const std::vector<float>& weights() const { return weights_; }
  const std::vector<float>& bias() const { return bias_; }
  HeadActivation activation() const { return activation_; }

 private:
  LinearHead(std::vector<std::string> classes, int dim, std::vector<float> weights,
             std::vector<float> bias, HeadActivation activation);

  // Constant after construction.
  const std::vector<std::string> classes_;
  const int dim_;
  const std::vector<float> weights_;
  const std::vector<float> bias_;
  const HeadActivation activation_;
};

// In place: exp(x - max) / sum, so that large scores do not overflow.
void Softmax(std::span<float> scores);
// In place: 1 / (1 + exp(-x)).
void Sigmoid(std::span<float> scores);

}  // namespace ocula
