// Back-pressure against the real server: uploads are refused with 503 and
// Retry-After (and nothing stored) when analysis is queue.max_backlog images
// behind, and when the request bodies held in memory would exceed
// server.max_buffered_body_mb; both clear by themselves.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::string Photo() {
  return ReadFile(ServerProcess::SharedDir() + "/testdata/imagenet-dev/n02948072_candle.JPEG");
}

size_t ImageCount(int port) {
  auto r = Get(port, "/v1/images?limit=1000");
  return json::parse(r.body)["images"].size();
}

// Posts until the answer is `status` or `timeout_ms` passes; the last answer.
ClientResponse PostUntil(int port, const std::string& body, int status, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + milliseconds(timeout_ms);
  ClientResponse r;
  do {
    r = Post(port, "/v1/images", "image/jpeg", body);
    if (r.status == status) return r;
    std::this_thread::sleep_for(milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return r;
}

void ExpectRetryableRefusal(const ClientResponse& r) {
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "ServiceUnavailable") << r.body;
}

TEST(BackpressureTest, UploadsAreRefusedWhileTheBacklogIsFull) {
  std::string dir = MakeTempDir("ocula-backlog");
  {
    // An api process alone: nothing analyses, so the backlog only grows.
    ServerProcess api(dir, {{"OCULA_MAX_BACKLOG", "3"}}, {"--role", "api"});
    ASSERT_TRUE(api.Start()) << api.log();
    const std::string photo = Photo();
    for (int i = 0; i < 3; ++i) ASSERT_EQ(Post(api.port(), "/v1/images", "image/jpeg", photo).status, 202);
    // The relay moves the three events onto the queue and the gate rereads
    // its depth within 250 ms.
    // Uploads in that window are still admitted: the limit is approximate.
    ClientResponse refused = PostUntil(api.port(), photo, 503, 5000);
    ExpectRetryableRefusal(refused);
    EXPECT_NE(json::parse(refused.body)["error"]["message"].get<std::string>().find("limit 3"),
              std::string::npos);
    const size_t stored = ImageCount(api.port());
    EXPECT_GE(stored, 3u);
    ExpectRetryableRefusal(Post(api.port(), "/v1/images", "image/jpeg", photo));
    EXPECT_EQ(ImageCount(api.port()), stored) << "a refused upload stores nothing";
    EXPECT_EQ(api.Terminate(), 0);
  }
  {
    // A worker catches up; the same data dir admits uploads again.
    ServerProcess all(dir, {{"OCULA_MAX_BACKLOG", "3"}, {"OCULA_WORKERS", "1"},
                            {"OCULA_FEATURES", ""}});
    ASSERT_TRUE(all.Start()) << all.log();
    EXPECT_EQ(PostUntil(all.port(), Photo(), 202, 60000).status, 202) << all.log();
    EXPECT_EQ(all.Terminate(), 0);
  }
  std::filesystem::remove_all(dir);
}

TEST(BackpressureTest, BodiesBeyondTheMemoryBudgetAreRefusedUnread) {
  std::string dir = MakeTempDir("ocula-bodies");
  ServerProcess server(dir, {{"OCULA_MAX_BUFFERED_BODY_MB", "1"}, {"OCULA_WORKERS", "1"},
                             {"OCULA_FEATURES", ""}});
  ASSERT_TRUE(server.Start()) << server.log();
  const std::string photo = Photo();  // 100 KB
  {
    // A slow upload announces 1,000,000 bytes and sends a few: that much is
    // reserved while it is read.
    RawConnection slow(server.port());
    ASSERT_TRUE(slow.connected());
    ASSERT_TRUE(slow.Send("POST /v1/images HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Authorization: Bearer " + std::string(kTestAdminKey) + "\r\n"
                          "Content-Type: image/jpeg\r\nContent-Length: 1000000\r\n\r\n" +
                          photo.substr(0, 1000)));
    ClientResponse refused = PostUntil(server.port(), photo, 503, 5000);
    ExpectRetryableRefusal(refused);
    EXPECT_EQ(Get(server.port(), "/healthz").status, 200) << "bodiless requests still pass";
  }
  // The slow client hung up: its reservation is returned.
  EXPECT_EQ(PostUntil(server.port(), photo, 202, 5000).status, 202);
  EXPECT_EQ(ImageCount(server.port()), 1u);
  EXPECT_EQ(server.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
