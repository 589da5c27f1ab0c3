// A throwaway nats-server with JetStream, for integration tests: listens on
// a free loopback port, keeps its store in a temporary directory, and can be
// stopped and started again on the same port and store (an outage).
//
//   NatsServer server;
//   ASSERT_TRUE(server.Start().ok());   // fails, naming scripts/deps.sh, when
//   ...server.url()...                  // nats-server is not installed
//   server.Stop();  ...  ASSERT_TRUE(server.Start().ok());
//
// The server dies with the test process (PR_SET_PDEATHSIG). Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "child_process.h"
#include "core/status.h"
#include "storage/temp_dir.h"

namespace ocula::testing {

class NatsServer {
 public:
  // `extra_args` go to nats-server as they are (e.g. {"--auth", "secret"}).
  explicit NatsServer(std::vector<std::string> extra_args = {});
  ~NatsServer();
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts the server and waits until it accepts clients: on a free port the
  // first time, on the same port afterwards. FailedPrecondition when
  // nats-server is missing; Internal (with its log) when it does not come up.
  Status Start();
  // Shuts the server down (SIGTERM, SIGKILL after 5 s) and waits for it.
  void Stop();

  // "nats://127.0.0.1:<port>"; valid after the first Start.
  std::string url() const;
  const std::string& store_dir() const { return store_dir_; }

 private:
  // Waits for "Server is ready" in the log, reading the port from it.
  Status AwaitReady();

  TempDir dir_;
  const std::string store_dir_ = dir_.File("store");
  const std::vector<std::string> extra_args_;
  int port_ = -1;
  ChildProcess process_;
  int starts_ = 0;
};

}  // namespace ocula::testing
