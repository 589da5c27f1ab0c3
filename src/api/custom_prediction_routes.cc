// Prediction with a published custom classifier (custom_vision_api.h):
// POST {prefix}/{projectId}/classify/iterations/{publishedName}/image
// (multipart or raw bytes) and .../url ({"url"}), each with a /nostore
// twin. Ocula never stores the images sent for prediction, so the twins
// answer alike.
#include "api/custom_vision_internal.h"
#include "core/ids.h"

namespace ocula {
namespace custom_api {
namespace {

HttpResponse Classify(const CustomVisionDeps& deps, HttpRequest& req, bool url) {
  auto iteration =
      deps.predictor.Published(req.path_params.at("projectId"), req.path_params.at("name"));
  if (!iteration.ok()) return Error(req, iteration.status());
  return PredictionResponse(deps, req, *iteration, url);
}

void AddPredictionMount(Router& router, const CustomVisionDeps& deps, const std::string& prefix) {
  const RouteAccess access = RouteAccess::Needs(Scope::kPrediction);
  const std::string base = prefix + "/{projectId}/classify/iterations/{name}";
  for (const char* suffix : {"/image", "/image/nostore"}) {
    router.AddBlocking("POST", base + suffix, access,
                       [&deps](HttpRequest& req) { return Classify(deps, req, false); });
  }
  for (const char* suffix : {"/url", "/url/nostore"}) {
    router.AddBlocking("POST", base + suffix, access,
                       [&deps](HttpRequest& req) { return Classify(deps, req, true); });
  }
}

}  // namespace

HttpResponse PredictionResponse(const CustomVisionDeps& deps, const HttpRequest& req,
                                const CvIteration& iteration, bool url) {
  std::string fetched;
  std::string_view bytes;
  if (url) {
    auto address = ImageUrlFromJson(req.body);
    if (!address.ok()) return Error(req, address.status());
    auto image = FetchUrl(*address, deps.url_fetch);  // /vision's SSRF guards
    if (!image.ok()) return Error(req, image.status());
    fetched = std::move(image->bytes);
    bytes = fetched;
  } else {
    auto body = ImageBody(req);
    if (!body.ok()) return Error(req, body.status());
    bytes = *body;
  }
  auto predictions = PredictBytes(deps, iteration, bytes);
  if (!predictions.ok()) return Error(req, predictions.status());
  return HttpResponse::Json(
      200, PredictionJson(NewUuid(), iteration, *predictions, deps.clock.NowMs()).dump());
}

StatusOr<std::vector<CustomPrediction>> PredictBytes(const CustomVisionDeps& deps,
                                                     const CvIteration& iteration,
                                                     std::string_view bytes) {
  if (bytes.empty()) return BadRequest("the image is empty", "BadRequestImageStream");
  OCULA_ASSIGN_OR_RETURN(auto analyzer, deps.analyzers.Acquire());
  auto features = analyzer->CustomFeatures(bytes);
  if (!features.ok()) {
    if (features.status().code() == StatusCode::kInvalidArgument) {
      return BadRequest(std::string(features.status().message()), "BadRequestImageFormat");
    }
    return features.status();
  }
  return deps.predictor.Predict(iteration, *features);
}

void AddPredictionRoutes(Router& router, const CustomVisionDeps& deps) {
  for (const char* prefix : {"/customvision/v3.0/prediction", "/customvision/v3.1/prediction",
                             "/v1/custom/prediction"}) {
    AddPredictionMount(router, deps, prefix);
  }
}

}  // namespace custom_api
}  // namespace ocula
