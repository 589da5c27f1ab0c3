// SharedFile: the group commit of a SQLite file's log, its failure mode and
// its tenants.
#include "metadata/sqlite_file.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "storage/temp_dir.h"

namespace ocula::sqlite {
namespace {

using Tenant = SharedFile::Tenant;

TEST(SharedFileTest, ConcurrentCallersShareSyncsAndEachWaitsForOneStartedAfterIt) {
  std::atomic<int> started{0}, finished{0};
  SharedFile file("unused", [&](const std::string&) {
    started.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    finished.fetch_add(1);
    return absl::OkStatus();
  });
  constexpr int kThreads = 8;
  std::atomic<int> violations{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        // A sync running now may have begun before this caller's commit; the
        // next one to start cannot have.
        const int started_before = started.load();
        Status status = file.SyncLog();
        if (!status.ok() || finished.load() < started_before + 1) violations.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GE(started.load(), 5);
  EXPECT_LT(started.load(), kThreads * 5) << "no fdatasync was shared";
}

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
  EXPECT_EQ(SharedFile::SyncFileData(dir.File("no-such-dir/ocula.db-wal")).code(),
            StatusCode::kOk);
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
