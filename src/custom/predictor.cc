#include "custom/predictor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ocula {

CustomPredictor::CustomPredictor(CustomVisionStore& store, BlobStore& blobs,
                                 size_t max_cached_heads)
    : store_(store), blobs_(blobs), max_cached_(std::max<size_t>(1, max_cached_heads)) {}

StatusOr<CvIteration> CustomPredictor::Published(const std::string& project_id,
                                                 const std::string& name) {
  if (auto project = store_.GetProject(project_id); !project.ok()) {
    return project.status().code() == StatusCode::kNotFound
               ? WithReason(project.status(), "NotFoundProject")
               : project.status();
  }
  auto published = store_.GetPublished(project_id, name);
  if (published.status().code() == StatusCode::kNotFound) {
    return WithReason(absl::NotFoundError(absl::StrCat("no iteration of project ", project_id,
                                                       " is published as '", name, "'")),
                      "NotFoundIteration");
  }
  return published;
}

StatusOr<std::shared_ptr<const StoredHead>> CustomPredictor::Head(const CvIteration& iteration) {
  if (iteration.status != "Completed") {
    return absl::FailedPreconditionError(
        absl::StrCat("iteration ", iteration.id, " is ", iteration.status, ", not Completed"));
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = heads_.find(iteration.id); it != heads_.end()) return it->second;
  }
  OCULA_ASSIGN_OR_RETURN(std::string bytes, blobs_.Get(iteration.head_blob_key));
  OCULA_ASSIGN_OR_RETURN(StoredHead decoded, DecodeHead(bytes));
  auto head = std::make_shared<const StoredHead>(std::move(decoded));
  std::lock_guard lock(mu_);
  if (heads_.emplace(iteration.id, head).second) {
    order_.push_back(iteration.id);
    if (order_.size() > max_cached_) {
      heads_.erase(order_.front());
      order_.pop_front();
    }
  }
  return head;
}

StatusOr<std::vector<CustomPrediction>> CustomPredictor::Predict(const CvIteration& iteration,
                                                                 const Embedding& features) {
  OCULA_ASSIGN_OR_RETURN(std::shared_ptr<const StoredHead> head, Head(iteration));
  if (features.model != head->feature_model) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the iteration scores features of ", head->feature_model, ", not of ", features.model));
  }
  OCULA_ASSIGN_OR_RETURN(std::vector<float> scores, head->head->Scores(features.values));
  std::vector<CustomPrediction> out;
  for (size_t i = 0; i < scores.size(); ++i) {
    out.push_back({head->tag_ids[i], head->head->classes()[i], scores[i]});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.probability > b.probability; });
  return out;
}

}  // namespace ocula
