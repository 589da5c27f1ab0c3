#include "core/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "wait_until.h"

namespace ocula {
namespace {

TEST(WorkPoolTest, RunsEveryAcceptedTask) {
  std::atomic<int> ran{0};
  WorkPool pool("test-pool", 2, 100);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_TRUE(testing::WaitUntil([&] { return ran.load() == 50; })) << ran.load();
  pool.Stop();
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; })) << "a stopped pool takes nothing";
}

// Stop lets the running task finish and drops the waiting ones unrun, so
// that shutdown never waits for work nobody will collect.
TEST(WorkPoolTest, StopFinishesRunningTasksAndDropsWaitingOnes) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::atomic<bool> running_finished{false}, waiting_ran{false};
  WorkPool pool("test-pool", 1, 1000);
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    released.wait();
    running_finished = true;
  }));
  started.get_future().wait();
  ASSERT_TRUE(pool.TrySubmit([&] { waiting_ran = true; }));
  std::thread stopper([&] { pool.Stop(); });
  // Once Stop has begun, the pool refuses new tasks (the queue is far from
  // full, so nothing else refuses them).
  EXPECT_TRUE(testing::WaitUntil([&] { return !pool.TrySubmit([] {}); }));
  release.set_value();
  stopper.join();
  EXPECT_TRUE(running_finished.load());
  EXPECT_FALSE(waiting_ran.load());
}

TEST(WorkPoolTest, RefusesTasksBeyondTheQueueBound) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  WorkPool pool("test-pool", 1, 2);
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();  // the only thread is busy
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {})) << "two may wait, not three";
  release.set_value();
  pool.Stop();
}

TEST(WorkPoolTest, ZeroQueueAdmitsOnlyWhatAnIdleThreadTakes) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  WorkPool pool("test-pool", 2, 0);
  // Both threads idle: two tasks are taken, a third finds none idle.
  auto block = [&] {
    ++started;
    released.wait();
  };
  ASSERT_TRUE(pool.TrySubmit(block));
  ASSERT_TRUE(pool.TrySubmit(block));
  ASSERT_TRUE(testing::WaitUntil([&] { return started.load() == 2; }));
  EXPECT_FALSE(pool.TrySubmit(block));
  release.set_value();
  pool.Stop();
  EXPECT_EQ(started.load(), 2);
}

}  // namespace
}  // namespace ocula
