// A server or tool run as a child process by a test (nats-server, PostgreSQL,
// an S3 or Azure Blob emulator): started with extra environment variables,
// its stdout and stderr in a log file, stopped (or killed) at the end, and
// killed with the test if the test dies (PR_SET_PDEATHSIG: the thread that
// started it must outlive it).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace ocula::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILLs the process if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (looked up in PATH) with `env` added to this process's
  // environment; output is appended to `log_path`. False when fork fails.
  bool Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::string& log_path);
  // Waits until the log contains `text`; false when the process exits first
  // or `timeout_ms` passes.
  bool WaitForLog(const std::string& text, int timeout_ms) const;
  bool Running() const;
  // SIGTERM, then SIGKILL after `timeout_ms`; returns the exit code (-1 when
  // killed by a signal or not running).
  int Stop(int timeout_ms = 10000);
  void Kill9();

  std::string Log() const;
  pid_t pid() const { return pid_; }

 private:
  int Reap(bool wait);
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace ocula::testing
