#include "core/group_sync.h"

namespace ocula {

GroupSync::GroupSync(SyncFn sync) : sync_(std::move(sync)), last_(std::make_shared<Round>()) {
  last_->done = true;  // a finished round to start from
}

Status GroupSync::Sync() {
  absl::MutexLock lock(&mu_);
  // `before` may have started before the caller's change; the round after it
  // cannot have, so that round is the caller's. A round gets its `next` only
  // once it is done.
  const std::shared_ptr<Round> before = last_;
  mu_.Await(absl::Condition(&before->done));
  if (std::shared_ptr<Round> mine = before->next) {  // led by another caller
    mu_.Await(absl::Condition(&mine->done));
    return mine->status;
  }
  auto mine = std::make_shared<Round>();
  before->next = mine;
  last_ = mine;
  mu_.Unlock();
  Status status = sync_();
  mu_.Lock();
  mine->status = status;
  mine->done = true;
  return status;
}

}  // namespace ocula
