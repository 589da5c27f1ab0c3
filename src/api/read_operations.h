// Asynchronous Read (OCR) operations: POST /vision/v3.2/read/analyze queues
// one and returns its id; GET .../analyzeResults/{id} polls it.
//
// Operations are stored (ReadOperationStore, the image in the blob store
// under "read-operations/<id>") so that they survive a restart and any api
// process sharing the database answers a poll, for their 48-hour lifetime
// like upstream's result cache; beyond `max_operations`, the oldest finished
// ones are dropped first. The image is deleted once the operation finishes.
//
// Each process runs the operations it accepted on its own OCR threads (a
// WorkPool) under a lease (read_operation_store.h). At shutdown it releases
// the ones it has not finished, so the next start resumes them at once
// (ResumeAbandoned); after a crash, they are resumed once their lease runs out:
// at the next start, or when a client polls them.
//
// Operations waiting for the OCR threads are bounded in number and bytes:
// past either bound Submit refuses at once (503 with Retry-After to the
// client).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "blob/blob_store.h"
#include "core/clock.h"
#include "core/work_pool.h"
#include "metadata/read_operation_store.h"
#include "vision/analyzer_pool.h"

namespace ocula {

struct ReadOperationOptions {
  int threads = 1;                           // OCR threads
  size_t max_operations = 10000;             // kept; the oldest finished go first
  std::chrono::hours ttl{48};                // an operation's lifetime
  size_t max_queued = 64;                    // operations waiting for the OCR threads
  uint64_t max_queued_bytes = 256ull << 20;  // their images, in memory
  // How long a process's claim on an unfinished operation lasts: after a
  // crash, its operations are resumed elsewhere (or after the restart) this
  // long after they were accepted or started. Longer than one OCR takes.
  std::chrono::milliseconds lease = std::chrono::minutes(2);
};

class ReadOperations {
 public:
  ReadOperations(ReadOperationStore& store, BlobStore& blobs, AnalyzerPool& analyzers, Clock& clock,
                 ReadOperationOptions options = {});
  // Stops the OCR threads (running operations finish) and releases the
  // operations not run yet.
  ~ReadOperations();

  // Stores the image and the operation and queues its OCR; returns the
  // operation id. Unavailable when max_queued operations, or max_queued_bytes
  // of images, already wait (one operation is always let in when none waits),
  // or when the store or blob store is; other store errors as they come.
  StatusOr<std::string> Submit(std::string bytes, std::string language);
  // The operation as stored. NotFound when unknown or expired. An unfinished
  // operation whose lease has run out (its process is gone) is taken over and
  // queued here, when there is room.
  StatusOr<ReadOperationRecord> Get(const std::string& id);

  // Takes over the operations whose lease has run out (left by this server
  // before a restart, or by another process) and queues them, as room allows.
  // Returns how many were queued.
  StatusOr<size_t> ResumeAbandoned();

 private:
  struct Job {
    std::string id, blob_key, language;
    std::string bytes;  // "" when the image is to be read from the blob store
  };
  // Counts a job as waiting: false when the bounds leave no room.
  bool Reserve(uint64_t bytes);
  void Unreserve(uint64_t bytes);
  Status Busy();
  // Leases the stored operation to this process and queues it; false when
  // there is no room or another process holds it.
  bool Adopt(const ReadOperationRecord& operation);
  // Runs on the pool: claims the operation, OCRs, records the outcome.
  void Execute(const Job& job);
  StatusOr<OcrPage> Ocr(const Job& job, std::string& model_version);
  // Deletes expired operations and their images, at most once a minute.
  void ExpireWhenDue();
  int64_t LeaseUntil() const;

  ReadOperationStore& store_;
  BlobStore& blobs_;
  AnalyzerPool& analyzers_;
  Clock& clock_;
  const ReadOperationOptions options_;
  const std::string owner_;  // this process's lease holder name
  absl::Mutex mu_;
  size_t waiting_ ABSL_GUARDED_BY(mu_) = 0;          // queued, not started
  uint64_t waiting_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // their images held in memory
  int64_t next_expiry_ms_ ABSL_GUARDED_BY(mu_) = 0;
  WorkPool pool_;  // the OCR threads; last, so stopped before the rest goes
};

}  // namespace ocula
