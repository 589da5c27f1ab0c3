// Engine adapters behind CreateModelRunner (model_runner.cc). Internal to
// vision/: callers use CreateModelRunner, which has already checked that the
// model file exists. Each adapter catches its engine's exceptions and returns
// FailedPrecondition when the model cannot be loaded or lacks the named
// input/outputs (the message lists the model's real names).
#pragma once

#include <memory>

#include "vision/models/model_runner.h"

namespace ocula::vision_internal {

StatusOr<std::unique_ptr<ModelRunner>> CreateOnnxRuntimeRunner(const RunnerOptions& options);
StatusOr<std::unique_ptr<ModelRunner>> CreateOpenCvRunner(const RunnerOptions& options);

}  // namespace ocula::vision_internal
