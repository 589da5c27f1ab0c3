#include "events/event_bus_publish_only.h"

namespace ocula {
namespace {

Status Refused() {
  return absl::PermissionDeniedError("this process may only publish events (api role)");
}

class PublishOnlyBus : public EventBus {
 public:
  explicit PublishOnlyBus(EventBus& inner) : inner_(inner) {}

  Status Publish(const Message& message) override { return inner_.Publish(message); }
  StatusOr<std::optional<Message>> Receive(const std::string&, std::chrono::milliseconds) override {
    return Refused();
  }
  Status Ack(const Message&) override { return Refused(); }
  Status Nack(const Message&, const std::string&,
              std::optional<std::chrono::milliseconds>) override {
    return Refused();
  }
  Status DeadLetterNow(const Message&, const std::string&) override { return Refused(); }
  StatusOr<std::vector<DeadLetter>> DeadLetters(size_t limit) override {
    return inner_.DeadLetters(limit);
  }
  StatusOr<int64_t> Depth(const std::string& topic) override { return inner_.Depth(topic); }
  void WakeAll() override { inner_.WakeAll(); }
  Status CheckHealth() override { return inner_.CheckHealth(); }

 private:
  EventBus& inner_;
};

}  // namespace

std::unique_ptr<EventBus> PublishOnlyView(EventBus& bus) {
  return std::make_unique<PublishOnlyBus>(bus);
}

}  // namespace ocula
