#include "custom/training_worker.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "core/ids.h"
#include "core/thread_name.h"
#include "custom/trainer.h"

namespace ocula {
namespace {

// The user's errors: training again cannot change them.
bool IsPermanent(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kFailedPrecondition ||
         s.code() == StatusCode::kNotFound;
}

// Renews a claimed iteration's lease every third of it on a thread of its
// own while the iteration is trained, so that no step of training (a slow
// image, the head's optimisation on many images) outlasts the lease.
class LeaseKeeper {
 public:
  LeaseKeeper(CustomVisionStore& store, Clock& clock, const CvIteration& iteration,
              std::string owner, std::chrono::milliseconds lease)
      : thread_([this, &store, &clock, id = iteration.id, owner = std::move(owner), lease] {
          std::unique_lock lock(mu_);
          while (!done_ && !lost_) {
            if (cv_.wait_for(lock, lease / 3, [this] { return done_; })) return;
            lock.unlock();
            auto held = store.RenewTraining(id, owner, clock.NowMs() + lease.count());
            lock.lock();
            if (held.ok() && !*held) lost_ = true;  // a store error: try again later
          }
        }) {}
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // False once another worker took the iteration over (or it finished).
  bool held() {
    std::lock_guard lock(mu_);
    return !lost_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;   // guarded by mu_
  bool lost_ = false;   // guarded by mu_
  std::thread thread_;  // last: starts once the rest is built
};

Status Held(LeaseKeeper& keeper) {
  if (keeper.held()) return absl::OkStatus();
  return absl::AbortedError("the lease was lost (another worker took it over)");
}

}  // namespace

std::string HeadBlobKey(const std::string& project_id, const std::string& iteration_id) {
  return absl::StrCat("custom-heads/", project_id, "/", iteration_id);
}

TrainingWorker::TrainingWorker(CustomVisionStore& store, MetadataStore& metadata, BlobStore& blobs,
                               AnalyzerFactory make_analyzer, Clock& clock,
                               TrainingWorkerOptions options, PipelineRerunner* rerunner)
    : store_(store),
      metadata_(metadata),
      blobs_(blobs),
      make_analyzer_(std::move(make_analyzer)),
      clock_(clock),
      options_(options),
      owner_("trainer-" + RandomToken()),
      rerunner_(rerunner) {}

TrainingWorker::~TrainingWorker() { Stop(); }

void TrainingWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void TrainingWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TrainingWorker::Notify() {
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  wake_.notify_all();
}

void TrainingWorker::Loop() {
  SetThreadName("ocula-train");
  LowerThisThreadsPriority(options_.nice);  // before the model starts its threads
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      notified_ = false;
    }
    auto trained = TrainOne();
    if (!trained.ok()) {
      spdlog::warn("training: cannot look for iterations to train: {}",
                   trained.status().ToString());
    }
    if (trained.ok() && *trained) continue;  // more may wait; trainings go first
    auto rerun = RerunOne();
    if (!rerun.ok()) spdlog::warn("pipeline re-run: {}", rerun.status().ToString());
    if (rerun.ok() && *rerun) continue;
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, options_.poll, [this] { return stopping_ || notified_; });
  }
}

StatusOr<bool> TrainingWorker::RerunOne() {
  if (rerunner_ == nullptr) return false;
  std::lock_guard train_lock(train_mu_);
  OCULA_ASSIGN_OR_RETURN(std::optional<CvPipeline> claimed, rerunner_->Claim());
  if (!claimed) return false;
  // The model loads once there is work (its lease covers the wait).
  OCULA_RETURN_IF_ERROR(LoadAnalyzer());
  OCULA_RETURN_IF_ERROR(
      rerunner_->Run(std::move(*claimed), *analyzer_, [this] { return Stopping(); }));
  return true;
}

Status TrainingWorker::LoadAnalyzer() {
  if (analyzer_) return absl::OkStatus();
  auto made = make_analyzer_();
  if (!made.ok()) {
    return Status(made.status().code(),
                  absl::StrCat("cannot load the feature model: ", made.status().message()));
  }
  analyzer_ = std::move(*made);
  return absl::OkStatus();
}

StatusOr<bool> TrainingWorker::TrainOne() {
  std::lock_guard train_lock(train_mu_);
  const int64_t now = clock_.NowMs();
  OCULA_ASSIGN_OR_RETURN(std::optional<CvIteration> claimed,
                         store_.ClaimTraining(owner_, now, now + options_.lease.count()));
  if (!claimed) return false;
  if (claimed->attempts > options_.max_attempts) {
    Status s = Fail(*claimed, absl::StrCat("training stopped ", options_.max_attempts,
                                           " times without finishing (a worker ended, or could "
                                           "not store the head); see the workers' logs"));
    if (!s.ok()) spdlog::warn("training: {}", s.ToString());
    return true;
  }
  Train(*claimed);
  return true;
}

void TrainingWorker::Train(const CvIteration& iteration) {
  spdlog::info("training: iteration {} of project {} (attempt {})", iteration.id,
               iteration.project_id, iteration.attempts);
  if (Status s = LoadAnalyzer(); !s.ok()) {
    spdlog::error("training: {}", s.ToString());
    return;  // tried again when the lease runs out, maybe elsewhere
  }
  const std::string feature_model = analyzer_->CustomFeatureModel();
  LeaseKeeper lease(store_, clock_, iteration, owner_, options_.lease);
  FeatureSource source = [&](const std::string& image_id) -> StatusOr<std::vector<float>> {
    if (Stopping()) return absl::AbortedError("the worker is stopping");
    OCULA_RETURN_IF_ERROR(Held(lease));
    return GalleryImageFeatures(metadata_, blobs_, *analyzer_, image_id, feature_model);
  };
  StatusOr<TrainedIteration> trained =
      TrainIteration(store_, iteration, feature_model, source, options_.head);
  if (Stopping()) {
    // Released, so that the next start (or another worker) takes it at once.
    (void)store_.RenewTraining(iteration.id, owner_, 0);
    spdlog::info("training: iteration {} left for the next start", iteration.id);
    return;
  }
  if (Status s = Held(lease); !s.ok()) {
    spdlog::warn("training: iteration {}: {}", iteration.id, s.ToString());
    return;
  }
  if (!trained.ok()) {
    if (!IsPermanent(trained.status())) {
      spdlog::warn("training: iteration {} will be tried again: {}", iteration.id,
                   trained.status().ToString());
      return;
    }
    if (Status s = Fail(iteration, std::string(trained.status().message())); !s.ok()) {
      spdlog::warn("training: {}", s.ToString());
    }
    return;
  }
  CvIteration outcome = iteration;
  outcome.head_blob_key = HeadBlobKey(iteration.project_id, iteration.id);
  if (Status s = blobs_.Put(outcome.head_blob_key, trained->head); !s.ok()) {
    spdlog::warn("training: iteration {}: cannot store the head, will try again: {}", iteration.id,
                 s.ToString());
    return;
  }
  outcome.status = "Completed";
  outcome.trained_ms = clock_.NowMs();
  outcome.feature_model = feature_model;
  outcome.performance_json = std::move(trained->performance_json);
  auto finished = store_.FinishIteration(outcome, owner_);
  if (!finished.ok() || !*finished) {
    spdlog::warn("training: iteration {}: outcome not recorded ({})", iteration.id,
                 finished.ok() ? "the lease was lost" : finished.status().ToString());
    return;
  }
  spdlog::info("training: iteration {} completed on {} images", iteration.id, trained->images);
}

bool TrainingWorker::Stopping() {
  std::lock_guard lock(mu_);
  return stopping_;
}

Status TrainingWorker::Fail(const CvIteration& iteration, const std::string& reason) {
  spdlog::info("training: iteration {} failed: {}", iteration.id, reason);
  CvIteration outcome = iteration;
  outcome.status = "Failed";
  outcome.trained_ms = clock_.NowMs();
  outcome.error = reason;
  OCULA_ASSIGN_OR_RETURN(bool recorded, store_.FinishIteration(outcome, owner_));
  if (!recorded) return absl::AbortedError("the lease was lost before the failure was recorded");
  return absl::OkStatus();
}

}  // namespace ocula
