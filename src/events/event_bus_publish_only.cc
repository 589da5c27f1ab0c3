#include "events/event_bus_publish_only.h"

namespace ocula {
namespace {

Status Refused() {
  return absl::PermissionDeniedError("this process may only publish events (api role)");
}

class PublishOnlyBus : public ForwardingEventBus {
 public:
  using ForwardingEventBus::ForwardingEventBus;

  StatusOr<std::optional<Message>> Receive(const std::string&, std::chrono::milliseconds) override {
    return Refused();
  }
  Status Ack(const Message&) override { return Refused(); }
  Status Nack(const Message&, const std::string&,
              std::optional<std::chrono::milliseconds>) override {
    return Refused();
  }
  Status DeadLetterNow(const Message&, const std::string&) override { return Refused(); }
};

}  // namespace

std::unique_ptr<EventBus> PublishOnlyView(EventBus& bus) {
  return std::make_unique<PublishOnlyBus>(bus);
}

}  // namespace ocula
