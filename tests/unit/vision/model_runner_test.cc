#include "vision/models/model_runner.h"

#include <gtest/gtest.h>

#include <string>

#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::Message;
using testing_vision::RepoModelDir;
using testing_vision::TempDir;
using testing_vision::WriteFileOrDie;

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

RunnerOptions ClassifyOptions(const std::string& engine) {
  RunnerOptions o;
  o.inference.engine = engine;
  o.model_path = RepoModelDir() + "/classify/mobilenetv2-12-int8-embed.onnx";
  o.input_name = "input";
  o.output_names = {"output", "embedding"};
  return o;
}

class ModelRunnerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelRunnerTest, RunsTheClassifier) {
  auto runner = CreateModelRunner(ClassifyOptions(GetParam()));
  ASSERT_TRUE(runner.ok()) << runner.status();
  Tensor input{{1, 3, 224, 224}, std::vector<float>(3 * 224 * 224, 0.0f)};
  auto out = (*runner)->Run(input);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{1, 1000}));
  EXPECT_EQ((*out)[0].data.size(), 1000u);
  EXPECT_EQ((*out)[1].data.size(), 1280u);
}

TEST_P(ModelRunnerTest, WrongOutputNameListsTheRealNames) {
  RunnerOptions o = ClassifyOptions(GetParam());
  o.output_names = {"logits"};
  auto runner = CreateModelRunner(o);
  EXPECT_EQ(runner.status().code(), StatusCode::kFailedPrecondition) << runner.status();
  EXPECT_TRUE(Contains(Message(runner.status()), "logits")) << runner.status();
  EXPECT_TRUE(Contains(Message(runner.status()), "output")) << runner.status();
}

TEST_P(ModelRunnerTest, WrongInputName) {
  RunnerOptions o = ClassifyOptions(GetParam());
  o.input_name = "images";
  auto runner = CreateModelRunner(o);
  EXPECT_EQ(runner.status().code(), StatusCode::kFailedPrecondition) << runner.status();
  EXPECT_TRUE(Contains(Message(runner.status()), "images")) << runner.status();
}

TEST_P(ModelRunnerTest, MissingFileIsNotFound) {
  RunnerOptions o = ClassifyOptions(GetParam());
  o.model_path = "/nonexistent/model.onnx";
  EXPECT_EQ(CreateModelRunner(o).status().code(), StatusCode::kNotFound);
}

TEST_P(ModelRunnerTest, CorruptFileIsFailedPrecondition) {
  TempDir dir;
  RunnerOptions o = ClassifyOptions(GetParam());
  o.model_path = (dir.path() / "garbage.onnx").string();
  WriteFileOrDie(o.model_path, std::string(4096, '\x5A') + "not a protobuf");
  auto runner = CreateModelRunner(o);
  EXPECT_EQ(runner.status().code(), StatusCode::kFailedPrecondition) << runner.status();
  EXPECT_TRUE(Contains(Message(runner.status()), o.model_path)) << runner.status();
}

TEST_P(ModelRunnerTest, WrongInputShapeIsInternal) {
  auto runner = CreateModelRunner(ClassifyOptions(GetParam()));
  ASSERT_TRUE(runner.ok()) << runner.status();
  Tensor input{{1, 3}, std::vector<float>(3, 0.0f)};
  EXPECT_EQ((*runner)->Run(input).status().code(), StatusCode::kInternal);
}

INSTANTIATE_TEST_SUITE_P(Engines, ModelRunnerTest, ::testing::Values("onnxruntime", "opencv"));

TEST(CreateModelRunnerTest, UnknownEngineNamesBoth) {
  RunnerOptions o = ClassifyOptions("tensorflow");
  auto runner = CreateModelRunner(o);
  EXPECT_EQ(runner.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(Message(runner.status()), "onnxruntime"));
  EXPECT_TRUE(Contains(Message(runner.status()), "opencv"));
}

}  // namespace
}  // namespace ocula
