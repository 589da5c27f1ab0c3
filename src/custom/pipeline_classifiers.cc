#include "custom/pipeline_classifiers.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "nlohmann/json.hpp"

namespace ocula {
namespace {

using nlohmann::json;

json EntryJson(const CvIteration& iteration,
               const StatusOr<std::vector<CustomPrediction>>& result) {
  json entry = {{"project", iteration.project_id},
                {"publishName", iteration.publish_name},
                {"iteration", iteration.id}};
  if (!result.ok()) {
    entry["error"] = std::string(result.status().message());
    return entry;
  }
  json predictions = json::array();
  for (const CustomPrediction& p : *result) {
    predictions.push_back(
        {{"tagId", p.tag_id}, {"tagName", p.tag_name}, {"probability", p.probability}});
  }
  entry["predictions"] = std::move(predictions);
  return entry;
}

// Replaces (or adds) the entry of entry["project"] in doc["customVision"].
void PutEntry(json& doc, json entry) {
  json& list = doc["customVision"];
  if (!list.is_array()) list = json::array();
  for (json& existing : list) {
    if (existing.is_object() && existing.value("project", "") == entry["project"]) {
      existing = std::move(entry);
      return;
    }
  }
  list.push_back(std::move(entry));
}

StatusOr<json> ParseAnalysis(std::string_view analysis_json) {
  json doc = analysis_json.empty()
                 ? json::object()
                 : json::parse(analysis_json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return absl::DataLossError("the stored analysis is not a JSON object");
  return doc;
}

StatusOr<std::vector<CustomPrediction>> PredictLogged(CustomPredictor& predictor,
                                                      const CvIteration& iteration,
                                                      const Embedding& features) {
  auto result = predictor.Predict(iteration, features);
  if (!result.ok()) {
    spdlog::warn("custom classifier {} (project {}) cannot predict: {}", iteration.id,
                 iteration.project_id, result.status().ToString());
  }
  return result;
}

}  // namespace

StatusOr<std::string> WithCustomVisionEntry(std::string_view analysis_json,
                                            const CvIteration& iteration,
                                            const StatusOr<std::vector<CustomPrediction>>& result) {
  OCULA_ASSIGN_OR_RETURN(json doc, ParseAnalysis(analysis_json));
  PutEntry(doc, EntryJson(iteration, result));
  return doc.dump();
}

PipelineClassifiers::PipelineClassifiers(CustomVisionStore& store, CustomPredictor& predictor,
                                         Clock& clock, std::chrono::milliseconds refresh)
    : store_(store), predictor_(predictor), clock_(clock), refresh_(refresh) {}

StatusOr<std::shared_ptr<const std::vector<CvIteration>>> PipelineClassifiers::Attached() {
  const int64_t now = clock_.NowMs();
  {
    std::lock_guard lock(mu_);
    if (fetched_ms_ >= 0 && now - fetched_ms_ < refresh_.count()) return attached_;
  }
  OCULA_ASSIGN_OR_RETURN(std::vector<CvIteration> fetched, store_.PipelineIterations());
  auto attached = std::make_shared<const std::vector<CvIteration>>(std::move(fetched));
  std::lock_guard lock(mu_);
  attached_ = attached;
  fetched_ms_ = now;
  return attached;
}

Status PipelineClassifiers::Enrich(Analyzer& analyzer, std::string_view bytes, Analysis& analysis) {
  OCULA_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<CvIteration>> attached, Attached());
  if (attached->empty()) return absl::OkStatus();
  OCULA_ASSIGN_OR_RETURN(Embedding features, analyzer.CustomFeatures(bytes));
  OCULA_ASSIGN_OR_RETURN(json doc, ParseAnalysis(analysis.analysis_json));
  for (const CvIteration& iteration : *attached) {
    PutEntry(doc, EntryJson(iteration, PredictLogged(predictor_, iteration, features)));
  }
  analysis.analysis_json = doc.dump();
  return absl::OkStatus();
}

PipelineRerunner::PipelineRerunner(CustomVisionStore& store, MetadataStore& metadata,
                                   BlobStore& blobs, CustomPredictor& predictor, Clock& clock,
                                   RerunOptions options)
    : store_(store),
      metadata_(metadata),
      blobs_(blobs),
      predictor_(predictor),
      clock_(clock),
      options_(options),
      owner_("rerun-" + RandomToken()) {}

StatusOr<std::optional<CvPipeline>> PipelineRerunner::Claim() {
  const int64_t now = clock_.NowMs();
  return store_.ClaimRerun(owner_, now, now + options_.lease.count());
}

StatusOr<bool> PipelineRerunner::RunOne(Analyzer& analyzer, const std::function<bool()>& stopping) {
  OCULA_ASSIGN_OR_RETURN(std::optional<CvPipeline> claimed, Claim());
  if (!claimed) return false;
  OCULA_RETURN_IF_ERROR(Run(std::move(*claimed), analyzer, stopping));
  return true;
}

Status PipelineRerunner::Run(CvPipeline progress, Analyzer& analyzer,
                             const std::function<bool()>& stopping) {
  spdlog::info("pipeline re-run of project {} ({} of {} done)", progress.project_id,
               progress.rerun_done, progress.rerun_total);
  auto iteration = store_.GetPublished(progress.project_id, progress.publish_name);
  bool more = iteration.ok();
  if (!iteration.ok() && iteration.status().code() != StatusCode::kNotFound) {
    return iteration.status();  // the lease runs out; tried again then
  }
  while (more && !stopping()) {
    OCULA_ASSIGN_OR_RETURN(more, RunPage(analyzer, *iteration, progress));
    progress.rerun_updated_ms = clock_.NowMs();
    progress.lease_until_ms = progress.rerun_updated_ms + options_.lease.count();
    if (!more) break;
    OCULA_ASSIGN_OR_RETURN(bool held, store_.SaveRerun(progress, owner_));
    if (!held) {
      spdlog::warn("pipeline re-run of project {}: the lease was lost", progress.project_id);
      return absl::OkStatus();
    }
  }
  if (more) {  // stopping: released for the next claim
    progress.lease_until_ms = 0;
    OCULA_RETURN_IF_ERROR(store_.SaveRerun(progress, owner_).status());
    return absl::OkStatus();
  }
  if (iteration.ok()) {
    progress.rerun_status = "Completed";
  } else {
    progress.rerun_status = "Failed";
    progress.rerun_error = "nothing is published as '" + progress.publish_name + "'";
  }
  OCULA_RETURN_IF_ERROR(store_.SaveRerun(progress, owner_).status());
  spdlog::info("pipeline re-run of project {}: {} ({} images)", progress.project_id,
               progress.rerun_status, progress.rerun_done);
  return absl::OkStatus();
}

StatusOr<bool> PipelineRerunner::RunPage(Analyzer& analyzer, const CvIteration& iteration,
                                         CvPipeline& progress) {
  ListQuery query;
  query.status = ImageStatus::kDone;
  query.limit = options_.page;
  query.cursor = progress.rerun_cursor;
  OCULA_ASSIGN_OR_RETURN(ImagePage page, metadata_.ListImages(query));
  for (const ImageRecord& image : page.images) {
    Status s = Rerun(analyzer, iteration, image);
    if (!s.ok() && s.code() != StatusCode::kNotFound) {  // deleted meanwhile: nothing to do
      if (s.code() != StatusCode::kInvalidArgument) return s;
      // An image the features cannot read (analysed by an older pipeline):
      // its document says so and the re-run goes on.
      spdlog::warn("pipeline re-run: image {}: {}", image.id, s.ToString());
    }
    progress.rerun_cursor = image.id;
    ++progress.rerun_done;
  }
  return !page.images.empty() && !page.next_cursor.empty();
}

Status PipelineRerunner::Rerun(Analyzer& analyzer, const CvIteration& iteration,
                               const ImageRecord& image) {
  OCULA_ASSIGN_OR_RETURN(std::string bytes, blobs_.Get(image.blob_key));
  auto features = analyzer.CustomFeatures(bytes);
  StatusOr<std::vector<CustomPrediction>> result =
      features.ok() ? PredictLogged(predictor_, iteration, *features)
                    : StatusOr<std::vector<CustomPrediction>>(features.status());
  OCULA_ASSIGN_OR_RETURN(std::string analysis,
                         WithCustomVisionEntry(image.analysis_json, iteration, result));
  ImageResult updated{ImageStatus::kDone, image.metadata_json, std::move(analysis),
                      image.error_json, image.pipeline_version};
  OCULA_RETURN_IF_ERROR(metadata_.SetResult(image.id, updated));
  return features.ok() ? absl::OkStatus() : features.status();
}

}  // namespace ocula
