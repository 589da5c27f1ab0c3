// Asynchronous Read (OCR) operations: POST /vision/v3.2/read/analyze queues
// one and returns its id; GET .../analyzeResults/{id} polls it.
//
// Operations live in memory, like upstream's 48-hour result cache: they do not
// survive a restart (a client polling across one gets 404 and resubmits), and
// at most `max_operations` are kept (oldest finished ones dropped first).
// Operations waiting for the OCR threads (a WorkPool) are bounded in number
// and bytes: past either bound Submit refuses at once (503 with Retry-After
// to the client). Operations still waiting at shutdown are dropped.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/work_pool.h"
#include "vision/analyzer_pool.h"

namespace ocula {

struct ReadOperation {
  std::string status = "notStarted";  // notStarted | running | succeeded | failed
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string read_result_json;  // ReadResultJson of the page, when succeeded
  std::string model_version;
  std::string error_code;  // when failed
  std::string error_message;
};

class ReadOperations {
 public:
  ReadOperations(AnalyzerPool& analyzers, Clock& clock, int threads = 1,
                 size_t max_operations = 10000, std::chrono::hours ttl = std::chrono::hours(48),
                 size_t max_queued = 64, uint64_t max_queued_bytes = 256ull << 20);
  ~ReadOperations();

  // Queues OCR of `bytes`; returns the operation id. Unavailable when
  // max_queued operations, or max_queued_bytes of images, already wait (one
  // operation is always let in when none waits).
  StatusOr<std::string> Submit(std::string bytes, std::string language);
  // NotFound when unknown or expired.
  StatusOr<ReadOperation> Get(const std::string& id);

 private:
  struct Job {
    std::string id, bytes, language;
  };
  // Runs on the pool: marks the operation running, OCRs, stores the outcome.
  void Execute(const Job& job);
  void Expire();        // requires mu_
  Status Busy() const;  // requires mu_ (reads the counts); the refusal of Submit

  AnalyzerPool& analyzers_;
  Clock& clock_;
  const size_t max_operations_;
  const std::chrono::hours ttl_;
  const size_t max_queued_;
  const uint64_t max_queued_bytes_;
  std::mutex mu_;
  std::map<std::string, ReadOperation> operations_;  // guarded by mu_
  size_t waiting_ = 0;                               // submitted, not started; guarded by mu_
  uint64_t waiting_bytes_ = 0;                       // their images; guarded by mu_
  WorkPool pool_;  // the OCR threads; last, so stopped before the rest goes
};

}  // namespace ocula
