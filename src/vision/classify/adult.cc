#include "vision/classify/adult.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "vision/classify/classifier.h"
#include "vision/models/model_runner.h"

namespace ocula {
namespace {

constexpr const char* kRequiredClasses[] = {"Porn", "Hentai", "Sexy"};

float Probability(const std::vector<std::pair<std::string, float>>& classes, const char* name) {
  for (const auto& [label, p] : classes) {
    if (label == name) return p;
  }
  return 0;
}

Status CheckLabels(const Classifier& classifier) {
  for (const char* name : kRequiredClasses) {
    const auto& labels = classifier.labels();
    bool found = std::any_of(labels.begin(), labels.end(),
                             [&](const ClassLabel& l) { return l.name == name; });
    if (!found) {
      return absl::FailedPreconditionError(absl::StrCat(
          "adult model labels ", classifier.manifest().LabelsPath(), " have no class \"", name,
          "\" (expected Drawing, Hentai, Neutral, "
          "Porn, Sexy)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

AdultInfo AdultFromClasses(std::vector<std::pair<std::string, float>> classes) {
  AdultInfo info;
  const float adult = Probability(classes, "Porn") + Probability(classes, "Hentai");
  info.adult_score = std::clamp(adult, 0.0f, 1.0f);
  info.racy_score = std::clamp(Probability(classes, "Sexy") + info.adult_score, 0.0f, 1.0f);
  info.is_adult = info.adult_score > kAdultThreshold;
  info.is_racy = info.racy_score > kRacyThreshold;
  info.classes = std::move(classes);
  return info;
}

StatusOr<std::unique_ptr<AdultClassifier>> AdultClassifier::Create(
    const ModelManifest& manifest, const InferenceOptions& inference) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRunner> runner,
                         CreateModelRunner(ClassifierRunnerOptions(manifest, inference)));
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Classifier> classifier,
                         Classifier::Create(manifest, std::move(runner)));
  OCULA_RETURN_IF_ERROR(CheckLabels(*classifier));
  return std::make_unique<AdultClassifier>(PassKey{}, std::move(classifier));
}

AdultClassifier::AdultClassifier(PassKey, std::unique_ptr<Classifier> classifier)
    : classifier_(std::move(classifier)) {}

AdultClassifier::~AdultClassifier() = default;

StatusOr<AdultInfo> AdultClassifier::Classify(const RgbImage& image) {
  const int all = static_cast<int>(classifier_->labels().size());
  OCULA_ASSIGN_OR_RETURN(Classification result, classifier_->Classify(image, all));
  std::vector<std::pair<std::string, float>> classes;
  classes.reserve(result.top.size());
  for (ClassScore& score : result.top)
    classes.emplace_back(std::move(score.name), score.probability);
  return AdultFromClasses(std::move(classes));
}

}  // namespace ocula
