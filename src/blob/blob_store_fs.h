// FsBlobStore: blobs as files under a root directory (the embedded default).
// Key "images/01J.../original" is the file <root>/images/01J.../original.
//
// Durability: Put writes the blob to a file that has no name yet (O_TMPFILE),
// fsyncs it, links it at the target, fsyncs it again (for its link count)
// and fsyncs the directory (and any directory it had to create), so an
// acknowledged Put survives a crash or power loss and a reader never sees a
// partial blob. Concurrent Puts share the directory fsync (one for all the
// links made meanwhile; core/group_sync.h). An unnamed file is allocated
// outside the directory's lock and takes one directory change instead of a
// create and a rename, which saved about a tenth of the server's CPU per
// upload under concurrency (README, Benchmarks). Over an existing blob (link
// does not replace) it is linked at a temporary name renamed over the
// target; where the file system cannot make unnamed files, Put writes a
// temporary file beside the target and renames it over the target.
// Temporary names contain '~', which no key may contain, so List never
// reports them; a crash can leave one behind, which is harmless and may be
// removed by an operator.
//
// Delete removes directories left empty under the root.
// Errors: ENOSPC/EDQUOT/EFBIG -> ResourceExhausted with reason
// InsufficientStorage; a key that collides with a directory of other keys (or
// the reverse) -> FailedPrecondition; other system errors -> Internal.
// Thread-safety: safe for concurrent use, also by several processes.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "blob/blob_store.h"

namespace ocula {

struct FsBlobStoreOptions {
  // Write new blobs as unnamed files where the file system supports them
  // (see above); false always writes a temporary file and renames it.
  bool unnamed_files = true;
};

class FsBlobStore : public BlobStore {
 public:
  // `root_dir` must exist; MakeFsBlobStore creates it.
  explicit FsBlobStore(std::string root_dir, FsBlobStoreOptions options = {});
  ~FsBlobStore() override;

  Status Put(std::string_view key, std::string_view data) override;
  StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) override;
  StatusOr<BlobInfo> Stat(std::string_view key) override;
  Status Delete(std::string_view key) override;
  StatusOr<std::vector<BlobInfo>> List(std::string_view prefix, std::string_view start_after,
                                       size_t limit) override;
  // Writes, fsyncs and removes a probe file in the root directory.
  Status CheckHealth() override;

  const std::string& root_dir() const { return root_; }
  // Whether Put still writes unnamed files (it stops at the first the file
  // system refuses).
  bool writes_unnamed_files() const { return unnamed_files_.load(); }

 private:
  std::string PathOf(std::string_view key) const;
  // Creates the directories from the root down to `dir` (a path under the
  // root), fsyncing each parent that gained an entry.
  Status MakeParents(const std::string& dir);
  Status PutOnce(const std::string& path, std::string_view data);
  void RemoveEmptyParents(std::string dir);
  Status ListDir(const std::string& rel_dir, std::string_view prefix,
                 std::string_view start_after, size_t limit, std::vector<BlobInfo>& out);

  const std::string root_;  // without a trailing '/'
  struct DirSyncs;
  const std::unique_ptr<DirSyncs> dir_syncs_;
  std::atomic<bool> unnamed_files_;
};

// Creates `root_dir` (and its parents) when missing and returns a store over
// it. InvalidArgument for an empty path; Internal (or InsufficientStorage)
// when the directory cannot be created or is not a directory.
StatusOr<std::unique_ptr<BlobStore>> MakeFsBlobStore(const std::string& root_dir,
                                                     FsBlobStoreOptions options = {});

}  // namespace ocula
