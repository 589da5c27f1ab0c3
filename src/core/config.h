// Ocula's configuration: built-in defaults, then a TOML file, then OCULA_*
// environment variables, then command-line flags; later sources win.
// docs/configuration.md lists every setting (generated from Settings()).
// Domain code never sees this struct: app/ copies the parts each component
// needs into that component's own options.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/env.h"
#include "core/status.h"

namespace ocula {

struct Config {
  std::string data_dir = "./data";

  // [server]
  std::string listen = "127.0.0.1:8080";
  int io_threads = 4;
  // The pool for requests that wait on storage (uploads, deletions,
  // listings): more threads than cores, as each mostly waits for a sync.
  int storage_threads = 8;
  int storage_queue = 256;  // requests waiting for it; more are answered 503
  // The pool for requests that block long (URL fetches, on-demand analyses,
  // OCR, thumbnails, blob reads), so that they never hold the I/O threads or
  // the uploads.
  int blocking_threads = 4;
  int blocking_queue = 64;  // requests waiting for it; more are answered 503
  int header_timeout_s = 10;   // TLS handshake; request head
  int request_timeout_s = 60;  // whole request, head and body
  int idle_timeout_s = 30;     // keep-alive wait for the next request
  int max_connections = 1024;
  // Request bodies held in memory at once, all connections together; a
  // request that would go over is answered 503 before its body is read.
  int max_buffered_body_mb = 256;
  std::string tls_cert_file;  // both set = HTTPS; neither = plain HTTP
  std::string tls_key_file;
  std::string admin_key;       // bootstrap admin key; "" = keep or generate one
  std::string admin_key_file;  // a file holding it (preferred to the variable)
  int key_rate_per_s = 100;    // default rate of keys created without one
  std::string web_dir;  // "" = the front end built into the binary

  // [storage] backend URIs; empty = embedded default under data_dir.
  std::string blob_uri;
  std::string metadata_uri;
  std::string events_uri;
  // Images dropped into the blob store under this prefix are analysed too
  // (the reconciler, in api processes); "" turns it off.
  std::string reconcile_prefix = "incoming/";
  int reconcile_interval_s = 30;

  // [limits]
  uint64_t max_upload_bytes = 20ull << 20;
  int min_image_dimension = 50;
  int max_image_dimension = 16384;
  uint64_t max_image_pixels = 50'000'000;
  int max_image_frames = 100;
  std::string image_formats = "jpeg,png,webp,gif,tiff,bmp";

  // [queue]
  int visibility_timeout_s = 120;
  int max_attempts = 5;
  int retry_backoff_ms = 1000;
  int retry_backoff_max_ms = 60'000;
  int64_t max_backlog = 10'000;  // images waiting for analysis; uploads get 503 at it (0 = no limit)

  // [vision]
  std::string engine = "onnxruntime";  // or "opencv"
  std::string model_dir = "models";
  int top_tags = 5;
  double min_tag_confidence = 0.01;
  int model_retry_s = 10;
  std::string features = "Categories,Tags,Description,Faces,ImageType,Color,Adult,Objects";
  bool ocr_when_text_likely = true;
  std::string object_model = "objects";  // folder under model_dir
  std::string face_model = "faces";
  bool url_allow_private = false;
  int url_timeout_ms = 10'000;
  int url_max_redirects = 3;
  int inference_timeout_ms = 30'000;  // 0 = no limit

  // [workers]
  int worker_threads = 0;  // 0 = one per core
  int shutdown_deadline_s = 30;
  int worker_nice = 5;  // analysis threads' niceness above the HTTP threads'

  // [log]
  std::string log_level = "info";
  std::string log_format = "text";  // or "json"
};

// One configurable value: its TOML key ("section.name" or "name" at top level),
// its environment variable, and how to read and print it.
struct Setting {
  std::string key;
  std::string env;
  std::string help;
  std::function<Status(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> get;
};

// Every setting, in documentation order.
const std::vector<Setting>& Settings();

// Loads the configuration. `file` may be empty (no file). `flags` maps setting
// keys to values given on the command line. Errors (InvalidArgument) name the
// source and key: an unknown key in the file, a value of the wrong type, a bad
// value. Backend URIs left empty are filled with embedded defaults under
// data_dir (made absolute).
StatusOr<Config> LoadConfig(const std::string& file, const EnvLookup& env,
                            const std::map<std::string, std::string>& flags);

// Applies the embedded defaults for empty backend URIs. InvalidArgument when
// the event bus is left empty beside a metadata store that cannot hold it.
Status FillDefaultBackends(Config& config);

}  // namespace ocula
