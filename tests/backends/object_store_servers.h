// The object-store servers the S3 and Azure Blob tests run against, started
// on a free loopback port with a fresh directory, from
// tests/backends/node_modules (scripts/deps-e2e.sh installs them):
//   S3Server:      s3rver behind an independent Signature V4 check (s3-server.mjs)
//   AzuriteServer: Azurite's Blob service, the emulator Microsoft ships
// A server that cannot start fails the test with its log; nothing is skipped.
#pragma once

#include <string>

#include "child_process.h"

namespace ocula::testing {

class S3Server {
 public:
  static constexpr char kBucket[] = "ocula-test";
  static constexpr char kAccessKey[] = "OCULATESTKEY";
  static constexpr char kSecret[] = "ocula-test-secret-key/+";

  // Starts the server (the test fails and this aborts when it cannot).
  S3Server();
  ~S3Server();
  int port() const { return port_; }
  // "http://127.0.0.1:PORT"
  std::string endpoint() const;

 private:
  int port_ = 0;
  std::string dir_;
  ChildProcess process_;
};

class AzuriteServer {
 public:
  // Azurite's well-known development account (public, in Azure's docs).
  static constexpr char kAccount[] = "devstoreaccount1";
  static constexpr char kKey[] =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  AzuriteServer();
  ~AzuriteServer();
  int port() const { return port_; }
  // "http://127.0.0.1:PORT/devstoreaccount1"
  std::string endpoint() const;

 private:
  int port_ = 0;
  std::string dir_;
  ChildProcess process_;
};

// tests/backends/node_modules, failing the test with how to install it when absent.
std::string BackendNodeModules();

}  // namespace ocula::testing
