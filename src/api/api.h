// The HTTP API: routes for /v1 (images, labels, the event stream), the front
// end, operations (/healthz, /readyz, /metrics), and the request wrapper that
// logs and counts every request.
// Handlers hold no business logic: they translate HTTP to calls on Ingest and
// the stores and back; errors go through error_mapping.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/router.h"
#include "blob/blob_store.h"
#include "core/metrics.h"
#include "metadata/metadata_store.h"
#include "pipeline/ingest.h"

namespace ocula {

struct HealthCheck {
  std::string name;  // "blob", "metadata", "events", "models"
  Status status;
};

struct ApiDeps {
  Ingest& ingest;
  MetadataStore& metadata;
  BlobStore& blobs;
  MetricsRegistry& metrics;
  // Runs the readiness checks (backends reachable, models loaded).
  std::function<std::vector<HealthCheck>()> readiness;
};

class ChangeFeed;

void AddImageRoutes(Router& router, const ApiDeps& deps);
void AddOpsRoutes(Router& router, const ApiDeps& deps);
// GET /v1/events/stream (event_routes.cc).
void AddEventRoutes(Router& router, ChangeFeed& feed);
// The front end at "/" (web_routes.cc): the web/ files built into the binary,
// or, when `web_dir` is not empty, the files of that directory read on every
// request (for front-end development).
void AddWebRoutes(Router& router, const std::string& web_dir);

// Wraps `router` into the server's handler: checks the API key (auth.h) on
// every path but the operations endpoints, assigns route labels, counts
// requests by route and status code, logs one line per request with its id.
std::function<HttpResponse(HttpRequest&)> InstrumentedHandler(const Router& router,
                                                              MetricsRegistry& metrics,
                                                              std::string api_key);

// The JSON document of an image as the API returns it.
std::string ImageDocumentJson(const ImageRecord& image);
// The short form returned by an upload: {id, status, sha256, size, contentType,
// createdAt}, plus `filename` when the upload gave one.
std::string UploadReceiptJson(const ImageRecord& image);

}  // namespace ocula
