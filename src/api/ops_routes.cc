// /healthz, /readyz, /metrics, and the list of the API's routes.
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/custom_vision_api.h"
#include "api/error_mapping.h"
#include "api/vision_api.h"

namespace ocula {
namespace {

HttpResponse Readyz(const ApiDeps& deps) {
  nlohmann::json checks = nlohmann::json::object();
  bool ready = true;
  for (const HealthCheck& check : deps.readiness()) {
    ready = ready && check.status.ok();
    checks[check.name] =
        check.status.ok()
            ? nlohmann::json{{"ok", true}}
            : nlohmann::json{{"ok", false}, {"error", std::string(check.status.message())}};
  }
  nlohmann::json body = {{"status", ready ? "ready" : "not ready"}, {"checks", checks}};
  return HttpResponse::Json(ready ? 200 : 503, body.dump());
}

}  // namespace

void AddOpsRoutes(Router& router, const ApiDeps& deps) {
  router.Add("GET", "/healthz", RouteAccess::Public(),
             [](HttpRequest&) { return HttpResponse::Json(200, R"({"status":"ok"})"); });
  // Asks every backend (a network round trip each when scaled out): on the
  // storage pool, so that a backend that hangs holds no HTTP thread.
  router.AddStorage("GET", "/readyz", RouteAccess::Public(),
                    [&deps](HttpRequest&) { return Readyz(deps); });
  router.Add("GET", "/metrics", RouteAccess::Public(), [&deps](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = deps.metrics.RenderPrometheus();
    return r;
  });
}

void AddApiRoutes(Router& router, const ApiDeps& deps, const KeyDeps& keys, ChangeFeed& feed,
                  const VisionDeps& vision, const CustomVisionDeps& custom,
                  const std::string& web_dir) {
  AddImageRoutes(router, deps);
  AddKeyRoutes(router, deps, keys);
  AddEventRoutes(router, feed);
  AddVisionRoutes(router, vision);
  AddCustomVisionRoutes(router, custom);
  AddWebRoutes(router, web_dir);
}

}  // namespace ocula
