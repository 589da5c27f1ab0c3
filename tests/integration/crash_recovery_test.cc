// kill -9 while uploads are in flight, then restart on the same data dir:
// every upload that got a 202 is analysed, exactly one document each.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using nlohmann::json;

std::vector<std::string> Photos() {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(ServerProcess::SharedDir() +
                                                     "/testdata/imagenet-dev")) {
    out.push_back(ReadFile(e.path().string()));
  }
  return out;
}

json AllImages(int port) {
  json all = json::array();
  std::string cursor;
  do {
    auto r = Get(port, "/v1/images?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_EQ(r.status, 200);
    json page = json::parse(r.body);
    for (auto& image : page["images"]) all.push_back(image);
    cursor = page["nextCursor"].is_null() ? "" : page["nextCursor"].get<std::string>();
  } while (!cursor.empty());
  return all;
}

TEST(CrashRecoveryTest, Kill9DuringUploadsLosesNothingAcknowledged) {
  constexpr int kUploads = 200;
  constexpr int kClients = 8;
  std::string dir = MakeTempDir("ocula-crash");
  std::map<std::string, std::string> env = {{"OCULA_VISIBILITY_TIMEOUT_S", "3"},
                                            {"OCULA_WORKERS", "2"}};
  const std::vector<std::string> photos = Photos();
  ASSERT_FALSE(photos.empty());

  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<int> next{0}, answered{0};
  {
    ServerProcess server(dir, env);
    ASSERT_TRUE(server.Start()) << server.log();
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&] {
        for (int i = next++; i < kUploads; i = next++) {
          auto r = Post(server.port(), "/v1/images", "image/jpeg", photos[i % photos.size()]);
          if (r.status == 202) {
            std::lock_guard lock(mu);
            acknowledged.insert(json::parse(r.body)["id"].get<std::string>());
          }
          ++answered;
        }
      });
    }
    while (answered < kUploads / 2) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    server.Kill9();  // mid-stream: uploads, analyses and relays in flight
    for (auto& t : clients) t.join();
  }
  size_t acked = acknowledged.size();
  ASSERT_GE(acked, static_cast<size_t>(kUploads / 2) - kClients);
  ASSERT_LT(acked, static_cast<size_t>(kUploads)) << "the kill came too late to test anything";

  ServerProcess restarted(dir, env);
  ASSERT_TRUE(restarted.Start()) << restarted.log();
  size_t unfinished = 0;
  for (const json& image : AllImages(restarted.port())) unfinished += image["status"] != "done";
  std::printf("acknowledged before kill -9: %zu of %d; unfinished at restart: %zu\n", acked,
              kUploads, unfinished);
  for (const std::string& id : acknowledged) {
    std::string body = WaitForAnalysis(restarted.port(), id, 120000);
    ASSERT_FALSE(body.empty()) << "image " << id << " was acknowledged but never analysed\n"
                               << restarted.log();
    EXPECT_EQ(json::parse(body)["status"], "done") << body;
  }
  // One document per id, and no acknowledged id missing; documents of uploads
  // that committed without their 202 reaching the client are analysed too.
  json all = AllImages(restarted.port());
  std::set<std::string> ids;
  for (const json& image : all) {
    EXPECT_TRUE(ids.insert(image["id"].get<std::string>()).second) << "duplicate document";
  }
  for (const std::string& id : acknowledged) EXPECT_TRUE(ids.count(id)) << id;
  for (const json& image : all) {
    std::string id = image["id"];
    if (acknowledged.count(id)) continue;
    EXPECT_FALSE(WaitForAnalysis(restarted.port(), id, 60000).empty()) << id;
  }
  EXPECT_EQ(restarted.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

TEST(CrashRecoveryTest, SigtermDrainsAndLosesNothing) {
  std::string dir = MakeTempDir("ocula-sigterm");
  const std::vector<std::string> photos = Photos();
  std::vector<std::string> ids;
  {
    ServerProcess server(dir, {{"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server.Start()) << server.log();
    for (int i = 0; i < 30; ++i) {
      auto r = Post(server.port(), "/v1/images", "image/jpeg", photos[i % photos.size()]);
      ASSERT_EQ(r.status, 202);
      ids.push_back(json::parse(r.body)["id"]);
    }
    EXPECT_EQ(server.Terminate(), 0) << server.log();  // with analyses still queued
    EXPECT_NE(server.log().find("shutdown complete"), std::string::npos) << server.log();
  }
  ServerProcess restarted(dir, {{"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(restarted.Start()) << restarted.log();
  for (const std::string& id : ids) {
    std::string body = WaitForAnalysis(restarted.port(), id, 60000);
    ASSERT_FALSE(body.empty()) << id << "\n" << restarted.log();
    EXPECT_EQ(json::parse(body)["status"], "done");
  }
  EXPECT_EQ(AllImages(restarted.port()).size(), ids.size());
  EXPECT_EQ(restarted.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
