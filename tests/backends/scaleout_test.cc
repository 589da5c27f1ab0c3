// Ocula scaled out, end to end: one api and two worker processes of the real
// binary on PostgreSQL, NATS JetStream and an S3 server, all on loopback.
// - 300 uploads; one worker is killed (kill -9) midway; every image ends
//   done with its result written exactly once; then images dropped straight
//   into the bucket are found by the reconciler and analysed too.
// - api and workers started at the same moment (racing to create the
//   schema, the streams and the consumer): every worker takes work and every
//   upload is analysed.
// - PostgreSQL restarted, and NATS restarted, while uploads go on: nothing
//   acknowledged (202) is lost, /readyz reports the outage, processing resumes
//   by itself.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "blob/blob_store_azure.h"
#include "blob/blob_store_s3.h"
#include "http_client.h"
#include "nats_server.h"
#include "object_store_servers.h"
#include "postgres_server.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::vector<std::string> Photos() {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(ServerProcess::SharedDir() +
                                                     "/testdata/imagenet-dev")) {
    out.push_back(ReadFile(e.path().string()));
  }
  return out;
}

// Analyses a process has done, from its /metrics.
int AnalysesDone(int port) {
  const std::string metrics = Get(port, "/metrics").body;
  const std::string key = "ocula_analyses_total{outcome=\"done\"} ";
  size_t at = metrics.find(key);
  return at == std::string::npos ? 0 : std::atoi(metrics.c_str() + at + key.size());
}

// The end of a process log, for failure messages.
std::string Tail(const std::string& log) {
  return "\n...\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
}

S3Server& SharedS3() {
  static S3Server server;
  return server;
}

// Started on first use, with the container the Azure deployments share.
AzuriteServer& SharedAzurite() {
  static AzuriteServer server;
  static const Status created =
      CreateAzureContainer(AzureConfig{AzuriteServer::kAccount, "ocula-test", "", server.endpoint(),
                                       8 << 20, "", AzuriteServer::kKey, ""});
  EXPECT_TRUE(created.ok()) << created;
  return server;
}

// One deployment: its own database schema, NATS server and bucket prefix.
class ScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pg = SharedPostgresServer();
    ASSERT_TRUE(pg.ok()) << pg.status();
    pg_ = *pg;
    auto schema = pg_->NewSchema();
    ASSERT_TRUE(schema.ok()) << schema.status();
    ASSERT_TRUE(nats_.Start().ok());
    static int runs = 0;
    prefix_ = "run" + std::to_string(++runs) + "-" + std::to_string(getpid());
    PostgresConfig pg_config = pg_->ConfigFor(*schema);
    env_ = {
        {"OCULA_BLOB", "s3://" + std::string(S3Server::kBucket) + "/" + prefix_ +
                           "?endpoint=" + SharedS3().endpoint()},
        {"AWS_ACCESS_KEY_ID", S3Server::kAccessKey},
        {"AWS_SECRET_ACCESS_KEY", S3Server::kSecret},
        {"OCULA_METADATA", pg_config.conninfo + "&password_file=" + pg_config.password_file},
        {"OCULA_EVENTS", nats_.url()},
        {"OCULA_FEATURES", "Tags"},
        {"OCULA_WORKERS", "1"},
        {"OCULA_RECONCILE_INTERVAL_S", "1"},
        // Longer than any one analysis on a loaded machine: a second analysis
        // can only come from a redelivery after a worker died.
        {"OCULA_VISIBILITY_TIMEOUT_S", "20"},
    };
  }

  std::unique_ptr<ServerProcess> StartProcess(const std::string& role) {
    auto process = std::make_unique<ServerProcess>(MakeTempDir("ocula-" + role), env_,
                                                   std::vector<std::string>{"--role", role});
    EXPECT_TRUE(process->Start(60000)) << process->log();
    return process;
  }

  // Uploads photos from `clients` threads until `count` were sent (count > 0)
  // or `stop` is set; returns the ids that were acknowledged with 202.
  std::vector<std::string> Upload(int port, int count, int clients, std::atomic<bool>* stop,
                                  std::atomic<int>* refused = nullptr) {
    static const std::vector<std::string> photos = Photos();
    std::mutex mu;
    std::vector<std::string> ids;
    std::atomic<int> next = 0;
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&] {
        for (int i = next++; (count == 0 || i < count) && !(stop && *stop); i = next++) {
          auto r = Post(port, "/v1/images", "image/jpeg", photos[i % photos.size()]);
          if (r.status == 202) {
            std::lock_guard lock(mu);
            ids.push_back(json::parse(r.body)["id"]);
          } else if (refused) {
            ++*refused;  // not acknowledged: the client knows to retry
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    return ids;
  }

  // Waits until every id is done; returns the ids that are not (on timeout).
  std::vector<std::string> WaitAllDone(int port, const std::vector<std::string>& ids,
                                       int timeout_s) {
    std::set<std::string> left(ids.begin(), ids.end());
    auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (!left.empty() && Clock::now() < deadline) {
      for (auto it = left.begin(); it != left.end();) {
        auto r = Get(port, "/v1/images/" + *it);
        bool done = r.status == 200 && json::parse(r.body)["status"] == "done";
        it = done ? left.erase(it) : std::next(it);
      }
      if (!left.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return {left.begin(), left.end()};
  }

  int CountImages(int port) {
    int count = 0;
    std::string cursor;
    do {
      auto r = Get(port, "/v1/images?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
      json page = json::parse(r.body);
      count += static_cast<int>(page["images"].size());
      cursor = page["nextCursor"].is_null() ? "" : page["nextCursor"].get<std::string>();
    } while (!cursor.empty());
    return count;
  }

  // Polls /readyz until it answers `status` (true) or `timeout_s` passes.
  bool WaitReadyz(int port, int status, int timeout_s) {
    auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (Clock::now() < deadline) {
      if (Get(port, "/readyz").status == status) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  // Starts one api and two workers at the same moment (racing to create the
  // schema, the streams and the consumer), uploads, and checks that every
  // image is analysed and every worker took some.
  void StartAtOnceAndUpload() {
    constexpr int kUploads = 40;
    const std::vector<std::string> roles = {"api", "worker", "worker"};
    std::vector<std::unique_ptr<ServerProcess>> processes(roles.size());
    std::vector<std::thread> starters;
    for (size_t i = 0; i < roles.size(); ++i) {
      starters.emplace_back([&, i] { processes[i] = StartProcess(roles[i]); });
    }
    for (std::thread& t : starters) t.join();
    for (size_t i = 0; i < processes.size(); ++i) {
      ASSERT_TRUE(processes[i]->WaitReady()) << roles[i] << Tail(processes[i]->log());
    }
    const int api = processes[0]->port();
    std::vector<std::string> ids = Upload(api, kUploads, 4, nullptr);
    ASSERT_EQ(ids.size(), static_cast<size_t>(kUploads));
    std::vector<std::string> left = WaitAllDone(api, ids, 120);
    std::string logs;
    for (size_t i = 0; i < processes.size(); ++i) {
      logs += "\n--- " + roles[i] + ":" + Tail(processes[i]->log());
    }
    EXPECT_TRUE(left.empty()) << left.size() << " of " << kUploads << " not analysed" << logs;
    for (size_t i = 1; i < processes.size(); ++i) {
      EXPECT_GT(AnalysesDone(processes[i]->port()), 0) << "worker " << i << " took no work" << logs;
    }
  }

  PostgresServer* pg_ = nullptr;
  NatsServer nats_;
  std::string prefix_;
  std::map<std::string, std::string> env_;
};

TEST_F(ScaleOutTest, OneApiTwoWorkersSurviveAWorkerKilledAndFindDroppedImages) {
  constexpr int kUploads = 300;
  auto api = StartProcess("api");
  auto worker1 = StartProcess("worker");
  auto worker2 = StartProcess("worker");
  ASSERT_TRUE(api->WaitReady());

  std::vector<std::string> ids;
  std::thread uploader([&] { ids = Upload(api->port(), kUploads, 4, nullptr); });
  // Kill one worker once it has done some of the work.
  auto deadline = Clock::now() + std::chrono::seconds(120);
  size_t done_at_kill = 0;
  while (Clock::now() < deadline && done_at_kill < 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    done_at_kill =
        json::parse(Get(api->port(), "/v1/images?status=done&limit=1000").body)["images"].size();
  }
  worker1->Kill9();
  std::printf("worker 1 killed with %zu of %d images done\n", done_at_kill, kUploads);
  uploader.join();
  ASSERT_EQ(ids.size(), static_cast<size_t>(kUploads));

  EXPECT_TRUE(WaitAllDone(api->port(), ids, 300).empty());
  EXPECT_EQ(CountImages(api->port()), kUploads);  // one document per upload
  for (const std::string& id : ids) {
    // Version 3: created, marked processing, result stored once.
    EXPECT_EQ(Get(api->port(), "/v1/images/" + id).Header("etag"), "\"" + id + "-3\"") << id;
  }

  // Images put straight into the bucket, as with the bucket's own tools.
  S3Config s3;
  s3.bucket = S3Server::kBucket;
  s3.prefix = prefix_ + "/";
  s3.endpoint = SharedS3().endpoint();
  s3.path_style = true;
  s3.credentials = {S3Server::kAccessKey, S3Server::kSecret, ""};
  auto bucket = OpenS3BlobStore(s3);
  ASSERT_TRUE(bucket.ok());
  std::vector<std::string> photos = Photos();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*bucket)->Put("incoming/dropped-" + std::to_string(i) + ".jpg", photos[i]).ok());
  }
  deadline = Clock::now() + std::chrono::seconds(120);
  int done = 0;
  while (Clock::now() < deadline && done < kUploads + 5) {
    done = static_cast<int>(
        json::parse(Get(api->port(), "/v1/images?status=done&limit=1000").body)["images"].size());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(done, kUploads + 5);
  EXPECT_EQ(CountImages(api->port()), kUploads + 5);
}

// Issue 22, item 8: in one of nine runs of a scale-out check with all
// processes started together, no image was ever analysed: a worker had
// stopped at start, answered "subjects overlap" while another process was
// creating the stream (nats_event_bus_test.cc). To look for start-up races,
// run many times: --gtest_filter=*StartedAtOnce* --gtest_repeat=20.
TEST_F(ScaleOutTest, ProcessesStartedAtOnceAllTakeWork) { StartAtOnceAndUpload(); }

// The same on Azure Blob Storage (Azurite), as in the run that failed.
TEST_F(ScaleOutTest, ProcessesStartedAtOnceOnAzureAllTakeWork) {
  env_["OCULA_BLOB"] = "azblob://" + std::string(AzuriteServer::kAccount) + "/ocula-test/" +
                       prefix_ + "?endpoint=" + SharedAzurite().endpoint();
  env_["AZURE_STORAGE_KEY"] = AzuriteServer::kKey;
  StartAtOnceAndUpload();
}

TEST_F(ScaleOutTest, PostgresRestartLosesNothingAcknowledged) {
  auto api = StartProcess("api");
  auto worker = StartProcess("worker");
  ASSERT_TRUE(api->WaitReady());
  std::atomic<bool> stop = false;
  std::atomic<int> refused = 0;
  std::vector<std::string> ids;
  std::thread uploader([&] { ids = Upload(api->port(), 0, 2, &stop, &refused); });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(pg_->Stop().ok());
  EXPECT_TRUE(WaitReadyz(api->port(), 503, 30)) << "readyz did not report the outage";
  // Uploads during the outage are refused (503), not acknowledged.
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (refused == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(refused.load(), 0) << Tail(api->log());
  ASSERT_TRUE(pg_->Restart().ok());
  EXPECT_TRUE(WaitReadyz(api->port(), 200, 60)) << "readyz did not recover" << Tail(api->log());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  uploader.join();
  std::printf("postgres restart: %zu acknowledged, %d refused during the outage\n", ids.size(),
              refused.load());
  EXPECT_TRUE(WaitAllDone(api->port(), ids, 240).empty()) << Tail(api->log());
  // Every acknowledged upload is kept. A refused one may be kept too: when
  // PostgreSQL stops during its COMMIT the reply is lost, the API cannot tell
  // whether the commit happened and answers 503, keeping the blob (ingest.cc);
  // the client's retry (with an Idempotency-Key) finds the document.
  const int stored = CountImages(api->port());
  EXPECT_GE(stored, static_cast<int>(ids.size()));
  EXPECT_LE(stored, static_cast<int>(ids.size()) + refused.load());
}

TEST_F(ScaleOutTest, NatsRestartLosesNothingAcknowledged) {
  auto api = StartProcess("api");
  auto worker = StartProcess("worker");
  ASSERT_TRUE(api->WaitReady());
  std::atomic<bool> stop = false;
  std::vector<std::string> ids;
  std::thread uploader([&] { ids = Upload(api->port(), 0, 2, &stop); });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  nats_.Stop();
  EXPECT_TRUE(WaitReadyz(api->port(), 503, 30)) << "readyz did not report the outage";
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(nats_.Start().ok());
  EXPECT_TRUE(WaitReadyz(api->port(), 200, 60)) << "readyz did not recover" << Tail(api->log());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  stop = true;
  uploader.join();
  // The queue was down, not the database: uploads were still accepted (the
  // outbox keeps their events until NATS is back).
  std::printf("nats restart: %zu acknowledged\n", ids.size());
  EXPECT_TRUE(WaitAllDone(api->port(), ids, 240).empty()) << Tail(api->log());
  EXPECT_EQ(CountImages(api->port()), static_cast<int>(ids.size()));
}

}  // namespace
}  // namespace ocula::testing
