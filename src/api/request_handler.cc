// InstrumentedHandler: every request's way from the I/O thread to its route
// and back (api.h).
#include <chrono>
#include <exception>
#include <memory>

#include <spdlog/spdlog.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/error_mapping.h"
#include "core/work_pool.h"

namespace ocula {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Metrics label values for the method: the methods the API knows, else
// "other", so that a client cannot add label values at will.
std::string MethodLabel(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "other";
}

HttpResponse ErrorFor(const HttpRequest& req, const Status& status) {
  return ErrorResponseFor(req.path, status);
}

// Runs a route's handler; an exception escaping it becomes a 500 for this
// request instead of ending the process.
HttpResponse RunHandler(const Handler& handler, HttpRequest& req) {
  try {
    return handler(req);
  } catch (const std::exception& e) {
    spdlog::error("req={} {} {}: unexpected exception: {}", req.request_id, req.method, req.path,
                  e.what());
  } catch (...) {
    spdlog::error("req={} {} {}: unexpected exception", req.request_id, req.method, req.path);
  }
  return ErrorFor(req, absl::InternalError("the server failed to handle this request"));
}

// Counts and logs one answered request, then sends the response.
class Finisher {
 public:
  Finisher(MetricsRegistry& metrics, Responder respond)
      : metrics_(metrics), respond_(std::move(respond)), start_(SteadyClock::now()) {}

  void operator()(const HttpRequest& req, const std::string& route, HttpResponse response) const {
    double seconds = std::chrono::duration<double>(SteadyClock::now() - start_).count();
    metrics_
        .GetCounter("ocula_http_requests_total", {{"route", route},
                                                  {"method", MethodLabel(req.method)},
                                                  {"code", std::to_string(response.status)}})
        .Add();
    metrics_
        .GetHistogram("ocula_http_request_seconds",
                      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
                      {{"route", route}})
        .Observe(seconds);
    auto level = response.status >= 500 ? spdlog::level::warn : spdlog::level::debug;
    spdlog::log(level, "req={} {} {} -> {} ({:.1f} ms)", req.request_id, req.method, req.path,
                response.status, seconds * 1000);
    respond_(std::move(response));
  }

 private:
  MetricsRegistry& metrics_;
  Responder respond_;
  SteadyClock::time_point start_;
};

}  // namespace

AsyncHandler InstrumentedHandler(const Router& router, MetricsRegistry& metrics,
                                 AccessControl& access, RequestPools pools) {
  metrics.SetHelp("ocula_http_requests_total", "HTTP requests by route, method and status code.");
  metrics.SetHelp("ocula_http_request_seconds", "HTTP request handling time.");
  metrics.SetHelp("ocula_http_busy_total",
                  "Requests answered 503 because the pool their route runs on was full.");
  return [&router, &metrics, &access, pools](HttpRequest req, Responder respond) {
    Finisher finish(metrics, std::move(respond));
    RouteMatch match = router.Match(req);
    int retry_after_s = 0;
    if (Status denied = CheckAccess(access, req, match.access, &retry_after_s); !denied.ok()) {
      HttpResponse response = ErrorFor(req, denied);
      if (retry_after_s > 0)
        response.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
      return finish(req, "denied", std::move(response));
    }
    if (match.handler == nullptr) return finish(req, match.label, std::move(match.response));
    if (match.run_on == RunOn::kIoThread) {
      return finish(req, match.label, RunHandler(*match.handler, req));
    }
    WorkPool& pool = match.run_on == RunOn::kStoragePool ? pools.storage : pools.blocking;
    auto shared = std::make_shared<HttpRequest>(std::move(req));
    const Handler* handler = match.handler;
    std::string label = match.label;
    bool queued = pool.TrySubmit([shared, handler, label, finish] {
      finish(*shared, label, RunHandler(*handler, *shared));
    });
    if (!queued) {
      metrics.GetCounter("ocula_http_busy_total", {{"route", label}}).Add();
      finish(*shared, label,
             ErrorFor(*shared, absl::UnavailableError(
                                   "the server is busy with slow requests; retry shortly")));
    }
  };
}

}  // namespace ocula
