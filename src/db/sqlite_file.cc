#include "db/sqlite_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace ocula::sqlite {

std::shared_ptr<SharedFile> SharedFile::For(const std::string& path) {
  static absl::Mutex registry_mu;
  static auto* registry = new std::map<std::string, std::weak_ptr<SharedFile>>();
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(path, ec).string();
  if (ec) key = path;
  absl::MutexLock lock(&registry_mu);
  std::shared_ptr<SharedFile> file = (*registry)[key].lock();
  if (!file) {
    file = std::make_shared<SharedFile>(key + "-wal");  // SQLite's name for the log
    (*registry)[key] = file;
  }
  return file;
}

Status SharedFile::SyncFileData(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::OkStatus();  // no log: everything is in the database
    return absl::InternalError(
        absl::StrCat("sqlite: cannot open ", path, ": ", std::strerror(errno)));
  }
  const int rc = ::fdatasync(fd);
  const int error = errno;
  ::close(fd);
  if (rc == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("sqlite: fdatasync of ", path, " failed: ", std::strerror(error)));
}

SharedFile::SharedFile(std::string log_path, SyncFn sync)
    : log_path_(std::move(log_path)),
      sync_(std::move(sync)),
      group_sync_([this] { return SyncUnlessFailed(); }) {}

Status SharedFile::SyncLog() { return group_sync_.Sync(); }

// GroupSync runs one at a time, so failed_ cannot change during the sync.
Status SharedFile::SyncUnlessFailed() {
  if (Status failed = SyncFailure(); !failed.ok()) return failed;
  Status status = sync_(log_path_);
  if (status.ok()) return status;
  absl::MutexLock lock(&failed_mu_);
  failed_ = absl::InternalError(
      absl::StrCat(status.message(),
                   "; transactions committed since the last sync may not be on disk, "
                   "so this database refuses writes that must be durable until Ocula is "
                   "restarted on a healthy disk"));
  spdlog::error("{}", std::string(failed_.message()));
  return failed_;
}

Status SharedFile::SyncFailure() {
  absl::MutexLock lock(&failed_mu_);
  return failed_;
}

SharedFile::Tenancy::Tenancy(std::shared_ptr<SharedFile> file, Tenant tenant)
    : file_(std::move(file)), tenant_(tenant) {
  file_->tenants_[static_cast<int>(tenant_)].fetch_add(1);
}

SharedFile::Tenancy::~Tenancy() { file_->tenants_[static_cast<int>(tenant_)].fetch_sub(1); }

}  // namespace ocula::sqlite
