#include "events/event_bus_faulty.h"

namespace ocula {

Status FaultyEventBus::Publish(const Message& message) {
  return plan_.Forward(BusOp::kPublish, [&] { return target().Publish(message); });
}

StatusOr<std::optional<Message>> FaultyEventBus::Receive(const std::string& topic,
                                                         std::chrono::milliseconds wait) {
  return plan_.Forward(BusOp::kReceive, [&] { return target().Receive(topic, wait); });
}

Status FaultyEventBus::Ack(const Message& message) {
  return plan_.Forward(BusOp::kAck, [&] { return target().Ack(message); });
}

Status FaultyEventBus::Nack(const Message& message, const std::string& reason,
                            std::optional<std::chrono::milliseconds> delay) {
  return plan_.Forward(BusOp::kNack, [&] { return target().Nack(message, reason, delay); });
}

Status FaultyEventBus::DeadLetterNow(const Message& message, const std::string& reason) {
  return plan_.Forward(BusOp::kDeadLetterNow,
                       [&] { return target().DeadLetterNow(message, reason); });
}

StatusOr<std::vector<DeadLetter>> FaultyEventBus::DeadLetters(size_t limit) {
  return plan_.Forward(BusOp::kDeadLetters, [&] { return target().DeadLetters(limit); });
}

StatusOr<int64_t> FaultyEventBus::Depth(const std::string& topic) {
  return plan_.Forward(BusOp::kDepth, [&] { return target().Depth(topic); });
}

void FaultyEventBus::WakeAll() { target().WakeAll(); }

Status FaultyEventBus::CheckHealth() {
  return plan_.Forward(BusOp::kCheckHealth, [&] { return target().CheckHealth(); });
}

}  // namespace ocula
