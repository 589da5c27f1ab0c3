#include "core/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace ocula {
namespace {

TEST(WorkPoolTest, RunsEveryAcceptedTaskBeforeStopReturns) {
  std::atomic<int> ran{0};
  WorkPool pool("test-pool", 2, 100);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }));
  pool.Stop();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; })) << "a stopped pool takes nothing";
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
  while (started.load() < 2) std::this_thread::yield();
  EXPECT_FALSE(pool.TrySubmit(block));
  release.set_value();
  pool.Stop();
  EXPECT_EQ(started.load(), 2);
}

}  // namespace
}  // namespace ocula
