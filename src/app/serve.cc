#include "app/serve.h"

#include <malloc.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/auth.h"
#include "api/change_feed.h"
#include "api/custom_vision_api.h"
#include "api/http_server.h"
#include "api/vision_api.h"
#include "app/backends.h"
#include "app/keys.h"
#include "blob/blob_store_readonly.h"
#include "core/work_pool.h"
#include "custom/training_worker.h"
#include "events/blob_created.h"
#include "events/event_bus_publish_only.h"
#include "events/outbox_relay.h"
#include "pipeline/reconciler.h"
#include "pipeline/worker_pool.h"
#include "vision/models/model_runner.h"

namespace ocula {
namespace {

ImageLimits LimitsFrom(const Config& c) {
  ImageLimits limits;
  limits.max_bytes = c.max_upload_bytes;
  limits.min_dimension = c.min_image_dimension;
  limits.max_dimension = c.max_image_dimension;
  limits.max_pixels = c.max_image_pixels;
  limits.max_frames = c.max_image_frames;
  // Validated when the configuration was loaded.
  if (auto formats = ParseImageFormats(c.image_formats); formats.ok()) limits.formats = *formats;
  return limits;
}

StatusOr<AnalyzerOptions> AnalyzerOptionsFrom(const Config& c) {
  AnalyzerOptions options;
  options.engine = c.engine;
  options.model_dir = c.model_dir;
  options.top_tags = c.top_tags;
  options.min_tag_confidence = c.min_tag_confidence;
  options.limits = LimitsFrom(c);
  auto features = ParseFeatureList(c.features, /*allow_text=*/true);
  if (!features.ok()) {
    return absl::InvalidArgumentError("vision.features: " +
                                      std::string(features.status().message()));
  }
  options.pipeline_features = *features;
  options.ocr_when_text_likely = c.ocr_when_text_likely;
  options.object_model = c.object_model;
  options.face_model = c.face_model;
  options.inference_timeout = std::chrono::milliseconds(c.inference_timeout_ms);
  return options;
}

UrlFetchOptions UrlFetchOptionsFrom(const Config& c) {
  UrlFetchOptions options;
  options.max_bytes = c.max_upload_bytes;
  options.timeout = std::chrono::milliseconds(c.url_timeout_ms);
  options.max_redirects = c.url_max_redirects;
  options.allow_private_addresses = c.url_allow_private;
  return options;
}

BackendContext BackendContextFrom(const Config& c) {
  BackendContext ctx;
  ctx.bus_options.visibility_timeout = std::chrono::seconds(c.visibility_timeout_s);
  ctx.bus_options.max_attempts = c.max_attempts;
  ctx.bus_options.backoff_base = std::chrono::milliseconds(c.retry_backoff_ms);
  ctx.bus_options.backoff_max = std::chrono::milliseconds(c.retry_backoff_max_ms);
  return ctx;
}

int WorkerThreads(const Config& c) {
  if (c.worker_threads > 0) return c.worker_threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Blocks SIGINT/SIGTERM in every thread (call before starting any) and
// returns the set to wait on.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// glibc malloc: every upload allocates and frees ~100 KB bodies on several
// threads, and with the default settings each thread's heap is trimmed back
// to the kernel and grown again over and over (sysmalloc, madvise, page
// faults). Keeping up to 16 MiB free per heap, and serving blocks up to
// 4 MiB (decoded images, tensors) from the heap instead of fresh mmaps, cut
// the server's CPU per upload by about a fifth (2.7 -> 2.1 ms on disk, 8
// connections, --role api; 439 -> 540 uploads/s). Malloc settings given in
// GLIBC_TUNABLES are left as they are.
void TuneMalloc() {
  if (const char* tunables = std::getenv("GLIBC_TUNABLES");
      tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) {
    return;
  }
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
}

void AddGauges(MetricsRegistry& metrics, MetadataStore& metadata, EventBus& bus) {
  metrics.AddGauge("ocula_queue_depth", "Events waiting or in progress, by topic.",
                   [&bus](auto& out) {
                     if (auto d = bus.Depth(kBlobCreatedTopic); d.ok()) {
                       out.push_back({{{"topic", kBlobCreatedTopic}}, double(*d)});
                     }
                   });
  metrics.AddGauge("ocula_images", "Images by status.", [&metadata](auto& out) {
    if (auto counts = metadata.CountByStatus(); counts.ok()) {
      for (auto [status, n] : *counts) {
        out.push_back({{{"status", std::string(ToString(status))}}, double(n)});
      }
    }
  });
}

WorkerOptions WorkerOptionsFrom(const Config& c, Role role) {
  WorkerOptions options;
  options.threads = role == Role::kApi ? 0 : WorkerThreads(c);
  options.max_attempts = c.max_attempts;
  options.model_retry = std::chrono::seconds(c.model_retry_s);
  options.nice = role == Role::kAll ? c.worker_nice : 0;  // only HTTP threads to make room for
  return options;
}

HttpServerOptions HttpOptionsFrom(const Config& c) {
  HttpServerOptions http;
  http.listen = c.listen;
  http.io_threads = c.io_threads;
  http.max_body_bytes = c.max_upload_bytes + (1 << 20);  // room for multipart framing
  http.max_buffered_body_bytes = static_cast<uint64_t>(c.max_buffered_body_mb) << 20;
  http.header_timeout = std::chrono::seconds(c.header_timeout_s);
  http.request_timeout = std::chrono::seconds(c.request_timeout_s);
  http.idle_timeout = std::chrono::seconds(c.idle_timeout_s);
  http.max_connections = c.max_connections;
  http.tls_cert_file = c.tls_cert_file;
  http.tls_key_file = c.tls_key_file;
  http.shutdown_deadline = std::chrono::seconds(c.shutdown_deadline_s);
  return http;
}

// /readyz: the backends answer, and (where this process analyses) the models loaded.
std::function<std::vector<HealthCheck>()> Readiness(BlobStore& blobs, MetadataStore& metadata,
                                                    EventBus& bus, const WorkerPool& workers,
                                                    bool analyses) {
  return [&blobs, &metadata, &bus, &workers, analyses] {
    std::vector<HealthCheck> checks = {{"blob", blobs.CheckHealth()},
                                       {"metadata", metadata.CheckHealth()},
                                       {"events", bus.CheckHealth()}};
    if (analyses) {
      std::string error = workers.ModelError();
      checks.push_back(
          {"models", workers.ModelsReady()
                         ? absl::OkStatus()
                         : absl::UnavailableError(error.empty() ? "models are loading" : error)});
    }
    return checks;
  };
}

ReconcilerOptions ReconcilerOptionsFrom(const Config& c) {
  ReconcilerOptions options;
  options.prefix = c.reconcile_prefix;
  options.interval = std::chrono::seconds(c.reconcile_interval_s);
  return options;
}

const char* RoleName(Role role) {
  return role == Role::kAll ? "all" : role == Role::kApi ? "api" : "worker";
}

// API keys: the store, the cached authenticator, per-key rate limits and the
// secret that signs upload URLs. The api roles make sure an admin key exists.
struct Access {
  explicit Access(std::unique_ptr<KeyStore> keys)
      : store(std::move(keys)), authenticator(*store, Clock::Real()) {}
  std::unique_ptr<KeyStore> store;
  Authenticator authenticator;
  RateLimiter limiter;
  std::string signing_secret;
};

StatusOr<std::unique_ptr<Access>> OpenAccess(const Config& config, Role role) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<KeyStore> store,
                         MakeKeyStore(config.metadata_uri, BackendContextFrom(config)));
  auto access = std::make_unique<Access>(std::move(store));
  if (role == Role::kWorker) return access;  // serves only the open operations routes
  OCULA_RETURN_IF_ERROR(EnsureAdminKey(*access->store, config, Clock::Real()));
  OCULA_ASSIGN_OR_RETURN(access->signing_secret, access->store->SigningSecret(RandomBytes(32)));
  return access;
}

}  // namespace

int Serve(const Config& config, Role role) {
  TuneMalloc();
  auto analyzer_options = AnalyzerOptionsFrom(config);
  if (!analyzer_options.ok()) {
    spdlog::critical("configuration error: {}", analyzer_options.status().ToString());
    return 2;
  }
  sigset_t signals = BlockShutdownSignals();
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    spdlog::critical("cannot create data directory {}: {}", config.data_dir, ec.message());
    return 1;
  }
  BackendContext ctx = BackendContextFrom(config);
  auto blobs = MakeBlobStore(config.blob_uri, ctx);
  auto metadata = MakeMetadataStore(config.metadata_uri, ctx);
  auto bus = MakeEventBus(config.events_uri, ctx);
  for (const Status* s : {&blobs.status(), &metadata.status(), &bus.status()}) {
    if (!s->ok()) {
      spdlog::critical("cannot open a backend: {}", s->ToString());
      return 1;
    }
  }
  MetricsRegistry metrics;
  AddGauges(metrics, **metadata, **bus);

  // Least privilege inside the process (docs/security.md): the analysis
  // workers cannot change blobs, the outbox relay cannot consume the queue.
  std::unique_ptr<BlobStore> worker_blobs = ReadOnlyView(**blobs);
  std::unique_ptr<EventBus> relay_bus = PublishOnlyView(**bus);
  OutboxRelay relay(**metadata, *relay_bus, OutboxRelayOptions{});
  Ingest ingest(**blobs, **metadata, LimitsFrom(config), Clock::Real(),
                [&relay] { relay.Notify(); });

  WorkerOptions worker_options = WorkerOptionsFrom(config, role);
  auto make_analyzer = [options = *analyzer_options] { return Analyzer::Create(options); };
  WorkerPool workers(**bus, **metadata, *worker_blobs, make_analyzer, metrics, Clock::Real(),
                     worker_options);
  // Requests that wait run on bounded pools, never on the HTTP threads:
  // storage waits (uploads, deletions, listings) on one, long work on the
  // other; on-demand analyses hold one analyzer per blocking thread at most,
  // plus one for the Read operations' OCR thread.
  WorkPool storage("ocula-storage", config.storage_threads,
                   static_cast<size_t>(config.storage_queue));
  WorkPool blocking("ocula-blocking", config.blocking_threads,
                    static_cast<size_t>(config.blocking_queue));
  AnalyzerPool api_analyzers(make_analyzer, static_cast<size_t>(config.blocking_threads) + 1);
  auto read_store = MakeReadOperationStore(config.metadata_uri, ctx);
  if (!read_store.ok()) {
    spdlog::critical("cannot open the Read operations: {}", read_store.status().ToString());
    return 1;
  }
  ReadOperations reads(**read_store, **blobs, api_analyzers, Clock::Real());
  VisionDeps vision{api_analyzers, reads, UrlFetchOptionsFrom(config)};

  // Custom classifiers: trained on this process's own thread where it
  // analyses (roles all and worker); predicted on wherever the API runs.
  auto custom_store = MakeCustomVisionStore(config.metadata_uri, ctx);
  if (!custom_store.ok()) {
    spdlog::critical("cannot open the custom classifiers: {}", custom_store.status().ToString());
    return 1;
  }
  CustomPredictor predictor(**custom_store, **blobs);
  PipelineClassifiers pipeline_classifiers(**custom_store, predictor, Clock::Real());
  PipelineRerunner rerunner(**custom_store, **metadata, *worker_blobs, predictor, Clock::Real());
  TrainingWorkerOptions training_options;
  training_options.nice = worker_options.nice;
  TrainingWorker trainer(**custom_store, **metadata, **blobs, make_analyzer, Clock::Real(),
                         training_options, &rerunner);
  const bool trains_here = role != Role::kApi;
  workers.SetAfterAnalysis(
      [&pipeline_classifiers](Analyzer& analyzer, std::string_view bytes, Analysis& analysis) {
        return pipeline_classifiers.Enrich(analyzer, bytes, analysis);
      });

  auto access = OpenAccess(config, role);
  if (!access.ok()) {
    spdlog::critical("cannot set up API keys: {}", access.status().ToString());
    return 1;
  }
  Access& keys = **access;
  AccessControl access_control{keys.authenticator, keys.limiter, Clock::Real()};
  KeyDeps key_deps{*keys.store, keys.authenticator, Clock::Real(), keys.signing_secret,
                   config.key_rate_per_s};

  BacklogGate backlog(**bus, config.max_backlog, Clock::Real());
  ApiDeps deps{ingest,  **metadata,
               **blobs, metrics,
               backlog, Readiness(**blobs, **metadata, **bus, workers, role != Role::kApi)};
  CustomVisionDeps custom{**custom_store,
                          predictor,
                          ingest,
                          **metadata,
                          **blobs,
                          api_analyzers,
                          backlog,
                          Clock::Real(),
                          UrlFetchOptionsFrom(config),
                          config.model_dir,
                          config.tls_cert_file.empty() ? "http" : "https",
                          [&trainer, trains_here] {
                            if (trains_here) trainer.Notify();
                          }};
  ChangeFeed feed(**metadata);
  Reconciler reconciler(**blobs, ingest, Clock::Real(), ReconcilerOptionsFrom(config));
  Router router;
  AddOpsRoutes(router, deps);
  if (role != Role::kWorker) {
    AddApiRoutes(router, deps, key_deps, feed, vision, custom, config.web_dir);
  }

  HttpServer server(HttpOptionsFrom(config),
                    InstrumentedHandler(router, metrics, access_control, {storage, blocking}));

  if (role != Role::kWorker) {
    relay.Start();
    feed.Start();
    if (!config.reconcile_prefix.empty()) reconciler.Start();
    if (auto resumed = reads.ResumeAbandoned(); !resumed.ok()) {
      spdlog::warn("cannot resume unfinished Read operations: {}", resumed.status().ToString());
    } else if (*resumed > 0) {
      spdlog::info("resumed {} unfinished Read operation(s)", *resumed);
    }
  }
  workers.Start();
  if (trains_here) trainer.Start();
  if (Status s = server.Start(); !s.ok()) {
    spdlog::critical("{}", s.ToString());
    return 1;
  }
  spdlog::info(
      "ocula serving on {}://{} (role {}, data {}, engine {}, {} worker(s))",
      config.tls_cert_file.empty() ? "http" : "https",
      config.listen.substr(0, config.listen.rfind(':')) + ":" + std::to_string(server.port()),
      RoleName(role), config.data_dir, config.engine, worker_options.threads);

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received {}, shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  feed.Stop();    // event streams end first: they hold connections of the server
  server.Stop();  // no new uploads; requests in progress finish
  storage.Stop();
  blocking.Stop();
  trainer.Stop();  // an iteration in hand is released, trained again at the next start
  workers.Stop();  // images in hand finish; others go back to the queue
  reconciler.Stop();
  relay.Stop();
  spdlog::info("shutdown complete");
  return 0;
}

int AnalyzeFiles(const Config& config, const std::vector<std::string>& files) {
  auto options = AnalyzerOptionsFrom(config);
  if (!options.ok()) {
    std::cerr << "ocula: " << options.status().message() << "\n";
    return 2;
  }
  auto analyzer = Analyzer::Create(*options);
  if (!analyzer.ok()) {
    std::cerr << "ocula: " << analyzer.status().message() << "\n";
    return 1;
  }
  int failures = 0;
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    nlohmann::json doc = {{"file", file}};
    auto analysis = (*analyzer)->Analyze(bytes);
    if (analysis.ok()) {
      doc["metadata"] = nlohmann::json::parse(analysis->metadata_json);
      doc["analysis"] = nlohmann::json::parse(analysis->analysis_json);
    } else {
      ++failures;
      std::string code = ReasonOf(analysis.status());
      doc["error"] = {{"code", code.empty() ? "FailedToProcess" : code},
                      {"message", std::string(analysis.status().message())}};
    }
    std::cout << doc.dump() << "\n";
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace ocula
