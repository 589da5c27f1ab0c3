#include "vision/models/model_manifest.h"

#include <gtest/gtest.h>

#include <string>

#include "core/sha256.h"
#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::Message;
using testing_vision::ReadFileOrDie;
using testing_vision::RepoModelDir;
using testing_vision::TempDir;
using testing_vision::WriteFileOrDie;

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class ModelManifestTest : public ::testing::Test {
 protected:
  const std::string repo_manifest_ = RepoModelDir() + "/classify/model.toml";
  const std::string text_ = ReadFileOrDie(repo_manifest_);
  const std::string path_ = "/models/classify/model.toml";

  void ExpectInvalid(const std::string& text, std::string_view key) {
    auto m = ParseModelManifest(text, path_);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << m.status();
    EXPECT_TRUE(Contains(Message(m.status()), path_)) << m.status();
    EXPECT_TRUE(Contains(Message(m.status()), key)) << m.status();
  }
};

TEST_F(ModelManifestTest, ParsesTheCommittedClassifyManifest) {
  auto m = ParseModelManifest(text_, path_);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name, "mobilenetv2-12-int8-embed");
  EXPECT_EQ(m->task, "classify");
  EXPECT_EQ(m->dir, "/models/classify");
  EXPECT_EQ(m->ModelPath(), "/models/classify/mobilenetv2-12-int8-embed.onnx");
  EXPECT_EQ(m->LabelsPath(), "/models/classify/imagenet-classes.tsv");
  EXPECT_EQ(m->sha256, "9d78c7a58b73daa04c8dd3b4ce8cbb9b3263fbf842cd8a9877be6756db52aa01");
  EXPECT_EQ(m->input.name, "input");
  EXPECT_EQ(m->input.width, 224);
  EXPECT_EQ(m->input.height, 224);
  EXPECT_EQ(m->input.layout, "NCHW");
  EXPECT_EQ(m->input.resize_short_side, 256);
  EXPECT_NEAR(m->input.scale, 1.0 / 255, 1e-9);
  EXPECT_FLOAT_EQ(m->input.mean[1], 0.456f);
  EXPECT_FLOAT_EQ(m->input.std[2], 0.225f);
  EXPECT_EQ(m->outputs.at("logits"), "output");
  EXPECT_EQ(m->outputs.at("embedding"), "embedding");
  EXPECT_EQ(m->decoder, "softmax");
}

TEST_F(ModelManifestTest, RejectsUnknownDecoder) {
  ExpectInvalid(Replace(text_, "decoder = \"softmax\"", "decoder = \"argmax\""), "decoder");
}

TEST_F(ModelManifestTest, RejectsMissingKeys) {
  ExpectInvalid(Replace(text_, "width = 224", ""), "input.width");
  ExpectInvalid(Replace(text_, "logits = \"output\"", ""), "outputs.logits");
  ExpectInvalid(Replace(text_, "name = \"mobilenetv2-12-int8-embed\"", ""), "'name'");
}

TEST_F(ModelManifestTest, RejectsBadValues) {
  ExpectInvalid(Replace(text_, "width = 224", "width = -3"), "input.width");
  ExpectInvalid(Replace(text_, "width = 224", "width = \"224\""), "input.width");
  ExpectInvalid(Replace(text_, "mean = [0.485, 0.456, 0.406]", "mean = [0.485, 0.456]"),
                "input.mean");
  ExpectInvalid(Replace(text_, "layout = \"NCHW\"", "layout = \"CHW\""), "input.layout");
  ExpectInvalid(Replace(text_, "task = \"classify\"", "task = \"paint\""), "task");
  ExpectInvalid(Replace(text_, "sha256 = \"9d78", "sha256 = \"XX78"), "sha256");
  ExpectInvalid(
      Replace(text_, "file = \"mobilenetv2-12-int8-embed.onnx\"", "file = \"../../etc/passwd\""),
      "file");
}

TEST_F(ModelManifestTest, RejectsTomlSyntaxErrors) {
  auto m = ParseModelManifest("name = \n", path_);
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(Message(m.status()), path_)) << m.status();
}

class ManifestFilesTest : public ModelManifestTest {
 protected:
  // A model folder with a fake model and labels whose sha256 the manifest names.
  void SetUp() override {
    WriteFileOrDie(dir_.path() / "model.onnx", "fake model");
    WriteFileOrDie(dir_.path() / "labels.tsv", "n0\tthing\n");
    std::string text = Replace(text_, "mobilenetv2-12-int8-embed.onnx", "model.onnx");
    text = Replace(text, "imagenet-classes.tsv", "labels.tsv");
    text = Replace(text, "9d78c7a58b73daa04c8dd3b4ce8cbb9b3263fbf842cd8a9877be6756db52aa01",
                   Sha256Hex("fake model"));
    text = Replace(text, "c98cf8e050b2f67f824762ebdb5bcf683adc7955382b9ff8b1c0f49548bb449b",
                   Sha256Hex("n0\tthing\n"));
    WriteFileOrDie(manifest(), text);
  }
  std::string manifest() const { return (dir_.path() / "model.toml").string(); }

  TempDir dir_;
};

TEST_F(ManifestFilesTest, LoadsWhenFilesMatch) {
  auto m = LoadModelManifest(manifest());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->dir, dir_.path().string());
}

TEST_F(ManifestFilesTest, ShaMismatchNamesFileAndFix) {
  WriteFileOrDie(dir_.path() / "model.onnx", "tampered model");
  auto m = LoadModelManifest(manifest());
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition) << m.status();
  std::string msg = Message(m.status());
  EXPECT_TRUE(Contains(msg, (dir_.path() / "model.onnx").string())) << msg;
  EXPECT_TRUE(Contains(msg, Sha256Hex("tampered model"))) << msg;
  EXPECT_TRUE(Contains(msg, "manifest says " + Sha256Hex("fake model"))) << msg;
  EXPECT_TRUE(Contains(msg, "scripts/prepare-models.sh")) << msg;
}

TEST_F(ManifestFilesTest, MissingFileNamesFileAndFix) {
  std::filesystem::remove(dir_.path() / "labels.tsv");
  auto m = LoadModelManifest(manifest());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound) << m.status();
  EXPECT_TRUE(Contains(Message(m.status()), (dir_.path() / "labels.tsv").string()));
  EXPECT_TRUE(Contains(Message(m.status()), "is missing; run scripts/prepare-models.sh"));
}

TEST_F(ManifestFilesTest, MissingManifestIsNotFound) {
  EXPECT_EQ(LoadModelManifest((dir_.path() / "nope.toml").string()).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ModelManifestTest, RepoModelsArePrepared) {
  auto m = LoadModelManifest(repo_manifest_);
  EXPECT_TRUE(m.ok()) << m.status() << " (run scripts/prepare-models.sh before the tests)";
}

}  // namespace
}  // namespace ocula
