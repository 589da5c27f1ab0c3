// Internal to the custom_*_routes.cc files: what the training and prediction
// handlers share — which mount a request came through, ids, parameters,
// and the JSON shapes of the Custom Vision contract.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/custom_vision_api.h"
#include "api/http_types.h"

namespace ocula::custom_api {

// The one domain Ocula offers: classification on its own features,
// exportable to ONNX. Clients pass its id (or none) when creating projects.
inline constexpr char kDomainId[] = "0732100f-1a38-4e49-a514-c9b44c697ab5";

// The mount a handler serves: Custom Vision's (image ids as UUIDs) or
// Ocula's /v1/custom (image ids as in /v1/images).
struct Mount {
  std::string prefix;  // "/customvision/v3.4-preview/training", "/v1/custom", ...
  bool native = false;

  std::string ImageIdOut(const std::string& id) const;
};

// An image id as a client sent it: an Ocula id, or its UUID form. ""
// when it is neither.
std::string ImageIdIn(const std::string& text);

// A JSON response (invalid UTF-8 from clients replaced, never thrown on),
// and the empty 204.
HttpResponse JsonResponse(const nlohmann::json& body, int status = 200);
HttpResponse NoContent();

// A response for `status` in the envelope of `req`'s API.
HttpResponse Error(const HttpRequest& req, const Status& status);
// InvalidArgument with Custom Vision's reason `code`.
Status BadRequest(const std::string& message, std::string_view code = "BadRequest");

// A comma-separated query parameter's values ("" parts dropped).
std::vector<std::string> ListParam(const HttpRequest& req, const std::string& name);
// An integer query parameter within [min, max]; `fallback` when absent.
StatusOr<int64_t> IntParam(const HttpRequest& req, const std::string& name, int64_t fallback,
                           int64_t min, int64_t max);
// The request body as a JSON object ({} for an empty body).
StatusOr<nlohmann::json> JsonBody(const HttpRequest& req);

// The project of the path's {projectId} (NotFoundProject).
StatusOr<CvProject> FindProject(const CustomVisionDeps& deps, const HttpRequest& req);
// The iteration of the path's {iterationId} (NotFoundIteration).
StatusOr<CvIteration> FindIteration(const CustomVisionDeps& deps, const HttpRequest& req);

// The image bytes of a prediction or upload request: the first part of a
// multipart body, or the raw body (application/octet-stream, image/*).
StatusOr<std::string_view> ImageBody(const HttpRequest& req);

// JSON shapes (the SDK's models; times in RFC 3339).
nlohmann::json ProjectJson(const CvProject& project);
nlohmann::json TagJson(const CvTag& tag);
nlohmann::json IterationJson(const CvIteration& iteration);
// {id, project, iteration, created, predictions[{probability, tagId, tagName}]}
nlohmann::json PredictionJson(const std::string& id, const CvIteration& iteration,
                              const std::vector<CustomPrediction>& predictions, int64_t now_ms);

// The predictions of the Completed `iteration` for an image: its features
// (on a borrowed analyzer), then the head. BadRequestImageFormat for bytes
// that are not an image Ocula reads.
StatusOr<std::vector<CustomPrediction>> PredictBytes(const CustomVisionDeps& deps,
                                                     const CvIteration& iteration,
                                                     std::string_view bytes);

// The image handlers (custom_image_routes.cc), in the training routes' table.
HttpResponse CreateImagesFromData(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req);
HttpResponse CreateImagesFromFiles(const CustomVisionDeps& deps, const Mount& mount,
                                   HttpRequest& req);
HttpResponse CreateImagesFromUrls(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req);
HttpResponse CreateImageTags(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse DeleteImageTags(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse DeleteImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse GetImagesByIds(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse ListAllImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse ListTaggedImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse ListUntaggedImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse CountAllImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse CountTaggedImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req);
HttpResponse CountUntaggedImages(const CustomVisionDeps& deps, const Mount& mount,
                                 HttpRequest& req);

// The smart labeler's handlers (custom_suggestion_routes.cc), in the
// training routes' table.
HttpResponse QuerySuggestedImages(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req);
HttpResponse QuerySuggestedImageCount(const CustomVisionDeps& deps, const Mount& mount,
                                      HttpRequest& req);
HttpResponse SuggestTagsAndRegions(const CustomVisionDeps& deps, const Mount& mount,
                                   HttpRequest& req);

// The answer to a prediction request with `iteration`: the image from the
// body (raw or multipart), or with `url` from the {"url"} it names.
HttpResponse PredictionResponse(const CustomVisionDeps& deps, const HttpRequest& req,
                                const CvIteration& iteration, bool url);

// The prediction mounts (custom_prediction_routes.cc), the training mounts
// (custom_training_routes.cc).
void AddPredictionRoutes(Router& router, const CustomVisionDeps& deps);
void AddTrainingRoutes(Router& router, const CustomVisionDeps& deps);
// /v1/custom/projects/{projectId}/pipeline (custom_pipeline_routes.cc).
void AddPipelineRoutes(Router& router, const CustomVisionDeps& deps);

}  // namespace ocula::custom_api
