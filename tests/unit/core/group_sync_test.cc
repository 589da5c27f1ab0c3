// GroupSync: concurrent callers share syncs, each waits for a sync that
// started after its call, and a failure reaches every caller it covered.
#include "core/group_sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ocula {
namespace {

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(GroupSyncTest, ConcurrentCallersShareSyncsAndEachWaitsForOneStartedAfterIt) {
  std::atomic<int> started{0}, finished{0}, running{0}, overlaps{0};
  GroupSync group([&] {
    started.fetch_add(1);
    if (running.fetch_add(1) != 0) overlaps.fetch_add(1);
    SleepMs(20);
    running.fetch_sub(1);
    finished.fetch_add(1);
    return absl::OkStatus();
  });
  constexpr int kThreads = 8;
  std::atomic<int> violations{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        // A sync running now may have begun before this caller's change; the
        // next one to start cannot have.
        const int started_before = started.load();
        Status status = group.Sync();
        if (!status.ok() || finished.load() < started_before + 1) violations.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(overlaps.load(), 0) << "two syncs ran at once";
  EXPECT_GE(started.load(), 5);
  EXPECT_LT(started.load(), kThreads * 5) << "no sync was shared";
}

TEST(GroupSyncTest, AFailedSyncIsReportedToEveryCallerItCoveredAndNotRetriedForThem) {
  std::atomic<int> calls{0};
  std::atomic<bool> release{false};
  GroupSync group([&] {
    const int call = calls.fetch_add(1);
    if (call == 0) {  // the first round holds on until the others queue up
      while (!release.load()) SleepMs(1);
      return absl::OkStatus();
    }
    return absl::InternalError("fsync failed: Input/output error");  // the second round
  });
  std::thread leader([&] { EXPECT_TRUE(group.Sync().ok()); });
  while (calls.load() == 0) SleepMs(1);
  constexpr int kWaiters = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      if (group.Sync().code() == StatusCode::kInternal) failures.fetch_add(1);
    });
  }
  SleepMs(50);  // the waiters took their tickets while the first round ran
  release.store(true);
  leader.join();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(failures.load(), kWaiters);
  EXPECT_EQ(calls.load(), 2) << "the failed round was retried for some caller";
  EXPECT_EQ(group.Sync().code(), StatusCode::kInternal);  // a later call syncs again
  EXPECT_EQ(calls.load(), 3);
}

}  // namespace
}  // namespace ocula
