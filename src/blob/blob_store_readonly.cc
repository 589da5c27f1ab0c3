#include "blob/blob_store_readonly.h"

namespace ocula {
namespace {

class ReadOnlyBlobStore : public BlobStore {
 public:
  explicit ReadOnlyBlobStore(BlobStore& inner) : inner_(inner) {}

  Status Put(std::string_view, std::string_view) override { return Refused("store"); }
  Status Delete(std::string_view) override { return Refused("delete"); }
  StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override {
    return inner_.Open(key);
  }
  StatusOr<std::string> Get(std::string_view key) override { return inner_.Get(key); }
  StatusOr<BlobInfo> Stat(std::string_view key) override { return inner_.Stat(key); }
  StatusOr<std::vector<BlobInfo>> List(std::string_view prefix, std::string_view start_after,
                                       size_t limit) override {
    return inner_.List(prefix, start_after, limit);
  }
  Status CheckHealth() override { return inner_.CheckHealth(); }

 private:
  static Status Refused(const char* what) {
    return absl::PermissionDeniedError(std::string("this process may not ") + what +
                                       " blobs (read-only role)");
  }
  BlobStore& inner_;
};

}  // namespace

std::unique_ptr<BlobStore> ReadOnlyView(BlobStore& store) {
  return std::make_unique<ReadOnlyBlobStore>(store);
}

}  // namespace ocula
