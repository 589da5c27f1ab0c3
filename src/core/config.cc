#include "core/config.h"

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace ocula {
namespace {

template <typename T>
Status ParseNumber(const std::string& text, T& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a valid number"));
  }
  return absl::OkStatus();
}

template <typename T>
Setting Number(std::string key, std::string env, std::string help, T Config::*field, T min, T max) {
  return Setting{std::move(key), std::move(env), std::move(help),
                 [field, min, max](Config& c, const std::string& v) -> Status {
                   T parsed{};
                   OCULA_RETURN_IF_ERROR(ParseNumber(v, parsed));
                   if (parsed < min || parsed > max) {
                     return absl::InvalidArgumentError(
                         absl::StrCat(v, " is out of range [", min, ", ", max, "]"));
                   }
                   c.*field = parsed;
                   return absl::OkStatus();
                 },
                 [field](const Config& c) { return absl::StrCat(c.*field); }};
}

Setting Text(std::string key, std::string env, std::string help, std::string Config::*field,
             std::vector<std::string> allowed = {}) {
  return Setting{
      std::move(key), std::move(env), std::move(help),
      [field, allowed](Config& c, const std::string& v) -> Status {
        if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("'", v, "' is not one of: ", absl::StrJoin(allowed, ", ")));
        }
        c.*field = v;
        return absl::OkStatus();
      },
      [field](const Config& c) { return c.*field; }};
}

Setting Bool(std::string key, std::string env, std::string help, bool Config::*field) {
  return Setting{std::move(key), std::move(env), std::move(help),
                 [field](Config& c, const std::string& v) -> Status {
                   if (v != "true" && v != "false") {
                     return absl::InvalidArgumentError("'" + v + "' is not true or false");
                   }
                   c.*field = v == "true";
                   return absl::OkStatus();
                 },
                 [field](const Config& c) { return std::string(c.*field ? "true" : "false"); }};
}

std::vector<Setting> MakeSettings() {
  using C = Config;
  return {
      Text("data_dir", "OCULA_DATA_DIR", "Directory for the embedded blob store and database.",
           &C::data_dir),
      Text("server.listen", "OCULA_LISTEN", "HTTP listen address, host:port.", &C::listen),
      Number("server.io_threads", "OCULA_IO_THREADS",
             "Threads serving HTTP: they parse requests, route them and write answers; "
             "handlers that wait run on the storage and blocking pools.",
             &C::io_threads, 1, 256),
      Number("server.storage_threads", "OCULA_STORAGE_THREADS",
             "Threads for requests that wait on storage (uploads, deletions, listings, key "
             "changes): each mostly waits for a disk sync or a database round trip, so more "
             "threads than cores keep the disk busy.",
             &C::storage_threads, 1, 256),
      Number("server.storage_queue", "OCULA_STORAGE_QUEUE",
             "Storage requests that may wait for a thread; more are answered 503 with "
             "Retry-After.",
             &C::storage_queue, 0, 100'000),
      Number("server.blocking_threads", "OCULA_BLOCKING_THREADS",
             "Threads for requests that block long (URL fetches, on-demand analyses, OCR, "
             "thumbnails, image content), so that health probes, reads and uploads never wait "
             "behind them. Each may hold one analyzer (models loaded).",
             &C::blocking_threads, 1, 256),
      Number("server.blocking_queue", "OCULA_BLOCKING_QUEUE",
             "Blocking requests that may wait for a thread; more are answered 503 with "
             "Retry-After.",
             &C::blocking_queue, 0, 100'000),
      Number("server.header_timeout_s", "OCULA_HEADER_TIMEOUT_S",
             "Seconds a client may take to send a request's head (and, with TLS, to complete "
             "the handshake): slow clients are disconnected.",
             &C::header_timeout_s, 1, 3600),
      Number("server.request_timeout_s", "OCULA_REQUEST_TIMEOUT_S",
             "Seconds a client may take to send one whole request, head and body.",
             &C::request_timeout_s, 1, 3600),
      Number("server.idle_timeout_s", "OCULA_IDLE_TIMEOUT_S",
             "Seconds a kept-alive connection may sit idle before its next request.",
             &C::idle_timeout_s, 1, 3600),
      Number("server.max_connections", "OCULA_MAX_CONNECTIONS",
             "Most client connections open at once; beyond it new ones are closed at once.",
             &C::max_connections, 1, 1'000'000),
      Number("server.max_buffered_body_mb", "OCULA_MAX_BUFFERED_BODY_MB",
             "MiB of request bodies held in memory at once, all connections together (a "
             "body is counted by its Content-Length, or as limits.max_upload_bytes + 1 MiB "
             "when chunked). A request that would go over is answered 503 with Retry-After "
             "before its body is read.",
             &C::max_buffered_body_mb, 1, 1'000'000),
      Text("server.tls_cert_file", "OCULA_TLS_CERT_FILE",
           "Serve HTTPS (TLS 1.2+) with this PEM certificate chain, server certificate "
           "first; set together with server.tls_key_file. Empty = plain HTTP.",
           &C::tls_cert_file),
      Text("server.tls_key_file", "OCULA_TLS_KEY_FILE",
           "The unencrypted PEM private key of server.tls_cert_file.", &C::tls_key_file),
      Text("server.admin_key", "OCULA_ADMIN_KEY",
           "Bootstrap admin key (any text of 16+ characters): stored hashed as the key "
           "'admin', replacing an earlier one. Empty: keep the stored keys, or on first start "
           "generate one into DATA_DIR/admin.key.",
           &C::admin_key),
      Text("server.admin_key_file", "OCULA_ADMIN_KEY_FILE",
           "File holding the bootstrap admin key (instead of server.admin_key).",
           &C::admin_key_file),
      Number("server.key_rate_per_s", "OCULA_KEY_RATE_PER_S",
             "Requests per second allowed to a key created without its own rate (0 = unlimited).",
             &C::key_rate_per_s, 0, 1'000'000),
      Text("server.web_dir", "OCULA_WEB_DIR",
           "Serve the front end at / from this directory instead of the copy built into the "
           "binary (for front-end development); empty = built-in.",
           &C::web_dir),
      Text("storage.blob", "OCULA_BLOB",
           "Blob store URI: file://DIR, s3://BUCKET[/PREFIX]?endpoint=..., or "
           "azblob://ACCOUNT/CONTAINER[/PREFIX]?endpoint=... (docs/deployment.md). "
           "Default: file://DATA_DIR/blobs.",
           &C::blob_uri),
      Text("storage.metadata", "OCULA_METADATA",
           "Metadata store URI: sqlite://FILE or postgresql://USER@HOST:PORT/DB "
           "(docs/deployment.md). Default: sqlite://DATA_DIR/ocula.db.",
           &C::metadata_uri),
      Text("storage.events", "OCULA_EVENTS",
           "Event bus URI: sqlite://FILE (the embedded durable queue) or nats://HOST:PORT "
           "(NATS JetStream; docs/deployment.md). Default: the metadata database when it is "
           "SQLite.",
           &C::events_uri),
      Text("storage.reconcile_prefix", "OCULA_RECONCILE_PREFIX",
           "Blobs put into the blob store under this key prefix without the API (e.g. with "
           "the bucket's own tools) are found and analysed by api processes; empty = off.",
           &C::reconcile_prefix),
      Number("storage.reconcile_interval_s", "OCULA_RECONCILE_INTERVAL_S",
             "Seconds between two scans of the reconcile prefix.", &C::reconcile_interval_s, 1,
             86400),
      Number("limits.max_upload_bytes", "OCULA_MAX_UPLOAD_BYTES",
             "Largest accepted image, in bytes (413 above).", &C::max_upload_bytes, uint64_t{1},
             uint64_t{1} << 34),
      Number("limits.min_image_dimension", "OCULA_MIN_IMAGE_DIMENSION",
             "Smallest accepted width or height, in pixels.", &C::min_image_dimension, 1, 100000),
      Number("limits.max_image_dimension", "OCULA_MAX_IMAGE_DIMENSION",
             "Largest accepted width or height, in pixels.", &C::max_image_dimension, 1, 1000000),
      Number("limits.max_image_pixels", "OCULA_MAX_IMAGE_PIXELS",
             "Largest accepted width x height (guards against decompression bombs).",
             &C::max_image_pixels, uint64_t{1}, uint64_t{1} << 40),
      Number("limits.max_image_frames", "OCULA_MAX_IMAGE_FRAMES",
             "Most frames (animated GIF/WebP) or pages (TIFF) an image may have; counted "
             "from the container before anything is decoded (400 above).",
             &C::max_image_frames, 1, 100000),
      Setting{"limits.formats", "OCULA_IMAGE_FORMATS",
              "Image formats accepted, comma-separated, from jpeg, png, webp, gif, tiff, bmp "
              "(415 for the others).",
              [](Config& c, const std::string& v) -> Status {
                const std::set<std::string> known = {"jpeg", "png", "webp", "gif", "tiff", "bmp"};
                bool any = false;
                for (absl::string_view item : absl::StrSplit(v, ',')) {
                  std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(item));
                  if (name.empty()) continue;
                  if (!known.count(name)) {
                    return absl::InvalidArgumentError(
                        absl::StrCat("'", name, "' is not one of: ", absl::StrJoin(known, ", ")));
                  }
                  any = true;
                }
                if (!any) return absl::InvalidArgumentError("at least one format is required");
                c.image_formats = v;
                return absl::OkStatus();
              },
              [](const Config& c) { return c.image_formats; }},
      Number("queue.visibility_timeout_s", "OCULA_VISIBILITY_TIMEOUT_S",
             "Seconds a claimed event stays invisible before it is redelivered.",
             &C::visibility_timeout_s, 1, 86400),
      Number("queue.max_backlog", "OCULA_MAX_BACKLOG",
             "Images waiting for analysis at which uploads are refused with 503 and "
             "Retry-After until the workers catch up (0 = no limit).",
             &C::max_backlog, int64_t{0}, int64_t{1} << 40),
      Number("queue.max_attempts", "OCULA_MAX_ATTEMPTS",
             "Deliveries of one event before it goes to the dead-letter list.", &C::max_attempts, 1,
             100),
      Number("queue.retry_backoff_ms", "OCULA_RETRY_BACKOFF_MS",
             "First retry delay; doubles per attempt.", &C::retry_backoff_ms, 0, 3'600'000),
      Number("queue.retry_backoff_max_ms", "OCULA_RETRY_BACKOFF_MAX_MS", "Longest retry delay.",
             &C::retry_backoff_max_ms, 0, 86'400'000),
      Text("vision.engine", "OCULA_ENGINE", "Inference engine: onnxruntime or opencv.", &C::engine,
           {"onnxruntime", "opencv"}),
      Text("vision.model_dir", "OCULA_MODEL_DIR",
           "Model directory (one folder per model with a model.toml manifest).", &C::model_dir),
      Number("vision.top_tags", "OCULA_TOP_TAGS", "Classes kept as tags per image.", &C::top_tags,
             1, 1000),
      Number("vision.min_tag_confidence", "OCULA_MIN_TAG_CONFIDENCE",
             "Tags below this confidence are dropped.", &C::min_tag_confidence, 0.0, 1.0),
      Number("vision.model_retry_s", "OCULA_MODEL_RETRY_S",
             "Seconds between attempts to load a missing or broken model.", &C::model_retry_s, 1,
             3600),
      Text("vision.features", "OCULA_FEATURES",
           "Features the upload pipeline runs: Categories, Tags, Description, Faces, "
           "ImageType, Color, Adult, Objects, Text (OCR).",
           &C::features),
      Bool("vision.ocr_when_text_likely", "OCULA_OCR_WHEN_TEXT_LIKELY",
           "Also run OCR in the pipeline when the classifier sees a text-bearing object "
           "(sign, menu, web site, book...).",
           &C::ocr_when_text_likely),
      Text("vision.object_model", "OCULA_OBJECT_MODEL",
           "Object detector folder under model_dir: objects (PP-PicoDet-S 320), "
           "objects-picodet-416, objects-nanodet or objects-fastestdet.",
           &C::object_model),
      Text("vision.face_model", "OCULA_FACE_MODEL",
           "Face detector folder under model_dir: faces (YuNet) or faces-ultraface.",
           &C::face_model),
      Bool("vision.url_allow_private", "OCULA_URL_ALLOW_PRIVATE",
           "Let {\"url\"} bodies fetch from loopback, private and link-local addresses.",
           &C::url_allow_private),
      Number("vision.url_timeout_ms", "OCULA_URL_TIMEOUT_MS", "Time limit for fetching a URL.",
             &C::url_timeout_ms, 100, 600'000),
      Number("vision.url_max_redirects", "OCULA_URL_MAX_REDIRECTS",
             "Redirects followed when fetching a URL.", &C::url_max_redirects, 0, 10),
      Number("vision.inference_timeout_ms", "OCULA_INFERENCE_TIMEOUT_MS",
             "Time limit of one model run; a run past it is stopped and the analysis is "
             "retried, then failed with AnalysisTimeout. Enforced with onnxruntime only "
             "(OpenCV DNN cannot cancel a run). 0 = no limit. Keep models x limit under "
             "queue.visibility_timeout_s.",
             &C::inference_timeout_ms, 0, 3'600'000),
      Number("workers.threads", "OCULA_WORKERS", "Analysis threads; 0 = one per core.",
             &C::worker_threads, 0, 1024),
      Number("workers.nice", "OCULA_WORKER_NICE",
             "How much nicer (lower scheduling priority) analysis threads run than the "
             "rest of the process, so uploads and reads are served promptly while "
             "analysis uses the CPU left over. Role all only (a worker process has no "
             "HTTP to make room for). 0 = same priority.",
             &C::worker_nice, 0, 19),
      Number("workers.shutdown_deadline_s", "OCULA_SHUTDOWN_DEADLINE_S",
             "Seconds in-flight work may take to finish on shutdown.", &C::shutdown_deadline_s, 0,
             3600),
      Text("log.level", "OCULA_LOG_LEVEL", "trace, debug, info, warn, error.", &C::log_level,
           {"trace", "debug", "info", "warn", "error"}),
      Text("log.format", "OCULA_LOG_FORMAT", "text or json (one JSON object per line).",
           &C::log_format, {"text", "json"}),
  };
}

// TOML scalar -> the string form the setters parse.
std::optional<std::string> ScalarText(const toml::node& node) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *s;
  if (node.is_integer()) return absl::StrCat(*node.value<int64_t>());
  if (node.is_floating_point()) return absl::StrCat(*node.value<double>());
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  return std::nullopt;
}

Status ApplyFile(const std::string& file, Config& config) {
  toml::table table;
  try {
    table = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config file ", file, ": ", AbslView(e.description()), " at line ", e.source().begin.line));
  }
  std::set<std::string> known;
  for (const Setting& s : Settings()) known.insert(s.key);
  Status status;
  // Walk every leaf so that a misspelt key is an error, not silently ignored.
  std::function<void(const toml::table&, const std::string&)> walk =
      [&](const toml::table& t, const std::string& prefix) {
        for (const auto& [k, node] : t) {
          std::string key =
              prefix.empty() ? std::string(k.str()) : absl::StrCat(prefix, ".", AbslView(k.str()));
          if (const toml::table* sub = node.as_table()) {
            walk(*sub, key);
            continue;
          }
          if (!status.ok()) return;
          if (!known.count(key)) {
            status = absl::InvalidArgumentError(
                absl::StrCat("config file ", file, ": unknown setting '", key, "'"));
            return;
          }
          auto text = ScalarText(node);
          if (!text) {
            status = absl::InvalidArgumentError(
                absl::StrCat("config file ", file, ": '", key, "' must be a scalar"));
            return;
          }
          for (const Setting& s : Settings()) {
            if (s.key != key) continue;
            if (Status st = s.set(config, *text); !st.ok()) {
              status = absl::InvalidArgumentError(
                  absl::StrCat("config file ", file, ": ", key, ": ", st.message()));
            }
          }
        }
      };
  walk(table, "");
  return status;
}

std::string AbsolutePath(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

}  // namespace

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = MakeSettings();
  return settings;
}

// The queue lives in the metadata database only when that is SQLite.
Status FillDefaultBackends(Config& config) {
  std::string dir = AbsolutePath(config.data_dir);
  if (config.blob_uri.empty()) config.blob_uri = "file://" + dir + "/blobs";
  if (config.metadata_uri.empty()) config.metadata_uri = "sqlite://" + dir + "/ocula.db";
  if (config.events_uri.empty()) {
    if (!config.metadata_uri.starts_with("sqlite://")) {
      return absl::InvalidArgumentError(
          "storage.events is not set: the embedded queue lives in a sqlite:// metadata "
          "database; with another metadata store give the queue its own URI, e.g. "
          "nats://HOST:4222 (--events, OCULA_EVENTS; docs/deployment.md)");
    }
    config.events_uri = config.metadata_uri;
  }
  return absl::OkStatus();
}

StatusOr<Config> LoadConfig(const std::string& file, const EnvLookup& env,
                            const std::map<std::string, std::string>& flags) {
  Config config;
  if (!file.empty()) OCULA_RETURN_IF_ERROR(ApplyFile(file, config));
  for (const Setting& s : Settings()) {
    if (auto value = env(s.env)) {
      if (Status st = s.set(config, *value); !st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("environment ", s.env, ": ", st.message()));
      }
    }
  }
  for (const auto& [key, value] : flags) {
    auto it = std::find_if(Settings().begin(), Settings().end(),
                           [&key = key](const Setting& s) { return s.key == key; });
    if (it == Settings().end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown setting '", key, "'"));
    }
    if (Status st = it->set(config, value); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("flag for ", key, ": ", st.message()));
    }
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    bool cert = !config.tls_cert_file.empty();
    return absl::InvalidArgumentError(
        absl::StrCat(cert ? "server.tls_cert_file" : "server.tls_key_file", " is set but ",
                     cert ? "server.tls_key_file (OCULA_TLS_KEY_FILE)"
                          : "server.tls_cert_file (OCULA_TLS_CERT_FILE)",
                     " is not: TLS needs both, plain HTTP neither"));
  }
  // Both are made absolute below (std::filesystem::absolute throws on "").
  if (config.data_dir.empty()) return absl::InvalidArgumentError("data_dir must not be empty");
  if (config.model_dir.empty()) {
    return absl::InvalidArgumentError("vision.model_dir must not be empty");
  }
  config.model_dir = AbsolutePath(config.model_dir);
  OCULA_RETURN_IF_ERROR(FillDefaultBackends(config));
  return config;
}

}  // namespace ocula
