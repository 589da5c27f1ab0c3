// A read-only view of a BlobStore, for processes that must never change
// blobs (the analysis workers): Put and Delete answer PermissionDenied, the
// rest goes to the store. It guards against mistakes in this process; on
// shared backends the worker's own credentials should be read-only as well
// (docs/security.md).
#pragma once

#include <memory>

#include "blob/blob_store.h"

namespace ocula {

std::unique_ptr<BlobStore> ReadOnlyView(BlobStore& store);

}  // namespace ocula
