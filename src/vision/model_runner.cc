#include "vision/model_runner.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "vision/model_runner_engines.h"

namespace ocula {

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
  if (options.engine == "onnxruntime") return vision_internal::CreateOnnxRuntimeRunner(options);
  return vision_internal::CreateOpenCvRunner(options);
}

}  // namespace ocula
