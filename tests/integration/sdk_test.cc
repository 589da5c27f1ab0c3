// Microsoft's official Computer Vision client, unchanged, against a real
// ocula server: tests/sdk/computervision.mjs (the client pinned in
// tests/sdk/package.json; scripts/deps-e2e.sh installs it) runs the calls an
// existing application makes, the Read round trip with its UUID check among
// them.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

TEST(ComputerVisionSdkTest, OfficialClientRunsAnalyzeAndReadUnchanged) {
  const std::string repo = std::filesystem::path(ServerProcess::ModelDir()).parent_path();
  const std::string script = repo + "/tests/sdk/computervision.mjs";
  ASSERT_TRUE(std::filesystem::exists(repo + "/tests/sdk/node_modules/@azure/"
                                             "cognitiveservices-computervision/package.json"))
      << "run scripts/deps-e2e.sh (it installs tests/sdk's pinned client)";
  std::string dir = MakeTempDir("ocula-sdk");
  ServerProcess server(dir, {{"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(server.Start()) << server.log();

  const std::string command = "OCULA_ENDPOINT=http://127.0.0.1:" + std::to_string(server.port()) +
                              " OCULA_KEY=" + kTestAdminKey +
                              " OCULA_SHARED_DIR=" + ServerProcess::SharedDir() + " node " +
                              script + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output << server.log();
  EXPECT_NE(output.find("ok   readInStream + getReadResult"), std::string::npos) << output;
  std::printf("%s", output.c_str());
  EXPECT_EQ(server.Terminate(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
