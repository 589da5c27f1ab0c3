// The Custom Vision training contract and Ocula's /v1/custom twin
// (custom_vision_api.h): domains, projects, tags, training, iterations,
// performance, publishing, export, quick tests, and the table of every
// training route (images: custom_image_routes.cc; suggestions:
// custom_suggestion_routes.cc).
#include "absl/strings/str_cat.h"
#include "api/custom_vision_internal.h"
#include "core/clock.h"
#include "core/ids.h"
#include "custom/onnx_export.h"
#include "custom/trainer.h"

namespace ocula {
namespace custom_api {
namespace {

using nlohmann::json;

constexpr uint64_t kDefaultSeed = 42;  // of cross-validation, when none is asked
constexpr char kUnspecified[] = "";    // for optional text parameters

using Op = HttpResponse (*)(const CustomVisionDeps&, const Mount&, HttpRequest&);

// A text parameter from the query (Custom Vision's way) or the JSON body
// (the web page's); `fallback` when neither has it.
std::string TextParam(const HttpRequest& req, const json& body, const std::string& name,
                      const std::string& fallback = kUnspecified) {
  if (auto q = req.Query(name)) return *q;
  if (auto it = body.find(name); it != body.end() && it->is_string()) return *it;
  return fallback;
}

Status CheckClassificationType(const std::string& type) {
  if (type == "Multiclass" || type == "Multilabel") return absl::OkStatus();
  return BadRequest("classificationType must be Multiclass or Multilabel, not '" + type + "'");
}

// ---- domains ------------------------------------------------------------

json DomainJson() {
  return {{"id", kDomainId},
          {"type", "Classification"},
          {"name", "General (compact) [Ocula]"},
          {"exportable", true},
          {"enabled", true},
          {"exportablePlatforms", json::array({"ONNX"})},
          {"modelInformation",
           {{"description", "MobileNetV2 region features with a softmax head, trained locally"}}}};
}

HttpResponse ListDomains(const CustomVisionDeps&, const Mount&, HttpRequest&) {
  return JsonResponse(json::array({DomainJson()}));
}

HttpResponse GetDomain(const CustomVisionDeps&, const Mount&, HttpRequest& req) {
  if (req.path_params.at("domainId") != kDomainId) {
    return Error(
        req, WithReason(absl::NotFoundError("no domain '" + req.path_params.at("domainId") + "'"),
                        "NotFoundDomain"));
  }
  return JsonResponse(DomainJson());
}

// ---- projects -----------------------------------------------------------

HttpResponse ListProjects(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto projects = deps.store.ListProjects();
  if (!projects.ok()) return Error(req, projects.status());
  json out = json::array();
  for (const CvProject& p : *projects) out.push_back(ProjectJson(p));
  return JsonResponse(out);
}

HttpResponse CreateProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvProject p;
  p.id = NewUuid();
  p.name = TextParam(req, *body, "name");
  p.description = TextParam(req, *body, "description");
  p.classification_type = TextParam(req, *body, "classificationType", "Multiclass");
  p.created_ms = p.updated_ms = deps.clock.NowMs();
  if (p.name.empty()) return Error(req, BadRequest("name is required", "BadRequestProjectName"));
  if (Status s = CheckClassificationType(p.classification_type); !s.ok()) return Error(req, s);
  if (std::string domain = TextParam(req, *body, "domainId");
      !domain.empty() && domain != kDomainId) {
    return Error(
        req, WithReason(absl::NotFoundError(absl::StrCat("no domain '", domain,
                                                         "'; Ocula's one domain is ", kDomainId)),
                        "NotFoundDomain"));
  }
  Status created = deps.store.CreateProject(p);
  if (created.code() == StatusCode::kAlreadyExists) {
    created = WithReason(created, "BadRequestProjectNameNotUnique");
  }
  if (!created.ok()) return Error(req, created);
  return JsonResponse(ProjectJson(p));
}

HttpResponse GetProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  return JsonResponse(ProjectJson(*project));
}

HttpResponse UpdateProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvProject p = *project;
  p.name = body->value("name", p.name);
  p.description = body->value("description", p.description);
  if (auto settings = body->find("settings"); settings != body->end() && settings->is_object()) {
    p.classification_type = settings->value("classificationType", p.classification_type);
  }
  p.updated_ms = deps.clock.NowMs();
  if (p.name.empty()) return Error(req, BadRequest("name is required", "BadRequestProjectName"));
  if (Status s = CheckClassificationType(p.classification_type); !s.ok()) return Error(req, s);
  Status updated = deps.store.UpdateProject(p);
  if (updated.code() == StatusCode::kAlreadyExists) {
    updated = WithReason(updated, "BadRequestProjectNameNotUnique");
  }
  if (!updated.ok()) return Error(req, updated);
  return JsonResponse(ProjectJson(p));
}

HttpResponse DeleteProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto heads = deps.store.DeleteProject(project->id);
  if (!heads.ok()) return Error(req, heads.status());
  // The rows are gone; a head blob left by a failed delete is never read.
  for (const std::string& key : *heads) (void)deps.blobs.Delete(key);
  return NoContent();
}

// ---- tags ---------------------------------------------------------------

StatusOr<CvTag> FindTag(const CustomVisionDeps& deps, const HttpRequest& req) {
  OCULA_RETURN_IF_ERROR(FindProject(deps, req).status());
  auto tag = deps.store.GetTag(req.path_params.at("projectId"), req.path_params.at("tagId"));
  if (tag.status().code() == StatusCode::kNotFound) return WithReason(tag.status(), "NotFoundTag");
  return tag;
}

Status CheckTagType(const std::string& type) {
  if (type == "Regular" || type == "Negative") return absl::OkStatus();
  return BadRequest("type must be Regular or Negative, not '" + type + "'", "BadRequestTagType");
}

HttpResponse ListTags(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto tags = deps.store.ListTags(project->id);
  if (!tags.ok()) return Error(req, tags.status());
  json out = json::array();
  for (const CvTag& t : *tags) out.push_back(TagJson(t));
  return JsonResponse(out);
}

HttpResponse CreateTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvTag tag;
  tag.id = NewUuid();
  tag.project_id = project->id;
  tag.name = TextParam(req, *body, "name");
  tag.description = TextParam(req, *body, "description");
  tag.type = TextParam(req, *body, "type", "Regular");
  tag.created_ms = deps.clock.NowMs();
  if (tag.name.empty()) return Error(req, BadRequest("name is required", "BadRequestTagName"));
  if (Status s = CheckTagType(tag.type); !s.ok()) return Error(req, s);
  Status created = deps.store.CreateTag(tag);
  if (created.code() == StatusCode::kAlreadyExists) {
    created = WithReason(created, "BadRequestTagNameNotUnique");
  }
  if (!created.ok()) return Error(req, created);
  return JsonResponse(TagJson(tag));
}

HttpResponse GetTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto tag = FindTag(deps, req);
  if (!tag.ok()) return Error(req, tag.status());
  return JsonResponse(TagJson(*tag));
}

HttpResponse UpdateTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto tag = FindTag(deps, req);
  if (!tag.ok()) return Error(req, tag.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvTag t = *tag;
  t.name = body->value("name", t.name);
  t.description = body->value("description", t.description);
  t.type = body->value("type", t.type);
  if (t.name.empty()) return Error(req, BadRequest("name is required", "BadRequestTagName"));
  if (Status s = CheckTagType(t.type); !s.ok()) return Error(req, s);
  Status updated = deps.store.UpdateTag(t);
  if (updated.code() == StatusCode::kAlreadyExists) {
    updated = WithReason(updated, "BadRequestTagNameNotUnique");
  }
  if (!updated.ok()) return Error(req, updated);
  return JsonResponse(TagJson(t));
}

HttpResponse DeleteTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto tag = FindTag(deps, req);
  if (!tag.ok()) return Error(req, tag.status());
  if (Status s = deps.store.DeleteTag(tag->project_id, tag->id); !s.ok()) return Error(req, s);
  return NoContent();
}

// ---- training and iterations --------------------------------------------

HttpResponse Train(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto tags = deps.store.ListTags(project->id);
  if (!tags.ok()) return Error(req, tags.status());
  if (Status s = CheckTrainable(*tags, project->classification_type); !s.ok()) {
    return Error(req, WithReason(s, "BadRequestTrainingValidationFailed"));
  }
  auto seed = IntParam(req, "seed", kDefaultSeed, 0, INT64_MAX);
  if (!seed.ok()) return Error(req, seed.status());
  auto existing = deps.store.ListIterations(project->id);
  if (!existing.ok()) return Error(req, existing.status());
  CvIteration it;
  it.id = NewUuid();
  it.project_id = project->id;
  it.name = absl::StrCat("Iteration ", existing->size() + 1);
  it.classification_type = project->classification_type;
  it.created_ms = it.updated_ms = deps.clock.NowMs();
  it.seed = static_cast<uint64_t>(*seed);
  Status created = deps.store.CreateIteration(it);
  if (created.code() == StatusCode::kFailedPrecondition) {
    created = WithReason(created, "BadRequestTrainingAlreadyInProgress");
  }
  if (!created.ok()) return Error(req, created);
  if (deps.on_training_requested) deps.on_training_requested();
  return JsonResponse(IterationJson(it));
}

HttpResponse ListIterations(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto iterations = deps.store.ListIterations(project->id);
  if (!iterations.ok()) return Error(req, iterations.status());
  json out = json::array();
  for (const CvIteration& it : *iterations) out.push_back(IterationJson(it));
  return JsonResponse(out);
}

HttpResponse GetIteration(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  return JsonResponse(IterationJson(*iteration));
}

HttpResponse UpdateIteration(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  std::string name = body->value("name", iteration->name);
  if (name.empty()) return Error(req, BadRequest("name is required", "BadRequestIterationName"));
  if (Status s = deps.store.RenameIteration(iteration->project_id, iteration->id, name); !s.ok()) {
    return Error(req, s);
  }
  iteration->name = name;
  return JsonResponse(IterationJson(*iteration));
}

HttpResponse DeleteIteration(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  Status s = deps.store.DeleteIteration(iteration->project_id, iteration->id);
  if (s.code() == StatusCode::kFailedPrecondition) {
    s = WithReason(
        s, iteration->publish_name.empty() ? "BadRequest" : "BadRequestIterationIsPublished");
  }
  if (!s.ok()) return Error(req, s);
  if (!iteration->head_blob_key.empty()) (void)deps.blobs.Delete(iteration->head_blob_key);
  return NoContent();
}

// GET .../performance?threshold=: Custom Vision's figures (and Ocula's
// accuracy, confusion matrix and folds) at the threshold asked for.
HttpResponse GetPerformance(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  if (iteration->status != "Completed") {
    return Error(req, WithReason(absl::NotFoundError("iteration " + iteration->id + " is " +
                                                     iteration->status + "; no figures yet"),
                                 "NotFoundIterationPerformance"));
  }
  float threshold = kPerformanceThreshold;
  if (auto text = req.Query("threshold")) {
    char* end = nullptr;
    threshold = std::strtof(text->c_str(), &end);
    if (text->empty() || *end != '\0' || !(threshold >= 0 && threshold <= 1)) {
      return Error(req, BadRequest("threshold must be a number from 0 to 1"));
    }
  }
  auto doc = PerformanceAt(iteration->performance_json, threshold);
  if (!doc.ok()) return Error(req, doc.status());
  json stored = json::parse(*doc);
  json per_tag = json::array();
  for (const json& tag : stored["perTag"]) {
    per_tag.push_back({{"id", tag["id"]},
                       {"name", tag["name"]},
                       {"precision", tag["precision"]},
                       {"precisionStdDeviation", 0},
                       {"recall", tag["recall"]},
                       {"recallStdDeviation", 0},
                       {"averagePrecision", tag["averagePrecision"]},
                       {"imageCount", tag["imageCount"]}});
  }
  return JsonResponse({{"perTagPerformance", per_tag},
                       {"precision", stored["precision"]},
                       {"precisionStdDeviation", 0},
                       {"recall", stored["recall"]},
                       {"recallStdDeviation", 0},
                       {"averagePrecision", stored["averagePrecision"]},
                       {"accuracy", stored["accuracy"]},
                       {"threshold", threshold},
                       {"folds", stored["folds"]},
                       {"confusion", stored["confusion"]}});
}

HttpResponse Publish(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  const std::string name = req.Query("publishName").value_or("");
  const std::string target = req.Query("predictionId").value_or("");
  if (name.empty())
    return Error(req, BadRequest("publishName is required", "BadRequestInvalidPublishName"));
  if (target.empty()) {
    return Error(req, BadRequest("predictionId is required (any non-empty value: Ocula serves "
                                 "predictions itself)",
                                 "BadRequestInvalidPublishTarget"));
  }
  if (req.Query("overwrite").value_or("") == "true") {
    auto holder = deps.store.GetPublished(iteration->project_id, name);
    if (holder.ok() && holder->id != iteration->id) {
      if (Status s = deps.store.Unpublish(holder->project_id, holder->id); !s.ok()) {
        return Error(req, s);
      }
    }
  }
  Status s =
      deps.store.Publish(iteration->project_id, iteration->id, name, target, deps.clock.NowMs());
  if (s.code() == StatusCode::kAlreadyExists) s = WithReason(s, "BadRequestInvalidPublishName");
  if (s.code() == StatusCode::kFailedPrecondition)
    s = WithReason(s, "BadRequestIterationNotPublished");
  if (!s.ok()) return Error(req, s);
  return JsonResponse(true);
}

HttpResponse Unpublish(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  Status s = deps.store.Unpublish(iteration->project_id, iteration->id);
  return s.ok() ? NoContent() : Error(req, s);
}

// ---- export ------------------------------------------------------------------

// Ocula exports to ONNX only, and at once: the file is built when it is
// downloaded (from the backbone and the iteration's head), so every export
// of a Completed iteration is "Done".
json ExportJson(const CvIteration& iteration, const HttpRequest& req, const Mount& mount,
                const std::string& scheme) {
  const std::string uri = absl::StrCat(scheme, "://", req.Header("host").value_or("localhost"),
                                       mount.prefix, "/projects/", iteration.project_id,
                                       "/iterations/", iteration.id, "/export/model.onnx");
  return {{"platform", "ONNX"},
          {"status", "Done"},
          {"downloadUri", uri},
          {"flavor", nullptr},
          {"newerVersionAvailable", false}};
}

StatusOr<CvIteration> ExportableIteration(const CustomVisionDeps& deps, const HttpRequest& req) {
  OCULA_ASSIGN_OR_RETURN(CvIteration iteration, FindIteration(deps, req));
  if (iteration.status != "Completed") {
    return BadRequest("iteration " + iteration.id + " is " + iteration.status +
                          "; only Completed iterations export",
                      "BadRequestExportValidationFailed");
  }
  return iteration;
}

HttpResponse ExportIteration(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  auto iteration = ExportableIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  const std::string platform = req.Query("platform").value_or("");
  if (platform != "ONNX") {
    return Error(req, BadRequest("platform '" + platform + "' is not supported; Ocula exports ONNX",
                                 "BadRequestNotSupported"));
  }
  return JsonResponse(ExportJson(*iteration, req, mount, deps.scheme));
}

HttpResponse ListExports(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  json out = json::array();
  if (iteration->status == "Completed") {
    out.push_back(ExportJson(*iteration, req, mount, deps.scheme));
  }
  return JsonResponse(out);
}

HttpResponse DownloadExport(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = ExportableIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  auto head = deps.predictor.Head(*iteration);
  if (!head.ok()) return Error(req, head.status());
  auto model = ExportOnnx(deps.model_dir, **head);
  if (!model.ok()) return Error(req, model.status());
  HttpResponse response;
  response.content_type = "application/octet-stream";
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + iteration->id + ".onnx\"");
  response.body = std::move(*model);
  return response;
}

// ---- quick tests ----------------------------------------------------------

// The iteration of ?iterationId=, else the project's newest Completed one.
StatusOr<CvIteration> QuickTestIteration(const CustomVisionDeps& deps, const HttpRequest& req) {
  OCULA_ASSIGN_OR_RETURN(CvProject project, FindProject(deps, req));
  OCULA_ASSIGN_OR_RETURN(auto iterations, deps.store.ListIterations(project.id));
  const std::string wanted = req.Query("iterationId").value_or("");
  for (auto it = iterations.rbegin(); it != iterations.rend(); ++it) {
    if (wanted.empty() ? it->status == "Completed" : it->id == wanted) return *it;
  }
  return WithReason(absl::NotFoundError(wanted.empty() ? "the project has no Completed iteration"
                                                       : "no iteration '" + wanted + "'"),
                    "NotFoundIteration");
}

HttpResponse QuickTest(const CustomVisionDeps& deps, HttpRequest& req, bool url) {
  auto iteration = QuickTestIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  return PredictionResponse(deps, req, *iteration, url);
}

HttpResponse QuickTestImage(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  return QuickTest(deps, req, false);
}

HttpResponse QuickTestUrl(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  return QuickTest(deps, req, true);
}

// ---- the table ------------------------------------------------------------

struct TrainingRoute {
  const char* method;
  const char* path;  // below the mount's prefix
  RunOn run_on;
  Op op;
};

constexpr RunOn kStorage = RunOn::kStoragePool;
constexpr RunOn kBlocking = RunOn::kBlockingPool;

// Literal paths before the placeholders they could be taken for.
constexpr TrainingRoute kTrainingRoutes[] = {
    {"GET", "/domains", RunOn::kIoThread, ListDomains},
    {"GET", "/domains/{domainId}", RunOn::kIoThread, GetDomain},
    {"GET", "/projects", kStorage, ListProjects},
    {"POST", "/projects", kStorage, CreateProject},
    {"GET", "/projects/{projectId}", kStorage, GetProject},
    {"PATCH", "/projects/{projectId}", kStorage, UpdateProject},
    {"DELETE", "/projects/{projectId}", kStorage, DeleteProject},
    {"GET", "/projects/{projectId}/tags", kStorage, ListTags},
    {"POST", "/projects/{projectId}/tags", kStorage, CreateTag},
    {"GET", "/projects/{projectId}/tags/{tagId}", kStorage, GetTag},
    {"PATCH", "/projects/{projectId}/tags/{tagId}", kStorage, UpdateTag},
    {"DELETE", "/projects/{projectId}/tags/{tagId}", kStorage, DeleteTag},
    {"GET", "/projects/{projectId}/images", kStorage, ListAllImages},
    {"POST", "/projects/{projectId}/images", kStorage, CreateImagesFromData},
    {"DELETE", "/projects/{projectId}/images", kStorage, DeleteImages},
    {"GET", "/projects/{projectId}/images/count", kStorage, CountAllImages},
    {"GET", "/projects/{projectId}/images/id", kStorage, GetImagesByIds},
    {"POST", "/projects/{projectId}/images/files", kStorage, CreateImagesFromFiles},
    {"POST", "/projects/{projectId}/images/urls", kBlocking, CreateImagesFromUrls},
    {"POST", "/projects/{projectId}/images/tags", kStorage, CreateImageTags},
    {"DELETE", "/projects/{projectId}/images/tags", kStorage, DeleteImageTags},
    {"POST", "/projects/{projectId}/images/suggested", kBlocking, QuerySuggestedImages},
    {"POST", "/projects/{projectId}/images/suggested/count", kBlocking, QuerySuggestedImageCount},
    {"GET", "/projects/{projectId}/images/tagged", kStorage, ListTaggedImages},
    {"GET", "/projects/{projectId}/images/tagged/count", kStorage, CountTaggedImages},
    {"GET", "/projects/{projectId}/images/untagged", kStorage, ListUntaggedImages},
    {"GET", "/projects/{projectId}/images/untagged/count", kStorage, CountUntaggedImages},
    {"POST", "/projects/{projectId}/tagsandregions/suggestions", kBlocking, SuggestTagsAndRegions},
    {"POST", "/projects/{projectId}/train", kStorage, Train},
    {"GET", "/projects/{projectId}/iterations", kStorage, ListIterations},
    {"GET", "/projects/{projectId}/iterations/{iterationId}", kStorage, GetIteration},
    {"PATCH", "/projects/{projectId}/iterations/{iterationId}", kStorage, UpdateIteration},
    {"DELETE", "/projects/{projectId}/iterations/{iterationId}", kStorage, DeleteIteration},
    {"GET", "/projects/{projectId}/iterations/{iterationId}/performance", kStorage, GetPerformance},
    {"POST", "/projects/{projectId}/iterations/{iterationId}/publish", kStorage, Publish},
    {"DELETE", "/projects/{projectId}/iterations/{iterationId}/publish", kStorage, Unpublish},
    {"GET", "/projects/{projectId}/iterations/{iterationId}/export", kStorage, ListExports},
    {"POST", "/projects/{projectId}/iterations/{iterationId}/export", kStorage, ExportIteration},
    {"GET", "/projects/{projectId}/iterations/{iterationId}/export/model.onnx", kBlocking,
     DownloadExport},
    {"POST", "/projects/{projectId}/quicktest/image", kBlocking, QuickTestImage},
    {"POST", "/projects/{projectId}/quicktest/url", kBlocking, QuickTestUrl},
};

}  // namespace

void AddTrainingRoutes(Router& router, const CustomVisionDeps& deps) {
  const Mount mounts[] = {{"/customvision/v3.3/training", false},
                          {"/customvision/v3.4-preview/training", false},
                          {"/v1/custom", true}};
  const RouteAccess access = RouteAccess::Needs(Scope::kTraining);
  for (const Mount& mount : mounts) {
    for (const TrainingRoute& route : kTrainingRoutes) {
      Handler handler = [&deps, mount, op = route.op](HttpRequest& req) {
        return op(deps, mount, req);
      };
      const std::string pattern = mount.prefix + route.path;
      switch (route.run_on) {
        case RunOn::kIoThread:
          router.Add(route.method, pattern, access, handler);
          break;
        case RunOn::kStoragePool:
          router.AddStorage(route.method, pattern, access, handler);
          break;
        case RunOn::kBlockingPool:
          router.AddBlocking(route.method, pattern, access, handler);
          break;
      }
    }
  }
}

}  // namespace custom_api

void AddCustomVisionRoutes(Router& router, const CustomVisionDeps& deps) {
  custom_api::AddTrainingRoutes(router, deps);
  custom_api::AddPipelineRoutes(router, deps);
  custom_api::AddPredictionRoutes(router, deps);
}

}  // namespace ocula
