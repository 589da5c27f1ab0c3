// BacklogGate: back-pressure between uploads and analysis. Uploads are
// durable the moment they are accepted, so a backlog costs disk, not memory;
// but a backlog that only grows helps no one: clients should learn early that
// the workers are behind. The gate refuses new uploads (Unavailable -> 503 with
// Retry-After) while the images waiting for analysis (messages on the
// blob-created topic) number `limit` or more.
//
// The depth is read from the bus at most once per `refresh`, by whichever
// caller finds it stale (the others use the last reading), so the check costs
// an atomic load on the upload path. A failed reading admits: when the bus is
// down, uploads still go to the outbox (nothing is lost), which is better than
// refusing them.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "core/clock.h"
#include "core/status.h"
#include "events/event_bus.h"

namespace ocula {

class BacklogGate {
 public:
  // `limit` <= 0 admits everything (no reading is taken).
  BacklogGate(EventBus& bus, int64_t limit, Clock& clock,
              std::chrono::milliseconds refresh = std::chrono::milliseconds(250));

  // OK, or Unavailable naming the backlog and the limit.
  Status Admit();

  int64_t limit() const { return limit_; }

 private:
  void RefreshIfStale();

  EventBus& bus_;
  const int64_t limit_;
  Clock& clock_;
  const int64_t refresh_ms_;
  std::mutex refresh_mu_;  // held by the one caller that reads the bus
  std::atomic<int64_t> depth_{0};
  static constexpr int64_t kNever = INT64_MIN / 2;  // far enough back to subtract from
  std::atomic<int64_t> read_at_ms_{kNever};
};

}  // namespace ocula
