#include "proc_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ocula::bench {
namespace {

// "VmRSS:     12345 kB" -> MB
double StatusFieldMb(const std::string& status, const std::string& field) {
  size_t at = status.find(field + ":");
  if (at == std::string::npos) return 0;
  return std::stod(status.substr(at + field.size() + 1)) / 1024.0;
}

}  // namespace

double ClockMs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

ProcessStats ReadProcessStats(pid_t pid) {
  ProcessStats stats;
  std::string base = "/proc/" + std::to_string(pid);
  std::stringstream status;
  status << std::ifstream(base + "/status").rdbuf();
  stats.rss_mb = StatusFieldMb(status.str(), "VmRSS");
  stats.peak_rss_mb = StatusFieldMb(status.str(), "VmHWM");
  // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks; the
  // command name (field 2) may hold spaces, so count from its closing ')'.
  std::stringstream stat;
  stat << std::ifstream(base + "/stat").rdbuf();
  std::string text = stat.str();
  size_t close = text.rfind(')');
  if (close == std::string::npos) return stats;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  stats.cpu_s = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return stats;
}

}  // namespace ocula::bench
