// MetadataStore: image documents (the reference design's Cosmos DB) and the
// transactional outbox that makes "document created" and "event emitted" one
// atomic step.
//
// Implementations: metadata_store_sqlite (embedded default, WAL, schema
// migrations); metadata_store_postgres (PostgreSQL, for several processes);
// metadata_store_faulty (a decorator that injects errors for fault tests).
// Every implementation passes tests/unit/storage/metadata_store_contract.h.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace ocula {

enum class ImageStatus { kPending, kProcessing, kDone, kFailed };
std::string_view ToString(ImageStatus status);
std::optional<ImageStatus> ParseImageStatus(std::string_view text);

// One image document. JSON-valued fields are kept as serialized JSON text so
// that this header stays light; "" means absent.
struct ImageRecord {
  std::string id;  // ULID from NewId()
  ImageStatus status = ImageStatus::kPending;
  std::string content_type;  // sniffed from the bytes, e.g. "image/jpeg"
  uint64_t size = 0;
  std::string sha256;
  std::string blob_key;
  std::string idempotency_key;  // "" when the upload had none
  std::string filename;         // the uploader's file name; "" when not given
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string metadata_json;     // {"width":..,"height":..,"format":..,"exif":{..}}
  std::string analysis_json;     // set when done
  std::string error_json;        // {"code":..,"message":..} when failed
  std::string pipeline_version;  // which pipeline produced analysis
  int64_t version = 1;           // bumped on every change; the ETag is derived from it
};

// An event written in the same transaction as the document that caused it.
struct OutboxEvent {
  std::string id;     // unique; also the bus message id (deduplication)
  std::string topic;  // e.g. "blob-created"
  std::string payload;
  int64_t created_ms = 0;
};

struct ListQuery {
  std::optional<ImageStatus> status;
  size_t limit = 50;
  std::string cursor;    // "" = from the newest; else the id to continue after
  std::string tag;       // "" = any; else only images with this tag name
  std::string category;  // "" = any; else only images with this category name
};

enum class LabelKind { kTag, kCategory };

// How many images carry a label (a tag or category name).
struct LabelCount {
  std::string name;
  int64_t count = 0;
};

// One entry of the change log: an image was created, changed, or deleted.
struct ImageChange {
  int64_t seq = 0;  // increases with every change, store-wide
  std::string id;
  std::string status;  // the image's status after the change, or "deleted"
};

struct ChangePage {
  std::vector<ImageChange> changes;  // oldest first
  // The change log keeps only recent entries: true when entries after the
  // requested point were already pruned (or the point is unknown to this
  // store), so a reader that wants a complete picture must start over.
  bool gap = false;
  int64_t latest_seq = 0;  // the newest seq in the store (0 when none yet)
};

struct ImagePage {
  std::vector<ImageRecord> images;  // newest first
  std::string next_cursor;          // "" when there are no more
};

struct CreateResult {
  ImageRecord image;
  bool created = true;  // false: the idempotency key matched an earlier upload
};

// The outcome of an analysis, written by the worker.
struct ImageResult {
  ImageStatus status = ImageStatus::kDone;  // kDone or kFailed
  std::string metadata_json;
  std::string analysis_json;
  std::string error_json;
  std::string pipeline_version;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Inserts `image` and `event` in one transaction: both or neither.
  // When image.idempotency_key is non-empty and an image with that key exists,
  // inserts nothing and returns that image with created=false.
  // Errors: AlreadyExists (id taken), Unavailable (busy/transient), Internal.
  virtual StatusOr<CreateResult> CreateImage(const ImageRecord& image,
                                             const OutboxEvent& event) = 0;

  // NotFound when absent.
  virtual StatusOr<ImageRecord> GetImage(const std::string& id) = 0;
  virtual StatusOr<ImagePage> ListImages(const ListQuery& query) = 0;

  // Removes the document, its embedding and any outbox event for it.
  // NotFound when absent.
  virtual Status DeleteImage(const std::string& id) = 0;

  // pending -> processing (no-op if already processing). NotFound when absent.
  virtual Status MarkProcessing(const std::string& id) = 0;

  // Writes the analysis outcome, replacing any earlier one (redelivery
  // overwrites, never duplicates). NotFound when the image was deleted.
  virtual Status SetResult(const std::string& id, const ImageResult& result) = 0;

  // Stores the embedding vector of `id` under `model`, replacing any earlier one.
  virtual Status PutEmbedding(const std::string& id, const std::string& model,
                              std::span<const float> vector) = 0;
  // NotFound when absent.
  virtual StatusOr<std::vector<float>> GetEmbedding(const std::string& id,
                                                    const std::string& model) = 0;

  // Outbox events not yet relayed to the bus, oldest first.
  virtual StatusOr<std::vector<OutboxEvent>> PendingOutbox(size_t limit) = 0;
  virtual Status MarkRelayed(const std::vector<std::string>& event_ids) = 0;

  // The most frequent tag or category names of analysed images, most
  // frequent first (ties by name), at most `limit`.
  virtual StatusOr<std::vector<LabelCount>> CountLabels(LabelKind kind, size_t limit) = 0;

  // Change-log entries with seq > `after`, oldest first, at most `limit`.
  // `after` = 0 asks for everything still kept (never a gap).
  virtual StatusOr<ChangePage> ChangesSince(int64_t after, size_t limit) = 0;

  // Number of images per status (all statuses present, zeros included).
  virtual StatusOr<std::map<ImageStatus, int64_t>> CountByStatus() = 0;

  // OK when the store answers queries.
  virtual Status CheckHealth() = 0;
};

// Forwards every call to `target`, so that a decorator (fault injection,
// metrics) overrides only what it changes, as leveldb's EnvWrapper.
// Thread-safety: that of the target.
class ForwardingMetadataStore : public MetadataStore {
 public:
  explicit ForwardingMetadataStore(MetadataStore& target) : target_(target) {}

  StatusOr<CreateResult> CreateImage(const ImageRecord& image, const OutboxEvent& event) override {
    return target_.CreateImage(image, event);
  }
  StatusOr<ImageRecord> GetImage(const std::string& id) override { return target_.GetImage(id); }
  StatusOr<ImagePage> ListImages(const ListQuery& query) override {
    return target_.ListImages(query);
  }
  Status DeleteImage(const std::string& id) override { return target_.DeleteImage(id); }
  Status MarkProcessing(const std::string& id) override { return target_.MarkProcessing(id); }
  Status SetResult(const std::string& id, const ImageResult& result) override {
    return target_.SetResult(id, result);
  }
  Status PutEmbedding(const std::string& id, const std::string& model,
                      std::span<const float> vector) override {
    return target_.PutEmbedding(id, model, vector);
  }
  StatusOr<std::vector<float>> GetEmbedding(const std::string& id,
                                            const std::string& model) override {
    return target_.GetEmbedding(id, model);
  }
  StatusOr<std::vector<OutboxEvent>> PendingOutbox(size_t limit) override {
    return target_.PendingOutbox(limit);
  }
  Status MarkRelayed(const std::vector<std::string>& event_ids) override {
    return target_.MarkRelayed(event_ids);
  }
  StatusOr<std::vector<LabelCount>> CountLabels(LabelKind kind, size_t limit) override {
    return target_.CountLabels(kind, limit);
  }
  StatusOr<ChangePage> ChangesSince(int64_t after, size_t limit) override {
    return target_.ChangesSince(after, limit);
  }
  StatusOr<std::map<ImageStatus, int64_t>> CountByStatus() override {
    return target_.CountByStatus();
  }
  Status CheckHealth() override { return target_.CheckHealth(); }

 protected:
  MetadataStore& target() const { return target_; }

 private:
  MetadataStore& target_;
};

// The ETag of a record: a quoted string that changes whenever the record does.
std::string ETagOf(const ImageRecord& image);

}  // namespace ocula
