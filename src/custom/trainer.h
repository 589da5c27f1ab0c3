// Training one iteration of a custom classifier project: what a worker runs
// while it holds the iteration's lease (custom_vision_store.h). It reads the
// project's tagged images and their features (computing those an image
// lacks), trains a head on all of them, measures it by stratified k-fold
// cross-validation on the same images, and returns the head's blob and the
// performance document. Deterministic: the same images, tags and seed give
// the same head and figures.
//
// Thread-safety: TrainIteration is safe to call concurrently for different
// iterations (the store is; `features` must be).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "blob/blob_store.h"
#include "core/status.h"
#include "metadata/custom_vision_store.h"
#include "metadata/metadata_store.h"
#include "vision/analyzer.h"
#include "vision/classify/head_training.h"

namespace ocula {

// Custom Vision's minimum, and the folds of cross-validation.
inline constexpr int kMinImagesPerTag = 5;
inline constexpr int kCrossValidationFolds = 5;
// The threshold of the reported precision and recall.
inline constexpr float kPerformanceThreshold = 0.5f;

// The feature vector of an Ocula image (decoded, run through RegionFeatures).
using FeatureSource = std::function<StatusOr<std::vector<float>>(const std::string& image_id)>;

struct TrainedIteration {
  std::string head;              // EncodeHead's bytes
  std::string performance_json;  // PerformanceJson
  int images = 0;                // trained on
};

// A Multiclass project trains a softmax head (one tag per image), a
// Multilabel one a sigmoid per tag (an image may have several).
// InvalidArgument, with a message for the user, when the project cannot be
// trained: no tagged image, fewer than 2 tags with images, a tag with fewer
// than kMinImagesPerTag images, an image with several tags in a Multiclass
// project. Other errors come from the store or `features`.
StatusOr<TrainedIteration> TrainIteration(CustomVisionStore& store, const CvIteration& iteration,
                                          const std::string& feature_model,
                                          const FeatureSource& features,
                                          const HeadTrainingOptions& options = {});

// The features of `images` for `model`: those stored, and those missing
// computed by `source` and stored (once per image, for every later use).
StatusOr<std::map<std::string, std::vector<float>>> StoredFeatures(
    CustomVisionStore& store, const std::vector<CvImage>& images, const std::string& model,
    const FeatureSource& source);

// The features of gallery image `image_id`: its stored original through
// `analyzer`'s CustomFeatures. NotFound (saying so) for a deleted image;
// the analyzer's errors name the image; Internal when they are not of
// `model`.
StatusOr<std::vector<float>> GalleryImageFeatures(MetadataStore& metadata, BlobStore& blobs,
                                                  Analyzer& analyzer, const std::string& image_id,
                                                  const std::string& model);

// Why `tags` (a project's, with their image counts) cannot be trained on,
// as TrainIteration would refuse them before computing any feature; OK when
// they can. Lets the API refuse a training request at once.
Status CheckTrainable(const std::vector<CvTag>& tags, const std::string& classification_type);

// The performance document of an evaluation: overall precision and recall
// at `threshold` (over every tag's decisions), mean average precision,
// accuracy, per tag (id, name, precision, recall, averagePrecision,
// imageCount), the confusion matrix ([true][predicted], tag order; empty for
// Multilabel), and the evaluation itself (each image's true tags and
// cross-validated probabilities), from which PerformanceAt recomputes it.
std::string PerformanceJson(const Evaluation& eval, const std::vector<std::string>& tag_ids,
                            float threshold, int folds);

// A stored performance document recomputed at another threshold. DataLoss
// for a document that is not PerformanceJson's.
StatusOr<std::string> PerformanceAt(std::string_view performance_json, float threshold);

}  // namespace ocula
