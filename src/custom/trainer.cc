#include "custom/trainer.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "custom/head_codec.h"
#include "nlohmann/json.hpp"

namespace ocula {
namespace {

// Every image of the project, in pages.
StatusOr<std::vector<CvImage>> TaggedImages(CustomVisionStore& store,
                                            const std::string& project_id) {
  std::vector<CvImage> all;
  CvImageQuery query;
  query.tagging = CvImageQuery::Tagging::kTagged;
  query.take = 1000;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(std::vector<CvImage> page, store.ListImages(project_id, query));
    all.insert(all.end(), page.begin(), page.end());
    if (static_cast<int64_t>(page.size()) < query.take) return all;
    query.skip += query.take;
  }
}

}  // namespace

StatusOr<TrainedIteration> TrainIteration(CustomVisionStore& store, const CvIteration& iteration,
                                          const std::string& feature_model,
                                          const FeatureSource& features,
                                          const HeadTrainingOptions& options) {
  OCULA_ASSIGN_OR_RETURN(std::vector<CvTag> tags, store.ListTags(iteration.project_id));
  OCULA_RETURN_IF_ERROR(CheckTrainable(tags, iteration.classification_type));
  OCULA_ASSIGN_OR_RETURN(std::vector<CvImage> images, TaggedImages(store, iteration.project_id));
  // Classes: the tags that have images, in the project's tag order.
  std::map<std::string, int> class_of;
  std::vector<std::string> tag_ids;
  std::vector<int64_t> counts;  // images per class
  EmbeddingSet data;
  for (const CvTag& tag : tags) {
    if (tag.image_count == 0) continue;
    class_of[tag.id] = static_cast<int>(tag_ids.size());
    tag_ids.push_back(tag.id);
    counts.push_back(tag.image_count);
    data.classes.push_back(tag.name);
  }
  const bool multilabel = iteration.classification_type == "Multilabel";
  // Refused before any feature is computed (that is the slow part).
  for (const CvImage& image : images) {
    if (!multilabel && image.tag_ids.size() > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("image ", image.image_id, " has ", image.tag_ids.size(),
                       " tags; a Multiclass project takes one tag per image"));
    }
  }
  OCULA_ASSIGN_OR_RETURN(auto vectors, StoredFeatures(store, images, feature_model, features));
  // Oldest image first, so that the order does not depend on paging.
  for (auto it = images.rbegin(); it != images.rend(); ++it) {
    std::vector<int> set;  // leaving out tags added after they were counted
    for (const std::string& tag : it->tag_ids) {
      if (auto c = class_of.find(tag); c != class_of.end()) set.push_back(c->second);
    }
    if (set.empty()) continue;
    const std::vector<float>& v = vectors.at(it->image_id);
    if (data.dim == 0) data.dim = static_cast<int>(v.size());
    if (multilabel) {
      const int rarest = *std::min_element(set.begin(), set.end(),
                                           [&](int a, int b) { return counts[a] < counts[b]; });
      OCULA_RETURN_IF_ERROR(data.AddSet(v, set, rarest));
    } else {
      OCULA_RETURN_IF_ERROR(data.Add(v, set.front()));
    }
  }
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<CentredHead> head, TrainHead(data, options));
  OCULA_ASSIGN_OR_RETURN(Evaluation eval,
                         CrossValidate(data, kCrossValidationFolds, iteration.seed, options));
  return TrainedIteration{
      EncodeHead(*head, tag_ids, feature_model),
      PerformanceJson(eval, tag_ids, kPerformanceThreshold, kCrossValidationFolds),
      static_cast<int>(data.size())};
}

StatusOr<std::map<std::string, std::vector<float>>> StoredFeatures(
    CustomVisionStore& store, const std::vector<CvImage>& images, const std::string& model,
    const FeatureSource& source) {
  std::vector<std::string> ids;
  for (const CvImage& image : images) ids.push_back(image.image_id);
  OCULA_ASSIGN_OR_RETURN(auto features, store.GetFeatures(model, ids));
  for (const std::string& id : ids) {
    if (features.contains(id)) continue;
    OCULA_ASSIGN_OR_RETURN(std::vector<float> values, source(id));
    OCULA_RETURN_IF_ERROR(store.PutFeatures(id, model, values));
    features.emplace(id, std::move(values));
  }
  return features;
}

StatusOr<std::vector<float>> GalleryImageFeatures(MetadataStore& metadata, BlobStore& blobs,
                                                  Analyzer& analyzer, const std::string& image_id,
                                                  const std::string& model) {
  auto image = metadata.GetImage(image_id);
  if (image.status().code() == StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat(
        "image ", image_id, " was deleted from the gallery; remove it from the project"));
  }
  OCULA_RETURN_IF_ERROR(image.status());
  OCULA_ASSIGN_OR_RETURN(std::string bytes, blobs.Get(image->blob_key));
  auto features = analyzer.CustomFeatures(bytes);
  if (!features.ok()) {
    return Status(features.status().code(),
                  absl::StrCat("image ", image_id, ": ", features.status().message()));
  }
  if (features->model != model) {
    return absl::InternalError(absl::StrCat("features of ", features->model, ", expected ", model));
  }
  return std::move(features->values);
}

Status CheckTrainable(const std::vector<CvTag>& tags, const std::string& classification_type) {
  if (classification_type != "Multiclass" && classification_type != "Multilabel") {
    return absl::InvalidArgumentError("unknown classification type '" + classification_type + "'");
  }
  int with_images = 0;
  for (const CvTag& tag : tags) {
    if (tag.image_count == 0) continue;
    ++with_images;
    if (tag.image_count < kMinImagesPerTag) {
      return absl::InvalidArgumentError(absl::StrCat("tag \"", tag.name, "\" has ", tag.image_count,
                                                     " images; at least ", kMinImagesPerTag,
                                                     " are needed"));
    }
  }
  if (with_images == 0) return absl::InvalidArgumentError("the project has no tagged image");
  if (with_images < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("training needs at least 2 tags with images, not ", with_images));
  }
  return absl::OkStatus();
}

std::string PerformanceJson(const Evaluation& eval, const std::vector<std::string>& tag_ids,
                            float threshold, int folds) {
  const auto ratio = [](int64_t part, int64_t whole) {
    return whole ? static_cast<double>(part) / whole : 0.0;
  };
  nlohmann::json per_tag = nlohmann::json::array();
  Evaluation::Decisions all;
  double ap_sum = 0;
  for (size_t tag = 0; tag < eval.classes.size(); ++tag) {
    const Evaluation::Decisions d = eval.DecisionsFor(static_cast<int>(tag), threshold);
    all.positives += d.positives;
    all.given += d.given;
    all.right += d.right;
    const double ap = eval.AveragePrecision(static_cast<int>(tag));
    ap_sum += ap;
    per_tag.push_back({{"id", tag_ids[tag]},
                       {"name", eval.classes[tag]},
                       {"precision", ratio(d.right, d.given)},
                       {"recall", ratio(d.right, d.positives)},
                       {"averagePrecision", ap},
                       {"imageCount", d.positives}});
  }
  const nlohmann::json doc = {
      {"threshold", threshold},
      {"folds", folds},
      {"precision", ratio(all.right, all.given)},
      {"recall", ratio(all.right, all.positives)},
      {"averagePrecision", eval.classes.empty() ? 0.0 : ap_sum / eval.classes.size()},
      {"accuracy", eval.Accuracy()},
      {"perTag", per_tag},
      {"confusion", eval.confusion},
      {"evaluation",
       {{"labels", eval.labels},
        {"labelSets", eval.label_sets},
        {"probabilities", eval.probabilities}}}};
  return doc.dump();
}

StatusOr<std::string> PerformanceAt(std::string_view performance_json, float threshold) {
  const auto doc = nlohmann::json::parse(performance_json, nullptr, /*allow_exceptions=*/false);
  const auto damaged = [] {
    return absl::DataLossError("the iteration's performance document is damaged");
  };
  if (!doc.is_object() || !doc.contains("evaluation") || !doc.contains("perTag")) {
    return damaged();
  }
  try {
    Evaluation eval;
    std::vector<std::string> tag_ids;
    for (const auto& tag : doc.at("perTag")) {
      tag_ids.push_back(tag.at("id").get<std::string>());
      eval.classes.push_back(tag.at("name").get<std::string>());
    }
    const auto& evaluation = doc.at("evaluation");
    eval.labels = evaluation.at("labels").get<std::vector<int>>();
    eval.probabilities = evaluation.at("probabilities").get<std::vector<std::vector<float>>>();
    eval.confusion = doc.at("confusion").get<std::vector<std::vector<int>>>();
    eval.label_sets = evaluation.value("labelSets", std::vector<std::vector<int>>());
    if (eval.labels.size() != eval.probabilities.size() ||
        (!eval.label_sets.empty() && eval.label_sets.size() != eval.labels.size())) {
      return damaged();
    }
    for (size_t i = 0; i < eval.labels.size(); ++i) {
      if (eval.labels[i] < 0 || static_cast<size_t>(eval.labels[i]) >= tag_ids.size() ||
          eval.probabilities[i].size() != tag_ids.size()) {
        return damaged();
      }
    }
    return PerformanceJson(eval, tag_ids, threshold, doc.at("folds").get<int>());
  } catch (const nlohmann::json::exception&) {
    return damaged();
  }
}

}  // namespace ocula
