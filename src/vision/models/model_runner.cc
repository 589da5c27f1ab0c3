#include "vision/models/model_runner.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "vision/models/model_runner_engines.h"

namespace ocula {

StatusOr<std::unique_ptr<ModelRunner>> CreateModelRunner(const RunnerOptions& options) {
  if (options.inference.engine != "onnxruntime" && options.inference.engine != "opencv") {
    return absl::InvalidArgumentError(absl::StrCat("unknown inference engine \"",
                                                   options.inference.engine,
                                                   "\"; use \"onnxruntime\" or \"opencv\""));
  }
  std::error_code ec;
  if (options.model_bytes.empty() && !std::filesystem::is_regular_file(options.model_path, ec)) {
    return absl::NotFoundError(absl::StrCat("model file ", options.model_path, " is missing"));
  }
  if (options.inference.threads < 1) {
    return absl::InvalidArgumentError("RunnerOptions.inference.threads must be at least 1");
  }
  if (options.inference.timeout.count() < 0) {
    return absl::InvalidArgumentError("RunnerOptions.inference.timeout must not be negative");
  }
  if (options.inference.engine == "onnxruntime")
    return vision_internal::CreateOnnxRuntimeRunner(options);
  return vision_internal::CreateOpenCvRunner(options);
}

}  // namespace ocula
