// /healthz, /readyz, /metrics, and the per-request instrumentation.
#include <chrono>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/auth.h"
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
  router.Add("GET", "/readyz", RouteAccess::Public(),
             [&deps](HttpRequest&) { return Readyz(deps); });
  router.Add("GET", "/metrics", RouteAccess::Public(), [&deps](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = deps.metrics.RenderPrometheus();
    return r;
  });
}

void AddApiRoutes(Router& router, const ApiDeps& deps, const KeyDeps& keys, ChangeFeed& feed,
                  const VisionDeps& vision, const std::string& web_dir) {
  AddImageRoutes(router, deps);
  AddKeyRoutes(router, deps, keys);
  AddEventRoutes(router, feed);
  AddVisionRoutes(router, vision);
  AddWebRoutes(router, web_dir);
}

std::function<HttpResponse(HttpRequest&)> InstrumentedHandler(const Router& router,
                                                              MetricsRegistry& metrics,
                                                              AccessControl& access) {
  metrics.SetHelp("ocula_http_requests_total", "HTTP requests by route, method and status code.");
  metrics.SetHelp("ocula_http_request_seconds", "HTTP request handling time.");
  return [&router, &metrics, &access](HttpRequest& req) {
    auto start = std::chrono::steady_clock::now();
    RouteMatch match = router.Match(req);
    std::string route = match.label;
    HttpResponse response;
    int retry_after_s = 0;
    if (Status denied = CheckAccess(access, req, match.access, &retry_after_s); !denied.ok()) {
      route = "denied";
      response =
          req.path.rfind("/vision/", 0) == 0 ? VisionErrorResponse(denied) : ErrorResponse(denied);
      if (retry_after_s > 0)
        response.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    } else {
      response = match.handler ? (*match.handler)(req) : std::move(match.response);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics
        .GetCounter(
            "ocula_http_requests_total",
            {{"route", route}, {"method", req.method}, {"code", std::to_string(response.status)}})
        .Add();
    metrics
        .GetHistogram("ocula_http_request_seconds",
                      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
                      {{"route", route}})
        .Observe(seconds);
    auto level = response.status >= 500 ? spdlog::level::warn : spdlog::level::debug;
    spdlog::log(level, "req={} {} {} -> {} ({:.1f} ms)", req.request_id, req.method, req.path,
                response.status, seconds * 1000);
    return response;
  };
}

}  // namespace ocula
