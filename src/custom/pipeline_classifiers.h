// Custom classifiers in the upload pipeline. A project attaches the name it
// publishes under (CvPipeline, PUT /v1/custom/projects/{id}/pipeline); from
// then on every analysed image's document carries
//   "customVision": [{"project", "publishName", "iteration",
//                     "predictions": [{"tagId", "tagName", "probability"}]}]
// with one entry per attached classifier, best tag first.
//
// PipelineClassifiers is what the analysis workers call after each
// analysis. It asks the store which iterations are attached at most every
// `refresh` (so a newly published iteration reaches every worker within
// that, without a restart) and computes the image's custom features only
// when one is.
//
// PipelineRerunner applies an attachment to the images analysed before it
// (POST .../pipeline/rerun): a worker claims the re-run under a lease and
// walks the analysed images newest first, page by page, writing each
// document's entry and saving its cursor after each page, so that a crash
// loses one page of work at most and the next claim resumes there.
//
// Thread-safety: both are safe for concurrent use; RunOne runs one re-run
// on the calling thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "custom/predictor.h"
#include "metadata/custom_vision_store.h"
#include "metadata/metadata_store.h"
#include "vision/analyzer.h"

namespace ocula {

class PipelineClassifiers {
 public:
  PipelineClassifiers(CustomVisionStore& store, CustomPredictor& predictor, Clock& clock,
                      std::chrono::milliseconds refresh = std::chrono::seconds(2));

  // Adds the customVision member to analysis.analysis_json for the attached
  // classifiers; leaves it alone (computing nothing) when none is. An entry
  // whose classifier cannot predict (its head unreadable) carries "error"
  // instead of predictions, and is logged. Errors: the features' (the image
  // cannot be decoded) and the store's.
  Status Enrich(Analyzer& analyzer, std::string_view bytes, Analysis& analysis);

  // The iterations attached now (cached for `refresh`; shared, not copied,
  // since every analysis asks).
  StatusOr<std::shared_ptr<const std::vector<CvIteration>>> Attached();

 private:
  CustomVisionStore& store_;
  CustomPredictor& predictor_;
  Clock& clock_;
  const std::chrono::milliseconds refresh_;
  std::mutex mu_;
  std::shared_ptr<const std::vector<CvIteration>> attached_;  // guarded by mu_
  int64_t fetched_ms_ = -1;  // guarded by mu_; when attached_ was read
};

// `analysis_json` with the entry of `iteration`'s predictions in its
// customVision list (replacing the project's earlier entry). DataLoss for
// a document that is not a JSON object.
StatusOr<std::string> WithCustomVisionEntry(std::string_view analysis_json,
                                            const CvIteration& iteration,
                                            const StatusOr<std::vector<CustomPrediction>>& result);

struct RerunOptions {
  std::chrono::milliseconds lease{std::chrono::seconds(30)};
  size_t page = 32;  // images between saved cursors
};

class PipelineRerunner {
 public:
  PipelineRerunner(CustomVisionStore& store, MetadataStore& metadata, BlobStore& blobs,
                   CustomPredictor& predictor, Clock& clock, RerunOptions options = {});

  // A Running re-run whose lease ran out, leased to this rerunner; nullopt
  // when none waits.
  StatusOr<std::optional<CvPipeline>> Claim();
  // Works through the `claimed` re-run with `analyzer` (its CustomFeatures)
  // until it is done or `stopping` says so (it is then released to the next
  // claim).
  Status Run(CvPipeline claimed, Analyzer& analyzer, const std::function<bool()>& stopping);
  // Claim, then Run; false when none was waiting.
  StatusOr<bool> RunOne(Analyzer& analyzer, const std::function<bool()>& stopping);

 private:
  // One page after progress.rerun_cursor; false when no image was left.
  StatusOr<bool> RunPage(Analyzer& analyzer, const CvIteration& iteration, CvPipeline& progress);
  Status Rerun(Analyzer& analyzer, const CvIteration& iteration, const ImageRecord& image);

  CustomVisionStore& store_;
  MetadataStore& metadata_;
  BlobStore& blobs_;
  CustomPredictor& predictor_;
  Clock& clock_;
  const RerunOptions options_;
  const std::string owner_;
};

}  // namespace ocula
