// kill -9 while uploads are in flight, then restart on the same data dir:
// every upload that got a 202 is analysed, exactly one document each, its
// result written exactly once. SIGTERM: the server stops accepting, finishes
// what is in hand and exits 0, losing nothing it acknowledged.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "http_client.h"
#include "server_process.h"
#include "wait_until.h"

namespace ocula::testing {
namespace {

using nlohmann::json;

std::vector<std::string> Photos() {
  std::vector<std::string> out;
  for (auto& e :
       std::filesystem::directory_iterator(ServerProcess::SharedDir() + "/testdata/imagenet-dev")) {
    out.push_back(ReadFile(e.path().string()));
  }
  return out;
}

// An image's result was written exactly once when its version (the number
// after the id in its ETag) is 3: created, marked processing, result stored.
// A second analysis would store its result again and bump the version.
std::string ETag(int port, const std::string& id) {
  return Get(port, "/v1/images/" + id).Header("etag");
}
std::string WrittenOnceETag(const std::string& id) { return "\"" + id + "-3\""; }

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
  // The lease outlives any one analysis even on a loaded machine, so that a
  // second analysis can only come from a redelivery after the kill.
  std::map<std::string, std::string> env = {{"OCULA_VISIBILITY_TIMEOUT_S", "10"},
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
    EXPECT_TRUE(testing::WaitUntil([&] { return answered >= kUploads / 2; },
                                   std::chrono::seconds(60), std::chrono::milliseconds(2)));
    server.Kill9();  // mid-stream: uploads, analyses and relays in flight
    for (auto& t : clients) t.join();
  }
  size_t acked = acknowledged.size();
  ASSERT_GE(acked, static_cast<size_t>(kUploads / 2) - kClients);
  ASSERT_LT(acked, static_cast<size_t>(kUploads)) << "the kill came too late to test anything";

  ServerProcess restarted(dir, env);
  ASSERT_TRUE(restarted.Start()) << restarted.log();
  size_t unfinished = 0, in_analysis = 0;
  for (const json& image : AllImages(restarted.port())) {
    unfinished += image["status"] != "done";
    in_analysis += image["status"] == "processing";
  }
  std::printf(
      "acknowledged before kill -9: %zu of %d; unfinished at restart: %zu, of which "
      "killed mid-analysis: %zu\n",
      acked, kUploads, unfinished, in_analysis);
  for (const std::string& id : acknowledged) {
    std::string body = WaitForAnalysis(restarted.port(), id, 120000);
    ASSERT_FALSE(body.empty()) << "image " << id << " was acknowledged but never analysed\n"
                               << restarted.log();
    EXPECT_EQ(json::parse(body)["status"], "done") << body;
    EXPECT_EQ(ETag(restarted.port(), id), WrittenOnceETag(id)) << "result written more than once";
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
    EXPECT_EQ(ETag(restarted.port(), id), WrittenOnceETag(id));
  }
  EXPECT_EQ(restarted.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

// kill -9 while a worker is inside the analysis of one image: the event is
// redelivered after its lease and the result is written once.
TEST(CrashRecoveryTest, Kill9MidAnalysisRedeliversAndWritesTheResultOnce) {
  std::string dir = MakeTempDir("ocula-kill-mid-analysis");
  std::map<std::string, std::string> env = {{"OCULA_VISIBILITY_TIMEOUT_S", "8"},
                                            {"OCULA_WORKERS", "1"}};
  const std::vector<std::string> photos = Photos();
  std::string id;
  bool killed_mid_analysis = false;
  for (int attempt = 0; attempt < 5 && !killed_mid_analysis; ++attempt) {
    ServerProcess server(dir, env);
    ASSERT_TRUE(server.Start()) << server.log();
    ASSERT_TRUE(server.WaitReady()) << server.log();  // models loaded: analysis starts at once
    auto r = Post(server.port(), "/v1/images", "image/jpeg", photos[attempt % photos.size()]);
    ASSERT_EQ(r.status, 202) << r.body;
    id = json::parse(r.body)["id"];
    for (int i = 0; i < 2000; ++i) {
      auto image = Get(server.port(), "/v1/images/" + id);
      std::string status = json::parse(image.body)["status"];
      if (status == "processing") {
        server.Kill9();
        break;
      }
      if (status == "done" || status == "failed") break;  // too quick to catch: try again
    }
    server.Kill9();
    ServerProcess restarted(dir, env);
    ASSERT_TRUE(restarted.Start()) << restarted.log();
    // Within the 8 s lease nothing has redelivered the event yet.
    killed_mid_analysis =
        json::parse(Get(restarted.port(), "/v1/images/" + id).body)["status"] == "processing";
    if (!killed_mid_analysis) {
      EXPECT_EQ(restarted.Terminate(), 0);
      continue;
    }
    std::string body = WaitForAnalysis(restarted.port(), id, 60000);
    ASSERT_FALSE(body.empty()) << restarted.log();
    EXPECT_EQ(json::parse(body)["status"], "done") << body;
    EXPECT_EQ(ETag(restarted.port(), id), WrittenOnceETag(id));
    EXPECT_EQ(AllImages(restarted.port()).size(), static_cast<size_t>(attempt + 1));
    EXPECT_EQ(restarted.Terminate(), 0);
  }
  EXPECT_TRUE(killed_mid_analysis) << "never caught an analysis in progress";
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

// SIGTERM while clients keep uploading: each upload is answered 202 or not
// answered at all (refused connection), never half-done; after a restart
// every 202 is analysed, its result written once.
TEST(CrashRecoveryTest, SigtermDuringUploadsAcknowledgesOnlyWhatIsKept) {
  constexpr int kClients = 4;
  std::string dir = MakeTempDir("ocula-sigterm-load");
  std::map<std::string, std::string> env = {{"OCULA_WORKERS", "2"},
                                            {"OCULA_VISIBILITY_TIMEOUT_S", "10"}};
  const std::vector<std::string> photos = Photos();
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::map<int, int> answers;  // HTTP status (0: no answer) -> count
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  int exit_code = -1;
  std::string log;
  {
    ServerProcess server(dir, env);
    ASSERT_TRUE(server.Start()) << server.log();
    const int port = server.port();
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int i = c; !stop; i += kClients) {
          auto r = Post(port, "/v1/images", "image/jpeg", photos[i % photos.size()]);
          std::lock_guard lock(mu);
          ++answers[r.status];
          if (r.status == 202) acknowledged.insert(json::parse(r.body)["id"].get<std::string>());
          ++answered;
          if (r.status == 0) return;  // the server is gone
        }
      });
    }
    EXPECT_TRUE(testing::WaitUntil([&] { return answered >= 20; }, std::chrono::seconds(60),
                                   std::chrono::milliseconds(2)));
    exit_code = server.Terminate();  // uploads and analyses in flight
    stop = true;
    for (auto& t : clients) t.join();
    log = server.log();
  }
  EXPECT_EQ(exit_code, 0) << log;
  EXPECT_NE(log.find("shutdown complete"), std::string::npos) << log;
  for (const auto& [status, count] : answers) {
    EXPECT_TRUE(status == 202 || status == 0) << count << " answer(s) " << status;
  }
  std::printf("SIGTERM under load: %zu acknowledged, %d without an answer\n", acknowledged.size(),
              answers[0]);

  ServerProcess restarted(dir, env);
  ASSERT_TRUE(restarted.Start()) << restarted.log();
  for (const std::string& id : acknowledged) {
    std::string body = WaitForAnalysis(restarted.port(), id, 120000);
    ASSERT_FALSE(body.empty()) << id << "\n" << restarted.log();
    EXPECT_EQ(json::parse(body)["status"], "done");
    EXPECT_EQ(ETag(restarted.port(), id), WrittenOnceETag(id));
  }
  // Documents whose 202 was lost on the way are analysed too, and none is doubled.
  json all = AllImages(restarted.port());
  std::set<std::string> ids;
  for (const json& image : all) EXPECT_TRUE(ids.insert(image["id"].get<std::string>()).second);
  for (const std::string& id : acknowledged) EXPECT_TRUE(ids.count(id)) << id;
  EXPECT_EQ(restarted.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

// A raw POST whose body is sent in two halves, SIGTERM in between (the
// second half 300 ms later). HttpServer::Stop waits (up to
// workers.shutdown_deadline_s) for requests already inside a handler, then
// 50 ms more; a body still arriving after that is not waited for, so today
// this upload is dropped without an answer and nothing is stored. Either
// way nothing acknowledged may be lost: 202 means analysed after a restart;
// no answer means no document.
TEST(CrashRecoveryTest, SigtermWhileAnUploadBodyIsArriving) {
  std::string dir = MakeTempDir("ocula-sigterm-body");
  const std::string photo = Photos()[0];
  int status = -1;
  std::string id;
  {
    ServerProcess server(dir, {{"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server.Start()) << server.log();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string head =
        "POST /v1/images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: image/jpeg\r\nAuthorization: Bearer " +
        std::string(kTestAdminKey) + "\r\nContent-Length: " + std::to_string(photo.size()) +
        "\r\n\r\n";
    std::string first = head + photo.substr(0, photo.size() / 2);
    ASSERT_EQ(send(fd, first.data(), first.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(first.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    int exit_code = -1;
    std::thread terminate([&] { exit_code = server.Terminate(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::string rest = photo.substr(photo.size() / 2);
    (void)send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    std::string response;
    char buf[4096];
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, n);
    close(fd);
    terminate.join();
    EXPECT_EQ(exit_code, 0) << server.log();
    status = response.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(response.substr(9, 3)) : 0;
    if (status == 202) {
      size_t at = response.find("\"id\":\"");
      ASSERT_NE(at, std::string::npos) << response;
      id = response.substr(at + 6, response.find('"', at + 6) - at - 6);
    }
  }
  // A request whose head arrived before the stop is in flight: the server
  // waits for its body and answers it before exiting.
  ASSERT_EQ(status, 202);
  ServerProcess restarted(dir, {{"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(restarted.Start()) << restarted.log();
  std::string body = WaitForAnalysis(restarted.port(), id, 60000);
  ASSERT_FALSE(body.empty()) << restarted.log();
  EXPECT_EQ(json::parse(body)["status"], "done");
  EXPECT_EQ(AllImages(restarted.port()).size(), 1u);
  EXPECT_EQ(restarted.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
