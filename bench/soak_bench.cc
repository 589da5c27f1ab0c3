// Memory soak: a real `ocula serve` on its defaults (every default model
// loaded) receiving uploads from --concurrency clients without pause for
// --minutes, its resident memory sampled every 5 s. Clients honour 503 +
// Retry-After (the backlog limit), as a well-behaved client would.
// Reports steady-state RSS, peak RSS and growth between the second minute and
// the last; prints a Markdown table and writes bench/results/soak.json.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.h"
#include "proc_stats.h"
#include "server_process.h"
#include "workload.h"

namespace ocula {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Sample {
  double at_s;
  double rss_mb;
};

double Median(std::vector<double> v) { return bench::Percentile(std::move(v), 0.5); }

// Median RSS of the samples taken in [from_s, to_s).
double MedianBetween(const std::vector<Sample>& samples, double from_s, double to_s) {
  std::vector<double> v;
  for (const Sample& s : samples) {
    if (s.at_s >= from_s && s.at_s < to_s) v.push_back(s.rss_mb);
  }
  return Median(v);
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  using namespace ocula;
  CLI::App app{"Ocula memory soak"};
  double minutes = 10;
  int concurrency = 64;
  std::string out = "bench/results/soak.json";
  app.add_option("--minutes", minutes, "Duration of the soak");
  app.add_option("--concurrency", concurrency, "Concurrent upload clients");
  app.add_option("--out", out, "JSON results file");
  CLI11_PARSE(app, argc, argv);

  auto photos = bench::LoadPhotos(testing::ServerProcess::SharedDir() + "/testdata/imagenet-dev", 100);
  std::string dir = testing::MakeTempDir("ocula-bench-soak");
  testing::ServerProcess server(dir, {{"OCULA_LOG_LEVEL", "warn"}});
  if (!server.Start() || !server.WaitReady()) {
    std::cerr << "server did not start:\n" << server.log();
    return 1;
  }
  const double seconds = minutes * 60;
  const auto start = SteadyClock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(SteadyClock::now() - start).count(); };
  std::atomic<long> accepted{0}, refused{0}, errors{0};
  std::atomic<size_t> next{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&] {
      while (elapsed() < seconds) {
        auto r = testing::Post(server.port(), "/v1/images", "image/jpeg",
                               photos[next++ % photos.size()]);
        if (r.status == 202) {
          ++accepted;
        } else if (r.status == 503) {
          ++refused;
          int wait_s = std::clamp(std::atoi(r.Header("retry-after").c_str()), 1, 10);
          std::this_thread::sleep_for(std::chrono::seconds(wait_s));
        } else {
          ++errors;
        }
      }
    });
  }
  std::vector<Sample> samples;
  while (elapsed() < seconds) {
    samples.push_back({elapsed(), bench::ReadProcessStats(server.pid()).rss_mb});
    std::this_thread::sleep_for(std::chrono::seconds(5));
  }
  for (auto& t : clients) t.join();
  bench::ProcessStats end = bench::ReadProcessStats(server.pid());
  double done = bench::AnalysesDone(server.port());
  server.Kill9();
  std::filesystem::remove_all(dir);

  std::vector<double> all;
  for (const Sample& s : samples) all.push_back(s.rss_mb);
  double warm = std::min(60.0, seconds / 3);
  double steady = MedianBetween(samples, warm, seconds + 1);
  double early = MedianBetween(samples, warm, std::min(seconds, warm + 60));
  double late = MedianBetween(samples, std::max(warm, seconds - 60), seconds + 1);
  double max_rss = all.empty() ? 0 : *std::max_element(all.begin(), all.end());

  std::printf("| minute | RSS MB (median of samples) |\n|---|---|\n");
  for (int m = 0; m < static_cast<int>(std::ceil(minutes)); ++m) {
    std::printf("| %d | %.0f |\n", m + 1, MedianBetween(samples, m * 60.0, (m + 1) * 60.0));
  }
  std::printf("\n| metric | value |\n|---|---|\n");
  std::printf("| minutes, concurrent upload clients | %.1f, %d |\n", minutes, concurrency);
  std::printf("| uploads accepted / refused (503) / other errors | %ld / %ld / %ld |\n",
              accepted.load(), refused.load(), errors.load());
  std::printf("| analyses done | %.0f |\n", done);
  std::printf("| steady-state RSS (median after %.0f s) | %.0f MB |\n", warm, steady);
  std::printf("| highest sample / peak RSS (VmHWM) | %.0f / %.0f MB |\n", max_rss, end.peak_rss_mb);
  std::printf("| growth, last minute vs first minute after warm-up | %+.0f MB |\n", late - early);

  nlohmann::json samples_json = nlohmann::json::array();
  for (const Sample& s : samples) samples_json.push_back({s.at_s, s.rss_mb});
  nlohmann::json result = {{"time", std::time(nullptr)},      {"minutes", minutes},
                           {"concurrency", concurrency},      {"accepted", accepted.load()},
                           {"refused", refused.load()},       {"errors", errors.load()},
                           {"analysed", done},                {"steady_rss_mb", steady},
                           {"max_sample_rss_mb", max_rss},    {"peak_rss_mb", end.peak_rss_mb},
                           {"growth_mb", late - early},       {"samples", samples_json}};
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << result.dump(2) << "\n";
  return errors.load() == 0 ? 0 : 1;
}
