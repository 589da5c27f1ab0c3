#include "blob/blob_store_readonly.h"

namespace ocula {
namespace {

class ReadOnlyBlobStore : public ForwardingBlobStore {
 public:
  using ForwardingBlobStore::ForwardingBlobStore;

  Status Put(std::string_view, std::string_view) override { return Refused("store"); }
  Status Delete(std::string_view) override { return Refused("delete"); }

 private:
  static Status Refused(const char* what) {
    return absl::PermissionDeniedError(std::string("this process may not ") + what +
                                       " blobs (read-only role)");
  }
};

}  // namespace

std::unique_ptr<BlobStore> ReadOnlyView(BlobStore& store) {
  return std::make_unique<ReadOnlyBlobStore>(store);
}

}  // namespace ocula
