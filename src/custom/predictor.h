// CustomPredictor: what a trained iteration says about an image's features.
// Any process that serves the API (or analyses) predicts: heads are read
// from their blobs on first use and kept, since an iteration's head never
// changes; a newly published iteration is found in the store by its name,
// so every process sees it without a restart.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "blob/blob_store.h"
#include "custom/head_codec.h"
#include "metadata/custom_vision_store.h"
#include "vision/classify/embedding.h"

namespace ocula {

struct CustomPrediction {
  std::string tag_id;
  std::string tag_name;  // as the iteration was trained
  float probability = 0;
};

class CustomPredictor {
 public:
  CustomPredictor(CustomVisionStore& store, BlobStore& blobs, size_t max_cached_heads = 64);

  // The iteration of `project_id` published as `name`: NotFound (reason
  // NotFoundProject or NotFoundIteration) naming what is missing.
  StatusOr<CvIteration> Published(const std::string& project_id, const std::string& name);

  // One probability per tag of the Completed `iteration`, best first.
  // FailedPrecondition for an iteration that is not Completed;
  // InvalidArgument for features of another model; DataLoss for a damaged
  // head blob.
  StatusOr<std::vector<CustomPrediction>> Predict(const CvIteration& iteration,
                                                  const Embedding& features);

  // The head of a Completed iteration (read once, then cached).
  StatusOr<std::shared_ptr<const StoredHead>> Head(const CvIteration& iteration);

 private:
  CustomVisionStore& store_;
  BlobStore& blobs_;
  const size_t max_cached_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const StoredHead>> heads_;  // by iteration id; mu_
  std::list<std::string> order_;  // iteration ids, oldest cached first; mu_
};

}  // namespace ocula
