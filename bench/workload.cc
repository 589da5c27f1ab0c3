#include "workload.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace ocula::bench {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

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

// True when no image is pending or processing: two list queries of one row
// each, where following every image by id would cost a request per image.
bool NoneUnfinished(int port) {
  for (const char* status : {"pending", "processing"}) {
    auto r = testing::Get(port, std::string("/v1/images?limit=1&status=") + status);
    if (r.status != 200 || !json::parse(r.body)["images"].empty()) return false;
  }
  return true;
}

// Waits, polling every 100 ms, until the analyses are over, so that the
// benchmark's own requests take as little as possible of the cores the
// pipeline is measured on (the rates come from the server's timestamps).
void WaitUntilNoneUnfinished(int port, int timeout_ms) {
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  while (!NoneUnfinished(port) && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

double AnalysesDone(int port) {
  std::string body = testing::Get(port, "/metrics").body;
  std::smatch m;
  static const std::regex kDone("ocula_analyses_total\\{outcome=\"done\"\\} ([0-9.e+]+)");
  return std::regex_search(body, m, kDone) ? std::stod(m[1]) : 0;
}

std::vector<std::string> LoadPhotos(const std::string& dir, int n) {
  std::vector<std::string> files;
  for (auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> photos;
  for (int i = 0; i < n; ++i) photos.push_back(testing::ReadFile(files[i % files.size()]));
  return photos;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * (values.size() - 1) + 0.5))];
}

WorkloadResult RunWorkload(int port, const std::vector<std::string>& photos, int concurrency) {
  std::vector<std::string> ids(photos.size());
  std::atomic<size_t> next{0};
  auto start = SteadyClock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&] {
      testing::KeepAliveClient client(port);
      for (size_t i = next++; i < photos.size(); i = next++) {
        auto r = client.Send({"POST", "/v1/images", {{"Content-Type", "image/jpeg"}}, photos[i]});
        if (r.status == 202) ids[i] = json::parse(r.body)["id"];
      }
    });
  }
  for (auto& t : clients) t.join();
  WorkloadResult result;
  result.accepted_per_s =
      photos.size() / std::chrono::duration<double>(SteadyClock::now() - start).count();
  WaitUntilNoneUnfinished(port, 600000);
  int64_t first_created = INT64_MAX, last_done = 0;
  for (const std::string& id : ids) {
    if (id.empty()) {
      ++result.failed;
      continue;
    }
    json doc = json::parse(testing::WaitForAnalysis(port, id, 600000));
    if (doc["status"] != "done") ++result.failed;
    int64_t created = ParseRfc3339Ms(doc["createdAt"]);
    int64_t done = ParseRfc3339Ms(doc["updatedAt"]);
    first_created = std::min(first_created, created);
    last_done = std::max(last_done, done);
    result.latencies_ms.push_back(static_cast<double>(done - created));
  }
  result.analysed_per_s = photos.size() * 1000.0 / std::max<int64_t>(1, last_done - first_created);
  result.first_created_ms = first_created;
  result.last_done_ms = last_done;
  return result;
}

}  // namespace ocula::bench
