#include "api/read_operations.h"

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "core/thread_name.h"
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
      max_queued_bytes_(max_queued_bytes) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      SetThreadName("ocula-read-op");
      Run();
    });
  }
}

ReadOperations::~ReadOperations() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

StatusOr<std::string> ReadOperations::Submit(std::string bytes, std::string language) {
  std::string id = NewUuid();  // clients of the Azure SDK check it is a UUID
  std::lock_guard lock(mu_);
  Expire();
  if (!queue_.empty() &&
      (queue_.size() >= max_queued_ || queued_bytes_ + bytes.size() > max_queued_bytes_)) {
    return absl::UnavailableError(
        absl::StrCat(queue_.size(), " Read operations (", queued_bytes_,
                     " bytes) are waiting for OCR, the most this server queues; retry shortly"));
  }
  queued_bytes_ += bytes.size();
  ReadOperation op;
  op.created_ms = op.updated_ms = clock_.NowMs();
  operations_[id] = op;
  queue_.push_back({id, std::move(bytes), std::move(language)});
  cv_.notify_one();
  return id;
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

void ReadOperations::Run() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= job.bytes.size();
      if (auto it = operations_.find(job.id); it != operations_.end()) {
        it->second.status = "running";
        it->second.updated_ms = clock_.NowMs();
      }
    }
    Execute(job);
  }
}

void ReadOperations::Execute(const Job& job) {
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
