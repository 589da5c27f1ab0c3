// FsBlobStore: blobs as files under a root directory (the embedded default).
// Key "images/01J.../original" is the file <root>/images/01J.../original.
//
// Durability: Put writes a temporary file beside the target, fsyncs it,
// renames it over the target and fsyncs the directory (and any directory it
// had to create), so an acknowledged Put survives a crash or power loss and a
// reader never sees a partial blob. Concurrent Puts share the directory
// fsync (one for all the renames made meanwhile; core/group_sync.h).
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

#include <memory>
#include <string>

#include "blob/blob_store.h"

namespace ocula {

class FsBlobStore : public BlobStore {
 public:
  // `root_dir` must exist; MakeFsBlobStore creates it.
  explicit FsBlobStore(std::string root_dir);
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
};

// Creates `root_dir` (and its parents) when missing and returns a store over
// it. InvalidArgument for an empty path; Internal (or InsufficientStorage)
// when the directory cannot be created or is not a directory.
StatusOr<std::unique_ptr<BlobStore>> MakeFsBlobStore(const std::string& root_dir);

}  // namespace ocula
