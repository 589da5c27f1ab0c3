// Runs the real `ocula serve` binary as a child process on a free loopback
// port with its own data directory, for integration tests.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace ocula::testing {

class ServerProcess {
 public:
  // `env` adds OCULA_* settings; the data dir, listen address, model dir and
  // admin key (kTestAdminKey, http_client.h) are set unless `env` overrides them.
  // `args` follow `ocula serve` (e.g. {"--role", "worker"}).
  explicit ServerProcess(std::string data_dir, std::map<std::string, std::string> env = {},
                         std::vector<std::string> args = {});
  ~ServerProcess();  // SIGKILLs the server if still running

  // Starts the server and waits until /healthz answers (false on timeout;
  // the server's log is then in log()).
  // A start that fails because another process took the port first is
  // retried on another port (port() changes then).
  bool Start(int timeout_ms = 30000);
  // Polls /readyz until 200 or the timeout.
  bool WaitReady(int timeout_ms = 60000);
  void Kill9();
  // SIGTERM and wait; returns the exit code (-1 on timeout).
  int Terminate(int timeout_ms = 30000);

  int port() const { return port_; }
  pid_t pid() const { return pid_; }  // -1 when not running
  const std::string& data_dir() const { return data_dir_; }
  std::string log() const;

  static std::string Binary();    // build/src/app/ocula
  static std::string ModelDir();  // the repo's models/
  static std::string SharedDir();  // ../shared

 private:
  bool StartOnce(int timeout_ms);

  std::string data_dir_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> args_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string log_path_;
};

// A fresh, empty temporary directory.
std::string MakeTempDir(const std::string& prefix);

// Polls GET /v1/images/{id} until its status is done or failed; returns the
// last body ("" on timeout).
std::string WaitForAnalysis(int port, const std::string& id, int timeout_ms = 60000);

}  // namespace ocula::testing
