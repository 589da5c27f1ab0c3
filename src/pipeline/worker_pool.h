// WorkerPool: the analysis function of the reference design, as threads in
// this process. Each worker takes BlobCreated events from the bus, reads the
// blob, runs its own Analyzer and writes the result document, then acks.
//
// Delivery is at least once; results are idempotent: a redelivered event for
// an image already analysed by the same pipeline version is acked without
// work, and a repeated analysis overwrites, never duplicates.
// Failures: an image that cannot be decoded is marked failed at once;
// other errors (a store Unavailable, inference Internal or DeadlineExceeded,
// an exception thrown by the analyzer) are retried with the bus's backoff
// until max attempts, then the image is marked failed and the event
// dead-lettered. The stored error is {"code","message"}: the status's reason
// (InvalidImageFormat, ...), else BlobMissing (NotFound), AnalysisTimeout
// (DeadlineExceeded) or AnalysisFailed. The worker thread goes on with the
// next event either way.
// Models: each worker builds its Analyzer with the factory; while that fails
// (missing/corrupt model) the worker takes no events, reports the error
// (ModelsReady/ModelError) and retries every model_retry.
// Scheduling: worker threads run `nice` steps nicer than the process (the
// models' own threads, created by the worker thread, inherit it).
//
// Thread-safety: Start/Stop from one thread; the getters are safe anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "events/event_bus.h"
#include "metadata/metadata_store.h"
#include "vision/analyzer.h"

namespace ocula {

using AnalyzerFactory = std::function<StatusOr<std::unique_ptr<Analyzer>>()>;

// A step after each analysis, before its result is stored: the custom
// classifiers attached to the pipeline (custom/pipeline_classifiers.h)
// add their predictions. Its error fails the attempt like the analysis's.
using AnalysisStep =
    std::function<Status(Analyzer& analyzer, std::string_view bytes, Analysis& analysis)>;

struct WorkerOptions {
  int threads = 1;
  int max_attempts = 5;  // the bus's; used to decide when a failure is final
  std::chrono::milliseconds receive_wait{500};
  std::chrono::milliseconds model_retry{10'000};
  // Added to each worker thread's niceness (Linux threads have their own),
  // so that HTTP threads preempt analysis when both want the CPU: uploads and
  // reads stay fast while the workers use what is left.
  int nice = 0;
};

class WorkerPool {
 public:
  WorkerPool(EventBus& bus, MetadataStore& metadata, BlobStore& blobs, AnalyzerFactory factory,
             MetricsRegistry& metrics, Clock& clock, WorkerOptions options);
  ~WorkerPool();

  // Adds `step` after every analysis. Call before Start.
  void SetAfterAnalysis(AnalysisStep step) { after_analysis_ = std::move(step); }

  void Start();
  // Stops taking events; each worker finishes the image in hand. Events
  // received but not started are given back to the bus at once.
  void Stop();

  // True once every worker has loaded its models.
  bool ModelsReady() const;
  // The last model loading error ("" when none).
  std::string ModelError() const;

 private:
  void Run(int index);
  std::unique_ptr<Analyzer> LoadAnalyzer();
  void Process(Analyzer& analyzer, const Message& message);
  Status Analyze(Analyzer& analyzer, const ImageRecord& image);
  void Fail(const Message& message, const std::string& image_id, const Status& error);
  // Counts and logs an ack, nack or dead-lettering (`op`) the bus refused;
  // the event is then delivered again when its lease expires.
  void Settle(std::string_view op, const Message& message, const Status& status);
  bool SleepUnlessStopping(std::chrono::milliseconds duration);

  EventBus& bus_;
  MetadataStore& metadata_;
  BlobStore& blobs_;
  AnalyzerFactory factory_;
  MetricsRegistry& metrics_;
  Clock& clock_;
  const WorkerOptions options_;
  AnalysisStep after_analysis_;  // set before Start; may be empty

  std::atomic<bool> stopping_{false};
  std::atomic<int> ready_workers_{0};
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  std::string model_error_;  // guarded by mu_
};

}  // namespace ocula
