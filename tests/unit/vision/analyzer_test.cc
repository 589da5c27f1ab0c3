#include "vision/analyzer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "vision_test_util.h"

namespace ocula {
namespace {

using testing_vision::ReadFileOrDie;
using testing_vision::Reencode;
using testing_vision::RepoModelDir;
using testing_vision::TestDataPath;

class AnalyzerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    AnalyzerOptions options;
    options.engine = GetParam();
    options.model_dir = RepoModelDir();
    auto analyzer = Analyzer::Create(options);
    ASSERT_TRUE(analyzer.ok()) << analyzer.status();
    analyzer_ = *std::move(analyzer);
  }
  std::unique_ptr<Analyzer> analyzer_;
};

TEST_P(AnalyzerTest, AnalysesAPhoto) {
  std::string jpeg = Reencode(ReadFileOrDie(TestDataPath("photos/chelsea.png")), ".jpg",
                              /*orientation=*/1, /*make=*/"OculaCam");
  auto analysis = analyzer_->Analyze(jpeg);
  ASSERT_TRUE(analysis.ok()) << analysis.status();

  auto metadata = nlohmann::json::parse(analysis->metadata_json);
  EXPECT_EQ(metadata["width"], 451);
  EXPECT_EQ(metadata["height"], 300);
  EXPECT_EQ(metadata["format"], "Jpeg");
  EXPECT_EQ(metadata["contentType"], "image/jpeg");
  EXPECT_EQ(metadata["exif"]["Make"], "OculaCam");

  auto doc = nlohmann::json::parse(analysis->analysis_json);
  ASSERT_FALSE(doc["tags"].empty()) << analysis->analysis_json;
  bool cat_tag = false;
  for (const auto& tag : doc["tags"]) {
    EXPECT_GE(tag["confidence"].get<double>(), 0.01);
    double scaled = tag["confidence"].get<double>() * 10000;
    EXPECT_NEAR(scaled, std::round(scaled), 1e-6);  // rounded to 4 decimals
    cat_tag |= tag["name"] == "cat";
  }
  EXPECT_TRUE(cat_tag) << doc["tags"];
  bool cat_category = false;
  for (const auto& c : doc["categories"]) cat_category |= c["name"] == "animal_cat";
  EXPECT_TRUE(cat_category) << doc["categories"];
  for (const char* field : {"description", "faces", "objects", "color", "imageType", "adult"}) {
    EXPECT_TRUE(doc.contains(field)) << field << " missing from the default pipeline";
  }
  EXPECT_FALSE(doc.contains("readResult")) << "OCR is opt-in";
  ASSERT_FALSE(doc["classes"].empty());
  EXPECT_LE(doc["classes"].size(), 5u);
  EXPECT_EQ(doc["classes"][0]["wnid"].get<std::string>().substr(0, 1), "n");
  EXPECT_EQ(doc["modelVersion"], analyzer_->ModelVersion());
  EXPECT_EQ(analyzer_->ModelVersion().rfind("ocula-", 0), 0u);
  EXPECT_EQ(doc["embedding"]["model"], "mobilenetv2-12-int8-embed");
  EXPECT_EQ(doc["embedding"]["dims"], 1280);
  EXPECT_EQ(analysis->embedding.size(), 1280u);
  EXPECT_EQ(analysis->embedding_model, "mobilenetv2-12-int8-embed");
}

TEST_P(AnalyzerTest, BadBytesArePermanentFailures) {
  auto analysis = analyzer_->Analyze("definitely not an image");
  EXPECT_EQ(analysis.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(analysis.status()), reason::kInvalidImageFormat);
}

TEST_P(AnalyzerTest, PipelineVersionNamesModelAndHash) {
  std::string version = analyzer_->PipelineVersion();
  EXPECT_NE(version.find("classify:mobilenetv2-12-int8-embed@9d78c7a58b73;"), std::string::npos)
      << version;
  EXPECT_NE(version.find("objects:"), std::string::npos) << version;
  EXPECT_NE(version.find("faces:"), std::string::npos) << version;
}

INSTANTIATE_TEST_SUITE_P(Engines, AnalyzerTest, ::testing::Values("onnxruntime", "opencv"));

TEST(AnalyzerCreateTest, MissingModelDirIsNotFound) {
  AnalyzerOptions options;
  options.model_dir = "/nonexistent/models";
  EXPECT_EQ(Analyzer::Create(options).status().code(), StatusCode::kNotFound);
}

TEST(AnalyzerCreateTest, UnknownEngineIsInvalidArgument) {
  AnalyzerOptions options;
  options.model_dir = RepoModelDir();
  options.engine = "tensorflow";
  EXPECT_EQ(Analyzer::Create(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ocula
