// Backend construction from URIs: one registry per backend interface, with
// every implementation this build has. An unknown scheme is a configuration
// error naming the schemes that exist.
#pragma once

#include <memory>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "core/registry.h"
#include "events/event_bus.h"
#include "metadata/metadata_store.h"

namespace ocula {

struct BackendContext {
  Clock* clock = &Clock::Real();
  EventBusOptions bus_options;
};

StatusOr<std::unique_ptr<BlobStore>> MakeBlobStore(const std::string& uri,
                                                   const BackendContext& ctx);
StatusOr<std::unique_ptr<MetadataStore>> MakeMetadataStore(const std::string& uri,
                                                           const BackendContext& ctx);
StatusOr<std::unique_ptr<EventBus>> MakeEventBus(const std::string& uri,
                                                 const BackendContext& ctx);

}  // namespace ocula
