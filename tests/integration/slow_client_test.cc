// Slow, idle and surplus clients against the real server over plain HTTP:
// the request head has its own short time limit, the whole request a longer
// one, an idle kept-alive connection is closed, and connections beyond
// server.max_connections are closed at once, while everyone else is served.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

const std::string kKeepAliveGet = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

class SlowClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new std::string(MakeTempDir("ocula-slow"));
    server_ = new ServerProcess(*data_dir_, {{"OCULA_HEADER_TIMEOUT_S", "2"},
                                             {"OCULA_REQUEST_TIMEOUT_S", "6"},
                                             {"OCULA_IDLE_TIMEOUT_S", "2"},
                                             {"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server_->Start()) << server_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->Terminate(), 0) << server_->log();
    delete server_;
    std::filesystem::remove_all(*data_dir_);
    delete data_dir_;
  }
  void TearDown() override { EXPECT_EQ(Get(port(), "/healthz").status, 200) << server_->log(); }
  static int port() { return server_->port(); }

  static std::string* data_dir_;
  static ServerProcess* server_;
};
std::string* SlowClientTest::data_dir_ = nullptr;
ServerProcess* SlowClientTest::server_ = nullptr;

TEST_F(SlowClientTest, RequestHeadSentByteByByteIsCutOffWhileOthersAreServed) {
  // About 60 bytes at one a second: a minute, if the server let it.
  const std::string head =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n\r\n";
  size_t sent = 0;
  int64_t closed_after_ms = -1;
  std::string received;
  std::thread slow([&] {
    RawConnection c(port());
    if (!c.connected()) return;
    auto start = Clock::now();
    sent = c.SendSlowly(head, 1000);
    if (c.WaitClosed(1000)) closed_after_ms = MillisSince(start);
    received = c.received();
  });
  // Meanwhile other clients are served at once.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(400));
    auto start = Clock::now();
    EXPECT_EQ(Get(port(), "/healthz").status, 200);
    EXPECT_LT(MillisSince(start), 1000);
  }
  slow.join();
  ASSERT_GE(closed_after_ms, 0) << "the slow client was not disconnected";
  EXPECT_GE(closed_after_ms, 1500);  // header_timeout is 2 s
  EXPECT_LE(closed_after_ms, 4500);
  EXPECT_LT(sent, head.size());
  EXPECT_EQ(received.find("HTTP/1.1 200"), std::string::npos) << received;
}

TEST_F(SlowClientTest, SlowBodyMayTakeLongerThanTheHeadButNotThanTheRequestLimit) {
  // Head at once, then a 3-byte body over ~3 s: past header_timeout (2 s),
  // within request_timeout (6 s), so the request reaches the handler.
  {
    RawConnection c(port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(
        c.Send("POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               "Content-Length: 3\r\n\r\n"));
    std::this_thread::sleep_for(milliseconds(1000));
    EXPECT_EQ(c.SendSlowly("abc", 800), 3u);
    ClientResponse r = c.ReadResponse(5000);
    EXPECT_GT(r.status, 0) << r.error;  // any answer: the handler saw it
  }
  // A body that would take 100 s is cut off at request_timeout.
  RawConnection c(port());
  ASSERT_TRUE(c.connected());
  auto start = Clock::now();
  ASSERT_TRUE(c.Send("POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"));
  c.SendSlowly(std::string(100, 'x'), 1000);
  EXPECT_TRUE(c.closed());
  EXPECT_GE(MillisSince(start), 5500);
  EXPECT_LE(MillisSince(start), 8500);
  EXPECT_EQ(c.received().find("HTTP/1.1"), std::string::npos) << c.received();
}

TEST_F(SlowClientTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  RawConnection c(port());
  ASSERT_TRUE(c.connected());
  // Requests a second apart keep the connection open past idle_timeout (2 s)...
  for (int i = 0; i < 4; ++i) {
    if (i > 0) std::this_thread::sleep_for(milliseconds(1000));
    ASSERT_TRUE(c.Send(kKeepAliveGet)) << "request " << i;
    ClientResponse r = c.ReadResponse(5000);
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.error;
  }
  // ...and then, left idle, it is closed.
  auto idle_since = Clock::now();
  ASSERT_TRUE(c.WaitClosed(6000)) << "the idle connection stayed open";
  EXPECT_GE(MillisSince(idle_since), 1500);
  EXPECT_LE(MillisSince(idle_since), 4500);
  EXPECT_TRUE(c.received().empty()) << c.received();
}

TEST_F(SlowClientTest, ConnectionThatSendsNothingIsClosedAfterHeaderTimeout) {
  RawConnection c(port());
  ASSERT_TRUE(c.connected());
  auto start = Clock::now();
  ASSERT_TRUE(c.WaitClosed(6000));
  EXPECT_GE(MillisSince(start), 1500);
  EXPECT_LE(MillisSince(start), 4500);
}

// Opens a connection and has one request answered on it, so that the server
// has certainly accepted (and counted) it. Retries briefly: connections the
// server is still closing count until they are gone.
std::unique_ptr<RawConnection> OpenCounted(int port) {
  auto start = Clock::now();
  while (MillisSince(start) < 5000) {
    auto c = std::make_unique<RawConnection>(port);
    if (c->Send(kKeepAliveGet) && c->ReadResponse(3000).status == 200) return c;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return nullptr;
}

TEST(ConnectionLimitTest, ConnectionsBeyondTheLimitAreClosedAndServingResumes) {
  std::string dir = MakeTempDir("ocula-connlimit");
  {
    ServerProcess server(dir, {{"OCULA_MAX_CONNECTIONS", "4"}, {"OCULA_WORKERS", "1"}});
    ASSERT_TRUE(server.Start()) << server.log();
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 4; ++i) {
      held.push_back(OpenCounted(server.port()));
      ASSERT_NE(held.back(), nullptr) << "connection " << i << "\n" << server.log();
    }
    // The fifth is closed without an answer.
    RawConnection fifth(server.port());
    auto start = Clock::now();
    fifth.Send(kKeepAliveGet);  // may fail already: the server may have closed it
    EXPECT_TRUE(fifth.WaitClosed(3000)) << "a fifth connection was kept open";
    EXPECT_LT(MillisSince(start), 1000);
    EXPECT_EQ(fifth.received().find("HTTP/1.1"), std::string::npos) << fifth.received();
    // The four held ones still work.
    for (auto& c : held) {
      ASSERT_TRUE(c->Send(kKeepAliveGet));
      EXPECT_EQ(c->ReadResponse(3000).status, 200);
    }
    // Once they go, new clients are served again.
    held.clear();
    auto freed = Clock::now();
    int status = 0;
    while (status != 200 && MillisSince(freed) < 5000) {
      status = Get(server.port(), "/healthz").status;
      if (status != 200) std::this_thread::sleep_for(milliseconds(100));
    }
    EXPECT_EQ(status, 200) << server.log();
    EXPECT_NE(server.log().find("connections open, the limit"), std::string::npos) << server.log();
    EXPECT_EQ(server.Terminate(), 0) << server.log();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
