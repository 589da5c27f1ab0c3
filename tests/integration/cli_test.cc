// The `ocula` command line: analyze, version, and fatal configuration errors.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

struct CliRun {
  int exit_code;
  std::string output;  // stdout, plus stderr when merged
};

CliRun Ocula(const std::string& args, bool merge_stderr = false) {
  std::string cmd = ServerProcess::Binary() + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(CliTest, AnalyzePrintsOneJsonDocumentPerFile) {
  std::string text_file = MakeTempDir("ocula-cli") + "/notes.jpg";
  std::ofstream(text_file) << "not an image at all";
  CliRun run = Ocula("analyze --model-dir " + ServerProcess::ModelDir() + " " +
                  ServerProcess::SharedDir() + "/testdata/imagenet-dev/n02391049_zebra.JPEG " +
                  text_file);
  EXPECT_EQ(run.exit_code, 1) << "one file failed, so the exit code says so";
  std::istringstream lines(run.output);
  std::string line;
  std::vector<nlohmann::json> docs;
  while (std::getline(lines, line)) docs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(docs.size(), 2u) << run.output;
  bool zebra = false;
  for (const auto& tag : docs[0]["analysis"]["tags"]) zebra |= tag["name"] == "zebra";
  EXPECT_TRUE(zebra) << docs[0].dump();
  EXPECT_EQ(docs[0]["analysis"]["classes"][0]["name"], "zebra") << docs[0].dump();
  EXPECT_EQ(docs[0]["metadata"]["format"], "Jpeg");
  EXPECT_EQ(docs[1]["error"]["code"], "InvalidImageFormat") << docs[1].dump();
}

TEST(CliTest, Version) {
  CliRun run = Ocula("version");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.output.rfind("ocula ", 0), 0u) << run.output;
}

TEST(CliTest, BadConfigurationStopsWithAClearMessage) {
  CliRun engine = Ocula("serve --engine tensorflow --data-dir /tmp/ocula-never", true);
  EXPECT_EQ(engine.exit_code, 2);
  EXPECT_NE(engine.output.find("not one of: onnxruntime, opencv"), std::string::npos)
      << engine.output;

  std::string dir = MakeTempDir("ocula-cli");
  CliRun scheme = Ocula("serve --listen 127.0.0.1:0 --data-dir " + dir + " --blob ftp://host/x", true);
  EXPECT_EQ(scheme.exit_code, 1);
  EXPECT_NE(scheme.output.find("unknown blob store scheme 'ftp://'"), std::string::npos)
      << scheme.output;
  EXPECT_NE(scheme.output.find("file://"), std::string::npos) << scheme.output;
}

TEST(CliTest, JsonLogsCarryRequestIds) {
  std::string dir = MakeTempDir("ocula-logs");
  ServerProcess server(dir, {{"OCULA_LOG_FORMAT", "json"}, {"OCULA_LOG_LEVEL", "debug"},
                             {"OCULA_WORKERS", "1"}});
  ASSERT_TRUE(server.Start()) << server.log();
  EXPECT_EQ(Get(server.port(), "/v1/images?status=bogus", {{"X-Request-Id", "req-\"quoted\"-1"}})
                .status,
            400);
  ASSERT_EQ(server.Terminate(), 0);
  std::istringstream lines(server.log());
  std::string line;
  int parsed = 0;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;  // third-party libraries may print plain text
    auto doc = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << "not JSON: " << line;
    ++parsed;
    EXPECT_TRUE(doc["ts"].is_string() && doc["level"].is_string()) << line;
    found |= doc["msg"].get<std::string>().find("req=req-\"quoted\"-1") != std::string::npos;
  }
  EXPECT_GE(parsed, 3);
  EXPECT_TRUE(found) << server.log();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocula::testing
