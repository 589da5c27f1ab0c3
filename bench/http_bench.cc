// HTTP benchmarks with wrk (Debian's package) as the load generator, a second
// process on the same machine:
//   read   - GET /v1/images/{id} for random ids on a store of --documents
//            analysed documents (seeded through the SQLite metadata store),
//            at each of --read-connections (latency against throughput);
//   upload - POST a ~100 KB JPEG on keep-alive connections while the default
//            pipeline analyses what arrives (upload acceptance: blob stored,
//            document and event committed).
// Prints a Markdown table and writes bench/results/http.json.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/ids.h"
#include "http_client.h"
#include "metadata/metadata_store_sqlite.h"
#include "proc_stats.h"
#include "server_process.h"
#include "workload.h"

namespace ocula {
namespace {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "ocula_bench_http: " << message << "\n";
  std::exit(1);
}

std::string WrkScript(const std::string& name) {
  return std::string(OCULA_SOURCE_DIR) + "/bench/wrk/" + name;
}

struct WrkResult {
  double requests_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  long non_2xx = 0;
  long errors = 0;  // socket errors: connect, read, write, timeout
  std::string output;
};

// "1.23ms" / "456.00us" / "1.01s" -> ms
double ToMs(const std::string& value, const std::string& unit) {
  double v = std::stod(value);
  if (unit == "us") return v / 1000;
  if (unit == "s") return v * 1000;
  if (unit == "m") return v * 60000;
  return v;
}

double Latency(const std::string& out, const std::string& percentile) {
  std::smatch m;
  std::regex re("\\n\\s*" + percentile + "%\\s+([0-9.]+)(us|ms|s|m)\\b");
  return std::regex_search(out, m, re) ? ToMs(m[1], m[2]) : -1;
}

long Count(const std::string& out, const std::string& pattern) {
  std::smatch m;
  long total = 0;
  std::string rest = out;
  std::regex re(pattern);
  while (std::regex_search(rest, m, re)) {
    total += std::stol(m[1]);
    rest = m.suffix();
  }
  return total;
}

// Runs wrk against 127.0.0.1:port with `script` and its arguments.
WrkResult RunWrk(int port, int threads, int connections, int seconds, const std::string& script,
                 const std::vector<std::string>& script_args) {
  std::ostringstream cmd;
  cmd << "wrk -t" << threads << " -c" << connections << " -d" << seconds << "s --latency -s '"
      << WrkScript(script) << "' http://127.0.0.1:" << port << " --";
  for (const auto& a : script_args) cmd << " '" << a << "'";
  cmd << " 2>&1";
  FILE* pipe = popen(cmd.str().c_str(), "r");
  if (!pipe) Fail("cannot run wrk");
  WrkResult result;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) result.output.append(buf, n);
  int rc = pclose(pipe);
  if (rc != 0 || result.output.find("Requests/sec") == std::string::npos) {
    Fail("wrk failed (is it installed? scripts/deps.sh installs Debian's wrk):\n" + result.output);
  }
  std::smatch m;
  std::regex rps("Requests/sec:\\s+([0-9.]+)");
  if (std::regex_search(result.output, m, rps)) result.requests_per_s = std::stod(m[1]);
  result.p50_ms = Latency(result.output, "50");
  result.p99_ms = Latency(result.output, "99");
  result.non_2xx = Count(result.output, "Non-2xx or 3xx responses: ([0-9]+)");
  result.errors = Count(result.output, "(?:connect|read|write|timeout) ([0-9]+)");
  return result;
}

void Require(bool ok, const testing::ServerProcess& server) {
  if (!ok) Fail("the server did not start:\n" + server.log());
}

// A fresh directory under /dev/shm when it exists: the read test's store is
// served from memory either way (page cache), and seeding 100,000 documents
// with an fsync per commit would take minutes of disk time.
std::string MemoryTempDir() {
  if (!std::filesystem::is_directory("/dev/shm")) return testing::MakeTempDir("ocula-bench-http");
  std::string pattern = "/dev/shm/ocula-bench-http-XXXXXX";
  char* made = mkdtemp(pattern.data());
  if (!made) Fail("cannot create a directory in /dev/shm");
  return made;
}

// One real analysed document (uploaded and analysed by the server), then
// `count - 1` copies of it under new ids, written straight to the store.
// Returns every id.
std::vector<std::string> SeedDocuments(const std::string& dir, const std::string& photo,
                                       int count) {
  std::string first;
  {
    testing::ServerProcess server(dir, {{"OCULA_LOG_LEVEL", "warn"}});
    Require(server.Start() && server.WaitReady(), server);
    auto r = testing::Post(server.port(), "/v1/images", "image/jpeg", photo);
    if (r.status != 202) Fail("seed upload failed: " + r.body);
    first = json::parse(r.body)["id"];
    if (testing::WaitForAnalysis(server.port(), first).empty()) Fail("seed analysis timed out");
    server.Terminate();
  }
  auto store = OpenSqliteMetadataStore(dir + "/ocula.db");
  if (!store.ok()) Fail(std::string(store.status().message()));
  auto model = (*store)->GetImage(first);
  if (!model.ok() || model->status != ImageStatus::kDone) Fail("seed document is not done");
  std::vector<std::string> ids = {first};
  std::vector<std::string> events;
  int64_t now = model->created_ms;
  for (int i = 1; i < count; ++i) {
    ImageRecord copy = *model;
    copy.id = NewId(now + i);
    OutboxEvent event{NewId(now + i), "bench-seed", "{}", now + i};
    if (auto s = (*store)->CreateImage(copy, event); !s.ok()) Fail(s.status().ToString());
    ids.push_back(copy.id);
    events.push_back(event.id);
    if (events.size() == 1000 || i == count - 1) {
      if (Status s = (*store)->MarkRelayed(events); !s.ok()) Fail(s.ToString());
      events.clear();
    }
  }
  return ids;
}

// One load level of the read test.
struct ReadResult {
  int connections = 0;
  WrkResult wrk;
  double server_cpu_us_per_request = 0;
  double server_rss_mb = 0;
};

// Seeds the store once, then runs wrk at each of `connection_levels` in turn
// against one server (after a short unreported warm-up), so the levels differ
// only in the offered concurrency: latency against throughput.
std::vector<ReadResult> ReadTest(const std::string& photo, int documents, int threads,
                                 const std::vector<int>& connection_levels, int seconds) {
  std::string dir = MemoryTempDir();
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> ids = SeedDocuments(dir, photo, documents);
  std::fprintf(stderr, "seeded %d documents in %.0f s\n", documents,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::string ids_file = dir + "/ids.txt";
  {
    std::ofstream out(ids_file);
    for (const auto& id : ids) out << id << "\n";
  }
  testing::ServerProcess server(dir, {{"OCULA_LOG_LEVEL", "warn"}});
  Require(server.Start() && server.WaitReady(), server);
  if (testing::Get(server.port(), "/v1/images/" + ids.back()).status != 200) {
    Fail("a seeded document cannot be read");
  }
  const std::vector<std::string> script_args = {ids_file, testing::kTestAdminKey};
  RunWrk(server.port(), threads, connection_levels.front(), 2, "get_by_id.lua", script_args);
  std::vector<ReadResult> results;
  for (int connections : connection_levels) {
    ReadResult result;
    result.connections = connections;
    auto before = bench::ReadProcessStats(server.pid());
    result.wrk = RunWrk(server.port(), threads, connections, seconds, "get_by_id.lua", script_args);
    auto after = bench::ReadProcessStats(server.pid());
    double requests = result.wrk.requests_per_s * seconds;
    result.server_cpu_us_per_request = (after.cpu_s - before.cpu_s) * 1e6 / std::max(1.0, requests);
    result.server_rss_mb = after.rss_mb;
    results.push_back(std::move(result));
  }
  server.Kill9();
  std::filesystem::remove_all(dir);
  return results;
}

struct UploadResult {
  WrkResult wrk;
  double accepted_per_s = 0;  // answered 2xx (wrk's rate counts every answer)
  double analysed_per_s = 0;  // while the uploads ran
};

UploadResult UploadTest(const std::string& photo_path, int threads, int connections, int seconds) {
  std::string dir = testing::MakeTempDir("ocula-bench-upload");
  testing::ServerProcess server(dir, {{"OCULA_LOG_LEVEL", "warn"}});
  Require(server.Start() && server.WaitReady(), server);
  UploadResult result;
  double done_before = bench::AnalysesDone(server.port());
  result.wrk = RunWrk(server.port(), threads, connections, seconds, "upload.lua",
                      {photo_path, testing::kTestAdminKey});
  result.analysed_per_s = (bench::AnalysesDone(server.port()) - done_before) / seconds;
  result.accepted_per_s =
      std::max(0.0, result.wrk.requests_per_s - static_cast<double>(result.wrk.non_2xx) / seconds);
  server.Kill9();  // the backlog is not needed
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  using namespace ocula;
  CLI::App app{"Ocula HTTP benchmark (wrk)"};
  int documents = 100000, seconds = 10, threads = 2, upload_connections = 8;
  std::vector<int> read_connections = {8, 16, 32, 64};
  std::string test = "all", out = "bench/results/http.json";
  std::string photo = "n02948072_candle.JPEG";  // 100,495 bytes, 500x375
  app.add_option("--test", test, "read, upload or all")
      ->check(CLI::IsMember({"read", "upload", "all"}));
  app.add_option("--documents", documents, "Documents in the store for the read test");
  app.add_option("--seconds", seconds, "Duration of each wrk run");
  app.add_option("--threads", threads, "wrk threads");
  app.add_option("--read-connections", read_connections,
                 "wrk connections of the read test, one run per value (e.g. 8,16,32,64)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--upload-connections", upload_connections, "wrk connections, upload test");
  app.add_option("--out", out, "JSON results file");
  CLI11_PARSE(app, argc, argv);

  std::string photo_path = testing::ServerProcess::SharedDir() + "/testdata/imagenet-dev/" + photo;
  json results = {{"time", std::time(nullptr)}, {"seconds", seconds}, {"wrk_threads", threads}};
  if (test != "upload") {
    std::printf(
        "GET /v1/images/{id} on %d documents\n\n"
        "| connections | requests/s | p50 / p99 ms | server CPU per request | "
        "non-2xx / socket errors |\n|---|---|---|---|---|\n",
        documents);
    json levels = json::array();
    for (const ReadResult& r :
         ReadTest(testing::ReadFile(photo_path), documents, threads, read_connections, seconds)) {
      std::printf("| %d | %.0f | %.2f / %.2f | %.0f us | %ld / %ld |\n", r.connections,
                  r.wrk.requests_per_s, r.wrk.p50_ms, r.wrk.p99_ms, r.server_cpu_us_per_request,
                  r.wrk.non_2xx, r.wrk.errors);
      levels.push_back({{"connections", r.connections},
                        {"requests_per_s", r.wrk.requests_per_s},
                        {"p50_ms", r.wrk.p50_ms},
                        {"p99_ms", r.wrk.p99_ms},
                        {"server_cpu_us_per_request", r.server_cpu_us_per_request},
                        {"server_rss_mb", r.server_rss_mb},
                        {"non_2xx", r.wrk.non_2xx},
                        {"errors", r.wrk.errors}});
    }
    results["read"] = {{"documents", documents}, {"levels", levels}};
  }
  if (test != "read") {
    std::printf("%s| test | value |\n|---|---|\n", test == "all" ? "\n" : "");
    UploadResult u = UploadTest(photo_path, threads, upload_connections, seconds);
    std::printf("| POST /v1/images (100 KB JPEG), %d connections | %.0f accepted/s |\n",
                upload_connections, u.accepted_per_s);
    std::printf("| upload latency p50 / p99 | %.2f / %.2f ms |\n", u.wrk.p50_ms, u.wrk.p99_ms);
    std::printf("| analysed while uploading | %.1f images/s |\n", u.analysed_per_s);
    std::printf("| upload non-2xx / socket errors | %ld / %ld |\n", u.wrk.non_2xx, u.wrk.errors);
    results["upload"] = {{"connections", upload_connections},
                         {"requests_per_s", u.wrk.requests_per_s},
                         {"accepted_per_s", u.accepted_per_s},
                         {"p50_ms", u.wrk.p50_ms},
                         {"p99_ms", u.wrk.p99_ms},
                         {"analysed_per_s", u.analysed_per_s},
                         {"non_2xx", u.wrk.non_2xx},
                         {"errors", u.wrk.errors}};
  }
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << results.dump(2) << "\n";
  return 0;
}
