// ModelRunner: runs one ONNX model on one input tensor. Implementations by
// engine: model_runner_onnx (ONNX Runtime, the default) and
// model_runner_opencv (OpenCV DNN, the fallback where ONNX Runtime is absent).
//
// Thread-safety: a runner is NOT safe for concurrent use; create one per
// worker thread (they may share read-only state internally).
#pragma once

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

struct RunnerOptions {
  std::string engine = "onnxruntime";  // or "opencv"
  std::string model_path;
  std::string input_name;
  std::vector<std::string> output_names;
  int threads = 1;  // intra-op threads for this runner
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  // Runs the model; returns one tensor per options.output_names, in order.
  // Internal when the engine fails (the message says why).
  virtual StatusOr<std::vector<Tensor>> Run(const Tensor& input) = 0;
};

// Loads the model for `options.engine`. InvalidArgument for an unknown engine;
// NotFound when the file is missing; FailedPrecondition when the engine cannot
// load it (corrupt file, wrong input or output names).
StatusOr<std::unique_ptr<ModelRunner>> CreateModelRunner(const RunnerOptions& options);

}  // namespace ocula
