// FaultyEventBus: a forwarding decorator over another EventBus that injects
// errors, for fault tests ("the queue is down"). Without faults configured it
// behaves exactly like the bus it wraps.
//
//   FaultyEventBus bus(*inner);
//   bus.SetDown(absl::UnavailableError("queue down"));  // every call fails
//   ...uploads are still accepted: their events wait in the outbox...
//   bus.SetDown(absl::OkStatus());                       // the queue is back
//   bus.FailNext(BusOp::kAck, 1, absl::UnavailableError("ack lost"));
//
// FaultTiming (core/fault_plan.h) as for FaultyMetadataStore:
// kInsteadOfCall fails without touching the wrapped bus; kAfterForwarding
// forwards and then reports the error (a Publish that was stored although the
// publisher saw a failure, a Receive whose lease was taken but whose message
// never reached the receiver, an Ack that happened but was not confirmed).
// WakeAll is always forwarded.
//
// Thread-safety: safe for concurrent use; faults may be changed while other
// threads call the bus. `inner` must outlive this object.
#pragma once

#include "core/fault_plan.h"
#include "events/event_bus.h"

namespace ocula {

enum class BusOp {
  kPublish,
  kReceive,
  kAck,
  kNack,
  kDeadLetterNow,
  kDeadLetters,
  kDepth,
  kCheckHealth
};

class FaultyEventBus : public ForwardingEventBus {
 public:
  explicit FaultyEventBus(EventBus& inner) : ForwardingEventBus(inner) {}

  // The next `count` calls of `op` return `status` (which must not be OK).
  void FailNext(BusOp op, int count, Status status,
                FaultTiming timing = FaultTiming::kInsteadOfCall) {
    plan_.FailNext(op, count, std::move(status), timing);
  }
  // With a non-OK `status`, the bus is down: every call (but WakeAll) fails
  // with it, nothing is forwarded, and a Receive fails at once instead of
  // waiting. OK brings the bus back.
  void SetDown(Status status) { plan_.FailEverything(std::move(status)); }
  // Removes all configured faults (and brings the bus back).
  void Clear() { plan_.Clear(); }
  // How many calls of `op` have failed by injection so far.
  int injected(BusOp op) const { return plan_.injected(op); }

  Status Publish(const Message& message) override;
  StatusOr<std::optional<Message>> Receive(const std::string& topic,
                                           std::chrono::milliseconds wait) override;
  Status Ack(const Message& message) override;
  Status Nack(const Message& message, const std::string& reason,
              std::optional<std::chrono::milliseconds> delay = std::nullopt) override;
  Status DeadLetterNow(const Message& message, const std::string& reason) override;
  StatusOr<std::vector<DeadLetter>> DeadLetters(size_t limit) override;
  StatusOr<int64_t> Depth(const std::string& topic) override;
  void WakeAll() override;
  Status CheckHealth() override;

 private:
  FaultPlan<BusOp> plan_;
};

}  // namespace ocula
