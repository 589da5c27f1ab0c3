// GroupSync: one expensive sync (an fsync of a log or a directory) shared by
// the threads that ask for it at the same moment, as databases group commits.
//
// A caller first makes its change (writes a file, commits a transaction) and
// then calls Sync(), which returns once a sync that started after the call
// has finished: the status of that sync. While one sync runs, the callers
// that arrive meanwhile wait and are then all served by the next one, so N
// concurrent callers cost two syncs, not N. Sync() never runs two syncs at
// once.
//
// A failed sync is reported to every caller it was meant to cover (none of
// them retries it: after a failed fsync a retry can report success for data
// that never reached the disk). Whether later calls may sync again is the
// sync function's business (sqlite::SharedFile refuses for good).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/status.h"

namespace ocula {

class GroupSync {
 public:
  using SyncFn = std::function<Status()>;
  explicit GroupSync(SyncFn sync);
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

  // Makes every change the caller made before this call durable (see above).
  Status Sync();

 private:
  // One sync. It covers the callers that arrived before it started and after
  // the previous round started; `next` is the round started after it.
  struct Round {
    bool done = false;
    Status status;
    std::shared_ptr<Round> next;
  };

  const SyncFn sync_;
  absl::Mutex mu_;
  std::shared_ptr<Round> last_ ABSL_GUARDED_BY(mu_);  // the latest round started
};

}  // namespace ocula
