#include "pipeline/reconciler.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "core/thread_name.h"

namespace ocula {
namespace {

// The blob itself was refused (checked like an upload), or was deleted while
// the pass ran; any other error is the stores' and ends the pass.
bool IsRefusedBlob(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound ||
         ReasonOf(status) == reason::kPayloadTooLarge;
}

}  // namespace

Reconciler::Reconciler(BlobStore& blobs, Ingest& ingest, Clock& clock, ReconcilerOptions options)
    : blobs_(blobs), ingest_(ingest), clock_(clock), options_(std::move(options)) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::Start() {
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    SetThreadName("ocula-reconcile");
    Run();
  });
}

void Reconciler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void Reconciler::Run() {
  while (true) {
    auto stats = RunOnce();
    if (!stats.ok()) {
      spdlog::warn("reconciler: pass over '{}' stopped: {}", options_.prefix,
                   stats.status().ToString());
    } else if (stats->adopted > 0 || stats->rejected > 0) {
      spdlog::info("reconciler: {} blob(s) under '{}': {} new image(s), {} not images",
                   stats->listed, options_.prefix, stats->adopted, stats->rejected);
    }
    absl::MutexLock lock(&mu_);
    absl::Time deadline = absl::Now() + absl::FromChrono(options_.interval);
    while (!stopping_ && !cv_.WaitWithDeadline(&mu_, deadline)) {
    }
    if (stopping_) return;
  }
}

StatusOr<ReconcileStats> Reconciler::RunOnce() {
  ReconcileStats stats;
  const int64_t pass_start = clock_.NowMs();
  const int64_t horizon = checkpoint_ms_ == 0 ? 0 : checkpoint_ms_ - options_.skew.count();
  std::string after;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(std::vector<BlobInfo> page,
                           blobs_.List(options_.prefix, after, options_.page_size));
    if (page.empty()) break;
    after = page.back().key;
    for (const BlobInfo& blob : page) {
      ++stats.listed;
      if (blob.modified_ms < horizon) {
        ++stats.skipped;
        continue;
      }
      auto adopted = ingest_.Adopt(blob);
      if (adopted.ok()) {
        ++(adopted->created ? stats.adopted : stats.known);
        continue;
      }
      if (!IsRefusedBlob(adopted.status())) return adopted.status();  // try the pass later
      ++stats.rejected;
      spdlog::warn("reconciler: {} is not analysed: {}", blob.key, adopted.status().ToString());
    }
  }
  checkpoint_ms_ = pass_start;
  return stats;
}

}  // namespace ocula
