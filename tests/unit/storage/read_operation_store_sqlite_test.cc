// The ReadOperationStore contract on the embedded SQLite database; the
// PostgreSQL side is in tests/backends/postgres_metadata_test.cc.
#include "core/ids.h"
#include "storage/read_operation_store_contract.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

StatusOr<std::unique_ptr<ReadOperationStore>> NewSqliteStore() {
  static testing::TempDir dir;  // one per test process, a new file per test
  return OpenSqliteReadOperationStore(dir.File(RandomToken() + ".db"));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ReadOperationStoreContract,
                         ::testing::Values(ReadOperationStoreBackend{"sqlite", NewSqliteStore}),
                         ReadOperationStoreBackendName);

}  // namespace
}  // namespace ocula
