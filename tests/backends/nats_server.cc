#include "nats_server.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"

namespace ocula::testing {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kStartTimeout{10'000};
constexpr milliseconds kStopTimeout{5'000};
constexpr milliseconds kPollInterval{10};

// PATH first, then where Debian installs it (/usr/sbin is not on every PATH).
std::string FindNatsServer() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream entries(path);
    for (std::string dir; std::getline(entries, dir, ':');) dirs.push_back(dir);
  }
  dirs.insert(dirs.end(), {"/usr/sbin", "/usr/local/bin", "/usr/local/sbin"});
  for (const std::string& dir : dirs) {
    const std::string candidate = dir + "/nats-server";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace

NatsServer::NatsServer(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {}

NatsServer::~NatsServer() { Stop(); }

std::string NatsServer::url() const { return absl::StrCat("nats://127.0.0.1:", port_); }

Status NatsServer::Start() {
  if (process_.Running()) return absl::FailedPreconditionError("nats-server is already running");
  const std::string binary = FindNatsServer();
  if (binary.empty()) {
    return absl::FailedPreconditionError(
        "nats-server is not installed (looked on PATH and in /usr/sbin); run scripts/deps.sh, "
        "which installs it");
  }
  std::vector<std::string> argv = {binary,       "-js", "-a", "127.0.0.1",
                                    "-p",         port_ < 0 ? "-1" : std::to_string(port_),
                                    "-sd",        store_dir_};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  if (!process_.Start(argv, {}, dir_.File(absl::StrCat("server-", ++starts_, ".log")))) {
    return absl::InternalError("fork failed");
  }
  return AwaitReady();
}

Status NatsServer::AwaitReady() {
  static const std::regex kListening(R"(Listening for client connections on 127\.0\.0\.1:(\d+))");
  const auto deadline = SteadyClock::now() + kStartTimeout;
  while (SteadyClock::now() < deadline) {
    const std::string text = process_.Log();
    std::smatch match;
    if (text.find("Server is ready") != std::string::npos &&
        std::regex_search(text, match, kListening)) {
      port_ = std::stoi(match[1]);
      return absl::OkStatus();
    }
    if (!process_.Running()) {
      process_.Stop();
      return absl::InternalError(absl::StrCat("nats-server exited at start:\n", text));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  Stop();
  return absl::InternalError(absl::StrCat("nats-server did not become ready in ",
                                          kStartTimeout.count(), " ms:\n", process_.Log()));
}

void NatsServer::Stop() { process_.Stop(static_cast<int>(kStopTimeout.count())); }

}  // namespace ocula::testing
