// MemoryBlobStore: an in-memory BlobStore for unit tests. Same contract as
// the file store except durability (nothing survives the process).
// Thread-safety: safe for concurrent use. Readers opened with Open() keep
// reading the bytes that were current when they were opened.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "blob/blob_store.h"
#include "core/clock.h"

namespace ocula {

class MemoryBlobStore : public BlobStore {
 public:
  // `clock` stamps modified_ms; it must outlive the store.
  explicit MemoryBlobStore(Clock& clock = Clock::Real()) : clock_(clock) {}

  Status Put(std::string_view key, std::string_view data) override;
  StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override;
  StatusOr<BlobInfo> Stat(std::string_view key) override;
  Status Delete(std::string_view key) override;
  StatusOr<std::vector<BlobInfo>> List(std::string_view prefix, std::string_view start_after,
                                       size_t limit) override;
  Status CheckHealth() override { return absl::OkStatus(); }

 private:
  struct Blob {
    std::shared_ptr<const std::string> data;  // shared with open readers
    int64_t modified_ms = 0;
  };

  Clock& clock_;
  absl::Mutex mu_;
  std::map<std::string, Blob, std::less<>> blobs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ocula
