#include "blob/blob_store_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "core/group_sync.h"
#include "core/ids.h"
#include "spdlog/spdlog.h"

namespace ocula {
namespace {

// Marks temporary and probe files. '~' is not a key character, so no key
// (and no List result) can ever name one of them.
constexpr std::string_view kTempMarker = "~tmp.";
constexpr size_t kMaxWriteChunk = 1 << 20;

Status ErrnoStatus(int err, std::string_view what, std::string_view path) {
  std::string message =
      absl::StrCat(AbslView(what), " '", AbslView(path), "': ", std::generic_category().message(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return InsufficientStorageError(message);
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
    case EISDIR:
    case ENOTDIR:
    case ENOTEMPTY:
      return absl::FailedPreconditionError(message);
    case ENAMETOOLONG:
      return absl::InvalidArgumentError(message);
    case EAGAIN:
    case EBUSY:
    case EINTR:
    case EIO:  // the device failed this time: the client may retry (503)
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

Status InvalidKey(std::string_view key) {
  return absl::InvalidArgumentError(absl::StrCat("invalid blob key '", AbslView(key), "'"));
}

Status NoSuchBlob(std::string_view key) {
  return absl::NotFoundError(absl::StrCat("no blob '", AbslView(key), "'"));
}

// Owns a file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  int get() const { return fd_; }
  // Closes now and reports the error close() gives (a late write error).
  Status Close(std::string_view path) {
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) return ErrnoStatus(errno, "close", path);
    return absl::OkStatus();
  }

 private:
  int fd_;
};

std::string DirName(const std::string& path) { return path.substr(0, path.rfind('/')); }

Status WriteAll(int fd, std::string_view data, std::string_view path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), std::min(data.size(), kMaxWriteChunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

Status SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok()) return ErrnoStatus(errno, "open directory", dir);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync directory", dir);
  return absl::OkStatus();
}

// Writes `data` to a new file at `path`, fsyncs and closes it.
Status WriteNewFile(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.ok()) return ErrnoStatus(errno, "create", path);
  OCULA_RETURN_IF_ERROR(WriteAll(fd.get(), data, path));
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync", path);
  return fd.Close(path);
}

// Removes a temporary file after a failure; the failure is what gets reported.
void RemoveTemp(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    spdlog::warn("blob store: cannot remove temporary file '{}': {}", path,
                 std::generic_category().message(errno));
  }
}

// A name beside `path` for a file not yet in place (see kTempMarker).
std::string TempNameFor(std::string_view path) {
  return absl::StrCat(AbslView(path), AbslView(kTempMarker), RandomToken());
}

// Renames `temp` over `path`; when that fails, removes `temp` and reports why.
Status RenameOver(const std::string& temp, const std::string& path) {
  if (::rename(temp.c_str(), path.c_str()) == 0) return absl::OkStatus();
  Status status = ErrnoStatus(errno, "rename to", path);
  RemoveTemp(temp);
  return status;
}

// Writes `data` to a new file in `dir` that has no name yet (O_TMPFILE) and
// fsyncs it. Returns no file, having changed nothing, where the file system
// cannot make unnamed files.
StatusOr<std::optional<UniqueFd>> WriteUnnamedFile(const std::string& dir, std::string_view data,
                                                   const std::string& path) {
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  if (!fd.ok()) {
    // EISDIR: a kernel without O_TMPFILE opens the directory itself.
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return std::nullopt;
    return ErrnoStatus(errno, "create a file in", dir);
  }
  OCULA_RETURN_IF_ERROR(WriteAll(fd.get(), data, path));
  if (::fsync(fd.get()) != 0) return ErrnoStatus(errno, "fsync", path);
  return std::optional<UniqueFd>(std::move(fd));
}

// Gives an unnamed file the name `path` (link never replaces a file, so over
// an existing blob it is linked at a temporary name that is renamed over
// it), then fsyncs the file again: its link count is in its inode, which
// the directory's fsync does not write on a file system without a journal.
Status NameUnnamedFile(UniqueFd& file, const std::string& path) {
  const std::string self = absl::StrCat("/proc/self/fd/", file.get());
  auto link_at = [&](const std::string& name) {
    return ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0;
  };
  if (!link_at(path)) {
    if (errno != EEXIST) return ErrnoStatus(errno, "link", path);
    const std::string temp = TempNameFor(path);
    if (!link_at(temp)) return ErrnoStatus(errno, "link", temp);
    OCULA_RETURN_IF_ERROR(RenameOver(temp, path));
  }
  if (::fsync(file.get()) != 0) return ErrnoStatus(errno, "fsync", path);
  return file.Close(path);
}

int64_t ModifiedMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

class FdBlobReader : public BlobReader {
 public:
  FdBlobReader(UniqueFd fd, uint64_t size, std::string path)
      : fd_(std::move(fd)), size_(size), path_(std::move(path)) {}

  StatusOr<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t got = ::read(fd_.get(), buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return ErrnoStatus(errno, "read", path_);
    }
  }
  uint64_t size() const override { return size_; }

 private:
  UniqueFd fd_;
  uint64_t size_;
  std::string path_;
};

struct DirEntry {
  std::string sort_name;  // the name, plus '/' for a directory: key order
  bool is_dir = false;
};

// The regular files and directories in `dir`, in key order. Symlinks and
// other file types are skipped. A missing directory (removed concurrently by a
// Delete) has no entries.
StatusOr<std::vector<DirEntry>> ReadDirSorted(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), &::closedir);
  if (!handle) {
    if (errno == ENOENT) return std::vector<DirEntry>{};
    return ErrnoStatus(errno, "open directory", dir);
  }
  std::vector<DirEntry> entries;
  while (true) {
    errno = 0;
    const dirent* e = ::readdir(handle.get());
    if (e == nullptr) break;
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;  // gone meanwhile
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR) entries.push_back({name + "/", true});
    if (type == DT_REG) entries.push_back({std::move(name), false});
  }
  if (errno != 0) return ErrnoStatus(errno, "read directory", dir);
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.sort_name < b.sort_name; });
  return entries;
}

// Whether a directory whose keys all start with `dir_prefix` ("a/b/") can hold
// a key that starts with `prefix` and sorts after `start_after`.
bool SubtreeMayMatch(std::string_view dir_prefix, std::string_view prefix,
                     std::string_view start_after) {
  if (!dir_prefix.starts_with(prefix) && !prefix.starts_with(dir_prefix)) {
    return false;
  }
  // Every key K under the directory starts with dir_prefix; when dir_prefix
  // sorts before start_after and is not a prefix of it, so does every K.
  return !(dir_prefix < start_after && !start_after.starts_with(dir_prefix));
}

}  // namespace

// The directory fsyncs of concurrent Puts: each Put names the directory its
// link or rename changed, and one round of the group fsyncs every directory named
// since the last round (usually just images/).
struct FsBlobStore::DirSyncs {
  absl::Mutex mu;
  std::set<std::string> pending ABSL_GUARDED_BY(mu);
  GroupSync group{[this] { return SyncPending(); }};

  Status Sync(std::string dir) {
    {
      absl::MutexLock lock(&mu);
      pending.insert(std::move(dir));
    }
    return group.Sync();
  }

  Status SyncPending() {
    std::set<std::string> dirs;
    {
      absl::MutexLock lock(&mu);
      dirs.swap(pending);
    }
    for (auto it = dirs.begin(); it != dirs.end(); ++it) {
      Status status = SyncDir(*it);
      if (status.ok()) continue;
      // This round's callers get the error; the next round syncs these
      // directories again, as its callers may have renamed into them too.
      absl::MutexLock lock(&mu);
      pending.insert(it, dirs.end());
      return status;
    }
    return absl::OkStatus();
  }
};

FsBlobStore::FsBlobStore(std::string root_dir, FsBlobStoreOptions options)
    : root_(std::move(root_dir)),
      dir_syncs_(std::make_unique<DirSyncs>()),
      // Unnamed files are named through /proc (linkat's AT_EMPTY_PATH needs
      // a capability).
      unnamed_files_(options.unnamed_files && ::access("/proc/self/fd", X_OK) == 0) {}

FsBlobStore::~FsBlobStore() = default;

std::string FsBlobStore::PathOf(std::string_view key) const {
  return absl::StrCat(root_, "/", AbslView(key));
}

Status FsBlobStore::MakeParents(const std::string& dir) {
  if (dir.size() <= root_.size()) return absl::OkStatus();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("'", dir, "' is a blob, so it cannot hold other blobs"));
  }
  std::string parent = DirName(dir);
  OCULA_RETURN_IF_ERROR(MakeParents(parent));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, "create directory", dir);
  }
  // Persist the new entry, also when a concurrent Put created it first: that
  // Put may not have synced it yet.
  return SyncDir(parent);
}

Status FsBlobStore::PutOnce(const std::string& path, std::string_view data) {
  const std::string dir = DirName(path);
  if (unnamed_files_.load(std::memory_order_relaxed)) {
    OCULA_ASSIGN_OR_RETURN(std::optional<UniqueFd> file, WriteUnnamedFile(dir, data, path));
    if (file) {
      OCULA_RETURN_IF_ERROR(NameUnnamedFile(*file, path));
      return dir_syncs_->Sync(dir);
    }
    if (unnamed_files_.exchange(false)) {
      spdlog::info(
          "blob store: the file system under {} cannot create unnamed files "
          "(O_TMPFILE); writing temporary files and renaming them instead",
          root_);
    }
  }
  const std::string temp = TempNameFor(path);
  if (Status written = WriteNewFile(temp, data); !written.ok()) {
    RemoveTemp(temp);
    return written;
  }
  OCULA_RETURN_IF_ERROR(RenameOver(temp, path));
  return dir_syncs_->Sync(dir);
}

Status FsBlobStore::Put(std::string_view key, std::string_view data) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  std::string path = PathOf(key);
  // A concurrent Delete may remove a directory this Put just created (Delete
  // prunes empty directories); creating the temporary file then fails with
  // NotFound, and the directories are made again.
  Status status;
  for (int attempt = 0; attempt < 3; ++attempt) {
    OCULA_RETURN_IF_ERROR(MakeParents(DirName(path)));
    status = PutOnce(path, data);
    if (status.code() != StatusCode::kNotFound) return status;
  }
  return absl::UnavailableError(status.message());
}

StatusOr<std::unique_ptr<BlobReader>> FsBlobStore::Open(std::string_view key) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  std::string path = PathOf(key);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) {
    if (errno == ENOENT || errno == ENOTDIR) return NoSuchBlob(key);
    return ErrnoStatus(errno, "open", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat", path);
  if (!S_ISREG(st.st_mode)) return NoSuchBlob(key);
  return std::make_unique<FdBlobReader>(std::move(fd), static_cast<uint64_t>(st.st_size), path);
}

StatusOr<BlobInfo> FsBlobStore::Stat(std::string_view key) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NoSuchBlob(key);
    return ErrnoStatus(errno, "stat", path);
  }
  if (!S_ISREG(st.st_mode)) return NoSuchBlob(key);
  return BlobInfo{std::string(key), static_cast<uint64_t>(st.st_size), ModifiedMs(st)};
}

Status FsBlobStore::Delete(std::string_view key) {
  if (!IsValidBlobKey(key)) return InvalidKey(key);
  std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return NoSuchBlob(key);
    return ErrnoStatus(errno, "delete", path);
  }
  std::string dir = DirName(path);
  OCULA_RETURN_IF_ERROR(SyncDir(dir));
  RemoveEmptyParents(dir);
  return absl::OkStatus();
}

void FsBlobStore::RemoveEmptyParents(std::string dir) {
  while (dir.size() > root_.size()) {
    if (::rmdir(dir.c_str()) != 0) {
      if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
        spdlog::warn("blob store: cannot remove empty directory '{}': {}", dir,
                     std::generic_category().message(errno));
      }
      return;
    }
    dir = DirName(dir);
  }
}

StatusOr<std::vector<BlobInfo>> FsBlobStore::List(std::string_view prefix,
                                                  std::string_view start_after, size_t limit) {
  std::vector<BlobInfo> out;
  if (limit > 0) OCULA_RETURN_IF_ERROR(ListDir("", prefix, start_after, limit, out));
  return out;
}

// Depth-first walk in key order that skips subtrees which cannot match, so a
// page costs about one directory read per level rather than a full scan.
Status FsBlobStore::ListDir(const std::string& rel_dir, std::string_view prefix,
                            std::string_view start_after, size_t limit,
                            std::vector<BlobInfo>& out) {
  std::string abs_dir = rel_dir.empty() ? root_ : absl::StrCat(root_, "/", rel_dir);
  OCULA_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, ReadDirSorted(abs_dir));
  for (const DirEntry& entry : entries) {
    std::string rel = rel_dir.empty() ? entry.sort_name : absl::StrCat(rel_dir, "/", entry.sort_name);
    if (entry.is_dir) {
      if (!SubtreeMayMatch(rel, prefix, start_after)) continue;
      rel.pop_back();  // the trailing '/'
      OCULA_RETURN_IF_ERROR(ListDir(rel, prefix, start_after, limit, out));
    } else {
      if (!std::string_view(rel).starts_with(prefix) || rel <= start_after || !IsValidBlobKey(rel)) continue;
      struct stat st;
      if (::stat(PathOf(rel).c_str(), &st) != 0) continue;  // deleted meanwhile
      out.push_back(BlobInfo{rel, static_cast<uint64_t>(st.st_size), ModifiedMs(st)});
    }
    if (out.size() >= limit) break;
  }
  return absl::OkStatus();
}

Status FsBlobStore::CheckHealth() {
  const std::string probe = TempNameFor(root_ + "/.health");
  Status status = WriteNewFile(probe, "ok");
  if (!status.ok()) {
    RemoveTemp(probe);
    return status;
  }
  if (::unlink(probe.c_str()) != 0) return ErrnoStatus(errno, "delete", probe);
  return absl::OkStatus();
}

StatusOr<std::unique_ptr<BlobStore>> MakeFsBlobStore(const std::string& root_dir,
                                                     FsBlobStoreOptions options) {
  if (root_dir.empty()) return absl::InvalidArgumentError("blob store root directory is empty");
  std::string root = root_dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::error_code ec;
  bool created = std::filesystem::create_directories(root, ec);
  if (ec) return ErrnoStatus(ec.value(), "create blob store directory", root);
  if (!std::filesystem::is_directory(root, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("blob store root '", root, "' is not a directory"));
  }
  if (created) OCULA_RETURN_IF_ERROR(SyncDir(DirName(std::filesystem::absolute(root))));
  if (root == "/") root.clear();
  return std::make_unique<FsBlobStore>(std::move(root), options);
}

}  // namespace ocula
