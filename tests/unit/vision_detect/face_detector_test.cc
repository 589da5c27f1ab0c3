// FaceDetector on real photos: YuNet (the default) with both engines, and
// UltraFace. Robust facts only (counts, placement), never exact scores.
#include "vision/detect/face_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "../vision/vision_test_util.h"
#include "detect_test_util.h"

namespace ocula {
namespace {

using testing_detect::Describe;
using testing_detect::Inside;
using testing_detect::LoadPhoto;
using testing_detect::MakeFaceDetector;
using testing_detect::Photo;
using testing_detect::RepoManifest;
using testing_vision::Message;

std::vector<Face> DetectFaces(FaceDetector& detector, const Photo& photo, const char* tag) {
  auto faces = detector.Detect(photo.rgb, photo.width, photo.height, 0);
  EXPECT_TRUE(faces.ok()) << photo.name << ": " << faces.status();
  if (!faces.ok()) return {};
  std::printf("[%s] %s (%dx%d): %zu face(s)\n%s", tag, photo.name.c_str(), photo.width,
              photo.height, faces->size(), Describe(*faces).c_str());
  for (const Face& f : *faces) EXPECT_TRUE(Inside(f.box, photo.width, photo.height));
  return *faces;
}

// One face, in the upper half, of plausible size for this portrait.
void ExpectAstronautFace(const std::vector<Face>& faces, const Photo& photo) {
  ASSERT_EQ(faces.size(), 1u);
  const Box& b = faces[0].box;
  EXPECT_LT(b.y + b.h / 2, photo.height / 2);
  EXPECT_GT(b.w, photo.width / 20);
  EXPECT_LT(b.w, photo.width / 2);
}

class YuNetTest : public ::testing::TestWithParam<std::string> {};

TEST_P(YuNetTest, AstronautHasExactlyOneFace) {
  auto detector = MakeFaceDetector("faces", GetParam());
  ASSERT_NE(detector, nullptr);
  Photo photo = LoadPhoto("photos/astronaut.png");
  ExpectAstronautFace(DetectFaces(*detector, photo, GetParam().c_str()), photo);
}

TEST_P(YuNetTest, BoxesAreInOriginalPixelsForAShrunkDecode) {
  auto detector = MakeFaceDetector("faces", GetParam());
  ASSERT_NE(detector, nullptr);
  Photo full = LoadPhoto("photos/astronaut.png", 100000);
  Photo small = LoadPhoto("photos/astronaut.png", 160);
  std::vector<Face> a = DetectFaces(*detector, full, "full");
  std::vector<Face> b = DetectFaces(*detector, small, "small");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  const int tolerance = full.width / 25;
  EXPECT_NEAR(a[0].box.x, b[0].box.x, tolerance);
  EXPECT_NEAR(a[0].box.y, b[0].box.y, tolerance);
  EXPECT_NEAR(a[0].box.w, b[0].box.w, tolerance);
  EXPECT_NEAR(a[0].box.h, b[0].box.h, tolerance);
}

INSTANTIATE_TEST_SUITE_P(Engines, YuNetTest, ::testing::Values("onnxruntime", "opencv"),
                         [](const auto& info) { return std::string(info.param); });

// Every photo of the faces/ folder shows at least one face.
TEST(YuNetFacesFolderTest, EveryPhotoHasAFace) {
  auto detector = MakeFaceDetector("faces", "onnxruntime");
  ASSERT_NE(detector, nullptr);
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing_vision::TestDataPath("faces"))) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    Photo photo = LoadPhoto("faces/" + file.filename().string(), 640);
    auto faces = detector->Detect(photo.rgb, photo.width, photo.height, 0);
    ASSERT_TRUE(faces.ok()) << faces.status();
    // For the record: how many the stricter FaceDetectorYN default (0.9) keeps.
    auto strict = detector->Detect(photo.rgb, photo.width, photo.height, 0.9f);
    ASSERT_TRUE(strict.ok()) << strict.status();
    std::printf("[yunet] faces/%s (%dx%d): %zu face(s), %zu at >= 0.9\n", file.filename().c_str(),
                photo.width, photo.height, faces->size(), strict->size());
    EXPECT_GE(faces->size(), 1u) << file;
  }
}

TEST(YuNetTest, NoHumanFaceOnAnimals) {
  auto detector = MakeFaceDetector("faces", "onnxruntime");
  ASSERT_NE(detector, nullptr);
  EXPECT_TRUE(DetectFaces(*detector, LoadPhoto("detect/giraffe.jpg"), "yunet").empty());
  EXPECT_TRUE(DetectFaces(*detector, LoadPhoto("photos/chelsea.png"), "yunet").empty());
}

TEST(UltraFaceTest, FindsTheAstronautFace) {
  Photo photo = LoadPhoto("photos/astronaut.png");
  for (const char* engine : testing_detect::kEngines) {
    auto detector = MakeFaceDetector("faces-ultraface", engine);
    ASSERT_NE(detector, nullptr);
    ExpectAstronautFace(DetectFaces(*detector, photo, engine), photo);
  }
}

TEST(FaceDetectorCreateTest, Errors) {
  ModelManifest manifest = RepoManifest("faces");
  manifest.decoder = "retinaface";
  auto unknown = FaceDetector::Create(manifest, {.engine = "onnxruntime"});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Message(unknown.status()).find(manifest.manifest_path), std::string::npos);

  EXPECT_EQ(
      FaceDetector::Create(RepoManifest("objects"), {.engine = "onnxruntime"}).status().code(),
      StatusCode::kInvalidArgument);

  testing_vision::TempDir dir;
  ModelManifest missing = RepoManifest("faces");
  missing.dir = dir.path().string();
  EXPECT_EQ(FaceDetector::Create(missing, {.engine = "onnxruntime"}).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace ocula
