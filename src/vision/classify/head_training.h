// Training a classifier head on stored feature vectors, and measuring it by
// k-fold cross-validation: the learning part of custom classifiers
// (issue 24). A custom classifier is a softmax head over an image's
// RegionFeatures (region_features.h), computed once per image and stored, so
// training needs no image, only those vectors.
//
// The head sees each embedding centred on the training mean and scaled to
// unit length (MobileNetV2's pooled features are all positive and their
// length varies with the image's contrast; centring and normalising lets
// the head see their direction). Training minimises the mean cross-entropy
// plus (l2 / 2) |W|^2 by full-batch accelerated gradient descent (Nesterov),
// with the step from the data's largest curvature: no randomness, so the
// same data gives the same head. The weights are kept in the span of the
// training vectors (W = A^T X; the optimum lies there), so that each step
// costs n^2 k operations on the n x n Gram matrix instead of n d k: a user
// brings hundreds of images, the features have thousands of values.
//
// Thread-safety: pure functions; a CentredHead is immutable and safe for
// concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "vision/classify/embedding.h"

namespace ocula {

// Labelled embeddings: `rows` holds size() vectors of `dim` values. Each
// row has one class (multiclass), or a set of classes (multilabel: rows
// added with AddSet; labels[i] is then the set's rarest class, which
// cross-validation stratifies on).
struct EmbeddingSet {
  int dim = 0;
  std::vector<std::string> classes;
  std::vector<float> rows;                   // row-major, size() x dim
  std::vector<int> labels;                   // one class index per row
  std::vector<std::vector<int>> label_sets;  // multilabel only: every class of each row

  size_t size() const { return labels.size(); }
  bool multilabel() const { return !label_sets.empty(); }
  std::span<const float> row(size_t i) const {
    return {rows.data() + i * static_cast<size_t>(dim), static_cast<size_t>(dim)};
  }
  // True when row `i` is of class `c`.
  bool Has(size_t i, int c) const;
  // Appends one labelled vector; InvalidArgument for a wrong size or label,
  // or a multiclass row in a multilabel set.
  Status Add(std::span<const float> vector, int label);
  // Appends a vector of several classes (at least one): the set becomes
  // multilabel. InvalidArgument for a wrong size or label, or in a set that
  // has multiclass rows. `rarest` is the class of the set the fewest rows
  // have, for stratification (the caller knows the counts).
  Status AddSet(std::span<const float> vector, std::vector<int> set, int rarest);
};

struct HeadTrainingOptions {
  float l2 = 1e-3f;      // weight decay on the weights (not the biases)
  int iterations = 300;  // gradient steps
};

// A softmax head over (e - mean) / |e - mean|.
class CentredHead final : public ClassifierHead {
 public:
  CentredHead(std::vector<float> mean, std::unique_ptr<LinearHead> head);
  const std::vector<std::string>& classes() const override { return head_->classes(); }
  StatusOr<std::vector<float>> Scores(std::span<const float> embedding) const override;
  const std::vector<float>& mean() const { return mean_; }
  const LinearHead& linear() const { return *head_; }

 private:
  // Constant after construction.
  const std::vector<float> mean_;
  const std::unique_ptr<LinearHead> head_;
};

// Trains a head on `data`: softmax over the classes (multiclass), or one
// sigmoid per class (multilabel: binary cross-entropy per class, the same
// optimiser). InvalidArgument when it has fewer than 2 classes, a
// multiclass class without a vector, or an empty dimension.
StatusOr<std::unique_ptr<CentredHead>> TrainHead(const EmbeddingSet& data,
                                                 const HeadTrainingOptions& options = {});

// What cross-validation found: every vector predicted by a head that did
// not see it.
struct Evaluation {
  std::vector<std::string> classes;
  std::vector<int> labels;                        // the true class of each vector
  std::vector<std::vector<float>> probabilities;  // per vector, per class
  std::vector<std::vector<int>> confusion;        // [true][predicted]; multiclass only
  std::vector<std::vector<int>> label_sets;       // multilabel only: each vector's classes

  // True when vector `i` is of class `tag`.
  bool Has(size_t i, int tag) const;

  // How the decision "`tag` at >= threshold" fared.
  struct Decisions {
    int64_t positives = 0;  // vectors of `tag`
    int64_t given = 0;      // vectors given `tag`
    int64_t right = 0;      // of those, vectors of `tag`
  };
  Decisions DecisionsFor(int tag, float threshold) const;

  double Accuracy() const;  // share whose top class is a true one
  // Of the vectors given `tag` at >= threshold: the share that are `tag`;
  // of the `tag` vectors: the share given it at >= threshold.
  double Precision(int tag, float threshold) const;
  double Recall(int tag, float threshold) const;
  // Average precision of ranking every vector by its `tag` probability.
  double AveragePrecision(int tag) const;
};

// Stratified k-fold cross-validation: each class's vectors are shuffled with
// `seed` and dealt round-robin into `folds` folds. InvalidArgument when a
// class has fewer vectors than folds or folds < 2.
StatusOr<Evaluation> CrossValidate(const EmbeddingSet& data, int folds, uint64_t seed,
                                   const HeadTrainingOptions& options = {});

}  // namespace ocula
