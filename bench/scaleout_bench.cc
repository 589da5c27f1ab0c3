// Scale-out benchmark: the same upload workload on the embedded defaults (one
// `ocula serve`, SQLite, files) and scaled out (an api process and worker
// processes of the real binary on PostgreSQL, NATS JetStream and the S3 test
// server, all on loopback), each with one and with two analysis workers.
// Reports each run's rates and the ratios that matter: scale-out / embedded
// and two workers / one, all measured in the same run.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "nats_server.h"
#include "object_store_servers.h"
#include "postgres_server.h"
#include "server_process.h"
#include "workload.h"

namespace ocula {
namespace {

struct Run {
  std::string name;
  bench::WorkloadResult result;
};

std::map<std::string, std::string> Common(const std::string& features) {
  return {{"OCULA_FEATURES", features},
          {"OCULA_OCR_WHEN_TEXT_LIKELY", "false"},
          {"OCULA_LOG_LEVEL", "warn"},
          {"OCULA_RECONCILE_PREFIX", ""}};
}

void Require(bool ok, const testing::ServerProcess& process) {
  if (ok) return;
  std::cerr << "a server did not start:\n" << process.log();
  std::exit(1);
}

// One `ocula serve --role all` with `workers` analysis threads.
bench::WorkloadResult Embedded(const std::vector<std::string>& photos, int concurrency,
                               int workers, const std::string& features) {
  auto env = Common(features);
  env["OCULA_WORKERS"] = std::to_string(workers);
  std::string dir = testing::MakeTempDir("ocula-bench-embedded");
  testing::ServerProcess server(dir, env);
  Require(server.Start() && server.WaitReady(), server);
  auto result = bench::RunWorkload(server.port(), photos, concurrency);
  server.Terminate();
  std::filesystem::remove_all(dir);
  return result;
}

// An api process and `workers` worker processes of one thread each.
bench::WorkloadResult ScaledOut(const std::vector<std::string>& photos, int concurrency,
                                int workers, const std::string& features,
                                testing::PostgresServer& pg, testing::S3Server& s3, int run) {
  testing::NatsServer nats;
  if (Status s = nats.Start(); !s.ok()) {
    std::cerr << s << "\n";
    std::exit(1);
  }
  auto schema = pg.NewSchema();
  if (!schema.ok()) {
    std::cerr << schema.status() << "\n";
    std::exit(1);
  }
  PostgresConfig pg_config = pg.ConfigFor(*schema);
  auto env = Common(features);
  env.insert({{"OCULA_BLOB", "s3://" + std::string(testing::S3Server::kBucket) + "/bench" +
                                 std::to_string(run) + "?endpoint=" + s3.endpoint()},
              {"AWS_ACCESS_KEY_ID", testing::S3Server::kAccessKey},
              {"AWS_SECRET_ACCESS_KEY", testing::S3Server::kSecret},
              {"OCULA_METADATA", pg_config.conninfo + "&password_file=" + pg_config.password_file},
              {"OCULA_EVENTS", nats.url()},
              {"OCULA_WORKERS", "1"}});
  std::vector<std::string> dirs;
  std::vector<std::unique_ptr<testing::ServerProcess>> processes;
  for (int i = 0; i <= workers; ++i) {
    dirs.push_back(testing::MakeTempDir("ocula-bench-scaleout"));
    processes.push_back(std::make_unique<testing::ServerProcess>(
        dirs.back(), env, std::vector<std::string>{"--role", i == 0 ? "api" : "worker"}));
    Require(processes.back()->Start(), *processes.back());
  }
  testing::ServerProcess& api = *processes.front();
  Require(api.WaitReady(), api);
  auto result = bench::RunWorkload(api.port(), photos, concurrency);
  for (auto& p : processes) p->Terminate();
  for (const std::string& dir : dirs) std::filesystem::remove_all(dir);
  return result;
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  using namespace ocula;
  CLI::App app{"Ocula scale-out benchmark"};
  int n = 200, concurrency = 8;
  std::string features = "Tags", out = "bench/results/scaleout.json";
  app.add_option("--images", n, "Uploads per run");
  app.add_option("--concurrency", concurrency, "Concurrent upload clients");
  app.add_option("--features", features, "Pipeline features (default Tags: classification)");
  app.add_option("--out", out, "JSON results file");
  CLI11_PARSE(app, argc, argv);

  auto photos =
      bench::LoadPhotos(testing::ServerProcess::SharedDir() + "/testdata/imagenet-dev", n);
  auto pg = testing::PostgresServer::Start();
  if (!pg.ok()) {
    std::cerr << pg.status() << "\n";
    return 1;
  }
  testing::S3Server s3;

  std::vector<Run> runs;
  runs.push_back({"embedded, 1 worker", Embedded(photos, concurrency, 1, features)});
  runs.push_back({"embedded, 2 workers", Embedded(photos, concurrency, 2, features)});
  runs.push_back({"scale-out, 1 worker", ScaledOut(photos, concurrency, 1, features, **pg, s3, 1)});
  runs.push_back({"scale-out, 2 workers", ScaledOut(photos, concurrency, 2, features, **pg, s3, 2)});

  std::printf("| run | accepted/s | analysed/s | p50 / p99 upload-to-done | failed |\n");
  std::printf("|---|---|---|---|---|\n");
  nlohmann::json json_runs = nlohmann::json::array();
  for (const Run& run : runs) {
    const auto& r = run.result;
    std::printf("| %s | %.1f | %.1f | %.0f / %.0f ms | %d |\n", run.name.c_str(),
                r.accepted_per_s, r.analysed_per_s, bench::Percentile(r.latencies_ms, 0.5),
                bench::Percentile(r.latencies_ms, 0.99), r.failed);
    json_runs.push_back({{"run", run.name},
                         {"accepted_per_s", r.accepted_per_s},
                         {"analysed_per_s", r.analysed_per_s},
                         {"p50_ms", bench::Percentile(r.latencies_ms, 0.5)},
                         {"p99_ms", bench::Percentile(r.latencies_ms, 0.99)},
                         {"failed", r.failed}});
  }
  auto analysed = [&](size_t i) { return runs[i].result.analysed_per_s; };
  auto accepted = [&](size_t i) { return runs[i].result.accepted_per_s; };
  nlohmann::json ratios = {
      {"scaleout_vs_embedded_analysed_1_worker", analysed(2) / analysed(0)},
      {"scaleout_vs_embedded_analysed_2_workers", analysed(3) / analysed(1)},
      {"scaleout_vs_embedded_accepted_1_worker", accepted(2) / accepted(0)},
      {"two_vs_one_worker_embedded", analysed(1) / analysed(0)},
      {"two_vs_one_worker_scaleout", analysed(3) / analysed(2)}};
  std::printf("\n| ratio (same run) | value |\n|---|---|\n");
  for (const auto& [name, value] : ratios.items()) {
    std::printf("| %s | %.2f |\n", name.c_str(), value.get<double>());
  }
  nlohmann::json result = {{"time", std::time(nullptr)}, {"images", n},
                           {"concurrency", concurrency}, {"features", features},
                           {"runs", json_runs},          {"ratios", ratios}};
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << result.dump(2) << "\n";
  int failed = 0;
  for (const Run& run : runs) failed += run.result.failed;
  return failed == 0 ? 0 : 1;
}
