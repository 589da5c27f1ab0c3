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
#include "auth/authenticator.h"
#include "blob/blob_store.h"
#include "core/metrics.h"
#include "metadata/metadata_store.h"
#include "pipeline/backlog_gate.h"
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
  BacklogGate& backlog;  // refuses uploads while analysis is too far behind
  // Runs the readiness checks (backends reachable, models loaded).
  std::function<std::vector<HealthCheck>()> readiness;
};

class ChangeFeed;
class WorkPool;
struct AccessControl;
struct VisionDeps;
struct CustomVisionDeps;

// What the key routes need (key_routes.cc).
struct KeyDeps {
  KeyStore& keys;
  Authenticator& authenticator;
  Clock& clock;
  std::string signing_secret;  // signs upload URLs (KeyStore::SigningSecret)
  int64_t default_rate_per_s;  // for keys created without ratePerSecond
};

void AddImageRoutes(Router& router, const ApiDeps& deps);
// One image as the raw request body (POST /v1/images without multipart).
HttpResponse UploadRawImage(const ApiDeps& deps, HttpRequest& req);
void AddOpsRoutes(Router& router, const ApiDeps& deps);
// /v1/keys, /v1/upload-urls, /v1/uploads/{token} (key_routes.cc).
void AddKeyRoutes(Router& router, const ApiDeps& api, const KeyDeps& deps);
// A key's record as JSON (never its hash): id, name, scopes, ratePerSecond,
// createdAt, expiresAt, revokedAt.
std::string ApiKeyJson(const ApiKeyRecord& key);
// GET /v1/events/stream (event_routes.cc).
void AddEventRoutes(Router& router, ChangeFeed& feed);
// The front end at "/" (web_routes.cc): the web/ files built into the binary,
// or, when `web_dir` is not empty, the files of that directory read on every
// request (for front-end development).
void AddWebRoutes(Router& router, const std::string& web_dir);

// Every route of a process that serves the API (all but the ops routes):
// images, keys and upload URLs, the event stream, /vision, custom
// classifiers (/customvision, /v1/custom), the front end.
void AddApiRoutes(Router& router, const ApiDeps& deps, const KeyDeps& keys, ChangeFeed& feed,
                  const VisionDeps& vision, const CustomVisionDeps& custom,
                  const std::string& web_dir);

// The pools that routes run on besides the I/O threads (router.h, RunOn).
struct RequestPools {
  WorkPool& storage;
  WorkPool& blocking;
};

// Wraps `router` into the server's handler: checks the access the matched
// route declared (auth.h: key, scope, rate), runs the route's handler where
// it declared (on its pool, answering 503 with Retry-After when that pool's
// queue is full; or on the I/O thread), turns an exception escaping a handler
// into a 500, assigns route labels, counts requests by route and status
// code, logs one line per request with its id.
AsyncHandler InstrumentedHandler(const Router& router, MetricsRegistry& metrics,
                                 AccessControl& access, RequestPools pools);

// The JSON document of an image as the API returns it.
std::string ImageDocumentJson(const ImageRecord& image);
// The short form returned by an upload: {id, status, sha256, size, contentType,
// createdAt}, plus `filename` when the upload gave one.
std::string UploadReceiptJson(const ImageRecord& image);

}  // namespace ocula
