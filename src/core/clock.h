// Time source, injectable so that timeouts and backoff are testable.
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace ocula {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;
  // The process-wide real clock.
  static Clock& Real();
};

// A clock that moves only when told to; for tests.
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

// "2026-11-21T23:49:55.123Z"
std::string FormatRfc3339(int64_t epoch_ms);

}  // namespace ocula
