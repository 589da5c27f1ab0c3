// SharedFile: the sync of a SQLite file's log (shared by GroupSync, tested in
// core/group_sync_test.cc), its failure mode and its tenants.
#include "db/sqlite_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "storage/temp_dir.h"

namespace ocula::sqlite {
namespace {

using Tenant = SharedFile::Tenant;

TEST(SharedFileTest, AFailedSyncFailsTheFileForGood) {
  int calls = 0;
  SharedFile file("unused", [&](const std::string&) {
    ++calls;
    return absl::InternalError("fdatasync failed: Input/output error");
  });
  EXPECT_TRUE(file.SyncFailure().ok());
  Status first = file.SyncLog();
  EXPECT_EQ(first.code(), StatusCode::kInternal);
  EXPECT_NE(first.message().find("restarted"), absl::string_view::npos) << first;
  EXPECT_EQ(file.SyncLog().code(), StatusCode::kInternal);
  EXPECT_EQ(file.SyncFailure().code(), StatusCode::kInternal);
  EXPECT_EQ(calls, 1) << "a later sync could report success for data the failed one lost";
}

TEST(SharedFileTest, SyncsARealLogAndTreatsAMissingOneAsSynced) {
  testing::TempDir dir;
  const std::string log = dir.File("ocula.db-wal");
  EXPECT_TRUE(SharedFile::SyncFileData(log).ok());  // no log: all in the database
  std::ofstream(log) << "frames";
  EXPECT_TRUE(SharedFile::SyncFileData(log).ok());
  EXPECT_EQ(SharedFile::SyncFileData(dir.File("no-such-dir/ocula.db-wal")).code(), StatusCode::kOk);
}

TEST(SharedFileTest, OneInstancePerFileAndTenantsLastAsLongAsTheirToken) {
  testing::TempDir dir;
  auto a = SharedFile::For(dir.File("ocula.db"));
  auto b = SharedFile::For(dir.File("x/../ocula.db"));
  auto other = SharedFile::For(dir.File("queue.db"));
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), other.get());
  EXPECT_FALSE(a->Hosts(Tenant::kQueue));
  {
    SharedFile::Tenancy queue(a, Tenant::kQueue);
    EXPECT_TRUE(b->Hosts(Tenant::kQueue));
    EXPECT_FALSE(b->Hosts(Tenant::kMetadata));
    EXPECT_FALSE(other->Hosts(Tenant::kQueue));
  }
  EXPECT_FALSE(a->Hosts(Tenant::kQueue));
}

}  // namespace
}  // namespace ocula::sqlite
