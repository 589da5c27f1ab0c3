// EventBus: at-least-once delivery of events between components (the
// reference design's Event Grid). A receiver leases a message; it stays
// invisible to others until acked, nacked, or its visibility timeout expires,
// after which it is delivered again. A message delivered max_attempts times
// without an ack goes to the dead-letter list with its last error.
//
// Implementations: event_bus_sqlite (embedded durable queue inside the SQLite
// database); event_bus_nats (NATS JetStream, for several processes);
// event_bus_faulty (a decorator that injects errors, "the queue is down", for
// fault tests). Every implementation passes
// tests/unit/storage/event_bus_contract.h.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ocula {

struct Message {
  std::string id;  // unique per event; publishing an id again is a no-op
  std::string topic;
  std::string payload;
  int attempt = 0;      // 1 on first delivery
  std::string receipt;  // identifies this lease; set by Receive
};

struct DeadLetter {
  Message message;
  std::string reason;  // last error
  int attempts = 0;
  int64_t dead_at_ms = 0;
};

struct EventBusOptions {
  std::chrono::milliseconds visibility_timeout{120'000};
  int max_attempts = 5;
  std::chrono::milliseconds backoff_base{1000};  // delay after 1st failure; doubles
  std::chrono::milliseconds backoff_max{60'000};
};

class EventBus {
 public:
  virtual ~EventBus() = default;

  // Durably enqueues `message` (id, topic, payload). A message whose id was
  // already published is dropped and OK is returned.
  virtual Status Publish(const Message& message) = 0;

  // Leases the oldest visible message of `topic`, waiting up to `wait` for one.
  // Returns nullopt when none arrived in time.
  virtual StatusOr<std::optional<Message>> Receive(const std::string& topic,
                                                   std::chrono::milliseconds wait) = 0;

  // Removes a leased message. FailedPrecondition when the lease was lost
  // (expired and taken by another receiver); the caller must then not assume
  // its work counted as the only delivery.
  virtual Status Ack(const Message& message) = 0;

  // Gives a leased message back after a failure. It becomes visible again after
  // `delay` (or the backoff for its attempt when nullopt), or goes to the
  // dead-letter list when it has had max_attempts deliveries.
  virtual Status Nack(const Message& message, const std::string& reason,
                      std::optional<std::chrono::milliseconds> delay = std::nullopt) = 0;

  // Moves a leased message straight to the dead-letter list.
  virtual Status DeadLetterNow(const Message& message, const std::string& reason) = 0;

  virtual StatusOr<std::vector<DeadLetter>> DeadLetters(size_t limit) = 0;

  // Messages of `topic` not yet acked (visible or leased).
  virtual StatusOr<int64_t> Depth(const std::string& topic) = 0;

  // Wakes receivers blocked in Receive (used on shutdown).
  virtual void WakeAll() = 0;

  virtual Status CheckHealth() = 0;
};

// Forwards every call to `target`, so that a decorator (publish-only view,
// fault injection) overrides only what it changes, as leveldb's EnvWrapper.
// Thread-safety: that of the target.
class ForwardingEventBus : public EventBus {
 public:
  explicit ForwardingEventBus(EventBus& target) : target_(target) {}

  Status Publish(const Message& message) override { return target_.Publish(message); }
  StatusOr<std::optional<Message>> Receive(const std::string& topic,
                                           std::chrono::milliseconds wait) override {
    return target_.Receive(topic, wait);
  }
  Status Ack(const Message& message) override { return target_.Ack(message); }
  Status Nack(const Message& message, const std::string& reason,
              std::optional<std::chrono::milliseconds> delay = std::nullopt) override {
    return target_.Nack(message, reason, delay);
  }
  Status DeadLetterNow(const Message& message, const std::string& reason) override {
    return target_.DeadLetterNow(message, reason);
  }
  StatusOr<std::vector<DeadLetter>> DeadLetters(size_t limit) override {
    return target_.DeadLetters(limit);
  }
  StatusOr<int64_t> Depth(const std::string& topic) override { return target_.Depth(topic); }
  void WakeAll() override { target_.WakeAll(); }
  Status CheckHealth() override { return target_.CheckHealth(); }

 protected:
  EventBus& target() const { return target_; }

 private:
  EventBus& target_;
};

}  // namespace ocula
