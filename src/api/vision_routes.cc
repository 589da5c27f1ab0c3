// /vision/v3.2: the Computer Vision "analyze" contract and its siblings
// (CONTRACTS.md §1), answered by the local models.
#include <charconv>

#include <nlohmann/json.hpp>

#include "api/error_mapping.h"
#include "api/multipart.h"
#include "api/vision_api.h"
#include "core/clock.h"
#include "vision/result_json.h"

namespace ocula {
namespace {

using nlohmann::json;

constexpr char kBase[] = "/vision/v3.2";

Status BadArgument(const std::string& message) { return absl::InvalidArgumentError(message); }

// The image of a request: JSON {"url"}, raw bytes, or the first file of a
// multipart body.
StatusOr<std::string> ImageBytes(const VisionDeps& deps, const HttpRequest& req) {
  std::string type = req.LowercaseContentType();
  if (type.rfind("application/json", 0) == 0) {
    OCULA_ASSIGN_OR_RETURN(std::string url, ImageUrlFromJson(req.body));
    OCULA_ASSIGN_OR_RETURN(FetchedImage image, FetchUrl(url, deps.url_fetch));
    return std::move(image.bytes);
  }
  if (type.rfind("multipart/form-data", 0) == 0) {
    OCULA_ASSIGN_OR_RETURN(std::string boundary,
                           MultipartBoundary(req.Header("content-type").value_or("")));
    OCULA_ASSIGN_OR_RETURN(auto parts, ParseMultipart(req.body, boundary));
    if (parts.empty()) return InvalidImageFormatError("multipart body holds no image");
    return std::string(parts.front().data);
  }
  if (type.rfind("application/octet-stream", 0) == 0 || type.rfind("image/", 0) == 0) {
    return req.body;
  }
  return UnsupportedMediaTypeError(
      "Content-Type must be application/json, application/octet-stream or multipart/form-data");
}

Status CheckLanguage(const HttpRequest& req) {
  std::string language = req.Query("language").value_or("en");
  if (language == "en" || language.empty()) return absl::OkStatus();
  return WithReason(BadArgument("language '" + language + "' is not supported; use 'en'"),
                    reason::kNotSupportedLanguage);
}

Status CheckDetails(const HttpRequest& req) {
  std::string details = req.Query("details").value_or("");
  if (details.empty()) return absl::OkStatus();
  return WithReason(BadArgument("details '" + details +
                                "' are not supported: no celebrity or landmark model is "
                                "installed"),
                    reason::kInvalidDetails);
}

Status CheckModelVersion(const Analyzer& analyzer, const HttpRequest& req) {
  std::string version = req.Query("model-version").value_or("latest");
  if (version == "latest" || version.empty() || version == analyzer.ModelVersion()) {
    return absl::OkStatus();
  }
  return BadArgument("model-version '" + version + "' is not available; use 'latest' or '" +
                     analyzer.ModelVersion() + "'");
}

// Runs `features` on the request's image and writes the analyze-shaped body.
HttpResponse RunFeatures(const VisionDeps& deps, HttpRequest& req, const FeatureSet& features,
                         const std::function<void(VisionResult&)>& adjust = nullptr) {
  if (Status s = CheckLanguage(req); !s.ok()) return VisionErrorResponse(s);
  auto bytes = ImageBytes(deps, req);
  if (!bytes.ok()) return VisionErrorResponse(bytes.status());
  auto analyzer = deps.analyzers.Acquire();
  if (!analyzer.ok()) return VisionErrorResponse(analyzer.status());
  if (Status s = CheckModelVersion(**analyzer, req); !s.ok()) return VisionErrorResponse(s);
  auto result = (*analyzer)->Run(*bytes, features);
  if (!result.ok()) return VisionErrorResponse(result.status());
  if (adjust) adjust(*result);
  return HttpResponse::Json(200, AnalyzeResponseJson(*result, req.request_id));
}

HttpResponse Analyze(const VisionDeps& deps, HttpRequest& req) {
  if (Status s = CheckDetails(req); !s.ok()) return VisionErrorResponse(s);
  std::string list = req.Query("visualFeatures").value_or("");
  StatusOr<FeatureSet> features = list.empty()
                                      ? StatusOr<FeatureSet>(FeatureSet{Feature::kCategories})
                                      : ParseFeatureList(list, /*allow_text=*/false);
  if (!features.ok()) return VisionErrorResponse(features.status());
  if (features->empty()) features = FeatureSet{Feature::kCategories};
  return RunFeatures(deps, req, *features);
}

StatusOr<int> IntParam(const HttpRequest& req, const std::string& name, int fallback, int min,
                       int max, std::string_view reason) {
  auto text = req.Query(name);
  if (!text) return fallback;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < min || value > max) {
    return WithReason(BadArgument(name + " must be a whole number from " + std::to_string(min) +
                                  " to " + std::to_string(max)),
                      reason);
  }
  return value;
}

HttpResponse Describe(const VisionDeps& deps, HttpRequest& req) {
  auto max = IntParam(req, "maxCandidates", 1, 1, 10, "BadArgument");
  if (!max.ok()) return VisionErrorResponse(max.status());
  return RunFeatures(deps, req, {Feature::kDescription}, [&](VisionResult& result) {
    auto& captions = result.description.captions;
    if (captions.size() > static_cast<size_t>(*max)) captions.resize(*max);
  });
}

HttpResponse GenerateThumbnailRoute(const VisionDeps& deps, HttpRequest& req) {
  auto width = IntParam(req, "width", -1, 1, 1024, "InvalidThumbnailSize");
  auto height = IntParam(req, "height", -1, 1, 1024, "InvalidThumbnailSize");
  for (const auto* v : {&width, &height}) {
    if (!v->ok()) return VisionErrorResponse(v->status());
    if (**v < 0) {
      return VisionErrorResponse(WithReason(
          BadArgument("width and height are required (1 to 1024)"), "InvalidThumbnailSize"));
    }
  }
  std::string smart = req.Query("smartCropping").value_or("false");
  if (smart != "true" && smart != "false") {
    return VisionErrorResponse(BadArgument("smartCropping must be true or false"));
  }
  auto bytes = ImageBytes(deps, req);
  if (!bytes.ok()) return VisionErrorResponse(bytes.status());
  auto analyzer = deps.analyzers.Acquire();
  if (!analyzer.ok()) return VisionErrorResponse(analyzer.status());
  auto thumb = (*analyzer)->MakeThumbnail(*bytes, *width, *height, smart == "true");
  if (!thumb.ok()) return VisionErrorResponse(thumb.status());
  HttpResponse response;
  response.content_type = thumb->mime_type;
  response.body = std::move(thumb->bytes);
  return response;
}

HttpResponse AreaOfInterest(const VisionDeps& deps, HttpRequest& req) {
  auto bytes = ImageBytes(deps, req);
  if (!bytes.ok()) return VisionErrorResponse(bytes.status());
  auto analyzer = deps.analyzers.Acquire();
  if (!analyzer.ok()) return VisionErrorResponse(analyzer.status());
  auto area = (*analyzer)->FindAreaOfInterest(*bytes);
  if (!area.ok()) return VisionErrorResponse(area.status());
  json body = {{"areaOfInterest",
                {{"x", area->box.x}, {"y", area->box.y}, {"w", area->box.w}, {"h", area->box.h}}},
               {"requestId", req.request_id},
               {"metadata",
                {{"width", area->image.width},
                 {"height", area->image.height},
                 {"format", area->image.format}}},
               {"modelVersion", (*analyzer)->ModelVersion()}};
  return HttpResponse::Json(200, body.dump());
}

HttpResponse Ocr(const VisionDeps& deps, HttpRequest& req) {
  std::string language = req.Query("language").value_or("unk");
  if (language != "unk" && language != "en") {
    return VisionErrorResponse(
        WithReason(BadArgument("language '" + language + "' is not supported; use 'en' or 'unk'"),
                   reason::kNotSupportedLanguage));
  }
  auto bytes = ImageBytes(deps, req);
  if (!bytes.ok()) return VisionErrorResponse(bytes.status());
  auto analyzer = deps.analyzers.Acquire();
  if (!analyzer.ok()) return VisionErrorResponse(analyzer.status());
  auto page = (*analyzer)->Read(*bytes, "en");
  if (!page.ok()) return VisionErrorResponse(page.status());
  return HttpResponse::Json(200, OcrResponseJson(*page, "en"));
}

HttpResponse ReadAnalyze(const VisionDeps& deps, HttpRequest& req) {
  if (Status s = CheckLanguage(req); !s.ok()) return VisionErrorResponse(s);
  auto bytes = ImageBytes(deps, req);
  if (!bytes.ok()) return VisionErrorResponse(bytes.status());
  if (bytes->empty()) return VisionErrorResponse(InvalidImageFormatError("the image is empty"));
  auto id = deps.reads.Submit(std::move(*bytes), "en");
  if (!id.ok()) return VisionErrorResponse(id.status());
  HttpResponse response;
  response.status = 202;
  response.body.clear();
  response.headers.emplace_back("Operation-Location",
                                std::string(kBase) + "/read/analyzeResults/" + *id);
  return response;
}

HttpResponse ReadResults(const VisionDeps& deps, HttpRequest& req) {
  auto op = deps.reads.Get(req.path_params.at("id"));
  if (!op.ok()) return VisionErrorResponse(op.status());
  json body = {{"status", op->status},
               {"createdDateTime", FormatRfc3339(op->created_ms)},
               {"lastUpdatedDateTime", FormatRfc3339(op->updated_ms)}};
  if (op->status == "succeeded") {
    body["analyzeResult"] = {{"version", "3.2.0"},
                             {"modelVersion", op->model_version},
                             {"readResults", json::array({json::parse(op->read_result_json)})}};
  } else if (op->status == "failed") {
    body["error"] = {{"code", op->error_code}, {"message", op->error_message}};
  }
  return HttpResponse::Json(200, body.dump());
}

}  // namespace

void AddVisionRoutes(Router& router, const VisionDeps& deps) {
  auto add = [&](const std::string& method, const std::string& path,
                 HttpResponse (*handler)(const VisionDeps&, HttpRequest&)) {
    router.AddBlocking(method, kBase + path, RouteAccess::Needs(Scope::kAnalyze),
                       [&deps, handler](HttpRequest& r) { return handler(deps, r); });
  };
  add("POST", "/analyze", Analyze);
  add("POST", "/tag",
      [](const VisionDeps& d, HttpRequest& r) { return RunFeatures(d, r, {Feature::kTags}); });
  add("POST", "/describe", Describe);
  add("POST", "/detect",
      [](const VisionDeps& d, HttpRequest& r) { return RunFeatures(d, r, {Feature::kObjects}); });
  add("POST", "/generateThumbnail", GenerateThumbnailRoute);
  add("POST", "/areaOfInterest", AreaOfInterest);
  add("POST", "/ocr", Ocr);
  add("POST", "/read/analyze", ReadAnalyze);  // a {"url"} body is fetched before queueing
  add("GET", "/read/analyzeResults/{id}", ReadResults);  // a database read, maybe a takeover
}

}  // namespace ocula
