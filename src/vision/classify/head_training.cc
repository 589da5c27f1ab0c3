#include "vision/classify/head_training.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

// (e - mean) / |e - mean| into `out`; a vector equal to the mean stays zero.
void Centre(std::span<const float> e, const std::vector<float>& mean, float* out) {
  double norm = 0;
  for (size_t i = 0; i < mean.size(); ++i) {
    out[i] = e[i] - mean[i];
    norm += static_cast<double>(out[i]) * out[i];
  }
  if (norm <= 0) return;
  const float scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (size_t i = 0; i < mean.size(); ++i) out[i] *= scale;
}

// The centred, unit-length rows of `data` and the mean they were centred on.
struct Prepared {
  std::vector<float> mean;
  std::vector<float> x;  // n x dim
};
Prepared Prepare(const EmbeddingSet& data) {
  const size_t n = data.size(), d = static_cast<size_t>(data.dim);
  Prepared p{std::vector<float>(d, 0.0f), std::vector<float>(n * d)};
  std::vector<double> sum(d, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) sum[j] += data.rows[i * d + j];
  }
  for (size_t j = 0; j < d; ++j) p.mean[j] = static_cast<float>(sum[j] / n);
  for (size_t i = 0; i < n; ++i) Centre(data.row(i), p.mean, &p.x[i * d]);
  return p;
}

// The Gram matrix X X^T (n x n, symmetric) of the prepared rows.
std::vector<float> Gram(const std::vector<float>& x, size_t n, size_t d) {
  std::vector<float> k(n * n);
  for (size_t i = 0; i < n; ++i) {
    const float* a = &x[i * d];
    for (size_t j = 0; j <= i; ++j) {
      const float* b = &x[j * d];
      float dot = 0;
#pragma omp simd reduction(+ : dot)
      for (size_t t = 0; t < d; ++t) dot += a[t] * b[t];
      k[i * n + j] = k[j * n + i] = dot;
    }
  }
  return k;
}

// The largest eigenvalue of K / n (= that of X^T X / n) by power iteration:
// the curvature bound that sets the gradient step.
double LargestEigenvalue(const std::vector<float>& gram, size_t n) {
  std::vector<double> v(n, 1.0 / std::sqrt(static_cast<double>(n))), next(n);
  double lambda = 0;
  for (int it = 0; it < 50; ++it) {
    for (size_t i = 0; i < n; ++i) {
      const float* row = &gram[i * n];
      double dot = 0;
#pragma omp simd reduction(+ : dot)
      for (size_t j = 0; j < n; ++j) dot += row[j] * v[j];
      next[i] = dot;
    }
    double norm = 0;
    for (double value : next) norm += value * value;
    norm = std::sqrt(norm);
    if (norm == 0) return 0;
    lambda = norm / static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) v[i] = next[i] / norm;
  }
  return lambda;
}

// The head's parameters in the span of the training rows (the representer
// form): W = A^T X, so logits = K A + b. A is n x k, `bias` k.
struct DualParameters {
  std::vector<float> a;
  std::vector<float> bias;
};

// The gradient of mean cross-entropy + (l2 / 2)|W|^2 mapped back to A: for
// W = X^T A the gradient in W is X^T (R / n + l2 A), with R = softmax - Y.
// A step along it in A is exactly a gradient step in W, at n^2 k instead of
// n d k operations (n is a few hundred images, d thousands of features).
// Multilabel: R = sigmoid - Y per class (binary cross-entropy's gradient).
void DualGradient(const std::vector<float>& gram, const EmbeddingSet& data, size_t k, float l2,
                  const DualParameters& at, DualParameters& grad) {
  const size_t n = data.size();
  std::fill(grad.bias.begin(), grad.bias.end(), 0.0f);
  std::vector<float> p(k);
  for (size_t i = 0; i < n; ++i) {
    std::copy(at.bias.begin(), at.bias.end(), p.begin());
    const float* row = &gram[i * n];
    for (size_t j = 0; j < n; ++j) {
      const float* aj = &at.a[j * k];
      const float kij = row[j];
      for (size_t c = 0; c < k; ++c) p[c] += kij * aj[c];
    }
    if (data.multilabel()) {
      Sigmoid(p);
      for (int c : data.label_sets[i]) p[static_cast<size_t>(c)] -= 1.0f;
    } else {
      Softmax(p);
      p[static_cast<size_t>(data.labels[i])] -= 1.0f;
    }
    for (size_t c = 0; c < k; ++c) {
      const float r = p[c] / static_cast<float>(n);
      grad.a[i * k + c] = r + l2 * at.a[i * k + c];
      grad.bias[c] += r;
    }
  }
}

Status CheckTrainable(const EmbeddingSet& data) {
  if (data.dim < 1) return absl::InvalidArgumentError("the embeddings have no dimension");
  if (data.classes.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("training needs at least 2 tags, not ", data.classes.size()));
  }
  // A multilabel class may lack positives in a cross-validation fold: its
  // sigmoid then learns "never".
  if (data.multilabel()) return absl::OkStatus();
  std::vector<int> counts(data.classes.size(), 0);
  for (int label : data.labels) ++counts[static_cast<size_t>(label)];
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] == 0) {
      return absl::InvalidArgumentError(absl::StrCat("tag \"", data.classes[c], "\" has no image"));
    }
  }
  return absl::OkStatus();
}

// Ranks by `score` descending; AP = mean precision at each positive.
double AveragePrecisionOf(std::vector<std::pair<float, bool>> ranked) {
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  int seen = 0, positives = 0;
  double sum = 0;
  for (const auto& [score, positive] : ranked) {
    ++seen;
    if (!positive) continue;
    ++positives;
    sum += static_cast<double>(positives) / seen;
  }
  return positives ? sum / positives : 0;
}

}  // namespace

bool EmbeddingSet::Has(size_t i, int c) const {
  if (!multilabel()) return labels[i] == c;
  const std::vector<int>& set = label_sets[i];
  return std::find(set.begin(), set.end(), c) != set.end();
}

Status EmbeddingSet::Add(std::span<const float> vector, int label) {
  if (multilabel()) return absl::InvalidArgumentError("a multilabel set takes rows with AddSet");
  if (static_cast<int>(vector.size()) != dim) {
    return absl::InvalidArgumentError(
        absl::StrCat("an embedding of ", vector.size(), " values in a set of dimension ", dim));
  }
  if (label < 0 || label >= static_cast<int>(classes.size())) {
    return absl::InvalidArgumentError(absl::StrCat("label ", label, " is not a class index"));
  }
  rows.insert(rows.end(), vector.begin(), vector.end());
  labels.push_back(label);
  return absl::OkStatus();
}

Status EmbeddingSet::AddSet(std::span<const float> vector, std::vector<int> set, int rarest) {
  if (!labels.empty() && !multilabel()) {
    return absl::InvalidArgumentError("a multiclass set takes rows with Add");
  }
  if (static_cast<int>(vector.size()) != dim) {
    return absl::InvalidArgumentError(
        absl::StrCat("an embedding of ", vector.size(), " values in a set of dimension ", dim));
  }
  if (set.empty() || std::find(set.begin(), set.end(), rarest) == set.end()) {
    return absl::InvalidArgumentError("a row needs at least one class, the rarest among them");
  }
  for (int label : set) {
    if (label < 0 || label >= static_cast<int>(classes.size())) {
      return absl::InvalidArgumentError(absl::StrCat("label ", label, " is not a class index"));
    }
  }
  rows.insert(rows.end(), vector.begin(), vector.end());
  labels.push_back(rarest);
  label_sets.push_back(std::move(set));
  return absl::OkStatus();
}

CentredHead::CentredHead(std::vector<float> mean, std::unique_ptr<LinearHead> head)
    : mean_(std::move(mean)), head_(std::move(head)) {}

StatusOr<std::vector<float>> CentredHead::Scores(std::span<const float> embedding) const {
  if (embedding.size() != mean_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the head expects an embedding of ", mean_.size(), " values, not ", embedding.size()));
  }
  std::vector<float> centred(mean_.size());
  Centre(embedding, mean_, centred.data());
  return head_->Scores(centred);
}

StatusOr<std::unique_ptr<CentredHead>> TrainHead(const EmbeddingSet& data,
                                                 const HeadTrainingOptions& options) {
  OCULA_RETURN_IF_ERROR(CheckTrainable(data));
  const size_t n = data.size(), d = static_cast<size_t>(data.dim), k = data.classes.size();
  Prepared p = Prepare(data);
  const std::vector<float> gram = Gram(p.x, n, d);
  // Softmax cross-entropy's curvature is at most half the data's (the bias
  // adds 1 to it), binary cross-entropy's a quarter: step = 1 / L with the
  // larger bound.
  const double curvature = 0.5 * (LargestEigenvalue(gram, n) + 1.0) + options.l2;
  const float step = static_cast<float>(1.0 / curvature);
  const DualParameters zero{std::vector<float>(n * k, 0.0f), std::vector<float>(k, 0.0f)};
  DualParameters previous = zero, look = zero, grad = zero;
  const auto nesterov = [step](float momentum, std::vector<float>& look, std::vector<float>& prev,
                               const std::vector<float>& g) {
    for (size_t i = 0; i < look.size(); ++i) {
      const float next = look[i] - step * g[i];
      look[i] = next + momentum * (next - prev[i]);
      prev[i] = next;
    }
  };
  for (int t = 1; t <= options.iterations; ++t) {
    DualGradient(gram, data, k, options.l2, look, grad);
    const float momentum = static_cast<float>(t - 1) / static_cast<float>(t + 2);
    nesterov(momentum, look.a, previous.a, grad.a);
    nesterov(momentum, look.bias, previous.bias, grad.bias);
  }
  // W = A^T X.
  std::vector<float> weights(k * d, 0.0f), bias = previous.bias;
  for (size_t i = 0; i < n; ++i) {
    const float* row = &p.x[i * d];
    for (size_t c = 0; c < k; ++c) {
      const float a = previous.a[i * k + c];
      float* wc = &weights[c * d];
#pragma omp simd
      for (size_t t = 0; t < d; ++t) wc[t] += a * row[t];
    }
  }
  OCULA_ASSIGN_OR_RETURN(
      std::unique_ptr<LinearHead> linear,
      LinearHead::Create(data.classes, data.dim, std::move(weights), std::move(bias),
                         data.multilabel() ? HeadActivation::kSigmoid : HeadActivation::kSoftmax));
  return std::make_unique<CentredHead>(std::move(p.mean), std::move(linear));
}

bool Evaluation::Has(size_t i, int tag) const {
  if (label_sets.empty()) return labels[i] == tag;
  return std::find(label_sets[i].begin(), label_sets[i].end(), tag) != label_sets[i].end();
}

double Evaluation::Accuracy() const {
  if (labels.empty()) return 0;
  int right = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& p = probabilities[i];
    right += Has(i, static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()));
  }
  return static_cast<double>(right) / labels.size();
}

Evaluation::Decisions Evaluation::DecisionsFor(int tag, float threshold) const {
  Decisions d;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool is_tag = Has(i, tag);
    const bool given = probabilities[i][static_cast<size_t>(tag)] >= threshold;
    d.positives += is_tag;
    d.given += given;
    d.right += given && is_tag;
  }
  return d;
}

double Evaluation::Precision(int tag, float threshold) const {
  const Decisions d = DecisionsFor(tag, threshold);
  return d.given ? static_cast<double>(d.right) / d.given : 0;
}

double Evaluation::Recall(int tag, float threshold) const {
  const Decisions d = DecisionsFor(tag, threshold);
  return d.positives ? static_cast<double>(d.right) / d.positives : 0;
}

double Evaluation::AveragePrecision(int tag) const {
  std::vector<std::pair<float, bool>> ranked;
  for (size_t i = 0; i < labels.size(); ++i) {
    ranked.emplace_back(probabilities[i][static_cast<size_t>(tag)], Has(i, tag));
  }
  return AveragePrecisionOf(std::move(ranked));
}

StatusOr<Evaluation> CrossValidate(const EmbeddingSet& data, int folds, uint64_t seed,
                                   const HeadTrainingOptions& options) {
  OCULA_RETURN_IF_ERROR(CheckTrainable(data));
  if (folds < 2) return absl::InvalidArgumentError("cross-validation needs at least 2 folds");
  const size_t k = data.classes.size();
  // Stratified folds: each class shuffled, then dealt round-robin.
  std::vector<std::vector<size_t>> by_class(k);
  for (size_t i = 0; i < data.size(); ++i) {
    by_class[static_cast<size_t>(data.labels[i])].push_back(i);
  }
  std::mt19937_64 random(seed);
  std::vector<int> fold_of(data.size());
  for (size_t c = 0; c < k; ++c) {
    if (!data.multilabel() && by_class[c].size() < static_cast<size_t>(folds)) {
      return absl::InvalidArgumentError(absl::StrCat("tag \"", data.classes[c], "\" has ",
                                                     by_class[c].size(), " images, fewer than ",
                                                     folds, " folds"));
    }
    std::shuffle(by_class[c].begin(), by_class[c].end(), random);
    for (size_t j = 0; j < by_class[c].size(); ++j) {
      fold_of[by_class[c][j]] = static_cast<int>(j % static_cast<size_t>(folds));
    }
  }
  Evaluation eval{data.classes, data.labels, std::vector<std::vector<float>>(data.size()),
                  std::vector<std::vector<int>>(k, std::vector<int>(k, 0)), data.label_sets};
  if (data.multilabel()) eval.confusion.clear();  // one true class per row has no meaning
  for (int fold = 0; fold < folds; ++fold) {
    EmbeddingSet train{data.dim, data.classes, {}, {}, {}};
    for (size_t i = 0; i < data.size(); ++i) {
      if (fold_of[i] == fold) continue;
      OCULA_RETURN_IF_ERROR(data.multilabel()
                                ? train.AddSet(data.row(i), data.label_sets[i], data.labels[i])
                                : train.Add(data.row(i), data.labels[i]));
    }
    OCULA_ASSIGN_OR_RETURN(std::unique_ptr<CentredHead> head, TrainHead(train, options));
    for (size_t i = 0; i < data.size(); ++i) {
      if (fold_of[i] != fold) continue;
      OCULA_ASSIGN_OR_RETURN(eval.probabilities[i], head->Scores(data.row(i)));
    }
  }
  for (size_t i = 0; i < data.size() && !data.multilabel(); ++i) {
    const auto& p = eval.probabilities[i];
    const size_t predicted = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    ++eval.confusion[static_cast<size_t>(data.labels[i])][predicted];
  }
  return eval;
}

}  // namespace ocula
