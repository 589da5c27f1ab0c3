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
#include <nlohmann/json.hpp>
#include <thread>

#include "core/clock.h"
#include "http_client.h"
#include "proc_stats.h"
#include "server_process.h"
#include "vision/analyzer.h"
#include "workload.h"

namespace ocula {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct BareResult {
  double images_per_s = 0;
  double cpu_s_per_image = 0;
  int64_t start_ms = 0, end_ms = 0;  // Clock::Real() (Unix ms), the timed loop only
};

// Writes when each measured phase ran, one "name start end" line each (Unix
// seconds), so that a system-wide profile can be split by phase
// (scripts/profile-pipeline.sh).
void WriteWindows(const std::string& path, const BareResult& before, int64_t pipeline_start_ms,
                  int64_t pipeline_end_ms, const BareResult& after) {
  std::ofstream out(path);
  auto line = [&out](const char* name, int64_t start_ms, int64_t end_ms) {
    out << name << ' ' << start_ms / 1000.0 << ' ' << end_ms / 1000.0 << '\n';
  };
  out.precision(15);
  line("bare_before", before.start_ms, before.end_ms);
  line("pipeline", pipeline_start_ms, pipeline_end_ms);
  line("bare_after", after.start_ms, after.end_ms);
}

// Bare per-image work: Analyzer::Analyze on `threads` threads over the photos
// (models loaded before the clock starts).
BareResult BareRate(const std::vector<std::string>& photos, int threads,
                    const AnalyzerOptions& options) {
  std::vector<std::unique_ptr<Analyzer>> analyzers;
  for (int t = 0; t < threads; ++t) {
    auto analyzer = Analyzer::Create(options);
    if (!analyzer.ok()) {
      std::cerr << analyzer.status().message() << "\n";
      std::exit(1);
    }
    analyzers.push_back(std::move(*analyzer));
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  double cpu_start_ms = bench::ClockMs(CLOCK_PROCESS_CPUTIME_ID);
  int64_t start_ms = Clock::Real().NowMs();
  auto start = SteadyClock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = next++; i < photos.size(); i = next++) (void)analyzers[t]->Analyze(photos[i]);
    });
  }
  for (auto& t : pool) t.join();
  double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  return {photos.size() / seconds,
          (bench::ClockMs(CLOCK_PROCESS_CPUTIME_ID) - cpu_start_ms) / 1000 / photos.size(),
          start_ms, Clock::Real().NowMs()};
}

struct PipelineResult {
  bench::WorkloadResult workload;
  bench::ProcessStats before, after;  // the server's, around the workload
};

PipelineResult RunPipeline(const std::vector<std::string>& photos, int concurrency,
                                  int workers, const std::string& engine,
                                  const std::string& features) {
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
  PipelineResult result;
  result.before = bench::ReadProcessStats(server.pid());
  result.workload = bench::RunWorkload(server.port(), photos, concurrency);
  result.after = bench::ReadProcessStats(server.pid());
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
  std::string engine = "onnxruntime", out = "bench/results/pipeline.json", windows;
  std::string features = "Categories,Tags,Description,Faces,ImageType,Color,Adult,Objects";
  app.add_option("--images", n, "Number of uploads");
  app.add_option("--concurrency", concurrency, "Concurrent upload clients");
  app.add_option("--workers", workers, "Analysis threads (0 = one per core)");
  app.add_option("--engine", engine, "onnxruntime or opencv");
  app.add_option("--features", features,
                 "Pipeline features (default: all but Text; \"\" = classification only)");
  app.add_option("--out", out, "JSON results file");
  app.add_option("--windows", windows,
                 "Also write when each phase ran (Unix seconds), for splitting a profile");
  CLI11_PARSE(app, argc, argv);
  auto feature_set = ParseFeatureList(features, /*allow_text=*/true);
  if (!feature_set.ok()) {
    std::cerr << feature_set.status().message() << "\n";
    return 2;
  }
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  auto photos = bench::LoadPhotos(testing::ServerProcess::SharedDir() + "/testdata/imagenet-dev", n);
  AnalyzerOptions options;
  options.engine = engine;
  options.model_dir = testing::ServerProcess::ModelDir();
  options.limits.max_bytes = 20u << 20;
  options.pipeline_features = *feature_set;
  options.ocr_when_text_likely = false;

  // The bare rate is taken before and after the pipeline and averaged, so
  // that a drift in the (shared, virtual) machine's speed during the run
  // biases the ratio less; both figures are printed.
  BareResult bare_before = BareRate(photos, workers, options);
  PipelineResult run = RunPipeline(photos, concurrency, workers, engine, features);
  BareResult bare_after = BareRate(photos, workers, options);
  BareResult bare{(bare_before.images_per_s + bare_after.images_per_s) / 2,
                  (bare_before.cpu_s_per_image + bare_after.cpu_s_per_image) / 2};
  const bench::WorkloadResult& p = run.workload;
  if (!windows.empty()) {
    WriteWindows(windows, bare_before, p.first_created_ms, p.last_done_ms, bare_after);
  }
  double efficiency = p.analysed_per_s / bare.images_per_s;
  double cpu_per_image = (run.after.cpu_s - run.before.cpu_s) / n;
  double p50 = bench::Percentile(p.latencies_ms, 0.5), p95 = bench::Percentile(p.latencies_ms, 0.95),
         p99 = bench::Percentile(p.latencies_ms, 0.99);

  std::printf("| metric | value |\n|---|---|\n");
  std::printf("| images, concurrency, workers, engine | %d, %d, %d, %s |\n", n, concurrency,
              workers, engine.c_str());
  std::printf("| features | %s |\n", features.empty() ? "(classification only)" : features.c_str());
  std::printf("| bare analysis (decode + models), mean | %.1f images/s, %.1f CPU ms/image |\n",
              bare.images_per_s, bare.cpu_s_per_image * 1000);
  std::printf("| bare analysis before / after the pipeline | %.1f / %.1f images/s |\n",
              bare_before.images_per_s, bare_after.images_per_s);
  std::printf("| uploads accepted | %.1f /s |\n", p.accepted_per_s);
  std::printf("| pipeline analysed | %.1f images/s, %.1f CPU ms/image (server) |\n",
              p.analysed_per_s, cpu_per_image * 1000);
  std::printf("| pipeline efficiency (analysed / bare) | %.2f |\n", efficiency);
  std::printf("| upload-to-done p50 / p95 / p99 | %.0f / %.0f / %.0f ms |\n", p50, p95, p99);
  std::printf("| server peak RSS | %.0f MB |\n", run.after.peak_rss_mb);
  std::printf("| failed | %d |\n", p.failed);

  nlohmann::json result = {{"time", std::time(nullptr)},
                           {"images", n},
                           {"concurrency", concurrency},
                           {"workers", workers},
                           {"engine", engine},
                           {"features", features},
                           {"bare_images_per_s", bare.images_per_s},
                           {"bare_before_images_per_s", bare_before.images_per_s},
                           {"bare_after_images_per_s", bare_after.images_per_s},
                           {"bare_cpu_ms_per_image", bare.cpu_s_per_image * 1000},
                           {"accepted_per_s", p.accepted_per_s},
                           {"analysed_per_s", p.analysed_per_s},
                           {"pipeline_cpu_ms_per_image", cpu_per_image * 1000},
                           {"efficiency", efficiency},
                           {"p50_ms", p50},
                           {"p95_ms", p95},
                           {"p99_ms", p99},
                           {"peak_rss_mb", run.after.peak_rss_mb},
                           {"failed", p.failed}};
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << result.dump(2) << "\n";
  return p.failed == 0 ? 0 : 1;
}
