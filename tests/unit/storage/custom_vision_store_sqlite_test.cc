// The CustomVisionStore contract on the embedded SQLite database.
#include "core/ids.h"
#include "storage/custom_vision_store_contract.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

StatusOr<std::unique_ptr<CustomVisionStore>> NewSqliteStore() {
  static testing::TempDir dir;  // one per test process, a new file per test
  return OpenSqliteCustomVisionStore(dir.File(RandomToken() + ".db"));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, CustomVisionStoreContract,
                         ::testing::Values(CustomVisionStoreBackend{"sqlite", NewSqliteStore}),
                         CustomVisionStoreBackendName);

}  // namespace
}  // namespace ocula
