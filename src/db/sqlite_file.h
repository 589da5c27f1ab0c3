// What the SQLite connections to one database file in this process share:
// the write mutex, the group commit of the write-ahead log, and which
// components keep their state in the file.
//
// Durability model. The metadata store and the embedded queue open their
// writer connections with synchronous=NORMAL: a COMMIT reaches the log
// (the "-wal" file) and the OS at once, so it survives a crash of the process,
// but it survives a power loss only once the log is fsynced. Writes that are
// acknowledged to a client (an upload's document and event, a delete) call
// SyncLog before answering. Other writes need no fsync of their own because
// the log keeps commits in order and a power loss drops only a suffix of
// them: the analysis result, written before its event's ack in the same file,
// cannot be lost while the ack survives. When the queue lives elsewhere (its
// own file, NATS) that order does not hold, so those writes sync too; see
// Hosts().
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/group_sync.h"
#include "core/status.h"

namespace ocula::sqlite {

class SharedFile {
 public:
  // The one instance for the database file at `path` in this process, made on
  // first use and kept while anything holds it.
  static std::shared_ptr<SharedFile> For(const std::string& path);

  // Makes the file's log durable; returns Internal on failure. The default
  // fdatasyncs `log_path` (a missing file has nothing to sync).
  using SyncFn = std::function<Status(const std::string& log_path)>;
  static Status SyncFileData(const std::string& path);

  // Use For(), except in tests of the group commit.
  explicit SharedFile(std::string log_path, SyncFn sync = SyncFileData);
  SharedFile(const SharedFile&) = delete;
  SharedFile& operator=(const SharedFile&) = delete;

  // Held by the components that write this file around their writes, so that
  // writers in this process queue here instead of meeting SQLITE_BUSY and
  // sleeping in SQLite's busy handler (1 ms or more per collision). Other
  // processes still wait through busy_timeout.
  absl::Mutex& write_mutex() { return write_mutex_; }

  // Makes every transaction committed to this file so far durable: one
  // fdatasync of the write-ahead log, shared by the threads that ask while it
  // runs (group commit, core/group_sync.h). Transactions that a checkpoint has already moved
  // into the database file are durable already (SQLite syncs the log before
  // and the database after a checkpoint). Call without holding write_mutex,
  // so that other writers go on meanwhile.
  // A failed fdatasync leaves the page cache unable to say what reached the
  // disk, so the file stays failed: this and every later call return
  // Internal until the process restarts (as PostgreSQL does).
  Status SyncLog();
  // The error that failed the file for good, or OK (for health checks).
  Status SyncFailure();

  // The components that keep their state in this file (see the top).
  enum class Tenant { kMetadata = 0, kQueue = 1 };
  // Registers a tenant for as long as the returned token lives.
  class Tenancy {
   public:
    Tenancy(std::shared_ptr<SharedFile> file, Tenant tenant);
    Tenancy(const Tenancy&) = delete;
    Tenancy& operator=(const Tenancy&) = delete;
    ~Tenancy();
    SharedFile& file() const { return *file_; }

   private:
    std::shared_ptr<SharedFile> file_;
    Tenant tenant_;
  };
  bool Hosts(Tenant tenant) const { return tenants_[static_cast<int>(tenant)].load() > 0; }

 private:
  // One fdatasync, unless an earlier one failed (then that error).
  Status SyncUnlessFailed();

  const std::string log_path_;
  const SyncFn sync_;
  absl::Mutex write_mutex_;
  std::atomic<int> tenants_[2] = {0, 0};
  GroupSync group_sync_;

  absl::Mutex failed_mu_;
  Status failed_ ABSL_GUARDED_BY(failed_mu_);  // set by a failed fdatasync, for good
};

}  // namespace ocula::sqlite
