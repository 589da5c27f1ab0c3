// ModelRunner: runs one ONNX model on one input tensor. Implementations by
// engine: model_runner_onnx (ONNX Runtime, the default) and
// model_runner_opencv (OpenCV DNN, the fallback where ONNX Runtime is absent).
//
// Thread-safety: a runner is NOT safe for concurrent use; create one per
// worker thread (they may share read-only state internally).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace ocula {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Time limit of one model run unless configured otherwise
// (vision.inference_timeout_ms).
inline constexpr std::chrono::milliseconds kDefaultInferenceTimeout{30'000};

// How to run a model, chosen by configuration and passed down to every model
// wrapper (classifier, detectors, adult model) that creates a runner.
struct InferenceOptions {
  std::string engine = "onnxruntime";  // or "opencv"
  int threads = 1;                     // intra-op threads per runner
  // Time limit of one Run; 0 = none. See ModelRunner::Run for how each
  // engine honours it.
  std::chrono::milliseconds timeout = kDefaultInferenceTimeout;
};

struct RunnerOptions {
  InferenceOptions inference;
  std::string model_path;
  // When not empty, the model itself (e.g. a file extended by
  // AppendToOnnxModel); model_path then only names it in messages.
  std::string model_bytes;
  std::string input_name;
  std::vector<std::string> output_names;
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  // Runs the model; returns one tensor per options.output_names, in order.
  // Internal when the engine fails (the message says why).
  // DeadlineExceeded when the run took longer than options.inference.timeout and was
  // stopped: ONNX Runtime is cancelled from a watchdog thread
  // (Ort::RunOptions::SetTerminate), which it notices between graph nodes, so
  // the run ends shortly after the limit. OpenCV DNN has no way to cancel a
  // forward pass: with that engine the timeout is NOT enforced (a run takes
  // as long as it takes). The runner stays usable after a stopped run.
  virtual StatusOr<std::vector<Tensor>> Run(const Tensor& input) = 0;
};

// Loads the model for `options.inference.engine`. InvalidArgument for an unknown engine;
// NotFound when the file is missing; FailedPrecondition when the engine cannot
// load it (corrupt file, wrong input or output names).
StatusOr<std::unique_ptr<ModelRunner>> CreateModelRunner(const RunnerOptions& options);

}  // namespace ocula
