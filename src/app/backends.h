// Backend construction from URIs: one registry per backend interface, with
// every implementation this build has. An unknown scheme is a configuration
// error naming the schemes that exist.
#pragma once

#include <memory>

#include "auth/key_store.h"
#include "blob/blob_store.h"
#include "core/clock.h"
#include "core/registry.h"
#include "events/event_bus.h"
#include "metadata/custom_vision_store.h"
#include "metadata/metadata_store.h"
#include "metadata/read_operation_store.h"

namespace ocula {

struct BackendContext {
  Clock* clock = &Clock::Real();
  EventBusOptions bus_options;
};

StatusOr<std::unique_ptr<BlobStore>> MakeBlobStore(const std::string& uri,
                                                   const BackendContext& ctx);
StatusOr<std::unique_ptr<MetadataStore>> MakeMetadataStore(const std::string& uri,
                                                           const BackendContext& ctx);
// API keys live beside the image documents: `uri` is the metadata store's.
StatusOr<std::unique_ptr<KeyStore>> MakeKeyStore(const std::string& uri, const BackendContext& ctx);
// Read operations too: `uri` is the metadata store's.
StatusOr<std::unique_ptr<ReadOperationStore>> MakeReadOperationStore(const std::string& uri,
                                                                     const BackendContext& ctx);
StatusOr<std::unique_ptr<CustomVisionStore>> MakeCustomVisionStore(const std::string& uri,
                                                                   const BackendContext& ctx);
StatusOr<std::unique_ptr<EventBus>> MakeEventBus(const std::string& uri, const BackendContext& ctx);

}  // namespace ocula
