#include "pipeline/worker_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/thread_name.h"
#include "events/blob_created.h"

namespace ocula {
namespace {

const std::vector<double> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                             1,     2.5,  5,     10,   30,  60};

// The stored error of a failed image: the status's reason when it has one
// (InvalidImageFormat, ...), else a code by kind of failure.
std::string ErrorJson(const Status& error, int attempts) {
  std::string code = ReasonOf(error);
  if (code.empty()) {
    switch (error.code()) {
      case StatusCode::kNotFound:
        code = "BlobMissing";
        break;
      case StatusCode::kDeadlineExceeded:
        code = "AnalysisTimeout";
        break;
      default:
        code = "AnalysisFailed";
    }
  }
  std::string message(error.message());
  if (attempts > 1) message += " (after " + std::to_string(attempts) + " attempts)";
  return nlohmann::json{{"code", code}, {"message", message}}.dump();
}

// Runs the analyzer, turning an exception that escapes it (a bug in a model
// wrapper, bad_alloc) into Internal, so that the worker survives and the
// image is retried and then failed like any other analysis error.
StatusOr<Analysis> AnalyzeGuarded(Analyzer& analyzer, std::string_view bytes) {
  try {
    return analyzer.Analyze(bytes);
  } catch (const std::exception& e) {
    return absl::InternalError(std::string("the analyzer threw: ") + e.what());
  } catch (...) {
    return absl::InternalError("the analyzer threw an unknown exception");
  }
}

// An error that retrying cannot fix. Everything else is retried up to
// max_attempts: Unavailable (a store), Internal (the engine failed or threw)
// and DeadlineExceeded (inference ran past vision.inference_timeout_ms; it
// may pass when the machine is less loaded).
bool IsPermanent(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound;
}

}  // namespace

WorkerPool::WorkerPool(EventBus& bus, MetadataStore& metadata, BlobStore& blobs,
                       AnalyzerFactory factory, MetricsRegistry& metrics, Clock& clock,
                       WorkerOptions options)
    : bus_(bus),
      metadata_(metadata),
      blobs_(blobs),
      factory_(std::move(factory)),
      metrics_(metrics),
      clock_(clock),
      options_(options) {
  metrics_.SetHelp("ocula_analysis_seconds", "Time to analyse one image (decode + models).");
  metrics_.SetHelp("ocula_upload_to_done_seconds", "Time from upload to analysis stored.");
  metrics_.SetHelp("ocula_analyses_total", "Analyses by outcome.");
  metrics_.SetHelp("ocula_bus_settle_failures_total",
                   "Acks, nacks and dead-letterings of events that the bus refused.");
}

WorkerPool::~WorkerPool() { Stop(); }

void WorkerPool::Start() {
  for (int i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this, i] {
      SetThreadName("ocula-analyze" + std::to_string(i));
      Run(i);
    });
  }
}

void WorkerPool::Stop() {
  if (threads_.empty()) return;
  stopping_ = true;
  {
    std::lock_guard lock(mu_);
    stop_cv_.notify_all();
  }
  bus_.WakeAll();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

bool WorkerPool::ModelsReady() const { return ready_workers_.load() == options_.threads; }

std::string WorkerPool::ModelError() const {
  std::lock_guard lock(mu_);
  return model_error_;
}

bool WorkerPool::SleepUnlessStopping(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  return !stop_cv_.wait_for(lock, duration, [this] { return stopping_.load(); });
}

std::unique_ptr<Analyzer> WorkerPool::LoadAnalyzer() {
  while (!stopping_) {
    StatusOr<std::unique_ptr<Analyzer>> analyzer = absl::InternalError("not loaded");
    try {
      analyzer = factory_();
    } catch (const std::exception& e) {
      analyzer = absl::InternalError(std::string("loading the models threw: ") + e.what());
    }
    if (analyzer.ok()) {
      std::lock_guard lock(mu_);
      model_error_.clear();
      return std::move(*analyzer);
    }
    {
      std::lock_guard lock(mu_);
      std::string error(analyzer.status().message());
      if (model_error_ != error) {
        spdlog::error("worker cannot load its models: {} (retrying every {} ms)", error,
                      options_.model_retry.count());
      }
      model_error_ = error;
    }
    SleepUnlessStopping(options_.model_retry);
  }
  return nullptr;
}

void WorkerPool::Run(int index) {
  LowerThisThreadsPriority(options_.nice);  // before the models start their threads
  std::unique_ptr<Analyzer> analyzer = LoadAnalyzer();
  if (!analyzer) return;
  ready_workers_.fetch_add(1);
  while (!stopping_) {
    auto message = bus_.Receive(kBlobCreatedTopic, options_.receive_wait);
    if (!message.ok()) {
      spdlog::warn("worker {}: receive failed: {}", index, message.status().ToString());
      SleepUnlessStopping(std::chrono::milliseconds(500));
      continue;
    }
    if (!message->has_value()) continue;
    if (stopping_) {  // received during shutdown: give it back untouched
      Settle("nack", **message,
             bus_.Nack(**message, "worker shutting down", std::chrono::milliseconds(0)));
      break;
    }
    Process(*analyzer, **message);
  }
  ready_workers_.fetch_sub(1);
}

void WorkerPool::Process(Analyzer& analyzer, const Message& message) {
  auto event = ParseBlobCreatedPayload(message.payload);
  if (!event.ok()) {
    spdlog::error("event {} is malformed, dead-lettered: {}", message.id,
                  event.status().ToString());
    Settle("dead-letter", message,
           bus_.DeadLetterNow(message, std::string(event.status().message())));
    return;
  }
  auto image = metadata_.GetImage(event->image_id);
  if (image.status().code() == StatusCode::kNotFound) {  // deleted meanwhile
    Settle("ack", message, bus_.Ack(message));
    return;
  }
  if (!image.ok()) {
    Settle("nack", message, bus_.Nack(message, image.status().ToString()));
    return;
  }
  if (image->status == ImageStatus::kDone &&
      image->pipeline_version == analyzer.PipelineVersion()) {
    Settle("ack", message, bus_.Ack(message));  // a redelivery of work already stored
    return;
  }
  Status status = Analyze(analyzer, *image);
  if (status.ok()) {
    metrics_.GetCounter("ocula_analyses_total", {{"outcome", "done"}}).Add();
    double seconds = (clock_.NowMs() - image->created_ms) / 1000.0;
    metrics_.GetHistogram("ocula_upload_to_done_seconds", kLatencyBuckets).Observe(seconds);
    // Should the ack fail, the result is stored and a redelivery finds it.
    Settle("ack", message, bus_.Ack(message));
    return;
  }
  if (IsPermanent(status) || message.attempt >= options_.max_attempts) {
    Fail(message, image->id, status);
    return;
  }
  metrics_.GetCounter("ocula_analyses_total", {{"outcome", "retried"}}).Add();
  spdlog::warn("image {}: attempt {} failed, will retry: {}", image->id, message.attempt,
               status.ToString());
  Settle("nack", message, bus_.Nack(message, status.ToString()));
}

Status WorkerPool::Analyze(Analyzer& analyzer, const ImageRecord& image) {
  OCULA_RETURN_IF_ERROR(metadata_.MarkProcessing(image.id));
  OCULA_ASSIGN_OR_RETURN(std::string bytes, blobs_.Get(image.blob_key));
  int64_t start = clock_.NowMs();
  OCULA_ASSIGN_OR_RETURN(Analysis analysis, AnalyzeGuarded(analyzer, bytes));
  if (after_analysis_) OCULA_RETURN_IF_ERROR(after_analysis_(analyzer, bytes, analysis));
  metrics_.GetHistogram("ocula_analysis_seconds", kLatencyBuckets)
      .Observe((clock_.NowMs() - start) / 1000.0);
  if (!analysis.embedding.empty()) {
    OCULA_RETURN_IF_ERROR(
        metadata_.PutEmbedding(image.id, analysis.embedding_model, analysis.embedding));
  }
  ImageResult result;
  result.status = ImageStatus::kDone;
  result.metadata_json = std::move(analysis.metadata_json);
  result.analysis_json = std::move(analysis.analysis_json);
  result.pipeline_version = analyzer.PipelineVersion();
  return metadata_.SetResult(image.id, result);
}

void WorkerPool::Fail(const Message& message, const std::string& image_id, const Status& error) {
  metrics_.GetCounter("ocula_analyses_total", {{"outcome", "failed"}}).Add();
  spdlog::warn("image {} failed after {} attempt(s): {}", image_id, message.attempt,
               error.ToString());
  ImageResult result;
  result.status = ImageStatus::kFailed;
  result.error_json = ErrorJson(error, message.attempt);
  Status stored = metadata_.SetResult(image_id, result);
  if (!stored.ok() && stored.code() != StatusCode::kNotFound) {
    // Keep the event until the failure is stored.
    Settle("nack", message, bus_.Nack(message, stored.ToString()));
    return;
  }
  if (IsPermanent(error)) {
    Settle("ack", message, bus_.Ack(message));
  } else {
    Settle("dead-letter", message, bus_.DeadLetterNow(message, error.ToString()));
  }
}

void WorkerPool::Settle(std::string_view op, const Message& message, const Status& status) {
  if (status.ok()) return;
  metrics_.GetCounter("ocula_bus_settle_failures_total", {{"op", std::string(op)}}).Add();
  spdlog::warn("event {}: {} failed ({}); the lease expires and the event is delivered again",
               message.id, op, status.ToString());
}

}  // namespace ocula
