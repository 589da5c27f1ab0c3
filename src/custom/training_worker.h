// TrainingWorker: where custom classifier iterations are trained, and the
// pipeline's re-runs run between trainings. Runs in every process that
// analyses (roles all and worker), one thread each, at the analysis
// threads' priority (below the HTTP threads'), so training never starves
// uploads.
//
// An iteration asked for (POST .../train) waits in the store as Training.
// A worker takes it with ClaimTraining under a lease, computes the features
// its images lack (their stored original, through the Analyzer's
// CustomFeatures), trains and cross-validates the head (TrainIteration),
// writes the head to the blob store under HeadBlobKey, and records the
// outcome with FinishIteration, while a second thread renews the lease.
//
// Never stuck in Training:
//   - the user's errors (too few images, a photo that cannot be decoded)
//     end the iteration Failed with the reason;
//   - a worker that dies mid-way loses its lease, and the iteration is
//     trained again (deterministically: the same head) by the next claim,
//     here after a restart or on another worker;
//   - errors that may pass (a store down, the head's blob not written)
//     leave it for the next claim, after the lease;
//   - an iteration claimed more than max_attempts times without finishing
//     (its training kills the worker every time) ends Failed.
//
// Thread-safety: Start/Stop from one thread; Notify, TrainOne and RerunOne
// anywhere (one job runs at a time).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "custom/pipeline_classifiers.h"
#include "metadata/custom_vision_store.h"
#include "metadata/metadata_store.h"
#include "vision/analyzer.h"
#include "vision/classify/head_training.h"

namespace ocula {

struct TrainingWorkerOptions {
  // How long a claim lasts without renewal (renewed every third of it while
  // training): after a crash, the iteration is trained again this long
  // after the dead worker last renewed it.
  std::chrono::milliseconds lease{std::chrono::seconds(15)};
  // How often an idle worker looks for iterations other processes asked for
  // (its own process wakes it at once with Notify).
  std::chrono::milliseconds poll{std::chrono::seconds(2)};
  int max_attempts = 3;  // claims before an unfinished iteration is Failed
  int nice = 0;          // added to the thread's niceness
  HeadTrainingOptions head;
};

// Where an iteration's head is stored.
std::string HeadBlobKey(const std::string& project_id, const std::string& iteration_id);

class TrainingWorker {
 public:
  using AnalyzerFactory = std::function<StatusOr<std::unique_ptr<Analyzer>>()>;

  // `blobs` must allow writes (the heads) besides reading images. With a
  // `rerunner`, the thread also runs pipeline re-runs when no training waits
  // (pipeline_classifiers.h), on the same analyzer.
  TrainingWorker(CustomVisionStore& store, MetadataStore& metadata, BlobStore& blobs,
                 AnalyzerFactory make_analyzer, Clock& clock, TrainingWorkerOptions options = {},
                 PipelineRerunner* rerunner = nullptr);
  ~TrainingWorker();  // Stop

  void Start();
  // Stops the thread; an iteration in hand stops at its next image and is
  // released, to be trained again at the next start (or elsewhere).
  void Stop();
  // Wakes the thread: an iteration was asked for.
  void Notify();

  // Claims one Training iteration and trains it to its end. False when
  // none was waiting. Errors are the store's when it could not claim; what
  // happens to a claimed iteration is recorded in the store (and logged).
  StatusOr<bool> TrainOne();
  // Claims one pipeline re-run and runs it to its end (or until Stop);
  // false when none waits or there is no rerunner.
  StatusOr<bool> RerunOne();

 private:
  void Loop();
  // Trains `iteration` (claimed) and records the outcome.
  void Train(const CvIteration& iteration);
  Status Fail(const CvIteration& iteration, const std::string& reason);
  bool Stopping();
  Status LoadAnalyzer();  // analyzer_, made on first use; under train_mu_

  CustomVisionStore& store_;
  MetadataStore& metadata_;
  BlobStore& blobs_;
  const AnalyzerFactory make_analyzer_;
  Clock& clock_;
  const TrainingWorkerOptions options_;
  const std::string owner_;             // this worker's name in leases
  PipelineRerunner* const rerunner_;    // may be null
  std::unique_ptr<Analyzer> analyzer_;  // made on first use
  std::mutex train_mu_;                 // one job at a time; guards analyzer_

  std::mutex mu_;
  std::condition_variable wake_;
  bool notified_ = false;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ocula
