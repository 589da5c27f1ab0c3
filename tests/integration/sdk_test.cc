// Microsoft's official clients, unchanged, against a real ocula server
// (pinned in tests/sdk/package.json; scripts/deps-e2e.sh installs them):
// tests/sdk/computervision.mjs runs the Computer Vision calls an existing
// application makes, the Read round trip with its UUID check among them;
// tests/sdk/customvision.mjs the Custom Vision training and prediction
// round trip.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

// Runs tests/sdk/`script` against a server started with `env`; its output.
void RunClientScript(const std::string& script, std::map<std::string, std::string> env,
                     const std::string& last_check) {
  const std::string repo = std::filesystem::path(ServerProcess::ModelDir()).parent_path();
  ASSERT_TRUE(std::filesystem::exists(repo + "/tests/sdk/node_modules/@azure/ms-rest-js"))
      << "run scripts/deps-e2e.sh (it installs tests/sdk's pinned clients)";
  std::string dir = MakeTempDir("ocula-sdk");
  env.emplace("OCULA_WORKERS", "1");
  ServerProcess server(dir, env);
  ASSERT_TRUE(server.Start()) << server.log();

  const std::string command = "OCULA_ENDPOINT=http://127.0.0.1:" + std::to_string(server.port()) +
                              " OCULA_KEY=" + kTestAdminKey +
                              " OCULA_SHARED_DIR=" + ServerProcess::SharedDir() + " node " + repo +
                              "/tests/sdk/" + script + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output << server.log();
  EXPECT_NE(output.find("ok   " + last_check), std::string::npos) << output;
  std::printf("%s", output.c_str());
  EXPECT_EQ(server.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

TEST(ComputerVisionSdkTest, OfficialClientRunsAnalyzeAndReadUnchanged) {
  RunClientScript("computervision.mjs", {}, "readInStream + getReadResult");
}

// Training and prediction clients: a classifier made, trained, published
// and used (tests/sdk/customvision.mjs); the script serves some photos
// itself, so the server may fetch loopback URLs.
TEST(CustomVisionSdkTest, OfficialClientsTrainPublishAndPredictUnchanged) {
  RunClientScript("customvision.mjs", {{"OCULA_URL_ALLOW_PRIVATE", "true"}}, "unpublish + delete");
}

}  // namespace
}  // namespace ocula::testing
