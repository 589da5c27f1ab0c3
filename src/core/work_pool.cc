#include "core/work_pool.h"

#include <algorithm>

#include "core/thread_name.h"

namespace ocula {

WorkPool::WorkPool(std::string name, int threads, size_t max_queued)
    : name_(std::move(name)), thread_count_(std::max(1, threads)), max_queued_(max_queued) {
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

WorkPool::~WorkPool() { Stop(); }

bool WorkPool::TrySubmit(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  // Tasks beyond what the threads not busy will take at once count against
  // the bound.
  const size_t free_threads = static_cast<size_t>(thread_count_ - busy_);
  if (queue_.size() >= free_threads + max_queued_) return false;
  queue_.push_back(std::move(task));
  return true;
}

void WorkPool::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void WorkPool::Run() {
  SetThreadName(name_);
  for (;;) {
    std::function<void()> task;
    std::deque<std::function<void()>> dropped;  // destroyed after the lock is released
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WorkPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
            return pool->stopping_ || !pool->queue_.empty();
          },
          this));
      stop = stopping_;
      if (stop) {
        dropped.swap(queue_);
      } else {
        task = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
    }
    if (stop) return;
    task();
    absl::MutexLock lock(&mu_);
    --busy_;
  }
}

}  // namespace ocula
