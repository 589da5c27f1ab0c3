// Analyzer: the local Computer Vision service. Given image bytes it decodes
// once and runs the configured features, producing the document fields the
// worker stores and `ocula analyze` prints.
//
// Thread-safety: an Analyzer is NOT safe for concurrent use; each worker
// thread creates its own (model runners are per thread).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "vision/image.h"

namespace ocula {

struct AnalyzerOptions {
  std::string engine = "onnxruntime";
  std::string model_dir;  // holds classify/model.toml, ...
  int top_tags = 5;
  double min_tag_confidence = 0.01;
  ImageLimits limits;
};

struct Analysis {
  std::string metadata_json;  // {"width","height","format","exif":{...}}
  std::string analysis_json;  // {"tags":[{"name","confidence"}],"modelVersion",...}
  std::vector<float> embedding;
  std::string embedding_model;  // model name the embedding came from
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;

  // Loads and verifies (sha256) every model the features need.
  // NotFound / FailedPrecondition with a message naming the file and the fix
  // when a model is missing or corrupt.
  static StatusOr<std::unique_ptr<Analyzer>> Create(const AnalyzerOptions& options);

  // Analyses one image. InvalidArgument (reason InvalidImageFormat or
  // InvalidImageSize) when the bytes cannot be analysed: a permanent failure.
  // Other errors (Internal, Unavailable) may succeed on retry.
  virtual StatusOr<Analysis> Analyze(std::string_view bytes) = 0;

  // Identifies the models and code producing results; stored with each result
  // so that a result can be recomputed when it changes.
  virtual std::string PipelineVersion() const = 0;
};

}  // namespace ocula
