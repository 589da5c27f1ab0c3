// Custom classifiers over HTTP (issue 24), in three mounts of one set of
// handlers:
//   /customvision/v3.3/training, /customvision/v3.4-preview/training
//       the Custom Vision training contract (CONTRACTS.md §4), what
//       Microsoft's training client sends: image ids as UUIDs, errors as
//       {"code", "message"};
//   /customvision/v3.0/prediction, /customvision/v3.1/prediction
//       the prediction contract (classify/iterations/{name}/image|url);
//   /v1/custom (training) and /v1/custom/prediction
//       the same operations for the web page and Ocula's clients: image ids
//       as Ocula ids (those of /v1/images), Ocula's error envelope; and
//       /v1/custom/projects/{projectId}/pipeline, a classifier attached to
//       the upload pipeline (custom/pipeline_classifiers.h).
// Training routes need the `training` scope, prediction routes
// `prediction`; the Custom Vision headers Training-Key / Prediction-Key
// carry Ocula keys (auth.h).
#pragma once

#include <functional>

#include "api/router.h"
#include "api/url_fetcher.h"
#include "blob/blob_store.h"
#include "core/clock.h"
#include "custom/predictor.h"
#include "metadata/custom_vision_store.h"
#include "metadata/metadata_store.h"
#include "pipeline/backlog_gate.h"
#include "pipeline/ingest.h"
#include "vision/analyzer_pool.h"

namespace ocula {

struct CustomVisionDeps {
  CustomVisionStore& store;
  CustomPredictor& predictor;
  Ingest& ingest;  // images uploaded into a project join the gallery
  MetadataStore& metadata;
  BlobStore& blobs;
  AnalyzerPool& analyzers;  // features of images to predict on
  BacklogGate& backlog;
  Clock& clock;
  UrlFetchOptions url_fetch;
  std::string model_dir;  // the classifier an exported iteration is built on
  std::string scheme;     // "http" or "https": of the export's download URI
  // Wakes this process's trainer (training and pipeline re-runs).
  std::function<void()> on_training_requested;
};

void AddCustomVisionRoutes(Router& router, const CustomVisionDeps& deps);

}  // namespace ocula
