#include "api/read_operations.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "vision/result_json.h"

namespace ocula {
namespace {

constexpr int64_t kExpiryIntervalMs = 60'000;
constexpr size_t kResumeBatch = 256;

int64_t Ms(std::chrono::milliseconds d) { return d.count(); }

}  // namespace

ReadOperations::ReadOperations(ReadOperationStore& store, BlobStore& blobs, AnalyzerPool& analyzers,
                               Clock& clock, ReadOperationOptions options)
    : store_(store),
      blobs_(blobs),
      analyzers_(analyzers),
      clock_(clock),
      options_(options),
      owner_(NewUuid()),
      pool_("ocula-read-op", options.threads, options.max_queued) {}

ReadOperations::~ReadOperations() {
  pool_.Stop();  // running operations finish; waiting ones are dropped here...
  if (Status s = store_.Release(owner_); !s.ok()) {  // ...and resumed by the next start
    spdlog::warn(
        "read operations: cannot release the unfinished ones ({}); they resume once "
        "their lease runs out",
        s.ToString());
  }
}

int64_t ReadOperations::LeaseUntil() const { return clock_.NowMs() + Ms(options_.lease); }

bool ReadOperations::Reserve(uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  if (waiting_ > 0 &&
      (waiting_ >= options_.max_queued || waiting_bytes_ + bytes > options_.max_queued_bytes)) {
    return false;
  }
  ++waiting_;
  waiting_bytes_ += bytes;
  return true;
}

void ReadOperations::Unreserve(uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  --waiting_;
  waiting_bytes_ -= bytes;
}

Status ReadOperations::Busy() {
  absl::MutexLock lock(&mu_);
  return absl::UnavailableError(
      absl::StrCat(waiting_, " Read operations (", waiting_bytes_,
                   " bytes) are waiting for OCR, the most this server queues; retry shortly"));
}

StatusOr<std::string> ReadOperations::Submit(std::string bytes, std::string language) {
  ExpireWhenDue();
  const uint64_t size = bytes.size();
  if (!Reserve(size)) return Busy();
  auto job = std::make_shared<Job>();
  job->id = NewUuid();
  job->blob_key = "read-operations/" + job->id;
  job->language = std::move(language);
  job->bytes = std::move(bytes);

  ReadOperationRecord operation;
  operation.id = job->id;
  operation.language = job->language;
  operation.blob_key = job->blob_key;
  operation.created_ms = operation.updated_ms = clock_.NowMs();
  operation.owner = owner_;
  operation.lease_until_ms = LeaseUntil();
  Status stored = blobs_.Put(job->blob_key, job->bytes);
  if (stored.ok()) {
    stored = store_.Insert(operation);
    if (!stored.ok()) (void)blobs_.Delete(job->blob_key);  // best effort; expiry is none
  }
  if (!stored.ok()) {
    Unreserve(size);
    return stored;
  }
  if (!pool_.TrySubmit([this, job] { Execute(*job); })) {
    // Only while stopping: the operation is stored, released at shutdown,
    // and run by the next start.
    Unreserve(size);
  }
  return job->id;
}

StatusOr<ReadOperationRecord> ReadOperations::Get(const std::string& id) {
  OCULA_ASSIGN_OR_RETURN(ReadOperationRecord operation, store_.Get(id));
  const int64_t now = clock_.NowMs();
  if (operation.created_ms < now - Ms(options_.ttl)) {
    return absl::NotFoundError("no read operation '" + id + "' (expired after 48 h)");
  }
  if (!operation.finished() && operation.lease_until_ms <= now) Adopt(operation);
  return operation;
}

StatusOr<size_t> ReadOperations::ResumeAbandoned() {
  OCULA_ASSIGN_OR_RETURN(std::vector<ReadOperationRecord> abandoned,
                         store_.Abandoned(clock_.NowMs(), kResumeBatch));
  size_t queued = 0;
  for (const ReadOperationRecord& operation : abandoned) {
    if (Adopt(operation)) ++queued;
  }
  return queued;
}

bool ReadOperations::Adopt(const ReadOperationRecord& operation) {
  if (!Reserve(0)) return false;  // no room: a later poll or start takes it
  auto claimed = store_.Claim(operation.id, owner_, clock_.NowMs(), LeaseUntil(), false);
  auto job = std::make_shared<Job>(Job{operation.id, operation.blob_key, operation.language, ""});
  if (!claimed.ok() || !*claimed || !pool_.TrySubmit([this, job] { Execute(*job); })) {
    Unreserve(0);
    return false;
  }
  spdlog::info("read operation {} taken over from {}", operation.id,
               operation.owner == owner_ ? "this process" : operation.owner);
  return true;
}

void ReadOperations::Execute(const Job& job) {
  Unreserve(job.bytes.size());
  auto claimed = store_.Claim(job.id, owner_, clock_.NowMs(), LeaseUntil(), true);
  if (!claimed.ok()) {
    spdlog::warn("read operation {}: cannot claim it ({}); it resumes once its lease runs out",
                 job.id, claimed.status().ToString());
    return;
  }
  if (!*claimed) return;  // finished, expired, or taken over by another process

  ReadOperationRecord outcome;
  outcome.id = job.id;
  StatusOr<OcrPage> page = Ocr(job, outcome.model_version);
  if (!page.ok() && page.status().code() == StatusCode::kUnavailable) {
    spdlog::warn("read operation {}: {}; it resumes once its lease runs out", job.id,
                 page.status().ToString());
    return;
  }
  outcome.updated_ms = clock_.NowMs();
  if (page.ok()) {
    outcome.status = "succeeded";
    outcome.read_result_json = ReadResultJson(*page);
  } else {
    outcome.status = "failed";
    std::string reason = ReasonOf(page.status());
    outcome.error_code = reason.empty() ? "FailedToProcess" : reason;
    outcome.error_message = std::string(page.status().message());
  }
  if (Status s = store_.Finish(outcome); !s.ok()) {
    if (s.code() != StatusCode::kNotFound) {
      spdlog::warn(
          "read operation {}: cannot record the outcome ({}); it runs again once its "
          "lease runs out",
          job.id, s.ToString());
    }
    return;
  }
  if (Status s = blobs_.Delete(job.blob_key); !s.ok() && s.code() != StatusCode::kNotFound) {
    spdlog::warn("read operation {}: cannot delete its image ({}); expiry does", job.id,
                 s.ToString());
  }
}

// Unavailable when the image, an analyzer or the OCR cannot be had for now
// (the operation runs again once its lease runs out); other errors fail it.
StatusOr<OcrPage> ReadOperations::Ocr(const Job& job, std::string& model_version) {
  std::string stored;
  if (job.bytes.empty()) {
    auto bytes = blobs_.Get(job.blob_key);
    if (bytes.status().code() == StatusCode::kNotFound) {
      return absl::InternalError("the image of this operation was lost");
    }
    OCULA_RETURN_IF_ERROR(bytes.status());
    stored = std::move(*bytes);
  }
  OCULA_ASSIGN_OR_RETURN(auto analyzer, analyzers_.Acquire());
  model_version = analyzer->ModelVersion();
  return analyzer->Read(job.bytes.empty() ? stored : job.bytes, job.language);
}

void ReadOperations::ExpireWhenDue() {
  const int64_t now = clock_.NowMs();
  {
    absl::MutexLock lock(&mu_);
    if (now < next_expiry_ms_) return;
    next_expiry_ms_ = now + kExpiryIntervalMs;
  }
  auto blob_keys = store_.Expire(now - Ms(options_.ttl), options_.max_operations);
  if (!blob_keys.ok()) {
    spdlog::warn("read operations: cannot delete expired ones: {}", blob_keys.status().ToString());
    return;
  }
  for (const std::string& key : *blob_keys) {
    if (Status s = blobs_.Delete(key); !s.ok() && s.code() != StatusCode::kNotFound) {
      spdlog::warn("read operations: cannot delete the image {}: {}", key, s.ToString());
    }
  }
}

}  // namespace ocula
