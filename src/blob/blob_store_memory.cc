#include "blob/blob_store_memory.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

class StringBlobReader : public BlobReader {
 public:
  explicit StringBlobReader(std::shared_ptr<const std::string> data) : data_(std::move(data)) {}

  StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t count = std::min(n, data_->size() - offset_);
    std::memcpy(buf, data_->data() + offset_, count);
    offset_ += count;
    return count;
  }
  uint64_t size() const override { return data_->size(); }

 private:
  std::shared_ptr<const std::string> data_;
  size_t offset_ = 0;
};

Status InvalidKey(std::string_view key) {
  return absl::InvalidArgumentError(absl::StrCat("invalid blob key '", AbslView(key), "'"));
}

Status NoSuchBlob(std::string_view key) {
  return absl::NotFoundError(absl::StrCat("no blob '", AbslView(key), "'"));
}

}  // namespace

Status MemoryBlobStore::Put(std::string_view key, std::string_view data) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  auto bytes = std::make_shared<const std::string>(data);
  absl::MutexLock lock(&mu_);
  blobs_[std::string(key)] = Blob{std::move(bytes), clock_.NowMs()};
  return absl::OkStatus();
}

StatusOr<std::unique_ptr<BlobReader>> MemoryBlobStore::Open(std::string_view key) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  absl::MutexLock lock(&mu_);
  auto it = blobs_.find(key);
  if (it == blobs_.end()) return NoSuchBlob(key);
  return std::make_unique<StringBlobReader>(it->second.data);
}

StatusOr<BlobInfo> MemoryBlobStore::Stat(std::string_view key) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  absl::MutexLock lock(&mu_);
  auto it = blobs_.find(key);
  if (it == blobs_.end()) return NoSuchBlob(key);
  return BlobInfo{it->first, it->second.data->size(), it->second.modified_ms};
}

Status MemoryBlobStore::Delete(std::string_view key) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  absl::MutexLock lock(&mu_);
  auto it = blobs_.find(key);
  if (it == blobs_.end()) return NoSuchBlob(key);
  blobs_.erase(it);
  return absl::OkStatus();
}

StatusOr<std::vector<BlobInfo>> MemoryBlobStore::List(std::string_view prefix,
                                                      std::string_view start_after,
                                                      size_t limit) {
  std::vector<BlobInfo> out;
  absl::MutexLock lock(&mu_);
  // Keys with `prefix` are contiguous in key order; start at the first one
  // that is both >= prefix and > start_after.
  auto it = start_after < prefix ? blobs_.lower_bound(prefix) : blobs_.upper_bound(start_after);
  for (; it != blobs_.end() && out.size() < limit; ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) break;
    out.push_back(BlobInfo{it->first, it->second.data->size(), it->second.modified_ms});
  }
  return out;
}

}  // namespace ocula
