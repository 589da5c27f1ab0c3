// The detector keys of model manifests: task, decoder per task, optional
// labels for faces, letterbox, [detector] thresholds, source.
#include <gtest/gtest.h>

#include <string>

#include "../vision/vision_test_util.h"
#include "vision/models/model_manifest.h"

namespace ocula {
namespace {

using testing_vision::Message;
using testing_vision::ReadFileOrDie;
using testing_vision::RepoModelDir;

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string Manifest(const std::string& folder) {
  return ReadFileOrDie(RepoModelDir() + "/" + folder + "/model.toml");
}

void ExpectInvalid(const std::string& text, const std::string& key) {
  const std::string path = "/models/objects/model.toml";
  auto m = ParseModelManifest(text, path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << m.status();
  EXPECT_NE(Message(m.status()).find(path), std::string::npos) << m.status();
  EXPECT_NE(Message(m.status()).find(key), std::string::npos) << m.status();
}

TEST(DetectorManifestTest, ParsesTheCommittedObjectManifests) {
  auto m = ParseModelManifest(Manifest("objects"), "/m/objects/model.toml");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->task, "objects");
  EXPECT_EQ(m->decoder, "picodet");
  EXPECT_EQ(m->source, "detect");
  EXPECT_EQ(m->LabelsPath(), "/m/objects/coco.names");
  EXPECT_EQ(m->input.color, "RGB");
  EXPECT_EQ(m->input.resize, "stretch");
  EXPECT_EQ(m->outputs.at("box_64"), "save_infer_model/scale_7.tmp_1");
  EXPECT_FLOAT_EQ(m->detector.score_threshold, 0.5f);
  EXPECT_FLOAT_EQ(m->detector.nms_iou, 0.45f);

  auto fastest =
      ParseModelManifest(Manifest("objects-fastestdet"), "/m/objects-fastestdet/model.toml");
  ASSERT_TRUE(fastest.ok()) << fastest.status();
  EXPECT_EQ(fastest->decoder, "fastestdet");
  EXPECT_EQ(fastest->input.color, "BGR");
  EXPECT_EQ(fastest->outputs.at("predictions"), "758");

  auto pico416 =
      ParseModelManifest(Manifest("objects-picodet-416"), "/m/objects-picodet-416/model.toml");
  ASSERT_TRUE(pico416.ok()) << pico416.status();
  EXPECT_EQ(pico416->input.width, 416);

  auto nano = ParseModelManifest(Manifest("objects-nanodet"), "/m/objects-nanodet/model.toml");
  ASSERT_TRUE(nano.ok()) << nano.status();
  EXPECT_EQ(nano->decoder, "nanodet");
  EXPECT_EQ(nano->input.resize, "letterbox");
}

TEST(DetectorManifestTest, ParsesTheCommittedFaceManifestsWithoutLabels) {
  for (const char* folder : {"faces", "faces-ultraface"}) {
    auto m = ParseModelManifest(Manifest(folder), std::string("/m/") + folder + "/model.toml");
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->task, "faces");
    EXPECT_TRUE(m->labels_file.empty());
  }
  // Verification skips the labels file a face manifest does not name.
  auto loaded = LoadModelManifest(RepoModelDir() + "/faces/model.toml");
  EXPECT_TRUE(loaded.ok()) << loaded.status() << " (run scripts/prepare-models.sh)";
}

TEST(DetectorManifestTest, DefaultsWithoutADetectorTable) {
  std::string text = Manifest("objects");
  text = text.substr(0, text.find("[detector]"));
  auto m = ParseModelManifest(text, "/m/objects/model.toml");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FLOAT_EQ(m->detector.score_threshold, DetectorSpec{}.score_threshold);
  EXPECT_EQ(m->detector.max_detections, DetectorSpec{}.max_detections);
}

TEST(DetectorManifestTest, RejectsBadDetectorValues) {
  const std::string text = Manifest("objects-fastestdet");
  ExpectInvalid(Replace(text, "decoder = \"fastestdet\"", "decoder = \"yolo\""), "decoder");
  ExpectInvalid(Replace(text, "decoder = \"fastestdet\"", "decoder = \"yunet\""), "decoder");
  ExpectInvalid(Replace(text, "decoder = \"fastestdet\"", "decoder = \"softmax\""), "decoder");
  ExpectInvalid(Replace(text, "score_threshold = 0.5", "score_threshold = 1.5"),
                "detector.score_threshold");
  ExpectInvalid(Replace(text, "nms_iou = 0.45", "nms_iou = \"high\""), "detector.nms_iou");
  ExpectInvalid(Replace(text, "max_detections = 100", "max_detections = 0"),
                "detector.max_detections");
  ExpectInvalid(Replace(text, "source = \"detect\"", "source = \"../detect\""), "source");
  ExpectInvalid(Replace(text, "file = \"coco.names\"", ""), "labels.file");  // objects need labels
}

TEST(DetectorManifestTest, LetterboxIsForDetectorsOnly) {
  std::string text = Manifest("classify");
  text = Replace(text, "resize = \"short_side_center_crop\"", "resize = \"letterbox\"");
  ExpectInvalid(text, "input.resize");
}

}  // namespace
}  // namespace ocula
