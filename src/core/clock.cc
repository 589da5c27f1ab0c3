#include "core/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace ocula {
namespace {
class RealClock : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
}  // namespace

Clock& Clock::Real() {
  static RealClock clock;
  return clock;
}

std::string FormatRfc3339(int64_t epoch_ms) {
  // Floor division: times before 1970 have a negative remainder otherwise.
  int64_t secs_since_epoch = epoch_ms / 1000;
  int64_t ms = epoch_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs_since_epoch;
  }
  std::time_t secs = static_cast<std::time_t>(secs_since_epoch);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  return buf;
}

}  // namespace ocula
