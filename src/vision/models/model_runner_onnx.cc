// ModelRunner on ONNX Runtime (the default engine).
#include <onnxruntime_cxx_api.h>
#include <onnxruntime_session_options_config_keys.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/thread_name.h"
#include "vision/models/model_runner_engines.h"

namespace ocula::vision_internal {
namespace {

// One environment per process (ORT's logging and global thread state);
// created on first use, never destroyed.
StatusOr<Ort::Env*> SharedEnv() {
  static std::optional<Ort::Env> env;
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] {
    try {
      env.emplace(ORT_LOGGING_LEVEL_ERROR, "ocula");  // warnings flood the log (UltraFace)
    } catch (const Ort::Exception& e) {
      status = absl::InternalError(absl::StrCat("ONNX Runtime failed to start: ", e.what()));
    }
  });
  if (!status.ok()) return status;
  return &*env;
}

std::vector<std::string> InputNames(Ort::Session& session) {
  Ort::AllocatorWithDefaultOptions allocator;
  std::vector<std::string> names;
  for (size_t i = 0; i < session.GetInputCount(); ++i) {
    names.emplace_back(session.GetInputNameAllocated(i, allocator).get());
  }
  return names;
}

std::vector<std::string> OutputNames(Ort::Session& session) {
  Ort::AllocatorWithDefaultOptions allocator;
  std::vector<std::string> names;
  for (size_t i = 0; i < session.GetOutputCount(); ++i) {
    names.emplace_back(session.GetOutputNameAllocated(i, allocator).get());
  }
  return names;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

Status CheckNames(Ort::Session& session, const RunnerOptions& options) {
  std::vector<std::string> inputs = InputNames(session);
  std::vector<std::string> outputs = OutputNames(session);
  std::vector<std::string> missing;
  if (!Contains(inputs, options.input_name)) missing.push_back("input " + options.input_name);
  for (const std::string& name : options.output_names) {
    if (!Contains(outputs, name)) missing.push_back("output " + name);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "model ", options.model_path, " has no ", absl::StrJoin(missing, ", "), "; its inputs are [",
      absl::StrJoin(inputs, ", "), "] and its outputs are [", absl::StrJoin(outputs, ", "), "]"));
}

// Stops runs that pass their deadline: one thread for the process, which
// calls SetTerminate on the RunOptions of each overdue run. Arm/Disarm around
// a run; once Disarm returns the watchdog no longer touches that run.
class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // Created on first use and never destroyed (like the ORT environment): a
  // run may still be in progress on another thread while the process exits.
  static Watchdog& Get() {
    static Watchdog* watchdog = new Watchdog;
    return *watchdog;
  }

  // Terminates `run` and sets `*fired` when `deadline` passes before Disarm.
  uint64_t Arm(Clock::time_point deadline, Ort::RunOptions* run, bool* fired) {
    std::lock_guard lock(mu_);
    uint64_t id = next_id_++;
    armed_.emplace(std::make_pair(deadline, id), Entry{run, fired});
    ids_.emplace(id, deadline);
    cv_.notify_one();
    return id;
  }

  void Disarm(uint64_t id) {
    std::lock_guard lock(mu_);
    auto it = ids_.find(id);
    if (it == ids_.end()) return;  // already fired
    armed_.erase(std::make_pair(it->second, id));
    ids_.erase(it);
  }

 private:
  struct Entry {
    Ort::RunOptions* run;
    bool* fired;
  };

  Watchdog() {
    std::thread([this] {
      SetThreadName("ocula-watchdog");
      Loop();
    }).detach();
  }

  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      if (armed_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = armed_.begin();
      if (Clock::now() < first->first.first) {
        // A copy: wait_until reads the deadline again after waking, and a
        // Disarm while we wait frees the map node it lives in.
        const Clock::time_point deadline = first->first.first;
        cv_.wait_until(lock, deadline);
        continue;
      }
      // Under the lock, so that Disarm cannot return while this runs.
      try {
        first->second.run->SetTerminate();
      } catch (const Ort::Exception&) {
        // Nothing more can be done; the run goes on to its end.
      }
      *first->second.fired = true;
      ids_.erase(first->first.second);
      armed_.erase(first);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_id_ = 1;
  std::map<std::pair<Clock::time_point, uint64_t>, Entry> armed_;  // by deadline
  std::map<uint64_t, Clock::time_point> ids_;
};

Tensor CopyOut(const Ort::Value& value) {
  Ort::TensorTypeAndShapeInfo info = value.GetTensorTypeAndShapeInfo();
  Tensor tensor;
  tensor.shape = info.GetShape();
  const float* data = value.GetTensorData<float>();
  tensor.data.assign(data, data + info.GetElementCount());
  return tensor;
}

class OnnxRuntimeRunner final : public ModelRunner {
 public:
  OnnxRuntimeRunner(Ort::Session session, const RunnerOptions& options)
      : session_(std::move(session)),
        input_name_(options.input_name),
        output_names_(options.output_names),
        model_name_(std::filesystem::path(options.model_path).filename().string()),
        timeout_(options.inference.timeout),
        memory_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)) {
    for (const std::string& name : output_names_) output_ptrs_.push_back(name.c_str());
  }

  StatusOr<std::vector<Tensor>> Run(const Tensor& input) override {
    if (timeout_.count() <= 0) return RunOnce(input, Ort::RunOptions{nullptr});
    Ort::RunOptions run_options{nullptr};
    try {
      run_options = Ort::RunOptions();
    } catch (const Ort::Exception& e) {
      return absl::InternalError(absl::StrCat("ONNX Runtime: ", e.what()));
    }
    bool fired = false;  // written by the watchdog under its lock; read after Disarm
    StatusOr<std::vector<Tensor>> result = absl::InternalError("not run");
    {
      struct Disarm {
        uint64_t id;
        ~Disarm() { Watchdog::Get().Disarm(id); }
      } armed{Watchdog::Get().Arm(Watchdog::Clock::now() + timeout_, &run_options, &fired)};
      result = RunOnce(input, run_options);
    }
    if (!result.ok() && fired) {
      return absl::DeadlineExceededError(
          absl::StrCat("inference of ", model_name_, " ran past its time limit of ",
                       timeout_.count(), " ms (vision.inference_timeout_ms) and was stopped"));
    }
    return result;
  }

 private:
  StatusOr<std::vector<Tensor>> RunOnce(const Tensor& input, const Ort::RunOptions& run_options) {
    try {
      // ORT does not write to inputs; the API just takes a non-const pointer.
      Ort::Value in = Ort::Value::CreateTensor<float>(
          memory_, const_cast<float*>(input.data.data()), input.data.size(), input.shape.data(),
          input.shape.size());
      const char* in_name = input_name_.c_str();
      std::vector<Ort::Value> outs =
          session_.Run(run_options, &in_name, &in, 1, output_ptrs_.data(), output_ptrs_.size());
      std::vector<Tensor> tensors;
      for (const Ort::Value& value : outs) {
        if (value.GetTensorTypeAndShapeInfo().GetElementType() !=
            ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
          return absl::InternalError("ONNX Runtime: model output is not float32");
        }
        tensors.push_back(CopyOut(value));
      }
      return tensors;
    } catch (const Ort::Exception& e) {
      return absl::InternalError(absl::StrCat("ONNX Runtime: ", e.what()));
    }
  }

  // Constant after construction.
  Ort::Session session_;
  const std::string input_name_;
  const std::vector<std::string> output_names_;
  const std::string model_name_;
  const std::chrono::milliseconds timeout_;
  std::vector<const char*> output_ptrs_;  // into output_names_
  Ort::MemoryInfo memory_;
};

Ort::SessionOptions MakeSessionOptions(const RunnerOptions& options) {
  Ort::SessionOptions so;
  so.SetIntraOpNumThreads(options.inference.threads);
  so.SetInterOpNumThreads(1);
  so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  so.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
  // Quantized (u8s8) products overflow on x86-64 without VNNI (SSE4.1, AVX2,
  // AVX-512 before VNNI), as ONNX Runtime's header says: the int8 classifier
  // lost 7 points of top-1 and disagreed with OpenCV DNN on an AVX2-only
  // EPYC. This asks for exact u8u8 products instead (measured 1.3-1.4x
  // slower there; not measured on a VNNI host).
  so.AddConfigEntry(kOrtSessionOptionsAvx2PrecisionMode, "1");
  return so;
}

}  // namespace

StatusOr<std::unique_ptr<ModelRunner>> CreateOnnxRuntimeRunner(const RunnerOptions& options) {
  OCULA_ASSIGN_OR_RETURN(Ort::Env * env, SharedEnv());
  try {
    Ort::Session session =
        options.model_bytes.empty()
            ? Ort::Session(*env, options.model_path.c_str(), MakeSessionOptions(options))
            : Ort::Session(*env, options.model_bytes.data(), options.model_bytes.size(),
                           MakeSessionOptions(options));
    OCULA_RETURN_IF_ERROR(CheckNames(session, options));
    return std::unique_ptr<ModelRunner>(
        std::make_unique<OnnxRuntimeRunner>(std::move(session), options));
  } catch (const Ort::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("ONNX Runtime cannot load model ", options.model_path, ": ", e.what()));
  }
}

}  // namespace ocula::vision_internal
