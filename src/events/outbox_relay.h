// OutboxRelay: moves events from the metadata store's outbox to the event bus
// (step 3 of the upload path). At-least-once: an event is published, then
// marked relayed; a crash in between publishes it again, and the bus drops
// the duplicate by id. An event leaves the outbox only after the bus accepted
// it, so bus outages delay events but never lose them.
//
//   OutboxRelay relay(store, bus, {});
//   relay.Start();        // background thread
//   ...after CreateImage: relay.Notify();
//   relay.Stop();         // also done by the destructor
//
// Thread-safety: Start, Stop and Notify are safe to call from any thread.
// RelayOnce is for tests and tools; do not call it while the thread runs.
// `store` and `bus` must outlive the relay.
#pragma once

#include <chrono>
#include <cstddef>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/status.h"
#include "events/event_bus.h"
#include "metadata/metadata_store.h"

namespace ocula {

struct OutboxRelayOptions {
  size_t batch_size = 100;
  // How often the outbox is checked without a Notify (events written by other
  // processes, or left by a failure).
  std::chrono::milliseconds poll_interval{200};
  // After a failure the relay waits poll_interval, doubling on each further
  // failure up to this.
  std::chrono::milliseconds max_backoff{30'000};
};

class OutboxRelay {
 public:
  OutboxRelay(MetadataStore& store, EventBus& bus, OutboxRelayOptions options = {});
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Starts the background thread (no-op when running).
  void Start();
  // Stops and joins the thread (no-op when not running). Events not yet
  // relayed stay in the outbox for the next start.
  void Stop();
  // Wakes the thread to relay now instead of at the next poll.
  void Notify();

  // Relays one batch of pending events. On a store or bus error, returns it;
  // events published before the error are marked relayed, the rest stay.
  Status RelayOnce();

 private:
  // Relays one batch; returns how many events it moved.
  StatusOr<size_t> RelayBatch();
  void Run();
  // Waits up to `delay` or until Stop (and, when `wake_on_notify`, Notify).
  // Returns false when stopping.
  bool Sleep(std::chrono::milliseconds delay, bool wake_on_notify);

  MetadataStore& store_;
  EventBus& bus_;
  const OutboxRelayOptions options_;

  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex lifecycle_mu_;  // serializes Start and Stop
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);
};

}  // namespace ocula
