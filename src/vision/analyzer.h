// Analyzer: the local Computer Vision service. Given image bytes it decodes
// once at the size the models need and runs the requested features, producing
// a VisionResult (written as JSON by result_json.h). The upload pipeline calls
// Analyze (its configured features); the /vision API calls Run, Read,
// MakeThumbnail and FindAreaOfInterest.
//
// Thread-safety: an Analyzer is NOT safe for concurrent use; each thread gets
// its own (model runners are per instance). Read-only data (WordNet and the
// semantic tables) is shared between instances.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "vision/classify/embedding.h"
#include "vision/feature_set.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"
#include "vision/image/thumbnail.h"
#include "vision/models/model_runner.h"
#include "vision/semantics/evidence.h"
#include "vision/vision_result.h"

namespace ocula {

struct AnalyzerOptions {
  std::string engine = "onnxruntime";  // or "opencv"
  // Time limit of one model run (vision.inference_timeout_ms); 0 = none.
  std::chrono::milliseconds inference_timeout = kDefaultInferenceTimeout;
  std::string model_dir;  // holds classify/, objects/, faces/, adult/, semantics/ ...
  int top_tags = 5;       // classes listed under "classes"
  double min_tag_confidence = 0.01;
  ImageLimits limits;
  FeatureSet pipeline_features = FeatureSet::AllButText();  // what Analyze runs
  bool ocr_when_text_likely = true;  // Analyze adds Text when a class suggests text
  std::string object_model = "objects";
  std::string face_model = "faces";
  // Which animal and food boxes the classifier must back before they reach
  // objects, tags, categories and captions (vision/semantics/evidence.h).
  EvidenceOptions evidence;
};

// What the upload pipeline stores.
struct Analysis {
  std::string metadata_json;  // ImageMetadataJson
  std::string analysis_json;  // StoredAnalysisJson
  std::vector<float> embedding;
  std::string embedding_model;
};

struct AreaOfInterestResult {
  Box box;
  ImageHeader image;
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;

  // Loads and verifies (sha256) every model and table the features need.
  // NotFound / FailedPrecondition with a message naming the file and the fix
  // when a model is missing or corrupt; InvalidArgument for a bad manifest.
  static StatusOr<std::unique_ptr<Analyzer>> Create(const AnalyzerOptions& options);

  // The pipeline's analysis: Run with options.pipeline_features (+ Text when
  // likely). Errors as Run.
  virtual StatusOr<Analysis> Analyze(std::string_view bytes) = 0;

  // Runs `features` on one image. InvalidArgument (reason InvalidImageFormat,
  // InvalidImageSize, PayloadTooLarge) when the bytes cannot be analysed: a
  // permanent failure. Other errors (Internal, Unavailable) may pass on retry.
  virtual StatusOr<VisionResult> Run(std::string_view bytes, const FeatureSet& features) = 0;

  // OCR of the image at full resolution. `language` as the v3.2 API names it
  // ("en"); InvalidArgument (reason NotSupportedLanguage) for others.
  virtual StatusOr<OcrPage> Read(std::string_view bytes, const std::string& language) = 0;

  // A width x height thumbnail; with `smart_crop`, cropped around the area of
  // interest. InvalidArgument (reason InvalidThumbnailSize) for sizes outside 1..1024.
  virtual StatusOr<Thumbnail> MakeThumbnail(std::string_view bytes, int width, int height,
                                            bool smart_crop) = 0;

  virtual StatusOr<AreaOfInterestResult> FindAreaOfInterest(std::string_view bytes) = 0;

  // The features custom classifiers are trained on and predict from: the
  // classifier's RegionFeatures of the whole photo (region_features.h),
  // named by their model. Its model runner is made on first use. Errors as
  // Run.
  virtual StatusOr<Embedding> CustomFeatures(std::string_view bytes) = 0;
  // The name CustomFeatures' vectors carry (without running the model).
  virtual std::string CustomFeatureModel() const = 0;

  // Identifies the models and code producing results; stored with each result
  // so that a result can be recomputed when it changes.
  virtual std::string PipelineVersion() const = 0;
  // Short form reported as the API's modelVersion.
  virtual std::string ModelVersion() const = 0;
};

}  // namespace ocula
