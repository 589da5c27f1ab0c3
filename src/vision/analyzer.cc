#include "vision/analyzer.h"

#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "core/sha256.h"
#include "vision/classify/adult.h"
#include "vision/classify/classifier.h"
#include "vision/classify/region_features.h"
#include "vision/detect/face_detector.h"
#include "vision/detect/object_detector.h"
#include "vision/image/color.h"
#include "vision/image/image_type.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"
#include "vision/ocr/ocr.h"
#include "vision/result_json.h"
#include "vision/semantics/captions.h"
#include "vision/semantics/categories.h"
#include "vision/semantics/evidence.h"
#include "vision/semantics/semantics.h"
#include "vision/semantics/tags.h"

namespace ocula {
namespace {

// One decode serves every model: detectors run at 320-352 px, the
// classifier crops 224 from a 256 short side.
constexpr int kDecodeShortSide = 352;
// OCR needs the full resolution: no shrinking.
constexpr int kFullResolution = 1 << 20;
constexpr int kTopClasses = 10;
// Bumped when this file changes what it produces from the same models.
constexpr char kCodeVersion[] = "v3";

// ImageNet classes whose photos usually carry text (signs, menus, pages):
// when one of them is among the top classes, the pipeline runs OCR too.
const char* const kTextBearingClasses[] = {
    "n06359193",  // web site
    "n06596364",  // comic book
    "n06785654",  // crossword puzzle
    "n06794110",  // street sign
    "n07248320",  // book jacket
    "n07565083",  // menu
    "n03291819",  // envelope
    "n03871628",  // packet
    "n04149813",  // scoreboard
    "n02840245",  // binder
};
constexpr float kTextBearingMinProbability = 0.1f;

// WordNet and the tables load once per process (~0.2 s) and are shared.
StatusOr<std::shared_ptr<const Semantics>> SharedSemantics(const std::string& dir) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Semantics>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(dir); it != cache.end()) return it->second;
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<Semantics> loaded, Semantics::Load(dir));
  std::shared_ptr<const Semantics> shared = std::move(loaded);
  cache[dir] = shared;
  return shared;
}

StatusOr<ModelManifest> Manifest(const AnalyzerOptions& o, const std::string& folder) {
  return LoadModelManifest(o.model_dir + "/" + folder + "/model.toml");
}

std::string TesseractLanguage(const std::string& language) {
  return language == "en" || language == "unk" || language.empty() ? "eng" : language;
}

class VisionAnalyzer final : public Analyzer {
 public:
  struct Models {
    std::unique_ptr<Classifier> classifier;
    std::unique_ptr<ObjectDetector> objects;
    std::unique_ptr<FaceDetector> faces;
    std::unique_ptr<AdultClassifier> adult;
    ModelManifest adult_manifest;
    std::shared_ptr<const Semantics> semantics;
    std::unique_ptr<EvidenceFilter> evidence;  // on `semantics` and the classifier's classes
  };

  VisionAnalyzer(const AnalyzerOptions& options, Models models)
      : options_(options), m_(std::move(models)) {
    const ModelManifest* manifests[] = {&m_.classifier->manifest(), &m_.objects->manifest(),
                                        &m_.faces->manifest(), &m_.adult_manifest};
    std::string version;
    for (const ModelManifest* m : manifests) {
      absl::StrAppend(&version, m->task, ":", m->name, "@", m->sha256.substr(0, 12), ";");
    }
    pipeline_version_ = absl::StrCat(version, kCodeVersion);
    model_version_ = "ocula-" + Sha256Hex(pipeline_version_).substr(0, 10);
  }

  StatusOr<Analysis> Analyze(std::string_view bytes) override {
    OCULA_ASSIGN_OR_RETURN(VisionResult result, RunFeatures(bytes, options_.pipeline_features,
                                                            options_.ocr_when_text_likely));
    Analysis analysis;
    analysis.metadata_json = ImageMetadataJson(result);
    analysis.analysis_json = StoredAnalysisJson(result);
    analysis.embedding = std::move(result.embedding);
    analysis.embedding_model = std::move(result.embedding_model);
    return analysis;
  }

  StatusOr<VisionResult> Run(std::string_view bytes, const FeatureSet& features) override {
    return RunFeatures(bytes, features, /*text_when_likely=*/false);
  }

  StatusOr<OcrPage> Read(std::string_view bytes, const std::string& language) override {
    OCULA_ASSIGN_OR_RETURN(DecodedImage full, DecodeImage(bytes, kFullResolution, options_.limits));
    return Ocr(full.rgb, language);
  }

  StatusOr<Thumbnail> MakeThumbnail(std::string_view bytes, int width, int height,
                                    bool smart_crop) override {
    OCULA_RETURN_IF_ERROR(ValidateThumbnailSize(width, height));
    std::vector<Box> interest;
    if (smart_crop) {
      OCULA_ASSIGN_OR_RETURN(AreaOfInterestResult area, FindAreaOfInterest(bytes));
      interest.push_back(area.box);
    }
    return GenerateThumbnail(bytes, options_.limits, {width, height, smart_crop}, interest);
  }

  StatusOr<AreaOfInterestResult> FindAreaOfInterest(std::string_view bytes) override {
    OCULA_ASSIGN_OR_RETURN(DecodedImage image,
                           DecodeImage(bytes, kDecodeShortSide, options_.limits));
    const int w = image.header.width, h = image.header.height;
    OCULA_ASSIGN_OR_RETURN(auto faces, m_.faces->Detect(image.rgb, w, h, 0));
    OCULA_ASSIGN_OR_RETURN(auto objects, m_.objects->Detect(image.rgb, w, h, 0));
    return AreaOfInterestResult{AreaOfInterest(w, h, faces, objects, &image.rgb), image.header};
  }

  StatusOr<Embedding> CustomFeatures(std::string_view bytes) override {
    OCULA_ASSIGN_OR_RETURN(DecodedImage image,
                           DecodeImage(bytes, kDecodeShortSide, options_.limits));
    if (!regions_) {
      const ModelManifest& manifest = m_.classifier->manifest();
      const InferenceOptions inference{options_.engine, 1, options_.inference_timeout};
      OCULA_ASSIGN_OR_RETURN(RunnerOptions runner_options,
                             RegionFeatureRunnerOptions(manifest, inference));
      OCULA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRunner> runner,
                             CreateModelRunner(runner_options));
      OCULA_ASSIGN_OR_RETURN(regions_, RegionFeatures::Create(manifest, std::move(runner)));
    }
    return regions_->Embed(image.rgb);
  }

  std::string CustomFeatureModel() const override {
    return RegionFeaturesModel(m_.classifier->manifest().name);
  }

  std::string PipelineVersion() const override { return pipeline_version_; }
  std::string ModelVersion() const override { return model_version_; }

 private:
  StatusOr<VisionResult> RunFeatures(std::string_view bytes, FeatureSet features,
                                     bool text_when_likely) {
    OCULA_ASSIGN_OR_RETURN(DecodedImage image,
                           DecodeImage(bytes, kDecodeShortSide, options_.limits));
    VisionResult r;
    r.image = image.header;
    r.exif = image.exif;
    r.model_version = model_version_;
    const int w = image.header.width, h = image.header.height;

    OCULA_ASSIGN_OR_RETURN(
        Classification classes,
        m_.classifier->Classify(image.rgb, std::max(kTopClasses, options_.top_tags)));
    if (text_when_likely && !features.Has(Feature::kText) && SuggestsText(classes)) {
      features.Add(Feature::kText);
    }
    r.features = features;
    auto has = [&](std::initializer_list<Feature> any) {
      for (Feature f : any) {
        if (features.Has(f)) return true;
      }
      return false;
    };
    std::vector<Detection> detections;
    if (has({Feature::kObjects, Feature::kTags, Feature::kCategories, Feature::kDescription})) {
      OCULA_ASSIGN_OR_RETURN(detections, m_.objects->Detect(image.rgb, w, h, 0));
    }
    if (has({Feature::kFaces, Feature::kCategories, Feature::kDescription})) {
      OCULA_ASSIGN_OR_RETURN(r.faces, m_.faces->Detect(image.rgb, w, h, 0));
    }
    if (has({Feature::kAdult, Feature::kImageType})) {
      OCULA_ASSIGN_OR_RETURN(r.adult, m_.adult->Classify(image.rgb));
    }
    if (features.Has(Feature::kText)) {
      OCULA_ASSIGN_OR_RETURN(DecodedImage full,
                             DecodeImage(bytes, kFullResolution, options_.limits));
      OCULA_ASSIGN_OR_RETURN(r.text, Ocr(full.rgb, "en"));
    }
    const Semantics& sem = *m_.semantics;
    for (Detection& d : detections) d.label = sem.CanonicalLabel(d.label);
    // Boxes the classifier contradicts go before anything is built on them.
    detections = m_.evidence->Filter(classes.top, std::move(detections));
    for (const Detection& d : detections) {
      r.objects.push_back({d, sem.ParentChain(d.label, d.confidence)});
    }
    if (features.Has(Feature::kTags) || features.Has(Feature::kDescription)) {
      r.tags = MakeTags(sem, classes.top, detections);
    }
    if (features.Has(Feature::kCategories)) {
      bool has_text = r.text && HasText(*r.text);
      r.categories = Categorize(sem, {classes.top, detections, r.faces, w, h, has_text});
    }
    if (features.Has(Feature::kDescription)) {
      r.description.tags = DescriptionTags(r.tags);
      CaptionOptions caption_options;
      caption_options.max_candidates = 3;
      r.description.captions =
          Describe(sem, {classes.top, detections, r.faces, w, h}, caption_options);
    }
    if (features.Has(Feature::kColor)) r.color = AnalyzeColor(image.rgb);
    if (features.Has(Feature::kImageType)) r.image_type = ClassifyImageType(image.rgb, &r.adult);
    for (size_t i = 0; i < classes.top.size() && static_cast<int>(i) < options_.top_tags; ++i) {
      const ClassScore& c = classes.top[i];
      if (c.probability < options_.min_tag_confidence) break;
      r.classes.push_back({c.id, c.name, c.probability});
    }
    r.embedding = std::move(classes.embedding);
    if (!r.embedding.empty()) r.embedding_model = m_.classifier->EmbeddingModel();
    return r;
  }

  static bool SuggestsText(const Classification& classes) {
    for (const ClassScore& c : classes.top) {
      if (c.probability < kTextBearingMinProbability) continue;
      for (const char* wnid : kTextBearingClasses) {
        if (c.id == wnid) return true;
      }
    }
    return false;
  }

  StatusOr<OcrPage> Ocr(const RgbImage& image, const std::string& language) {
    std::string tess = TesseractLanguage(language);
    auto it = ocr_.find(tess);
    if (it == ocr_.end()) {
      auto recognizer = TextRecognizer::Create(tess);
      if (!recognizer.ok()) {
        Status s = recognizer.status();
        if (s.code() == StatusCode::kInvalidArgument) {
          return WithReason(s, reason::kNotSupportedLanguage);
        }
        return s;
      }
      it = ocr_.emplace(tess, std::move(*recognizer)).first;  // loaded on first use
    }
    return it->second->Recognize(image);
  }

  const AnalyzerOptions options_;
  Models m_;
  std::map<std::string, std::unique_ptr<TextRecognizer>> ocr_;
  std::unique_ptr<RegionFeatures> regions_;  // made by the first CustomFeatures
  std::string pipeline_version_;
  std::string model_version_;
};

}  // namespace

StatusOr<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& options) {
  VisionAnalyzer::Models m;
  const InferenceOptions inference{options.engine, 1, options.inference_timeout};
  OCULA_ASSIGN_OR_RETURN(ModelManifest classify, Manifest(options, "classify"));
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<ModelRunner> runner,
                         CreateModelRunner(ClassifierRunnerOptions(classify, inference)));
  OCULA_ASSIGN_OR_RETURN(m.classifier, Classifier::Create(classify, std::move(runner)));
  OCULA_ASSIGN_OR_RETURN(ModelManifest objects, Manifest(options, options.object_model));
  OCULA_ASSIGN_OR_RETURN(m.objects, ObjectDetector::Create(objects, inference));
  OCULA_ASSIGN_OR_RETURN(ModelManifest faces, Manifest(options, options.face_model));
  OCULA_ASSIGN_OR_RETURN(m.faces, FaceDetector::Create(faces, inference));
  OCULA_ASSIGN_OR_RETURN(m.adult_manifest, Manifest(options, "adult"));
  OCULA_ASSIGN_OR_RETURN(m.adult, AdultClassifier::Create(m.adult_manifest, inference));
  OCULA_ASSIGN_OR_RETURN(m.semantics, SharedSemantics(options.model_dir + "/semantics"));
  std::vector<std::string> class_ids;
  for (const ClassLabel& label : m.classifier->labels()) class_ids.push_back(label.id);
  m.evidence = std::make_unique<EvidenceFilter>(*m.semantics, class_ids, options.evidence);
  return std::unique_ptr<Analyzer>(std::make_unique<VisionAnalyzer>(options, std::move(m)));
}

}  // namespace ocula
