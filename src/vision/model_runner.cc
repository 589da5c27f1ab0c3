#include "vision/model_runner.h"

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "vision/model_runner_engines.h"

namespace ocula {
namespace {

std::atomic<int64_t> default_timeout_ms{kDefaultInferenceTimeout.count()};

}  // namespace

void SetDefaultInferenceTimeout(std::chrono::milliseconds timeout) {
  default_timeout_ms.store(std::max<int64_t>(0, timeout.count()));
}

std::chrono::milliseconds DefaultInferenceTimeout() {
  return std::chrono::milliseconds(default_timeout_ms.load());
}

StatusOr<std::unique_ptr<ModelRunner>> CreateModelRunner(const RunnerOptions& options) {
  if (options.engine != "onnxruntime" && options.engine != "opencv") {
    return absl::InvalidArgumentError(absl::StrCat("unknown inference engine \"", options.engine,
                                                   "\"; use \"onnxruntime\" or \"opencv\""));
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.model_path, ec)) {
    return absl::NotFoundError(absl::StrCat("model file ", options.model_path, " is missing"));
  }
  if (options.threads < 1) {
    return absl::InvalidArgumentError("RunnerOptions.threads must be at least 1");
  }
  if (options.timeout.count() < 0) {
    return absl::InvalidArgumentError("RunnerOptions.timeout must not be negative");
  }
  if (options.engine == "onnxruntime") return vision_internal::CreateOnnxRuntimeRunner(options);
  return vision_internal::CreateOpenCvRunner(options);
}

}  // namespace ocula
