// What the custom classifier handlers share (custom_vision_internal.h).
#include <charconv>

#include "absl/strings/str_split.h"
#include "api/custom_vision_internal.h"
#include "api/error_mapping.h"
#include "api/multipart.h"
#include "core/clock.h"
#include "core/ids.h"

namespace ocula::custom_api {

using nlohmann::json;

std::string Mount::ImageIdOut(const std::string& id) const { return native ? id : IdToUuid(id); }

std::string ImageIdIn(const std::string& text) {
  if (IsValidId(text)) return text;
  return UuidToId(text);
}

HttpResponse JsonResponse(const json& body, int status) {
  return HttpResponse::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

HttpResponse NoContent() {
  HttpResponse response;
  response.status = 204;
  return response;
}

HttpResponse Error(const HttpRequest& req, const Status& status) {
  return ErrorResponseFor(req.path, status);
}

Status BadRequest(const std::string& message, std::string_view code) {
  return WithReason(absl::InvalidArgumentError(message), code);
}

std::vector<std::string> ListParam(const HttpRequest& req, const std::string& name) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(req.Query(name).value_or(""), ',')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

StatusOr<int64_t> IntParam(const HttpRequest& req, const std::string& name, int64_t fallback,
                           int64_t min, int64_t max) {
  auto text = req.Query(name);
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < min || value > max) {
    return BadRequest(name + " must be a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max));
  }
  return value;
}

StatusOr<json> JsonBody(const HttpRequest& req) {
  if (req.body.empty()) return json::object();
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return BadRequest("the request body must be a JSON object");
  return body;
}

StatusOr<CvProject> FindProject(const CustomVisionDeps& deps, const HttpRequest& req) {
  auto project = deps.store.GetProject(req.path_params.at("projectId"));
  if (project.status().code() == StatusCode::kNotFound) {
    return WithReason(project.status(), "NotFoundProject");
  }
  return project;
}

StatusOr<CvIteration> FindIteration(const CustomVisionDeps& deps, const HttpRequest& req) {
  OCULA_RETURN_IF_ERROR(FindProject(deps, req).status());
  auto iteration =
      deps.store.GetIteration(req.path_params.at("projectId"), req.path_params.at("iterationId"));
  if (iteration.status().code() == StatusCode::kNotFound) {
    return WithReason(iteration.status(), "NotFoundIteration");
  }
  return iteration;
}

StatusOr<std::string_view> ImageBody(const HttpRequest& req) {
  const std::string type = req.LowercaseContentType();
  if (type.rfind("multipart/form-data", 0) == 0) {
    OCULA_ASSIGN_OR_RETURN(std::string boundary,
                           MultipartBoundary(req.Header("content-type").value_or("")));
    OCULA_ASSIGN_OR_RETURN(auto parts, ParseMultipart(req.body, boundary));
    if (parts.empty())
      return BadRequest("the multipart body holds no image", "BadRequestImageStream");
    return parts.front().data;
  }
  if (type.rfind("application/octet-stream", 0) == 0 || type.rfind("image/", 0) == 0) {
    return std::string_view(req.body);
  }
  return UnsupportedMediaTypeError(
      "Content-Type must be multipart/form-data, application/octet-stream or image/*");
}

json ProjectJson(const CvProject& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"description", p.description},
          {"settings",
           {{"domainId", kDomainId},
            {"classificationType", p.classification_type},
            {"targetExportPlatforms", json::array({"ONNX"})},
            {"useNegativeSet", false},
            {"imageProcessingSettings", json::object()}}},
          {"created", FormatRfc3339(p.created_ms)},
          {"lastModified", FormatRfc3339(p.updated_ms)},
          {"thumbnailUri", ""},
          {"drModeEnabled", false},
          {"status", "Succeeded"}};
}

json TagJson(const CvTag& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"description", t.description},
          {"type", t.type},
          {"imageCount", t.image_count}};
}

json IterationJson(const CvIteration& it) {
  json out = {{"id", it.id},
              {"name", it.name},
              {"status", it.status},
              {"created", FormatRfc3339(it.created_ms)},
              {"lastModified", FormatRfc3339(it.updated_ms)},
              {"projectId", it.project_id},
              {"exportable", it.status == "Completed"},
              {"exportableTo", json::array({"ONNX"})},
              {"domainId", kDomainId},
              {"classificationType", it.classification_type},
              {"trainingType", "Regular"},
              {"reservedBudgetInHours", 0},
              {"trainingTimeInMinutes", 0},
              {"publishName", it.publish_name},
              {"originalPublishResourceId", it.prediction_resource_id}};
  if (it.trained_ms > 0) {
    out["trainedAt"] = FormatRfc3339(it.trained_ms);
    out["trainingTimeInMinutes"] = (it.trained_ms - it.created_ms + 59'999) / 60'000;
  }
  if (!it.error.empty()) out["error"] = it.error;  // Ocula's: why it Failed
  return out;
}

json PredictionJson(const std::string& id, const CvIteration& iteration,
                    const std::vector<CustomPrediction>& predictions, int64_t now_ms) {
  json list = json::array();
  for (const CustomPrediction& p : predictions) {
    list.push_back({{"probability", p.probability}, {"tagId", p.tag_id}, {"tagName", p.tag_name}});
  }
  return {{"id", id},
          {"project", iteration.project_id},
          {"iteration", iteration.id},
          {"created", FormatRfc3339(now_ms)},
          {"predictions", list}};
}

}  // namespace ocula::custom_api
