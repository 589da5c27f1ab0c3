#include "blob/blob_store_faulty.h"

#include "absl/strings/str_cat.h"

namespace ocula {

void FaultyBlobStore::FailNext(BlobOp op, int count, Status status) {
  absl::MutexLock lock(&mu_);
  faults_[static_cast<size_t>(op)] = Fault{count, std::move(status)};
}

void FaultyBlobStore::FailPutsAfterBytes(uint64_t limit) {
  absl::MutexLock lock(&mu_);
  put_byte_limit_ = limit;
}

void FaultyBlobStore::Clear() {
  absl::MutexLock lock(&mu_);
  faults_ = {};
  put_byte_limit_.reset();
  bytes_put_ = 0;
}

uint64_t FaultyBlobStore::bytes_put() const {
  absl::MutexLock lock(&mu_);
  return bytes_put_;
}

Status FaultyBlobStore::TakeFault(BlobOp op) {
  absl::MutexLock lock(&mu_);
  Fault& fault = faults_[static_cast<size_t>(op)];
  if (fault.remaining <= 0) return absl::OkStatus();
  --fault.remaining;
  return fault.status;
}

Status FaultyBlobStore::Put(std::string_view key, std::string_view data) {
  OCULA_RETURN_IF_ERROR(TakeFault(BlobOp::kPut));
  {
    // Reserve the bytes first so that concurrent Puts cannot all slip under
    // the limit together.
    absl::MutexLock lock(&mu_);
    if (put_byte_limit_ && bytes_put_ + data.size() > *put_byte_limit_) {
      return InsufficientStorageError(absl::StrCat("disk full (injected): ", bytes_put_, " of ",
                                                   *put_byte_limit_, " bytes used"));
    }
    bytes_put_ += data.size();
  }
  Status status = target().Put(key, data);
  if (!status.ok()) {
    absl::MutexLock lock(&mu_);
    bytes_put_ -= data.size();
  }
  return status;
}

StatusOr<std::unique_ptr<BlobReader>> FaultyBlobStore::Open(std::string_view key) {
  OCULA_RETURN_IF_ERROR(TakeFault(BlobOp::kOpen));
  return target().Open(key);
}

StatusOr<std::string> FaultyBlobStore::Get(std::string_view key) {
  OCULA_RETURN_IF_ERROR(TakeFault(BlobOp::kGet));
  return target().Get(key);
}

StatusOr<BlobInfo> FaultyBlobStore::Stat(std::string_view key) {
  OCULA_RETURN_IF_ERROR(TakeFault(BlobOp::kStat));
  return target().Stat(key);
}

Status FaultyBlobStore::Delete(std::string_view key) {
  OCULA_RETURN_IF_ERROR(TakeFault(BlobOp::kDelete));
  return target().Delete(key);
}

StatusOr<std::vector<BlobInfo>> FaultyBlobStore::List(std::string_view prefix,
                                                      std::string_view start_after, size_t limit) {
  OCULA_RETURN_IF_ERROR(TakeFault(BlobOp::kList));
  return target().List(prefix, start_after, limit);
}

Status FaultyBlobStore::CheckHealth() {
  OCULA_RETURN_IF_ERROR(TakeFault(BlobOp::kCheckHealth));
  return target().CheckHealth();
}

}  // namespace ocula
