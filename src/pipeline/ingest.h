// Ingest: the upload path of one image (steps 1-2 of ARCHITECTURE.md's "path
// of one image"): check the bytes, store the blob durably, then create the
// image document and its BlobCreated event in one metadata transaction. When
// Upload returns OK the upload is acknowledged and its analysis cannot be lost.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "metadata/metadata_store.h"
#include "vision/image/image.h"

namespace ocula {

struct UploadRequest {
  std::string_view bytes;
  std::string declared_content_type;  // from the request; "" when none
  std::string idempotency_key;        // "" when none
  std::string request_id;
  std::string filename = "";  // the uploader's file name, already made safe; "" when none
};

class Ingest {
 public:
  // `on_created` is called after a new document committed (wakes the outbox relay).
  Ingest(BlobStore& blobs, MetadataStore& metadata, const ImageLimits& limits, Clock& clock,
         std::function<void()> on_created);

  // Checks an upload without storing it: the declared type and ProbeImage.
  // Returns the probed header. Errors as for Upload's validation.
  StatusOr<ImageHeader> Check(std::string_view bytes,
                              const std::string& declared_content_type) const;

  // Validates and stores one image. Errors: UnsupportedMediaType (declared type
  // is not an image type), PayloadTooLarge, InvalidImageFormat,
  // InvalidImageSize — nothing is stored; InsufficientStorage / Unavailable /
  // Internal from the stores — no document exists (an orphan blob at most).
  // With an idempotency key seen before, returns the earlier image unchanged.
  StatusOr<CreateResult> Upload(const UploadRequest& request);

  // Registers a blob that was put into the store without the API (found by
  // the reconciler): reads and checks it like an upload, copies it under the
  // image's own key (BlobKeyFor), creates its document and BlobCreated event,
  // then deletes the dropped blob, so that the drop prefix holds only what is
  // still to adopt. The image id is IdFromSeed(blob.modified_ms, blob.key), so
  // a blob found twice (or by two reconcilers) gets one document:
  // created=false then, and a dropped blob left behind by an interrupted move
  // is deleted. A blob that is not an acceptable image is left alone and its
  // check error returned.
  StatusOr<CreateResult> Adopt(const BlobInfo& blob);

  // The id Adopt gives a found blob.
  static std::string AdoptedId(const BlobInfo& blob);

  // Removes the document (first, so readers stop seeing it) and then the blob.
  // NotFound when there is no such image.
  Status Delete(const std::string& id);

  // The limits uploads are checked against.
  const ImageLimits& limits() const { return limits_; }

  // The blob key an image's original bytes are stored under.
  static std::string BlobKeyFor(const std::string& id);

 private:
  OutboxEvent CreatedEvent(const ImageRecord& image, const std::string& request_id) const;
  // Deletes the dropped blob of an adopted image, unless the image's document
  // points at it (adopted before images moved); failures are logged.
  void RemoveDropped(const std::string& dropped_key, const ImageRecord& image);

  BlobStore& blobs_;
  MetadataStore& metadata_;
  const ImageLimits limits_;
  Clock& clock_;
  std::function<void()> on_created_;
};

// True when a request may declare `content_type` for an image upload:
// image/* or application/octet-stream (parameters ignored).
bool IsAcceptableImageContentType(std::string_view content_type);

}  // namespace ocula
