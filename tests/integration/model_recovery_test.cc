// A model file missing or corrupt at start: readyz fails and says which file
// and how to fix it; uploads still land and are analysed once the model is back.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ModelRecoveryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelRecoveryTest, ReadyzFailsThenAnalysisResumesWhenModelIsBack) {
  std::string dir = MakeTempDir("ocula-models");
  std::string models = dir + "-models";
  fs::copy(ServerProcess::ModelDir(), models, fs::copy_options::recursive);
  fs::path onnx = fs::path(models) / "classify" / "mobilenetv2-12-int8-embed.onnx";
  ASSERT_TRUE(fs::exists(onnx));
  fs::path saved = fs::path(models) / "saved.onnx";
  fs::rename(onnx, saved);
  if (GetParam() == "corrupt") std::ofstream(onnx) << "definitely not a model";

  ServerProcess server(dir, {{"OCULA_MODEL_DIR", models}, {"OCULA_MODEL_RETRY_S", "1"},
                             {"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(server.Start()) << server.log();
  // Until the workers have tried to load, readyz says "models are loading".
  std::string error;
  for (int i = 0; i < 200; ++i) {
    auto ready = Get(server.port(), "/readyz");
    EXPECT_EQ(ready.status, 503);
    error = json::parse(ready.body)["checks"]["models"]["error"];
    if (error != "models are loading") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(error.find("mobilenetv2-12-int8-embed.onnx"), std::string::npos) << error;
  EXPECT_NE(error.find("prepare-models.sh"), std::string::npos) << error;
  EXPECT_NE(server.log().find("mobilenetv2-12-int8-embed.onnx"), std::string::npos);

  auto upload = Post(server.port(), "/v1/images", "image/jpeg",
                     ReadFile(ServerProcess::SharedDir() + "/testdata/detect/dog.jpg"));
  ASSERT_EQ(upload.status, 202) << upload.body;
  std::string id = json::parse(upload.body)["id"];
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(json::parse(Get(server.port(), "/v1/images/" + id).body)["status"], "pending");

  fs::rename(saved, onnx);  // the operator restores the model
  ASSERT_TRUE(server.WaitReady(30000)) << server.log();
  std::string done = WaitForAnalysis(server.port(), id);
  ASSERT_FALSE(done.empty()) << server.log();
  EXPECT_EQ(json::parse(done)["status"], "done");
  EXPECT_EQ(server.Terminate(), 0);
  fs::remove_all(dir);
  fs::remove_all(models);
}

INSTANTIATE_TEST_SUITE_P(MissingOrCorrupt, ModelRecoveryTest,
                         ::testing::Values("missing", "corrupt"));

}  // namespace
}  // namespace ocula::testing
