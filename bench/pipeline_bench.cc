// Pipeline benchmark: upload N photos at concurrency C to a real `ocula serve`
// and report accepted/s, analysed/s and upload-to-done latency, next to the
// bare analysis rate (the same decode + model code in a loop on the same
// number of threads, no HTTP, storage, queue or database), so the pipeline's
// overhead shows as one ratio: efficiency = analysed/s / bare images/s.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.h"
#include "server_process.h"
#include "vision/analyzer.h"

namespace ocula {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

std::vector<std::string> LoadPhotos(const std::string& dir, int n) {
  std::vector<std::string> files;
  for (auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> photos;
  for (int i = 0; i < n; ++i) photos.push_back(testing::ReadFile(files[i % files.size()]));
  return photos;
}

// "2026-11-21T23:49:55.123Z" -> epoch ms
int64_t ParseRfc3339Ms(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
              &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

// Bare per-image work: Analyzer::Analyze on `threads` threads over the photos.
double BareRate(const std::vector<std::string>& photos, int threads,
                const AnalyzerOptions& options) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  auto start = SteadyClock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto analyzer = Analyzer::Create(options);
      if (!analyzer.ok()) {
        std::cerr << analyzer.status().message() << "\n";
        std::exit(1);
      }
      for (size_t i = next++; i < photos.size(); i = next++) (void)(*analyzer)->Analyze(photos[i]);
    });
  }
  for (auto& t : pool) t.join();
  return photos.size() / std::chrono::duration<double>(SteadyClock::now() - start).count();
}

struct PipelineResult {
  double accepted_per_s = 0, analysed_per_s = 0;
  std::vector<double> latencies_ms;
  int failed = 0;
};

PipelineResult RunPipeline(const std::vector<std::string>& photos, int concurrency, int workers,
                           const std::string& engine, const std::string& features) {
  std::string dir = testing::MakeTempDir("ocula-bench");
  testing::ServerProcess server(dir, {{"OCULA_WORKERS", std::to_string(workers)},
                                      {"OCULA_ENGINE", engine},
                                      {"OCULA_FEATURES", features},
                                      {"OCULA_OCR_WHEN_TEXT_LIKELY", "false"},
                                      {"OCULA_LOG_LEVEL", "warn"}});
  if (!server.Start() || !server.WaitReady()) {
    std::cerr << "server did not start:\n" << server.log();
    std::exit(1);
  }
  std::vector<std::string> ids(photos.size());
  std::atomic<size_t> next{0};
  auto start = SteadyClock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&] {
      for (size_t i = next++; i < photos.size(); i = next++) {
        auto r = testing::Post(server.port(), "/v1/images", "image/jpeg", photos[i]);
        if (r.status == 202) ids[i] = json::parse(r.body)["id"];
      }
    });
  }
  for (auto& t : clients) t.join();
  PipelineResult result;
  result.accepted_per_s =
      photos.size() / std::chrono::duration<double>(SteadyClock::now() - start).count();
  // Server timestamps give exact upload-to-done times without polling error.
  int64_t first_created = INT64_MAX, last_done = 0;
  for (const std::string& id : ids) {
    json doc = json::parse(testing::WaitForAnalysis(server.port(), id, 600000));
    if (doc["status"] != "done") ++result.failed;
    int64_t created = ParseRfc3339Ms(doc["createdAt"]);
    int64_t done = ParseRfc3339Ms(doc["updatedAt"]);
    first_created = std::min(first_created, created);
    last_done = std::max(last_done, done);
    result.latencies_ms.push_back(static_cast<double>(done - created));
  }
  result.analysed_per_s = photos.size() * 1000.0 / std::max<int64_t>(1, last_done - first_created);
  server.Terminate();
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  using namespace ocula;
  CLI::App app{"Ocula pipeline benchmark"};
  int n = 300, concurrency = 8, workers = 0;
  std::string engine = "onnxruntime", out = "bench/results/pipeline.json";
  std::string features = "Categories,Tags,Description,Faces,ImageType,Color,Adult,Objects";
  app.add_option("--images", n, "Number of uploads");
  app.add_option("--concurrency", concurrency, "Concurrent upload clients");
  app.add_option("--workers", workers, "Analysis threads (0 = one per core)");
  app.add_option("--engine", engine, "onnxruntime or opencv");
  app.add_option("--features", features,
                 "Pipeline features (default: all but Text; \"\" = classification only)");
  app.add_option("--out", out, "JSON results file");
  CLI11_PARSE(app, argc, argv);
  auto feature_set = ParseFeatureList(features, /*allow_text=*/true);
  if (!feature_set.ok()) {
    std::cerr << feature_set.status().message() << "\n";
    return 2;
  }
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  auto photos = LoadPhotos(testing::ServerProcess::SharedDir() + "/testdata/imagenet-dev", n);
  AnalyzerOptions options;
  options.engine = engine;
  options.model_dir = testing::ServerProcess::ModelDir();
  options.limits.max_bytes = 20u << 20;
  options.pipeline_features = *feature_set;
  options.ocr_when_text_likely = false;

  double bare = BareRate(photos, workers, options);
  PipelineResult p = RunPipeline(photos, concurrency, workers, engine, features);
  double efficiency = p.analysed_per_s / bare;

  std::printf("| metric | value |\n|---|---|\n");
  std::printf("| images, concurrency, workers, engine | %d, %d, %d, %s |\n", n, concurrency,
              workers, engine.c_str());
  std::printf("| features | %s |\n", features.empty() ? "(classification only)" : features.c_str());
  std::printf("| bare analysis (decode + model) | %.1f images/s |\n", bare);
  std::printf("| uploads accepted | %.1f /s |\n", p.accepted_per_s);
  std::printf("| pipeline analysed | %.1f images/s |\n", p.analysed_per_s);
  std::printf("| pipeline efficiency (analysed / bare) | %.2f |\n", efficiency);
  std::printf("| upload-to-done p50 / p99 | %.0f / %.0f ms |\n", Percentile(p.latencies_ms, 0.5),
              Percentile(p.latencies_ms, 0.99));
  std::printf("| failed | %d |\n", p.failed);

  nlohmann::json result = {
      {"time", std::time(nullptr)},      {"images", n},
      {"concurrency", concurrency},      {"workers", workers},
      {"engine", engine},                {"features", features},
      {"bare_images_per_s", bare},
      {"accepted_per_s", p.accepted_per_s}, {"analysed_per_s", p.analysed_per_s},
      {"efficiency", efficiency},        {"p50_ms", Percentile(p.latencies_ms, 0.5)},
      {"p99_ms", Percentile(p.latencies_ms, 0.99)}, {"failed", p.failed}};
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << result.dump(2) << "\n";
  return p.failed == 0 ? 0 : 1;
}
