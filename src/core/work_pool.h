// WorkPool: a fixed number of threads and a bounded queue, for work that must
// not run on the HTTP I/O threads (URL fetches, on-demand analyses, OCR,
// thumbnails, blob reads). When the queue is full the caller is told at once
// and answers 503 with Retry-After, instead of the work piling up without
// bound or stalling the threads that answer health probes.
//
// Thread-safety: TrySubmit is safe for concurrent use; Stop from one thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ocula {

class WorkPool {
 public:
  // Starts `threads` (at least 1) threads named `name` (at most 15
  // characters, for top -H and perf). At most `max_queued` tasks wait for a
  // thread; 0 admits a task only when a thread is idle.
  WorkPool(std::string name, int threads, size_t max_queued);
  // Stop().
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task` to run on a pool thread. False (and `task` is dropped
  // unrun) when max_queued tasks are already waiting and no thread is idle,
  // or after Stop.
  bool TrySubmit(std::function<void()> task);

  // Stops taking tasks, lets the running ones finish, drops those still
  // waiting (destroyed unrun: at shutdown nobody waits for their answer), and
  // joins the threads.
  void Stop();

  int threads() const { return thread_count_; }

 private:
  void Run();

  const std::string name_;
  const int thread_count_;
  const size_t max_queued_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int busy_ ABSL_GUARDED_BY(mu_) = 0;  // threads running a task
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ocula
