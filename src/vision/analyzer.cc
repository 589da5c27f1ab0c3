#include "vision/analyzer.h"

#include <nlohmann/json.hpp>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "vision/classifier.h"
#include "vision/model_manifest.h"
#include "vision/model_runner.h"

namespace ocula {
namespace {

// Images are decoded once, at the size the classifier crops from.
constexpr int kDecodeShortSide = 256;
// How many classes "classes" lists, independent of the tag threshold.
constexpr int kTopClasses = 5;
// Bumped when this file changes what it produces from the same models.
constexpr char kCodeVersion[] = "v1";

double Round4(double value) { return std::round(value * 10000.0) / 10000.0; }

std::string MetadataJson(const DecodedImage& image) {
  nlohmann::json exif = nlohmann::json::object();
  for (const auto& [key, value] : image.exif) exif[key] = value;
  nlohmann::json doc = {
      {"width", image.header.width},   {"height", image.header.height},
      {"format", image.header.format}, {"contentType", image.header.mime_type},
      {"exif", std::move(exif)},
  };
  return doc.dump();
}

class ClassifyingAnalyzer final : public Analyzer {
 public:
  ClassifyingAnalyzer(const AnalyzerOptions& options, std::unique_ptr<Classifier> classifier)
      : options_(options), classifier_(std::move(classifier)) {}

  StatusOr<Analysis> Analyze(std::string_view bytes) override {
    // DecodeImage probes first (limits, format, truncation), then decodes.
    OCULA_ASSIGN_OR_RETURN(DecodedImage image,
                           DecodeImage(bytes, kDecodeShortSide, options_.limits));
    int top_k = std::max(options_.top_tags, kTopClasses);
    OCULA_ASSIGN_OR_RETURN(Classification result, classifier_->Classify(image.rgb, top_k));

    const ModelManifest& manifest = classifier_->manifest();
    Analysis analysis;
    analysis.metadata_json = MetadataJson(image);
    analysis.analysis_json = AnalysisJson(result, manifest).dump();
    analysis.embedding = std::move(result.embedding);
    if (!analysis.embedding.empty()) analysis.embedding_model = manifest.name;
    return analysis;
  }

  std::string PipelineVersion() const override {
    const ModelManifest& m = classifier_->manifest();
    return absl::StrCat("classify:", m.name, "@", m.sha256.substr(0, 12), "/", kCodeVersion);
  }

 private:
  nlohmann::json AnalysisJson(const Classification& result, const ModelManifest& m) const {
    nlohmann::json tags = nlohmann::json::array();
    nlohmann::json classes = nlohmann::json::array();
    for (size_t i = 0; i < result.top.size(); ++i) {
      const ClassScore& c = result.top[i];
      if (static_cast<int>(i) < options_.top_tags && c.probability >= options_.min_tag_confidence) {
        tags.push_back({{"name", c.name}, {"confidence", Round4(c.probability)}});
      }
      if (static_cast<int>(i) < kTopClasses) {
        classes.push_back(
            {{"wnid", c.id}, {"name", c.name}, {"confidence", Round4(c.probability)}});
      }
    }
    nlohmann::json doc = {
        {"tags", std::move(tags)},
        {"classes", std::move(classes)},
        {"modelVersion", absl::StrCat("ocula-", m.name)},
    };
    if (!result.embedding.empty()) {
      doc["embedding"] = {{"model", m.name}, {"dims", result.embedding.size()}};
    }
    return doc;
  }

  // Constant after construction.
  const AnalyzerOptions options_;
  const std::unique_ptr<Classifier> classifier_;
};

}  // namespace

StatusOr<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& options) {
  OCULA_ASSIGN_OR_RETURN(ModelManifest manifest,
                         LoadModelManifest(options.model_dir + "/classify/model.toml"));
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRunner> runner,
                         CreateModelRunner(ClassifierRunnerOptions(manifest, options.engine, 1)));
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Classifier> classifier,
                         Classifier::Create(manifest, std::move(runner)));
  return std::unique_ptr<Analyzer>(
      std::make_unique<ClassifyingAnalyzer>(options, std::move(classifier)));
}

}  // namespace ocula
