// Custom classifiers in the upload pipeline (Ocula's own; Custom Vision has
// no such thing), under /v1/custom/projects/{projectId}/pipeline:
//   GET     the attachment and its re-run's progress
//   PUT     {"publishName"} attaches the iteration published under that
//           name: every image analysed from then on carries its predictions
//   DELETE  detaches (documents keep the predictions they have)
//   POST .../rerun  applies it to every image analysed before (202; the
//           progress is in GET's "rerun")
#include "absl/strings/str_cat.h"
#include "api/custom_vision_internal.h"
#include "core/clock.h"

namespace ocula {
namespace custom_api {
namespace {

using nlohmann::json;

HttpResponse PipelineResponse(const CustomVisionDeps& deps, const HttpRequest& req,
                              const std::string& project_id, int status = 200) {
  auto pipeline = deps.store.GetPipeline(project_id);
  if (pipeline.status().code() == StatusCode::kNotFound) {
    return Error(req, WithReason(absl::NotFoundError("no classifier of this project is attached "
                                                     "to the pipeline"),
                                 "NotFoundPipeline"));
  }
  if (!pipeline.ok()) return Error(req, pipeline.status());
  auto published = deps.store.GetPublished(project_id, pipeline->publish_name);
  if (!published.ok() && published.status().code() != StatusCode::kNotFound) {
    return Error(req, published.status());
  }
  json body = {{"publishName", pipeline->publish_name},
               {"attachedAt", FormatRfc3339(pipeline->attached_ms)},
               {"iteration", published.ok() ? json(published->id) : json(nullptr)},
               {"rerun", nullptr}};
  if (!pipeline->rerun_status.empty()) {
    body["rerun"] = {{"status", pipeline->rerun_status},
                     {"done", pipeline->rerun_done},
                     {"total", pipeline->rerun_total},
                     {"updatedAt", FormatRfc3339(pipeline->rerun_updated_ms)}};
    if (!pipeline->rerun_error.empty()) body["rerun"]["error"] = pipeline->rerun_error;
  }
  return HttpResponse::Json(status, body.dump());
}

HttpResponse GetPipeline(const CustomVisionDeps& deps, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  return PipelineResponse(deps, req, project->id);
}

HttpResponse PutPipeline(const CustomVisionDeps& deps, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  const std::string name = body->value("publishName", "");
  if (name.empty()) {
    return Error(req, BadRequest("publishName is required", "BadRequestInvalidPublishName"));
  }
  auto published = deps.store.GetPublished(project->id, name);
  if (published.status().code() == StatusCode::kNotFound) {
    return Error(req, BadRequest(absl::StrCat("no iteration is published as '", name,
                                              "'; publish one first"),
                                 "BadRequestIterationNotPublished"));
  }
  if (!published.ok()) return Error(req, published.status());
  if (Status s = deps.store.SetPipeline(project->id, name, deps.clock.NowMs()); !s.ok()) {
    return Error(req, s);
  }
  return PipelineResponse(deps, req, project->id);
}

HttpResponse DeletePipeline(const CustomVisionDeps& deps, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  Status s = deps.store.ClearPipeline(project->id);
  if (s.code() == StatusCode::kNotFound) s = WithReason(s, "NotFoundPipeline");
  if (!s.ok()) return Error(req, s);
  HttpResponse response;
  response.status = 204;
  return response;
}

HttpResponse StartRerun(const CustomVisionDeps& deps, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto counts = deps.metadata.CountByStatus();
  if (!counts.ok()) return Error(req, counts.status());
  const int64_t total = counts->contains(ImageStatus::kDone) ? counts->at(ImageStatus::kDone) : 0;
  Status s = deps.store.StartRerun(project->id, total, deps.clock.NowMs());
  if (s.code() == StatusCode::kNotFound) s = WithReason(s, "NotFoundPipeline");
  if (s.code() == StatusCode::kFailedPrecondition) s = WithReason(s, "Conflict");
  if (!s.ok()) return Error(req, s);
  if (deps.on_training_requested) deps.on_training_requested();
  return PipelineResponse(deps, req, project->id, 202);
}

}  // namespace

void AddPipelineRoutes(Router& router, const CustomVisionDeps& deps) {
  const RouteAccess access = RouteAccess::Needs(Scope::kTraining);
  const std::string base = "/v1/custom/projects/{projectId}/pipeline";
  router.AddStorage("GET", base, access,
                    [&deps](HttpRequest& req) { return GetPipeline(deps, req); });
  router.AddStorage("PUT", base, access,
                    [&deps](HttpRequest& req) { return PutPipeline(deps, req); });
  router.AddStorage("DELETE", base, access,
                    [&deps](HttpRequest& req) { return DeletePipeline(deps, req); });
  router.AddStorage("POST", base + "/rerun", access,
                    [&deps](HttpRequest& req) { return StartRerun(deps, req); });
}

}  // namespace custom_api
}  // namespace ocula
