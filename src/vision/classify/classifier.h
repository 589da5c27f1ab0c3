// Classifier: an image classification model described by a ModelManifest
// (task "classify"), run through a ModelRunner. Preprocessing (resize, crop,
// normalise), the output decoder and the labels all come from the manifest,
// so another ONNX classifier needs only a new model.toml.
//
// A Classifier is also an ImageEmbedder when its manifest names an
// "embedding" output (the penultimate layer).
//
// Thread-safety: a Classifier is NOT safe for concurrent use (it owns a
// ModelRunner); PreprocessImage and ParseLabels are pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "vision/classify/embedding.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"

namespace ocula {

struct ClassLabel {
  std::string id;    // e.g. WordNet id "n02085620"; "" when the file has none
  std::string name;  // display name: the first comma-separated name
};

struct ClassScore {
  int index = 0;
  std::string id;
  std::string name;
  float probability = 0;  // after the manifest's decoder (softmax, ...)
};

struct Classification {
  std::vector<ClassScore> top;   // best first
  std::vector<float> embedding;  // empty when the manifest has no "embedding" output
};

// Parses a labels file: one class per line in index order, either
// "id<TAB>name, synonym, ..." or just "name, synonym, ...". InvalidArgument
// when it holds no labels.
StatusOr<std::vector<ClassLabel>> ParseLabels(std::string_view text);

// Turns `image` into the model input `spec` describes (resize, crop, scale,
// mean/std, channel order, layout), shape [1, C, H, W] or [1, H, W, C].
// InvalidArgument for an empty image.
StatusOr<Tensor> PreprocessImage(const RgbImage& image, const ModelInputSpec& spec);

// Runner options for the manifest's model: its file, input and outputs
// (logits first, then the embedding when the manifest names one).
RunnerOptions ClassifierRunnerOptions(const ModelManifest& manifest,
                                      const InferenceOptions& inference);

class Classifier final : public ImageEmbedder {
 public:
  // Reads the labels named by `manifest` (already verified by
  // LoadModelManifest); `runner` must have been created with
  // ClassifierRunnerOptions(manifest, ...). NotFound / InvalidArgument when
  // the labels cannot be read.
  static StatusOr<std::unique_ptr<Classifier>> Create(const ModelManifest& manifest,
                                                      std::unique_ptr<ModelRunner> runner);

  // Classifies `image`, returning the `top_k` best classes and the embedding.
  // FailedPrecondition when the model's class count differs from the labels;
  // Internal when the engine fails.
  StatusOr<Classification> Classify(const RgbImage& image, int top_k);

  // ImageEmbedder: the manifest's name, "" without an embedding output.
  std::string EmbeddingModel() const override;
  StatusOr<Embedding> Embed(const RgbImage& image) override;

  const ModelManifest& manifest() const { return manifest_; }
  const std::vector<ClassLabel>& labels() const { return labels_; }

 private:
  struct PassKey {};  // only Create constructs, through std::make_unique

 public:
  Classifier(PassKey, ModelManifest manifest, std::vector<ClassLabel> labels,
             std::unique_ptr<ModelRunner> runner);

 private:
  // Constant after construction.
  const ModelManifest manifest_;
  const std::vector<ClassLabel> labels_;
  const std::unique_ptr<ModelRunner> runner_;
};

}  // namespace ocula
