// The inference time limit (vision.inference_timeout_ms) on a real model:
// ONNX Runtime runs are stopped by the watchdog and reported as
// DeadlineExceeded; OpenCV DNN cannot be stopped (documented, pinned here).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "vision/classify/classifier.h"
#include "vision/models/model_manifest.h"
#include "vision/models/model_runner.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using std::chrono::milliseconds;
using testing_vision::Message;
using testing_vision::RepoModelDir;

RunnerOptions ClassifyOptions(const std::string& engine, milliseconds timeout) {
  RunnerOptions o;
  o.inference.engine = engine;
  o.model_path = RepoModelDir() + "/classify/mobilenetv2-12-int8-embed.onnx";
  o.input_name = "input";
  o.output_names = {"output", "embedding"};
  o.inference.timeout = timeout;
  return o;
}

Tensor Input() { return Tensor{{1, 3, 224, 224}, std::vector<float>(3 * 224 * 224, 0.5f)}; }

TEST(ModelRunnerTimeoutTest, OnnxRuntimeRunPastTheLimitIsStoppedAsDeadlineExceeded) {
  auto runner = CreateModelRunner(ClassifyOptions("onnxruntime", milliseconds(1)));
  ASSERT_TRUE(runner.ok()) << runner.status();
  int stopped = 0;
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto out = (*runner)->Run(Input());
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (out.ok()) continue;  // finished inside 1 ms: possible only on a very fast machine
    ++stopped;
    EXPECT_EQ(out.status().code(), StatusCode::kDeadlineExceeded) << out.status();
    EXPECT_NE(Message(out.status()).find("mobilenetv2-12-int8-embed.onnx"), std::string::npos)
        << out.status();
    EXPECT_NE(Message(out.status()).find("1 ms (vision.inference_timeout_ms)"), std::string::npos)
        << out.status();
    EXPECT_LT(elapsed, std::chrono::seconds(5));
  }
  EXPECT_GT(stopped, 0) << "no run was stopped";
}

TEST(ModelRunnerTimeoutTest, RunsInsideTheLimitSucceedAndAStoppedRunnerStaysUsable) {
  auto generous = CreateModelRunner(ClassifyOptions("onnxruntime", milliseconds(60'000)));
  ASSERT_TRUE(generous.ok()) << generous.status();
  for (int i = 0; i < 3; ++i) {
    auto out = (*generous)->Run(Input());
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].data.size(), 1000u);
  }
  // The same session after a stopped run (its RunOptions are per run).
  auto strict = CreateModelRunner(ClassifyOptions("onnxruntime", milliseconds(1)));
  ASSERT_TRUE(strict.ok());
  (void)(*strict)->Run(Input());
  (void)(*strict)->Run(Input());
  auto again = (*generous)->Run(Input());
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(ModelRunnerTimeoutTest, TheWatchdogStopsOnlyOverdueRuns) {
  auto strict = CreateModelRunner(ClassifyOptions("onnxruntime", milliseconds(1)));
  auto generous = CreateModelRunner(ClassifyOptions("onnxruntime", milliseconds(60'000)));
  ASSERT_TRUE(strict.ok() && generous.ok());
  std::atomic<int> generous_failures{0}, strict_other_errors{0};
  std::thread a([&] {
    for (int i = 0; i < 4; ++i) {
      if (!(*generous)->Run(Input()).ok()) ++generous_failures;
    }
  });
  std::thread b([&] {
    for (int i = 0; i < 4; ++i) {
      auto out = (*strict)->Run(Input());
      if (!out.ok() && out.status().code() != StatusCode::kDeadlineExceeded) ++strict_other_errors;
    }
  });
  a.join();
  b.join();
  EXPECT_EQ(generous_failures.load(), 0);
  EXPECT_EQ(strict_other_errors.load(), 0);
}

TEST(ModelRunnerTimeoutTest, NoLimitMeansNoWatchdog) {
  auto runner = CreateModelRunner(ClassifyOptions("onnxruntime", milliseconds(0)));
  ASSERT_TRUE(runner.ok());
  EXPECT_TRUE((*runner)->Run(Input()).ok());
}

// The limit is an option passed down, not process-wide state: the wrappers'
// runner options carry the InferenceOptions they were given.
TEST(ModelRunnerTimeoutTest, WrappersPassTheirInferenceOptionsToTheRunner) {
  EXPECT_EQ(RunnerOptions{}.inference.timeout, kDefaultInferenceTimeout);
  auto manifest = LoadModelManifest(RepoModelDir() + "/classify/model.toml");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  const InferenceOptions inference{"opencv", 2, milliseconds(1234)};
  RunnerOptions options = ClassifierRunnerOptions(*manifest, inference);
  EXPECT_EQ(options.inference.engine, "opencv");
  EXPECT_EQ(options.inference.threads, 2);
  EXPECT_EQ(options.inference.timeout, milliseconds(1234));
}

TEST(ModelRunnerTimeoutTest, NegativeLimitIsInvalid) {
  EXPECT_EQ(CreateModelRunner(ClassifyOptions("onnxruntime", milliseconds(-1))).status().code(),
            StatusCode::kInvalidArgument);
}

// OpenCV DNN has no cancellation: the limit is documented as not enforced.
TEST(ModelRunnerTimeoutTest, OpenCvDoesNotEnforceTheLimit) {
  auto runner = CreateModelRunner(ClassifyOptions("opencv", milliseconds(1)));
  ASSERT_TRUE(runner.ok()) << runner.status();
  EXPECT_TRUE((*runner)->Run(Input()).ok());
}

}  // namespace
}  // namespace ocula
