// The BlobStore contract (blob_store_contract.h) against the embedded
// implementations; the object stores run it in tests/backends.
#include "storage/blob_store_contract.h"

#include "blob/blob_store_faulty.h"
#include "blob/blob_store_fs.h"
#include "blob/blob_store_memory.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

// The faulty decorator with no faults planned, over its own memory store.
struct MemoryHolder {
  MemoryBlobStore inner;
};
struct FaultyOverMemory : MemoryHolder, FaultyBlobStore {
  FaultyOverMemory() : FaultyBlobStore(inner) {}
};

std::unique_ptr<BlobStore> OpenFsStore(FsBlobStoreOptions options) {
  static testing::TempDir dir;  // removed at exit
  static int count = 0;
  auto store = MakeFsBlobStore(dir.File("blobs" + std::to_string(++count)), options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    Embedded, BlobStoreContractTest,
    ::testing::Values(
        BlobStoreBackend{"fs", [] { return OpenFsStore({}); }},
        BlobStoreBackend{"fs_renamed_temporary_files",
                         [] { return OpenFsStore({.unnamed_files = false}); }},
        BlobStoreBackend{
            "memory",
            [] { return std::unique_ptr<BlobStore>(std::make_unique<MemoryBlobStore>()); }},
        BlobStoreBackend{
            "faulty_over_memory",
            [] { return std::unique_ptr<BlobStore>(std::make_unique<FaultyOverMemory>()); }}),
    BlobStoreBackendName);

}  // namespace
}  // namespace ocula
