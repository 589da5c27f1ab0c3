#include "server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "http_client.h"

namespace ocula::testing {
namespace {
using Clock = std::chrono::steady_clock;

bool Expired(Clock::time_point start, int timeout_ms) {
  return Clock::now() - start > std::chrono::milliseconds(timeout_ms);
}
}  // namespace

std::string ServerProcess::Binary() { return std::string(OCULA_BINARY_DIR) + "/src/app/ocula"; }
std::string ServerProcess::ModelDir() { return std::string(OCULA_SOURCE_DIR) + "/models"; }
std::string ServerProcess::SharedDir() { return OCULA_SHARED_DIR; }

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  char* made = mkdtemp(pattern.data());
  return made ? std::string(made) : std::string();
}

ServerProcess::ServerProcess(std::string data_dir, std::map<std::string, std::string> env,
                             std::vector<std::string> args)
    : data_dir_(std::move(data_dir)), env_(std::move(env)), args_(std::move(args)) {
  port_ = FreePort();
  log_path_ = data_dir_ + ".log";
}

ServerProcess::~ServerProcess() { Kill9(); }

bool ServerProcess::Start(int timeout_ms) {
  // FreePort's port is free when chosen, but until the server binds it any
  // process's outgoing connection may take it as its local port (the same
  // ephemeral range): with several processes starting at once this happens.
  // Such a start is retried on another port.
  for (int attempt = 1;; ++attempt) {
    const size_t log_size_before = log().size();
    if (StartOnce(timeout_ms)) return true;
    const bool port_taken =
        log().find("Address already in use", log_size_before) != std::string::npos;
    if (!port_taken || pid_ != -1 || attempt == 5) return false;
    port_ = FreePort();
  }
}

bool ServerProcess::StartOnce(int timeout_ms) {
  std::map<std::string, std::string> env = {
      {"OCULA_DATA_DIR", data_dir_},
      {"OCULA_LISTEN", "127.0.0.1:" + std::to_string(port_)},
      {"OCULA_MODEL_DIR", ModelDir()},
      {"OCULA_LOG_LEVEL", "info"},
      {"OCULA_ADMIN_KEY", kTestAdminKey},
  };
  for (const auto& [k, v] : env_) env[k] = v;
  pid_ = fork();
  if (pid_ == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    FILE* log = std::fopen(log_path_.c_str(), "a");
    if (log) {
      dup2(fileno(log), STDOUT_FILENO);
      dup2(fileno(log), STDERR_FILENO);
    }
    std::string bin = Binary();
    std::vector<char*> argv = {bin.data(), const_cast<char*>("serve")};
    for (std::string& arg : args_) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  auto start = Clock::now();
  while (!Expired(start, timeout_ms)) {
    if (Get(port_, "/healthz").status == 200) return true;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool ServerProcess::WaitReady(int timeout_ms) {
  auto start = Clock::now();
  while (!Expired(start, timeout_ms)) {
    if (Get(port_, "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void ServerProcess::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ServerProcess::Terminate(int timeout_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto start = Clock::now();
  while (!Expired(start, timeout_ms)) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string ServerProcess::log() const { return ReadFile(log_path_); }

std::string WaitForAnalysis(int port, const std::string& id, int timeout_ms) {
  auto start = Clock::now();
  while (!Expired(start, timeout_ms)) {
    ClientResponse r = Get(port, "/v1/images/" + id);
    if (r.status == 200 && (r.body.find("\"status\":\"done\"") != std::string::npos ||
                            r.body.find("\"status\":\"failed\"") != std::string::npos)) {
      return r.body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

}  // namespace ocula::testing
