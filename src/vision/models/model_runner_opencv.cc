// ModelRunner on OpenCV DNN: the fallback engine where ONNX Runtime is absent.
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "vision/models/model_runner_engines.h"

namespace ocula::vision_internal {
namespace {

Tensor ToTensor(const cv::Mat& mat) {
  Tensor tensor;
  for (int i = 0; i < mat.dims; ++i) tensor.shape.push_back(mat.size[i]);
  const cv::Mat dense = mat.isContinuous() ? mat : mat.clone();
  const auto* data = dense.ptr<float>();
  tensor.data.assign(data, data + dense.total());
  return tensor;
}

// Checks the input and output names without running the model: setInput
// resolves the name at once, getLayerId knows every layer (ONNX outputs are
// named after the layers that produce them).
Status CheckNames(cv::dnn::Net& net, const RunnerOptions& options) {
  std::vector<std::string> missing;
  try {
    net.setInput(cv::Mat(1, 1, CV_32F, cv::Scalar(0)), options.input_name);
  } catch (const cv::Exception&) {
    missing.push_back("input " + options.input_name);
  }
  for (const std::string& name : options.output_names) {
    if (net.getLayerId(name) < 0) missing.push_back("output " + name);
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("model ", options.model_path, " has no ", absl::StrJoin(missing, ", "),
                   "; its unconnected outputs are [",
                   absl::StrJoin(net.getUnconnectedOutLayersNames(), ", "), "]"));
}

class OpenCvRunner final : public ModelRunner {
 public:
  OpenCvRunner(cv::dnn::Net net, const RunnerOptions& options)
      : net_(std::move(net)),
        input_name_(options.input_name),
        output_names_(options.output_names) {}

  // RunnerOptions.inference.timeout is not enforced here: cv::dnn::Net::forward has no
  // cancellation, and abandoning it on another thread would leave net_ in use.
  StatusOr<std::vector<Tensor>> Run(const Tensor& input) override {
    try {
      std::vector<int> shape(input.shape.begin(), input.shape.end());
      // OpenCV reads the blob during forward() only; no copy is needed.
      cv::Mat blob(static_cast<int>(shape.size()), shape.data(), CV_32F,
                   const_cast<float*>(input.data.data()));
      net_.setInput(blob, input_name_);
      std::vector<cv::Mat> outs;
      net_.forward(outs, output_names_);
      std::vector<Tensor> tensors;
      for (const cv::Mat& out : outs) {
        if (out.depth() != CV_32F) return absl::InternalError("OpenCV DNN: output is not float32");
        tensors.push_back(ToTensor(out));
      }
      return tensors;
    } catch (const cv::Exception& e) {
      return absl::InternalError(absl::StrCat("OpenCV DNN: ", e.what()));
    }
  }

 private:
  cv::dnn::Net net_;
  const std::string input_name_;
  const std::vector<std::string> output_names_;
};

}  // namespace

StatusOr<std::unique_ptr<ModelRunner>> CreateOpenCvRunner(const RunnerOptions& options) {
  try {
    cv::dnn::Net net =
        options.model_bytes.empty()
            ? cv::dnn::readNetFromONNX(options.model_path)
            : cv::dnn::readNetFromONNX(options.model_bytes.data(), options.model_bytes.size());
    if (net.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("OpenCV DNN loaded no layers from model ", options.model_path));
    }
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    OCULA_RETURN_IF_ERROR(CheckNames(net, options));
    // OpenCV's thread pool is process-wide: this sets it for every runner.
    cv::setNumThreads(options.inference.threads);
    return std::unique_ptr<ModelRunner>(std::make_unique<OpenCvRunner>(std::move(net), options));
  } catch (const cv::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("OpenCV DNN cannot load model ", options.model_path, ": ", e.what()));
  }
}

}  // namespace ocula::vision_internal
