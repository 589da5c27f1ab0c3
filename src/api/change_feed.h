// ChangeFeed: the live event stream behind GET /v1/events/stream. One thread
// follows the metadata store's change log (MetadataStore::ChangesSince), which
// every process writing images feeds, and fans each change out to the
// subscribed streams as a server-sent event:
//
//   id: 42
//   event: image
//   data: {"seq":42,"id":"01J…","status":"done"}
//
// A subscriber that resumes (Last-Event-ID) first gets the changes it missed;
// when they are no longer in the log it gets `event: reset` and should reload
// what it shows. A new subscriber first gets `event: ready` carrying the
// current seq as its id, so that a reconnect resumes from there. Idle streams
// get a `: keep-alive` comment every keepalive interval.
//
// Thread-safety: Subscribe is safe from any thread. Start/Stop from one
// thread; Stop before the HTTP server stops (it drops every stream).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "api/http_types.h"
#include "metadata/metadata_store.h"

namespace ocula {

struct ChangeFeedOptions {
  std::chrono::milliseconds poll_interval{200};
  std::chrono::milliseconds keepalive{15'000};
  size_t max_subscribers = 1000;
  size_t max_catch_up = 5000;  // missed changes replayed to a resuming client
};

class ChangeFeed {
 public:
  ChangeFeed(MetadataStore& store, ChangeFeedOptions options = {});
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  void Start();
  void Stop();

  // Adds `stream`, resuming after `last_seq` when given. Unavailable (reason
  // ServiceUnavailable) when max_subscribers streams are open already.
  Status Subscribe(std::shared_ptr<ResponseStream> stream, std::optional<int64_t> last_seq);

  // False when max_subscribers streams are open (a new one would be refused).
  bool HasRoom();

  // The SSE text of one change (exposed for tests).
  static std::string FormatChange(const ImageChange& change);

 private:
  struct Subscriber {
    std::shared_ptr<ResponseStream> stream;
    std::optional<int64_t> last_seq;
  };

  void Run();
  // One round: admit new subscribers, broadcast new changes, keep-alives.
  void Poll();
  void Admit(Subscriber subscriber);
  void Broadcast(const std::string& text);

  MetadataStore& store_;
  const ChangeFeedOptions options_;

  absl::Mutex mu_;
  std::vector<Subscriber> joining_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;  // joining_ + active_
  bool stop_ ABSL_GUARDED_BY(mu_) = false;

  // Owned by the feed's thread.
  std::vector<std::shared_ptr<ResponseStream>> active_;
  int64_t cursor_ = 0;  // the last seq broadcast
  std::chrono::steady_clock::time_point last_send_;
  std::thread thread_;
};

}  // namespace ocula
