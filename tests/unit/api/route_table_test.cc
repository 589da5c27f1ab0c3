// The access table of the whole API: every route AddOpsRoutes and
// AddApiRoutes register (what `ocula serve` registers), with the access it
// declares and where it runs (inline on the I/O thread, on the storage pool,
// or on the pool for blocking work). A new route makes this test fail until
// its line is added here, so its scope is a decision someone reviewed, not a
// path-prefix guess.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "api/change_feed.h"
#include "api/custom_vision_api.h"
#include "api/vision_api.h"
#include "auth/key_store.h"
#include "blob/blob_store_memory.h"
#include "core/clock.h"
#include "events/event_bus_sqlite.h"
#include "metadata/metadata_store_sqlite.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

using Row = std::pair<std::string, std::string>;  // "METHOD pattern", "access where"

TEST(RouteTableTest, EveryRouteDeclaresItsAccess) {
  testing::TempDir dir;
  const std::string db = dir.File("ocula.db");
  auto metadata = OpenSqliteMetadataStore(db);
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  auto bus = OpenSqliteEventBus(db, EventBusOptions{});
  ASSERT_TRUE(bus.ok()) << bus.status();
  auto keys = OpenSqliteKeyStore(db);
  ASSERT_TRUE(keys.ok()) << keys.status();
  MemoryBlobStore blobs;
  MetricsRegistry metrics;
  Ingest ingest(blobs, **metadata, ImageLimits{}, Clock::Real(), [] {});
  BacklogGate backlog(**bus, 0, Clock::Real());
  ApiDeps deps{ingest,  **metadata, blobs,
               metrics, backlog,    [] { return std::vector<HealthCheck>{}; }};
  Authenticator authenticator(**keys, Clock::Real());
  KeyDeps key_deps{**keys, authenticator, Clock::Real(), "secret", 10};
  ChangeFeed feed(**metadata);
  // The handlers are never called: no analyzer is ever made.
  AnalyzerPool analyzers(
      []() -> StatusOr<std::unique_ptr<Analyzer>> {
        return absl::UnavailableError("not in this test");
      },
      1);
  auto read_store = OpenSqliteReadOperationStore(db);
  ASSERT_TRUE(read_store.ok()) << read_store.status();
  ReadOperations reads(**read_store, blobs, analyzers, Clock::Real());
  VisionDeps vision{analyzers, reads, UrlFetchOptions{}};
  auto custom_store = OpenSqliteCustomVisionStore(db);
  ASSERT_TRUE(custom_store.ok()) << custom_store.status();
  CustomPredictor predictor(**custom_store, blobs);
  CustomVisionDeps custom{**custom_store, predictor, ingest,        **metadata,        blobs,
                          analyzers,      backlog,   Clock::Real(), UrlFetchOptions{}, "",
                          "http",         nullptr};

  Router router;
  AddOpsRoutes(router, deps);
  AddApiRoutes(router, deps, key_deps, feed, vision, custom, "");
  // The Custom Vision mounts serve the routes of /v1/custom (training) and
  // /v1/custom/prediction under their own prefixes, with the same access:
  // checked here against the native ones, which the table lists.
  std::vector<Row> table;
  std::vector<Row> native_training, native_prediction;
  std::map<std::string, std::vector<Row>> mounts;
  const std::string kNativePrediction = "/v1/custom/prediction";
  for (const RouteInfo& r : router.Routes()) {
    Row row{r.method + " " + r.pattern, r.access.Name() + " " + std::string(RunOnName(r.run_on))};
    bool mounted = false;
    for (const char* prefix : {"/customvision/v3.3/training", "/customvision/v3.4-preview/training",
                               "/customvision/v3.0/prediction", "/customvision/v3.1/prediction"}) {
      if (r.pattern.rfind(prefix, 0) == 0) {
        mounts[prefix].push_back(
            {r.method + " " + r.pattern.substr(std::string(prefix).size()), row.second});
        mounted = true;
      }
    }
    if (mounted) continue;
    if (r.pattern.find("/pipeline") != std::string::npos) {
      // Ocula's own: Custom Vision has no pipeline.
    } else if (r.pattern.rfind(kNativePrediction, 0) == 0) {
      native_prediction.push_back(
          {r.method + " " + r.pattern.substr(kNativePrediction.size()), row.second});
    } else if (r.pattern.rfind("/v1/custom/", 0) == 0) {
      native_training.push_back(
          {r.method + " " + r.pattern.substr(std::string("/v1/custom").size()), row.second});
    }
    table.push_back(std::move(row));
  }
  ASSERT_EQ(mounts.size(), 4u);
  for (const auto& [prefix, rows] : mounts) {
    EXPECT_EQ(rows,
              prefix.find("training") != std::string::npos ? native_training : native_prediction)
        << prefix;
  }

  const std::vector<Row> expected = {
      {"GET /healthz", "public inline"},
      {"GET /readyz", "public storage"},
      {"GET /metrics", "public inline"},
      {"POST /v1/images", "images:write storage"},
      {"GET /v1/images", "images:read storage"},
      {"GET /v1/images/{id}", "images:read inline"},
      {"GET /v1/images/{id}/content", "images:read blocking"},
      {"GET /v1/images/{id}/thumbnail", "images:read blocking"},
      {"GET /v1/labels", "images:read storage"},
      {"DELETE /v1/images/{id}", "images:delete storage"},
      {"POST /v1/keys", "admin storage"},
      {"GET /v1/keys", "admin storage"},
      {"DELETE /v1/keys/{id}", "admin storage"},
      {"POST /v1/upload-urls", "images:write inline"},
      {"POST /v1/uploads/{token}", "public storage"},  // the signed URL is the credential
      {"PUT /v1/uploads/{token}", "public storage"},
      {"GET /v1/events/stream", "images:read inline"},
      {"POST /vision/v3.2/analyze", "analyze blocking"},
      {"POST /vision/v3.2/tag", "analyze blocking"},
      {"POST /vision/v3.2/describe", "analyze blocking"},
      {"POST /vision/v3.2/detect", "analyze blocking"},
      {"POST /vision/v3.2/generateThumbnail", "analyze blocking"},
      {"POST /vision/v3.2/areaOfInterest", "analyze blocking"},
      {"POST /vision/v3.2/ocr", "analyze blocking"},
      {"POST /vision/v3.2/read/analyze", "analyze blocking"},
      {"GET /vision/v3.2/read/analyzeResults/{id}", "analyze blocking"},
      {"GET /v1/custom/domains", "training inline"},
      {"GET /v1/custom/domains/{domainId}", "training inline"},
      {"GET /v1/custom/projects", "training storage"},
      {"POST /v1/custom/projects", "training storage"},
      {"GET /v1/custom/projects/{projectId}", "training storage"},
      {"PATCH /v1/custom/projects/{projectId}", "training storage"},
      {"DELETE /v1/custom/projects/{projectId}", "training storage"},
      {"GET /v1/custom/projects/{projectId}/tags", "training storage"},
      {"POST /v1/custom/projects/{projectId}/tags", "training storage"},
      {"GET /v1/custom/projects/{projectId}/tags/{tagId}", "training storage"},
      {"PATCH /v1/custom/projects/{projectId}/tags/{tagId}", "training storage"},
      {"DELETE /v1/custom/projects/{projectId}/tags/{tagId}", "training storage"},
      {"GET /v1/custom/projects/{projectId}/images", "training storage"},
      {"POST /v1/custom/projects/{projectId}/images", "training storage"},
      {"DELETE /v1/custom/projects/{projectId}/images", "training storage"},
      {"GET /v1/custom/projects/{projectId}/images/count", "training storage"},
      {"GET /v1/custom/projects/{projectId}/images/id", "training storage"},
      {"POST /v1/custom/projects/{projectId}/images/files", "training storage"},
      {"POST /v1/custom/projects/{projectId}/images/urls", "training blocking"},
      {"POST /v1/custom/projects/{projectId}/images/tags", "training storage"},
      {"DELETE /v1/custom/projects/{projectId}/images/tags", "training storage"},
      {"POST /v1/custom/projects/{projectId}/images/suggested", "training blocking"},
      {"POST /v1/custom/projects/{projectId}/images/suggested/count", "training blocking"},
      {"GET /v1/custom/projects/{projectId}/images/tagged", "training storage"},
      {"GET /v1/custom/projects/{projectId}/images/tagged/count", "training storage"},
      {"GET /v1/custom/projects/{projectId}/images/untagged", "training storage"},
      {"GET /v1/custom/projects/{projectId}/images/untagged/count", "training storage"},
      {"POST /v1/custom/projects/{projectId}/tagsandregions/suggestions", "training blocking"},
      {"POST /v1/custom/projects/{projectId}/train", "training storage"},
      {"GET /v1/custom/projects/{projectId}/iterations", "training storage"},
      {"GET /v1/custom/projects/{projectId}/iterations/{iterationId}", "training storage"},
      {"PATCH /v1/custom/projects/{projectId}/iterations/{iterationId}", "training storage"},
      {"DELETE /v1/custom/projects/{projectId}/iterations/{iterationId}", "training storage"},
      {"GET /v1/custom/projects/{projectId}/iterations/{iterationId}/performance",
       "training storage"},
      {"POST /v1/custom/projects/{projectId}/iterations/{iterationId}/publish", "training storage"},
      {"DELETE /v1/custom/projects/{projectId}/iterations/{iterationId}/publish",
       "training storage"},
      {"GET /v1/custom/projects/{projectId}/iterations/{iterationId}/export", "training storage"},
      {"POST /v1/custom/projects/{projectId}/iterations/{iterationId}/export", "training storage"},
      {"GET /v1/custom/projects/{projectId}/iterations/{iterationId}/export/model.onnx",
       "training blocking"},
      {"POST /v1/custom/projects/{projectId}/quicktest/image", "training blocking"},
      {"POST /v1/custom/projects/{projectId}/quicktest/url", "training blocking"},
      {"GET /v1/custom/projects/{projectId}/pipeline", "training storage"},
      {"PUT /v1/custom/projects/{projectId}/pipeline", "training storage"},
      {"DELETE /v1/custom/projects/{projectId}/pipeline", "training storage"},
      {"POST /v1/custom/projects/{projectId}/pipeline/rerun", "training storage"},
      {"POST /v1/custom/prediction/{projectId}/classify/iterations/{name}/image",
       "prediction blocking"},
      {"POST /v1/custom/prediction/{projectId}/classify/iterations/{name}/image/nostore",
       "prediction blocking"},
      {"POST /v1/custom/prediction/{projectId}/classify/iterations/{name}/url",
       "prediction blocking"},
      {"POST /v1/custom/prediction/{projectId}/classify/iterations/{name}/url/nostore",
       "prediction blocking"},
  };
  EXPECT_EQ(table, expected);
}

// A path no route has needs no key (404); a known path with another method
// keeps the access of its route (405 only with the key); the front end's
// files are public.
TEST(RouteTableTest, UnknownPathsAndTheFallbackArePublic) {
  Router router;
  router.Add("GET", "/v1/images", RouteAccess::Needs(Scope::kImagesRead),
             [](HttpRequest&) { return HttpResponse{}; });
  router.SetFallback("web", [](HttpRequest&) { return HttpResponse{}; });
  HttpRequest req;
  req.method = "GET";
  req.path = "/v1/images";
  EXPECT_EQ(router.Match(req).access.Name(), "images:read");
  req.path = "/index.html";
  RouteMatch web = router.Match(req);
  EXPECT_EQ(web.label, "web");
  EXPECT_EQ(web.access.Name(), "public");
  req.method = "PUT";
  req.path = "/v1/images";
  RouteMatch wrong_method = router.Match(req);
  EXPECT_EQ(wrong_method.handler, nullptr);
  EXPECT_EQ(wrong_method.response.status, 405);
  EXPECT_EQ(wrong_method.access.Name(), "images:read");
  req.method = "POST";
  req.path = "/v1/nothing-here";
  RouteMatch unknown = router.Match(req);
  EXPECT_EQ(unknown.response.status, 404);
  EXPECT_EQ(unknown.access.Name(), "public");
}

}  // namespace
}  // namespace ocula
