// Disk full on a real server: `ocula serve` runs with RLIMIT_FSIZE below the
// size of one upload, so writing that blob fails with EFBIG, which the file
// blob store reports like ENOSPC (InsufficientStorage). The upload must be
// answered 507 with nothing stored, and the server must go on accepting and
// analysing uploads that fit.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

using nlohmann::json;

constexpr rlim_t kFileSizeLimit = 700 * 1024;

// Starts `server` with RLIMIT_FSIZE = `limit` (inherited through fork and
// exec) and SIGXFSZ ignored, so that an oversized write fails with EFBIG
// instead of killing the process; this process gets its own limits back.
bool StartWithFileSizeLimit(ServerProcess& server, rlim_t limit) {
  rlimit saved{};
  getrlimit(RLIMIT_FSIZE, &saved);
  rlimit limited = saved;
  limited.rlim_cur = limit;
  if (setrlimit(RLIMIT_FSIZE, &limited) != 0) return false;
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  bool started = server.Start();
  std::signal(SIGXFSZ, previous);
  setrlimit(RLIMIT_FSIZE, &saved);
  return started;
}

std::vector<std::string> StoredFiles(const std::string& dir) {
  std::vector<std::string> files;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  return files;
}

TEST(DiskFullTest, UploadIs507WithNothingStoredAndTheServerGoesOn) {
  std::string dir = MakeTempDir("ocula-disk-full");
  const std::string big = ReadFile(ServerProcess::SharedDir() + "/testdata/photos/astronaut.png");
  const std::string small = ReadFile(ServerProcess::SharedDir() + "/testdata/detect/dog.jpg");
  ASSERT_GT(big.size(), kFileSizeLimit);
  ASSERT_LT(small.size(), kFileSizeLimit / 2);

  ServerProcess server(dir, {{"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(StartWithFileSizeLimit(server, kFileSizeLimit)) << server.log();

  auto full = Post(server.port(), "/v1/images", "image/png", big);
  EXPECT_EQ(full.status, 507) << full.body;
  json error = json::parse(full.body);
  EXPECT_EQ(error["error"]["code"], "InsufficientStorage") << full.body;
  auto list = Get(server.port(), "/v1/images");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(json::parse(list.body)["images"].empty()) << list.body;
  EXPECT_TRUE(StoredFiles(dir + "/blobs").empty()) << "no blob and no temporary file is left";

  auto accepted = Post(server.port(), "/v1/images", "image/jpeg", small);
  ASSERT_EQ(accepted.status, 202) << accepted.body << "\n" << server.log();
  std::string id = json::parse(accepted.body)["id"];
  std::string body = WaitForAnalysis(server.port(), id, 60000);
  ASSERT_FALSE(body.empty()) << server.log();
  EXPECT_EQ(json::parse(body)["status"], "done") << body;
  EXPECT_EQ(json::parse(Get(server.port(), "/v1/images").body)["images"].size(), 1u);
  EXPECT_EQ(server.Terminate(), 0) << server.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
