#include "events/outbox_relay.h"

#include <algorithm>

#include "absl/time/time.h"
#include "core/thread_name.h"
#include "spdlog/spdlog.h"

namespace ocula {

OutboxRelay::OutboxRelay(MetadataStore& store, EventBus& bus, OutboxRelayOptions options)
    : store_(store), bus_(bus), options_(options) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    SetThreadName("ocula-relay");
    Run();
  });
}

void OutboxRelay::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  thread_.join();
}

void OutboxRelay::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
  cv_.SignalAll();
}

Status OutboxRelay::RelayOnce() { return RelayBatch().status(); }

StatusOr<size_t> OutboxRelay::RelayBatch() {
  OCULA_ASSIGN_OR_RETURN(std::vector<OutboxEvent> events,
                         store_.PendingOutbox(options_.batch_size));
  std::vector<std::string> published;
  Status status;
  for (const OutboxEvent& event : events) {
    Message message;
    message.id = event.id;
    message.topic = event.topic;
    message.payload = event.payload;
    status = bus_.Publish(message);
    if (!status.ok()) break;
    published.push_back(event.id);
  }
  if (!published.empty()) {
    // If this fails the events are published again later; the bus drops them.
    Status marked = store_.MarkRelayed(published);
    if (status.ok()) status = marked;
  }
  if (!status.ok()) return status;
  return published.size();
}

bool OutboxRelay::Sleep(std::chrono::milliseconds delay, bool wake_on_notify) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(delay);
  absl::MutexLock lock(&mu_);
  while (!stopping_ && !(wake_on_notify && notified_)) {
    if (cv_.WaitWithDeadline(&mu_, deadline)) break;
  }
  notified_ = false;
  return !stopping_;
}

void OutboxRelay::Run() {
  std::chrono::milliseconds backoff = options_.poll_interval;
  while (true) {
    StatusOr<size_t> relayed = RelayBatch();
    bool keep_going;
    if (!relayed.ok()) {
      spdlog::warn("outbox relay: {}; retrying in {} ms", relayed.status().ToString(),
                   backoff.count());
      keep_going = Sleep(backoff, /*wake_on_notify=*/false);
      backoff = std::min(backoff * 2, options_.max_backoff);
    } else {
      backoff = options_.poll_interval;
      // A full batch suggests more are waiting: go on at once.
      keep_going = *relayed == options_.batch_size ? Sleep(std::chrono::milliseconds(0), true)
                                                   : Sleep(options_.poll_interval, true);
    }
    if (!keep_going) return;
  }
}

}  // namespace ocula
