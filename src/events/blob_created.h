// The BlobCreated event that an upload emits (through the outbox) and the
// worker consumes. Its payload is one Event Grid event (CONTRACTS.md §2) as a
// single JSON object (not an array), with an "ocula" extension member:
//
//   {"topic": "/ocula/blobstores/default",
//    "subject": "/blobServices/default/containers/images/blobs/<blob_key>",
//    "eventType": "Microsoft.Storage.BlobCreated", "eventTime": "<RFC3339>",
//    "id": "<event_id>",
//    "data": {"api": "PutBlob", "clientRequestId": "<request_id>",
//             "requestId": "<request_id>", "eTag": "0x<sha256 prefix>",
//             "contentType": "image/jpeg", "contentLength": 524288,
//             "blobType": "BlockBlob", "url": "ocula://images/<image_id>",
//             "sequencer": "<time, hex, zero-padded>"},
//    "dataVersion": "", "metadataVersion": "1",
//    "ocula": {"imageId": "<image_id>", "sha256": "<hex>"}}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

// The bus topic (and outbox topic) of BlobCreated events.
inline constexpr char kBlobCreatedTopic[] = "blob-created";

struct BlobCreated {
  std::string event_id;
  std::string image_id;
  std::string blob_key;
  std::string content_type;
  std::string sha256;      // hex
  std::string request_id;  // the upload request
  uint64_t size = 0;
  int64_t time_ms = 0;  // when the upload was accepted
};

// The payload described above.
std::string MakeBlobCreatedPayload(const BlobCreated& event);

// Reads a payload made by MakeBlobCreatedPayload (time_ms to the millisecond).
// InvalidArgument when it is not JSON, not a BlobCreated event, or lacks a
// field this struct needs.
StatusOr<BlobCreated> ParseBlobCreatedPayload(std::string_view payload);

}  // namespace ocula
