#include "object_store_servers.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "http_client.h"
#include "server_process.h"

namespace ocula::testing {
namespace {

constexpr int kStartTimeoutMs = 60'000;

void RequireStarted(bool started, const ChildProcess& process, const char* what) {
  if (started) return;
  ADD_FAILURE() << what << " did not start; its log:\n" << process.Log();
  std::abort();
}

}  // namespace

std::string BackendNodeModules() {
  std::string dir = std::string(OCULA_SOURCE_DIR) + "/tests/backends/node_modules";
  if (!std::filesystem::exists(dir + "/s3rver") || !std::filesystem::exists(dir + "/azurite")) {
    ADD_FAILURE() << "the test servers are not installed in " << dir
                  << ": run scripts/deps-e2e.sh (npm ci in tests/backends)";
    std::abort();
  }
  return dir;
}

S3Server::S3Server() : port_(FreePort()), dir_(MakeTempDir("ocula-s3")) {
  std::string modules = BackendNodeModules();
  // s3rver encrypts its continuation tokens with a cipher OpenSSL 3 keeps in
  // its legacy provider.
  process_.Start({"node", "--openssl-legacy-provider",
                  std::string(OCULA_SOURCE_DIR) + "/tests/backends/s3-server.mjs",
                  "--port", std::to_string(port_), "--dir", dir_, "--bucket", kBucket,
                  "--access-key", kAccessKey, "--secret", kSecret},
                 {}, dir_ + ".log");
  RequireStarted(process_.WaitForLog("ready", kStartTimeoutMs), process_, "s3-server.mjs");
}

S3Server::~S3Server() {
  process_.Stop();
  std::filesystem::remove_all(dir_);
  std::filesystem::remove(dir_ + ".log");
}

std::string S3Server::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

AzuriteServer::AzuriteServer() : port_(FreePort()), dir_(MakeTempDir("ocula-azurite")) {
  std::string modules = BackendNodeModules();
  process_.Start({"node", modules + "/azurite/dist/src/blob/main.js", "--blobHost", "127.0.0.1",
                  "--blobPort", std::to_string(port_), "--location", dir_, "--skipApiVersionCheck",
                  "--disableProductStyleUrl", "--disableTelemetry"},
                 {}, dir_ + ".log");
  RequireStarted(process_.WaitForLog("successfully listens", kStartTimeoutMs), process_, "Azurite");
}

AzuriteServer::~AzuriteServer() {
  process_.Stop();
  std::filesystem::remove_all(dir_);
  std::filesystem::remove(dir_ + ".log");
}

std::string AzuriteServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + kAccount;
}

}  // namespace ocula::testing
