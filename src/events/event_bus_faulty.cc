#include "events/event_bus_faulty.h"

namespace ocula {

void FaultyEventBus::FailNext(BusOp op, int count, Status status, FaultTiming timing) {
  absl::MutexLock lock(&mu_);
  faults_[static_cast<size_t>(op)] = Fault{count, std::move(status), timing};
}

void FaultyEventBus::SetDown(Status status) {
  absl::MutexLock lock(&mu_);
  down_ = std::move(status);
}

void FaultyEventBus::Clear() {
  absl::MutexLock lock(&mu_);
  faults_ = {};
  down_ = absl::OkStatus();
}

int FaultyEventBus::injected(BusOp op) const {
  absl::MutexLock lock(&mu_);
  return injected_[static_cast<size_t>(op)];
}

FaultyEventBus::Decision FaultyEventBus::TakeFault(BusOp op) {
  absl::MutexLock lock(&mu_);
  const size_t i = static_cast<size_t>(op);
  if (!down_.ok()) {
    ++injected_[i];
    return {down_, absl::OkStatus()};
  }
  Fault& fault = faults_[i];
  if (fault.remaining <= 0) return {};
  --fault.remaining;
  ++injected_[i];
  if (fault.timing == FaultTiming::kAfterForwarding) return {absl::OkStatus(), fault.status};
  return {fault.status, absl::OkStatus()};
}

template <typename Call>
auto FaultyEventBus::Forward(BusOp op, Call call) -> decltype(call()) {
  Decision decision = TakeFault(op);
  if (!decision.before.ok()) return decision.before;
  auto result = call();
  if (!decision.after.ok()) return decision.after;
  return result;
}

Status FaultyEventBus::Publish(const Message& message) {
  return Forward(BusOp::kPublish, [&] { return inner_.Publish(message); });
}

StatusOr<std::optional<Message>> FaultyEventBus::Receive(const std::string& topic,
                                                         std::chrono::milliseconds wait) {
  return Forward(BusOp::kReceive, [&] { return inner_.Receive(topic, wait); });
}

Status FaultyEventBus::Ack(const Message& message) {
  return Forward(BusOp::kAck, [&] { return inner_.Ack(message); });
}

Status FaultyEventBus::Nack(const Message& message, const std::string& reason,
                            std::optional<std::chrono::milliseconds> delay) {
  return Forward(BusOp::kNack, [&] { return inner_.Nack(message, reason, delay); });
}

Status FaultyEventBus::DeadLetterNow(const Message& message, const std::string& reason) {
  return Forward(BusOp::kDeadLetterNow, [&] { return inner_.DeadLetterNow(message, reason); });
}

StatusOr<std::vector<DeadLetter>> FaultyEventBus::DeadLetters(size_t limit) {
  return Forward(BusOp::kDeadLetters, [&] { return inner_.DeadLetters(limit); });
}

StatusOr<int64_t> FaultyEventBus::Depth(const std::string& topic) {
  return Forward(BusOp::kDepth, [&] { return inner_.Depth(topic); });
}

void FaultyEventBus::WakeAll() { inner_.WakeAll(); }

Status FaultyEventBus::CheckHealth() {
  return Forward(BusOp::kCheckHealth, [&] { return inner_.CheckHealth(); });
}

}  // namespace ocula
