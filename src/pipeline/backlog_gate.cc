#include "pipeline/backlog_gate.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "events/blob_created.h"

namespace ocula {

BacklogGate::BacklogGate(EventBus& bus, int64_t limit, Clock& clock,
                         std::chrono::milliseconds refresh)
    : bus_(bus), limit_(limit), clock_(clock), refresh_ms_(refresh.count()) {}

void BacklogGate::RefreshIfStale() {
  int64_t now = clock_.NowMs();
  if (now - read_at_ms_.load(std::memory_order_relaxed) < refresh_ms_) return;
  std::unique_lock lock(refresh_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another caller is reading it now
  if (now - read_at_ms_.load() < refresh_ms_) return;
  StatusOr<int64_t> depth = bus_.Depth(kBlobCreatedTopic);
  if (depth.ok()) {
    depth_.store(*depth);
  } else {
    spdlog::debug("backlog: cannot read the queue depth: {}", depth.status().ToString());
    depth_.store(0);
  }
  read_at_ms_.store(now);
}

Status BacklogGate::Admit() {
  if (limit_ <= 0) return absl::OkStatus();
  RefreshIfStale();
  int64_t depth = depth_.load(std::memory_order_relaxed);
  if (depth < limit_) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "analysis is behind: ", depth, " images are waiting (limit ", limit_,
      ", queue.max_backlog); retry later"));
}

}  // namespace ocula
