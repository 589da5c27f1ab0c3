#include "pipeline/ingest.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "core/sha256.h"
#include "events/blob_created.h"

namespace ocula {

bool IsAcceptableImageContentType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type.rfind("image/", 0) == 0 || type == "application/octet-stream";
}

Ingest::Ingest(BlobStore& blobs, MetadataStore& metadata, const ImageLimits& limits, Clock& clock,
               std::function<void()> on_created)
    : blobs_(blobs),
      metadata_(metadata),
      limits_(limits),
      clock_(clock),
      on_created_(std::move(on_created)) {}

std::string Ingest::BlobKeyFor(const std::string& id) { return "images/" + id; }

StatusOr<ImageHeader> Ingest::Check(std::string_view bytes,
                                    const std::string& declared_content_type) const {
  if (!declared_content_type.empty() && !IsAcceptableImageContentType(declared_content_type)) {
    return UnsupportedMediaTypeError("content type '" + declared_content_type +
                                     "' is not an image type; send image/* or "
                                     "application/octet-stream");
  }
  if (bytes.empty()) return InvalidImageFormatError("the image is empty (0 bytes)");
  return ProbeImage(bytes, limits_);
}

// The BlobCreated event of a new image, for its outbox.
OutboxEvent Ingest::CreatedEvent(const ImageRecord& image, const std::string& request_id) const {
  int64_t now = image.created_ms;
  BlobCreated event;
  event.event_id = NewId(now);
  event.image_id = image.id;
  event.blob_key = image.blob_key;
  event.content_type = image.content_type;
  event.sha256 = image.sha256;
  event.request_id = request_id;
  event.size = image.size;
  event.time_ms = now;
  return OutboxEvent{event.event_id, kBlobCreatedTopic, MakeBlobCreatedPayload(event), now};
}

StatusOr<CreateResult> Ingest::Upload(const UploadRequest& request) {
  OCULA_ASSIGN_OR_RETURN(ImageHeader header, Check(request.bytes, request.declared_content_type));

  int64_t now = clock_.NowMs();
  ImageRecord image;
  image.id = NewId(now);
  image.status = ImageStatus::kPending;
  image.content_type = header.mime_type;
  image.size = request.bytes.size();
  image.sha256 = Sha256Hex(request.bytes);
  image.blob_key = BlobKeyFor(image.id);
  image.idempotency_key = request.idempotency_key;
  image.filename = request.filename;
  image.created_ms = image.updated_ms = now;

  OCULA_RETURN_IF_ERROR(blobs_.Put(image.blob_key, request.bytes));

  auto created = metadata_.CreateImage(image, CreatedEvent(image, request.request_id));
  // An error may hide a commit whose reply was lost (a database restarting
  // during COMMIT): look the document up. Found, the upload is stored, and the
  // client is told so rather than retrying into a second image. Not found,
  // the blob goes. Still unknown, the blob stays (an orphan blob is harmless;
  // a document without its blob is an acknowledged upload lost on retry).
  bool unreferenced = created.ok() && !created->created;
  if (!created.ok()) {
    auto stored = metadata_.GetImage(image.id);
    if (stored.ok()) {
      spdlog::info("req={} image {}: the commit's reply was lost ({}), but the document is stored",
                   request.request_id, image.id, created.status().ToString());
      created = CreateResult{*std::move(stored), true};
    } else {
      unreferenced = stored.status().code() == StatusCode::kNotFound;
    }
  }
  if (unreferenced) {
    // No document refers to the blob just written: remove it (best effort; a
    // crash here leaves an orphan blob, harmless but not cleaned up).
    if (Status s = blobs_.Delete(image.blob_key); !s.ok()) {
      spdlog::warn("req={} could not remove orphan blob {}: {}", request.request_id, image.blob_key,
                   s.ToString());
    }
    return created;
  }
  if (on_created_) on_created_();  // also after an unconfirmed commit: its event may wait
  return created;
}

std::string Ingest::AdoptedId(const BlobInfo& blob) {
  return IdFromSeed(blob.modified_ms, blob.key);
}

StatusOr<CreateResult> Ingest::Adopt(const BlobInfo& blob) {
  const std::string id = AdoptedId(blob);
  auto existing = metadata_.GetImage(id);
  if (existing.ok()) {
    // Adopted before: finish a move that a crash or a store error cut short.
    RemoveDropped(blob.key, *existing);
    return CreateResult{*std::move(existing), false};
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();

  if (blob.size > limits_.max_bytes) {
    return PayloadTooLargeError("the blob is larger than limits.max_upload_bytes");
  }
  auto read = blobs_.Get(blob.key);
  if (read.status().code() == StatusCode::kNotFound) {
    // Another reconciler moved it meanwhile: its document exists by now.
    OCULA_ASSIGN_OR_RETURN(ImageRecord winner, metadata_.GetImage(id));
    return CreateResult{std::move(winner), false};
  }
  OCULA_ASSIGN_OR_RETURN(std::string bytes, std::move(read));
  OCULA_ASSIGN_OR_RETURN(ImageHeader header, Check(bytes, ""));
  int64_t now = clock_.NowMs();
  ImageRecord image;
  image.id = id;
  image.content_type = header.mime_type;
  image.size = bytes.size();
  image.sha256 = Sha256Hex(bytes);
  // The image moves out of the drop prefix under its own key, so that the
  // prefix holds only what is still to adopt and listing it stays cheap:
  // copy, commit the document, then delete the dropped blob. A crash between
  // these steps leaves an orphan copy (harmless) or a dropped blob whose
  // document exists (removed on the next pass, above).
  image.blob_key = BlobKeyFor(id);
  image.filename = blob.key.substr(blob.key.rfind('/') + 1);
  image.created_ms = image.updated_ms = now;
  OCULA_RETURN_IF_ERROR(blobs_.Put(image.blob_key, bytes));
  auto created = metadata_.CreateImage(image, CreatedEvent(image, "reconciler"));
  if (created.status().code() == StatusCode::kAlreadyExists) {  // another reconciler won
    OCULA_ASSIGN_OR_RETURN(ImageRecord winner, metadata_.GetImage(id));
    RemoveDropped(blob.key, winner);
    return CreateResult{std::move(winner), false};
  }
  if (!created.ok()) return created;
  if (created->created && on_created_) on_created_();
  RemoveDropped(blob.key, created->image);
  return created;
}

void Ingest::RemoveDropped(const std::string& dropped_key, const ImageRecord& image) {
  // Documents adopted before images moved point at the dropped blob itself.
  if (image.blob_key == dropped_key) return;
  Status s = blobs_.Delete(dropped_key);
  if (!s.ok() && s.code() != StatusCode::kNotFound) {
    spdlog::warn(
        "reconciler: image {} is stored under {}, but {} could not be removed ({}); "
        "the next pass tries again",
        image.id, image.blob_key, dropped_key, s.ToString());
  }
}

Status Ingest::Delete(const std::string& id) {
  OCULA_ASSIGN_OR_RETURN(ImageRecord image, metadata_.GetImage(id));
  OCULA_RETURN_IF_ERROR(metadata_.DeleteImage(id));
  Status s = blobs_.Delete(image.blob_key);
  if (!s.ok() && s.code() != StatusCode::kNotFound) {
    spdlog::warn("image {} deleted but its blob {} could not be removed: {}", id, image.blob_key,
                 s.ToString());
  }
  return absl::OkStatus();
}

}  // namespace ocula
