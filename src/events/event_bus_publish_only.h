// A publish-only view of an EventBus, for processes that must never consume
// the queue (the api role: it only relays the outbox): Receive, Ack, Nack and
// DeadLetterNow answer PermissionDenied. Guards against mistakes in this
// process; on shared backends the api's own credentials should allow
// publishing only (docs/security.md).
#pragma once

#include <memory>

#include "events/event_bus.h"

namespace ocula {

std::unique_ptr<EventBus> PublishOnlyView(EventBus& bus);

}  // namespace ocula
