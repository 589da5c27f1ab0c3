#include "api/read_operations.h"

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "vision/result_json.h"

namespace ocula {

ReadOperations::ReadOperations(AnalyzerPool& analyzers, Clock& clock, int threads,
                               size_t max_operations, std::chrono::hours ttl, size_t max_queued,
                               uint64_t max_queued_bytes)
    : analyzers_(analyzers),
      clock_(clock),
      max_operations_(max_operations),
      ttl_(ttl),
      max_queued_(max_queued),
      max_queued_bytes_(max_queued_bytes),
      pool_("ocula-read-op", threads, max_queued) {}

ReadOperations::~ReadOperations() { pool_.Stop(); }  // before the operations go

StatusOr<std::string> ReadOperations::Submit(std::string bytes, std::string language) {
  auto job = std::make_shared<Job>(Job{NewUuid(), std::move(bytes), std::move(language)});
  {
    std::lock_guard lock(mu_);
    Expire();
    if (waiting_ > 0 &&
        (waiting_ >= max_queued_ || waiting_bytes_ + job->bytes.size() > max_queued_bytes_)) {
      return Busy();
    }
    ReadOperation op;
    op.created_ms = op.updated_ms = clock_.NowMs();
    operations_[job->id] = op;
    ++waiting_;
    waiting_bytes_ += job->bytes.size();
  }
  if (!pool_.TrySubmit([this, job] { Execute(*job); })) {  // only while stopping
    std::lock_guard lock(mu_);
    operations_.erase(job->id);
    --waiting_;
    waiting_bytes_ -= job->bytes.size();
    return Busy();
  }
  return job->id;
}

Status ReadOperations::Busy() const {
  return absl::UnavailableError(
      absl::StrCat(waiting_, " Read operations (", waiting_bytes_,
                   " bytes) are waiting for OCR, the most this server queues; retry shortly"));
}

StatusOr<ReadOperation> ReadOperations::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  Expire();
  auto it = operations_.find(id);
  if (it == operations_.end()) {
    return absl::NotFoundError("no read operation '" + id + "' (unknown, or expired after 48 h)");
  }
  return it->second;
}

void ReadOperations::Expire() {
  int64_t cutoff =
      clock_.NowMs() - std::chrono::duration_cast<std::chrono::milliseconds>(ttl_).count();
  for (auto it = operations_.begin(); it != operations_.end();) {
    bool finished = it->second.status == "succeeded" || it->second.status == "failed";
    bool drop =
        it->second.created_ms < cutoff || (finished && operations_.size() > max_operations_);
    it = drop ? operations_.erase(it) : std::next(it);
  }
}

void ReadOperations::Execute(const Job& job) {
  {
    std::lock_guard lock(mu_);
    --waiting_;
    waiting_bytes_ -= job.bytes.size();
    if (auto it = operations_.find(job.id); it != operations_.end()) {
      it->second.status = "running";
      it->second.updated_ms = clock_.NowMs();
    }
  }
  StatusOr<OcrPage> page = absl::UnknownError("not run");
  std::string model_version;
  if (auto analyzer = analyzers_.Acquire(); analyzer.ok()) {
    page = (*analyzer)->Read(job.bytes, job.language);
    model_version = (*analyzer)->ModelVersion();
  } else {
    page = analyzer.status();
  }
  std::lock_guard lock(mu_);
  auto it = operations_.find(job.id);
  if (it == operations_.end()) return;
  it->second.updated_ms = clock_.NowMs();
  it->second.model_version = model_version;
  if (page.ok()) {
    it->second.status = "succeeded";
    it->second.read_result_json = ReadResultJson(*page);
  } else {
    it->second.status = "failed";
    std::string reason = ReasonOf(page.status());
    it->second.error_code = reason.empty() ? "FailedToProcess" : reason;
    it->second.error_message = std::string(page.status().message());
  }
}

}  // namespace ocula
