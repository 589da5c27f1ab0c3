// FaultyBlobStore: a forwarding decorator over another BlobStore that injects
// errors, for fault and crash tests. Without faults configured it behaves
// exactly like the store it wraps.
//
//   MemoryBlobStore inner;
//   FaultyBlobStore store(inner);
//   store.FailNext(BlobOp::kPut, 2, absl::UnavailableError("flaky"));
//   store.FailPutsAfterBytes(1 << 20);  // "disk full" after 1 MiB
//
// An injected failure happens instead of the call: the wrapped store is not
// touched, so an injected Put failure leaves any earlier blob intact.
// Thread-safety: safe for concurrent use; faults may be changed while other
// threads call the store. `inner` must outlive this object.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "blob/blob_store.h"

namespace ocula {

enum class BlobOp { kPut, kOpen, kGet, kStat, kDelete, kList, kCheckHealth };

class FaultyBlobStore : public ForwardingBlobStore {
 public:
  explicit FaultyBlobStore(BlobStore& inner) : ForwardingBlobStore(inner) {}

  // The next `count` calls of `op` return `status` (which must not be OK).
  void FailNext(BlobOp op, int count, Status status);
  // Once the Puts forwarded so far total `limit` bytes, every Put that would
  // go past it fails with ResourceExhausted, reason InsufficientStorage.
  void FailPutsAfterBytes(uint64_t limit);
  // Removes all configured faults and resets the byte count.
  void Clear();
  // Bytes written by successful forwarded Puts since construction or Clear().
  uint64_t bytes_put() const;

  Status Put(std::string_view key, std::string_view data) override;
  StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override;
  StatusOr<std::string> Get(std::string_view key) override;
  StatusOr<BlobInfo> Stat(std::string_view key) override;
  Status Delete(std::string_view key) override;
  StatusOr<std::vector<BlobInfo>> List(std::string_view prefix, std::string_view start_after,
                                       size_t limit) override;
  Status CheckHealth() override;

 private:
  struct Fault {
    int remaining = 0;
    Status status;
  };
  static constexpr size_t kOpCount = static_cast<size_t>(BlobOp::kCheckHealth) + 1;

  // The injected error for this call of `op`, or OK to forward it.
  Status TakeFault(BlobOp op);

  mutable absl::Mutex mu_;
  std::array<Fault, kOpCount> faults_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> put_byte_limit_ ABSL_GUARDED_BY(mu_);
  uint64_t bytes_put_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ocula
