// The durable steps of one image's way through the embedded pipeline, each
// timed alone on one thread, in ms per image (wall and process CPU): the
// upload (checks, SHA-256, header probe, fsynced blob write, document +
// outbox event in one commit), the relay to the queue, the worker's claim,
// status update, blob read, embedding and result writes, and the ack. The
// stores are the embedded ones (files + SQLite, one database file) in a temp
// directory ($TMPDIR, default /tmp): the cost the pipeline adds to the bare
// analysis, step by step. The analysis written is a real one (the Analyzer on
// one photo, default features), so the result write has its real size.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "blob/blob_store_fs.h"
#include "events/blob_created.h"
#include "events/event_bus_sqlite.h"
#include "events/outbox_relay.h"
#include "http_client.h"
#include "metadata/metadata_store_sqlite.h"
#include "pipeline/ingest.h"
#include "proc_stats.h"
#include "server_process.h"
#include "vision/analyzer.h"

namespace ocula {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "store bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const Status& status, const char* step) {
  if (!status.ok()) Fail(std::string(step) + ": " + status.ToString());
}

struct Step {
  std::string name;
  double wall_ms = 0;  // per image
  double cpu_ms = 0;
};

// Runs `fn(i)` for i in [0, n) and returns its mean cost per call.
Step Time(const std::string& name, size_t n, const std::function<void(size_t)>& fn) {
  double wall0 = bench::ClockMs(CLOCK_MONOTONIC), cpu0 = bench::ClockMs(CLOCK_PROCESS_CPUTIME_ID);
  for (size_t i = 0; i < n; ++i) fn(i);
  return {name, (bench::ClockMs(CLOCK_MONOTONIC) - wall0) / n, (bench::ClockMs(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / n};
}

// The analysis of `photo` by the default pipeline, as the worker stores it.
ImageResult RealResult(const std::string& photo, Analysis* analysis_out) {
  AnalyzerOptions options;
  options.model_dir = std::string(OCULA_SOURCE_DIR) + "/models";
  auto analyzer = Analyzer::Create(options);
  if (!analyzer.ok()) Fail(analyzer.status().ToString() + " (run scripts/prepare-models.sh)");
  auto analysis = (*analyzer)->Analyze(photo);
  if (!analysis.ok()) Fail(analysis.status().ToString());
  ImageResult result;
  result.metadata_json = analysis->metadata_json;
  result.analysis_json = analysis->analysis_json;
  result.pipeline_version = (*analyzer)->PipelineVersion();
  *analysis_out = *std::move(analysis);
  return result;
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  using namespace ocula;
  CLI::App app{"Ocula durable-path step costs"};
  size_t n = 300;
  app.add_option("--images", n, "images taken through every step");
  CLI11_PARSE(app, argc, argv);

  const std::string photo = testing::ReadFile(testing::ServerProcess::SharedDir() +
                                              "/testdata/imagenet-dev/n02948072_candle.JPEG");
  Analysis analysis;
  const ImageResult result = RealResult(photo, &analysis);
  const std::string dir = testing::MakeTempDir("ocula-bench-store");
  auto blobs = MakeFsBlobStore(dir + "/blobs");
  auto metadata = OpenSqliteMetadataStore(dir + "/ocula.db", Clock::Real());
  auto bus = OpenSqliteEventBus(dir + "/ocula.db", EventBusOptions{}, Clock::Real());
  if (!blobs.ok() || !metadata.ok() || !bus.ok()) Fail("cannot open the stores in " + dir);
  Ingest ingest(**blobs, **metadata, ImageLimits{}, Clock::Real(), nullptr);
  OutboxRelay relay(**metadata, **bus);

  std::vector<std::string> ids(n), blob_keys(n);
  std::vector<Message> messages(n);
  std::vector<Step> steps;
  steps.push_back(Time("upload: checks, SHA-256, probe, blob write + fsync, document + event commit", n,
                       [&](size_t i) {
                         auto created = ingest.Upload({photo, "image/jpeg", "", ""});
                         Check(created.status(), "upload");
                         ids[i] = created->image.id;
                         blob_keys[i] = created->image.blob_key;
                       }));
  steps.push_back(Time("relay: event to the queue, outbox row marked (one event per pass)", n,
                       [&](size_t) { Check(relay.RelayOnce(), "relay"); }));
  steps.push_back(Time("claim the event (lease commit)", n, [&](size_t i) {
    auto message = (*bus)->Receive(kBlobCreatedTopic, std::chrono::milliseconds(0));
    Check(message.status(), "claim");
    if (!*message) Fail("the queue ran dry");
    messages[i] = **message;
  }));
  steps.push_back(Time("read the document", n, [&](size_t i) {
    Check((*metadata)->GetImage(ids[i]).status(), "get");
  }));
  steps.push_back(Time("mark processing (commit)", n, [&](size_t i) {
    Check((*metadata)->MarkProcessing(ids[i]), "mark processing");
  }));
  steps.push_back(Time("read the blob", n, [&](size_t i) {
    Check((*blobs)->Get(blob_keys[i]).status(), "blob read");
  }));
  steps.push_back(Time("write the embedding (commit)", n, [&](size_t i) {
    Check((*metadata)->PutEmbedding(ids[i], analysis.embedding_model, analysis.embedding),
          "embedding");
  }));
  steps.push_back(Time("write the result document (commit)", n, [&](size_t i) {
    Check((*metadata)->SetResult(ids[i], result), "result");
  }));
  steps.push_back(Time("ack the event (commit)", n, [&](size_t i) {
    Check((*bus)->Ack(messages[i]), "ack");
  }));

  std::printf("%zu images, one thread, stores in %s (result document %zu bytes, embedding %zu floats)\n\n",
              n, dir.c_str(), result.analysis_json.size(), analysis.embedding.size());
  std::printf("| step | wall ms/image | CPU ms/image |\n|---|---:|---:|\n");
  Step total{"total", 0, 0};
  for (const Step& s : steps) {
    std::printf("| %s | %.3f | %.3f |\n", s.name.c_str(), s.wall_ms, s.cpu_ms);
    total.wall_ms += s.wall_ms;
    total.cpu_ms += s.cpu_ms;
  }
  std::printf("| **total** | **%.3f** | **%.3f** |\n", total.wall_ms, total.cpu_ms);
  std::filesystem::remove_all(dir);
  return 0;
}
