// Suggested tags, the "smart labeler" (custom_vision_api.h): a trained
// iteration's predictions for a project's untagged images, so that a person
// accepts or corrects them in bulk instead of labelling one by one.
//   POST .../images/suggested?iterationId=  {tagIds, threshold, maxCount,
//        sortBy}  the untagged images whose best tag is one of tagIds (any
//        when absent) at >= threshold, least certain first by default
//   POST .../images/suggested/count?iterationId=  {tagIds, threshold}
//        how many untagged images each tag would be suggested for
//   POST .../tagsandregions/suggestions?iterationId=&imageIds=  the
//        predictions for the given images
// An image's features are computed on first use and stored, so the first
// query over new images costs one model run each, later ones none. A query
// looks at kMaxScanned untagged images at most.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/custom_vision_internal.h"
#include "core/clock.h"
#include "custom/trainer.h"

namespace ocula {
namespace custom_api {
namespace {

using nlohmann::json;

constexpr int64_t kMaxScanned = 512;

struct Suggestion {
  CvImage image;
  std::vector<CustomPrediction> predictions;  // best first
  double uncertainty = 0;                     // 1 - the best probability
};

// The features of `images`, computing (on a borrowed analyzer) and storing
// those missing.
StatusOr<std::map<std::string, std::vector<float>>> FeaturesOf(const CustomVisionDeps& deps,
                                                               const std::vector<CvImage>& images,
                                                               const std::string& model) {
  std::optional<AnalyzerPool::Lease> analyzer;  // borrowed only when one is missing
  return StoredFeatures(
      deps.store, images, model, [&](const std::string& id) -> StatusOr<std::vector<float>> {
        if (!analyzer) {
          OCULA_ASSIGN_OR_RETURN(auto lease, deps.analyzers.Acquire());
          analyzer.emplace(std::move(lease));
        }
        return GalleryImageFeatures(deps.metadata, deps.blobs, **analyzer, id, model);
      });
}

StatusOr<std::vector<Suggestion>> Suggest(const CustomVisionDeps& deps,
                                          const CvIteration& iteration,
                                          const std::vector<CvImage>& images) {
  OCULA_ASSIGN_OR_RETURN(std::shared_ptr<const StoredHead> head, deps.predictor.Head(iteration));
  OCULA_ASSIGN_OR_RETURN(auto features, FeaturesOf(deps, images, head->feature_model));
  std::vector<Suggestion> out;
  for (const CvImage& image : images) {
    OCULA_ASSIGN_OR_RETURN(
        std::vector<CustomPrediction> predictions,
        deps.predictor.Predict(iteration,
                               Embedding{head->feature_model, features.at(image.image_id)}));
    const double best = predictions.empty() ? 0 : predictions.front().probability;
    out.push_back({image, std::move(predictions), 1.0 - best});
  }
  return out;
}

// The iteration of ?iterationId= (Completed).
StatusOr<CvIteration> SuggestingIteration(const CustomVisionDeps& deps, HttpRequest& req) {
  const std::string id = req.Query("iterationId").value_or("");
  if (id.empty()) return BadRequest("iterationId is required");
  req.path_params["iterationId"] = id;
  OCULA_ASSIGN_OR_RETURN(CvIteration iteration, FindIteration(deps, req));
  if (iteration.status != "Completed") {
    return BadRequest("iteration " + id + " is " + iteration.status + ", not Completed");
  }
  return iteration;
}

json SuggestionJson(const Mount& mount, const Suggestion& s, const CvIteration& iteration) {
  json predictions = json::array();
  for (const CustomPrediction& p : s.predictions) {
    predictions.push_back({{"probability", p.probability},
                           {"tagId", p.tag_id},
                           {"tagName", p.tag_name},
                           {"tagType", "Regular"}});
  }
  const std::string uri = "/v1/images/" + s.image.image_id;
  return {{"id", mount.ImageIdOut(s.image.image_id)},
          {"width", s.image.width},
          {"height", s.image.height},
          {"resizedImageUri", uri + "/thumbnail"},
          {"thumbnailUri", uri + "/thumbnail"},
          {"originalImageUri", uri + "/content"},
          {"domain", kDomainId},
          {"project", iteration.project_id},
          {"iteration", iteration.id},
          {"created", FormatRfc3339(s.image.created_ms)},
          {"predictions", predictions},
          {"predictionUncertainty", s.uncertainty}};
}

// The query of a suggested-images request body.
struct SuggestedQuery {
  std::vector<std::string> tag_ids;  // empty: any
  double threshold = 0;
  int64_t max_count = 50;
  bool most_certain_first = false;
};

StatusOr<SuggestedQuery> ParseQuery(const HttpRequest& req) {
  OCULA_ASSIGN_OR_RETURN(json body, JsonBody(req));
  SuggestedQuery q;
  if (auto tags = body.find("tagIds"); tags != body.end() && tags->is_array()) {
    for (const json& id : *tags) {
      if (id.is_string()) q.tag_ids.push_back(id);
    }
  }
  q.threshold = body.value("threshold", 0.0);
  q.max_count = body.value("maxCount", int64_t{50});
  if (!(q.threshold >= 0 && q.threshold <= 1)) return BadRequest("threshold must be from 0 to 1");
  if (q.max_count < 1 || q.max_count > 256) return BadRequest("maxCount must be from 1 to 256");
  const std::string sort = body.value("sortBy", "UncertaintyAscending");
  if (sort != "UncertaintyAscending" && sort != "UncertaintyDescending") {
    return BadRequest("sortBy must be UncertaintyAscending or UncertaintyDescending");
  }
  q.most_certain_first = sort == "UncertaintyAscending";
  return q;
}

// The project's untagged images (kMaxScanned at most), suggested for, and
// those that pass the query.
StatusOr<std::vector<Suggestion>> Matching(const CustomVisionDeps& deps,
                                           const CvIteration& iteration, const SuggestedQuery& q) {
  CvImageQuery untagged;
  untagged.tagging = CvImageQuery::Tagging::kUntagged;
  untagged.take = kMaxScanned;
  OCULA_ASSIGN_OR_RETURN(auto images, deps.store.ListImages(iteration.project_id, untagged));
  OCULA_ASSIGN_OR_RETURN(auto all, Suggest(deps, iteration, images));
  std::vector<Suggestion> out;
  for (Suggestion& s : all) {
    if (s.predictions.empty() || s.predictions.front().probability < q.threshold) continue;
    if (!q.tag_ids.empty() && std::find(q.tag_ids.begin(), q.tag_ids.end(),
                                        s.predictions.front().tag_id) == q.tag_ids.end()) {
      continue;
    }
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [&q](const Suggestion& a, const Suggestion& b) {
    return q.most_certain_first ? a.uncertainty < b.uncertainty : a.uncertainty > b.uncertainty;
  });
  return out;
}

}  // namespace

HttpResponse QuerySuggestedImages(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req) {
  auto iteration = SuggestingIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  auto query = ParseQuery(req);
  if (!query.ok()) return Error(req, query.status());
  auto matching = Matching(deps, *iteration, *query);
  if (!matching.ok()) return Error(req, matching.status());
  json results = json::array();
  for (const Suggestion& s : *matching) {
    if (static_cast<int64_t>(results.size()) >= query->max_count) break;
    results.push_back(SuggestionJson(mount, s, *iteration));
  }
  json token = JsonBody(req).value_or(json::object());
  return HttpResponse::Json(200, json{{"token", token}, {"results", results}}.dump());
}

HttpResponse QuerySuggestedImageCount(const CustomVisionDeps& deps, const Mount&,
                                      HttpRequest& req) {
  auto iteration = SuggestingIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  auto query = ParseQuery(req);
  if (!query.ok()) return Error(req, query.status());
  SuggestedQuery any = *query;
  any.tag_ids.clear();
  auto matching = Matching(deps, *iteration, any);
  if (!matching.ok()) return Error(req, matching.status());
  json counts = json::object();
  for (const std::string& id : query->tag_ids) counts[id] = 0;
  for (const Suggestion& s : *matching) {
    const std::string& tag = s.predictions.front().tag_id;
    if (query->tag_ids.empty() || counts.contains(tag)) counts[tag] = counts.value(tag, 0) + 1;
  }
  return HttpResponse::Json(200, counts.dump());
}

HttpResponse SuggestTagsAndRegions(const CustomVisionDeps& deps, const Mount& mount,
                                   HttpRequest& req) {
  auto iteration = SuggestingIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  std::vector<std::string> wanted;
  for (const std::string& text : ListParam(req, "imageIds")) {
    std::string id = ImageIdIn(text);
    if (id.empty())
      return Error(req, BadRequest("'" + text + "' is not an image id", "BadRequestInvalidIds"));
    wanted.push_back(std::move(id));
  }
  if (wanted.empty() || wanted.size() > 64) {
    return Error(req, BadRequest("imageIds must name 1 to 64 images", "BadRequestInvalidIds"));
  }
  // The project's images of those ids, in the order asked.
  CvImageQuery all;
  all.take = INT32_MAX;
  auto images = deps.store.ListImages(iteration->project_id, all);
  if (!images.ok()) return Error(req, images.status());
  std::vector<CvImage> chosen;
  for (const std::string& id : wanted) {
    auto it = std::find_if(images->begin(), images->end(),
                           [&id](const CvImage& image) { return image.image_id == id; });
    if (it == images->end()) {
      return Error(req, WithReason(absl::NotFoundError("no image " + id + " in this project"),
                                   "NotFoundImage"));
    }
    chosen.push_back(*it);
  }
  auto suggestions = Suggest(deps, *iteration, chosen);
  if (!suggestions.ok()) return Error(req, suggestions.status());
  json out = json::array();
  for (const Suggestion& s : *suggestions) out.push_back(SuggestionJson(mount, s, *iteration));
  return HttpResponse::Json(200, out.dump());
}

}  // namespace custom_api
}  // namespace ocula
