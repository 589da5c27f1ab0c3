// ObjectDetector on real photos with both engines: robust facts (labels
// present, boxes placed plausibly), never exact scores.
#include "vision/detect/object_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "../vision/vision_test_util.h"
#include "detect_test_util.h"

namespace ocula {
namespace {

using testing_detect::Best;
using testing_detect::Describe;
using testing_detect::HasLabel;
using testing_detect::Inside;
using testing_detect::LoadPhoto;
using testing_detect::MakeObjectDetector;
using testing_detect::Photo;
using testing_detect::RepoManifest;
using testing_vision::Message;

// One default detector (models/objects: PP-PicoDet-S 320) per engine, shared
// by the tests of this suite.
class ObjectDetectorTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    for (const char* engine : testing_detect::kEngines) {
      detectors_[engine] = MakeObjectDetector("objects", engine);
    }
  }
  static void TearDownTestSuite() { detectors_.clear(); }

  std::vector<Detection> Detect(const Photo& photo) {
    ObjectDetector* detector = detectors_.at(GetParam()).get();
    if (detector == nullptr) {
      ADD_FAILURE() << "no detector";
      return {};
    }
    auto found = detector->Detect(photo.rgb, photo.width, photo.height, 0);
    EXPECT_TRUE(found.ok()) << photo.name << ": " << found.status();
    if (!found.ok()) return {};
    std::printf("[%s] %s (%dx%d):\n%s", GetParam().c_str(), photo.name.c_str(), photo.width,
                photo.height, Describe(*found).c_str());
    for (const Detection& d : *found) {
      EXPECT_TRUE(Inside(d.box, photo.width, photo.height)) << d.label;
      EXPECT_GE(d.confidence, 0.4f);
      EXPECT_LE(d.confidence, 1.0f);
    }
    EXPECT_TRUE(std::is_sorted(found->begin(), found->end(),
                               [](auto& a, auto& b) { return a.confidence > b.confidence; }));
    return *found;
  }

  static std::map<std::string, std::unique_ptr<ObjectDetector>> detectors_;
};
std::map<std::string, std::unique_ptr<ObjectDetector>> ObjectDetectorTest::detectors_;

TEST_P(ObjectDetectorTest, DogAndBicycleInDogJpg) {
  Photo photo = LoadPhoto("detect/dog.jpg");
  std::vector<Detection> found = Detect(photo);
  EXPECT_TRUE(HasLabel(found, "bicycle"));
  const Detection* dog = Best(found, "dog");
  ASSERT_NE(dog, nullptr);
  // The dog sits in the lower-left part of the picture.
  EXPECT_LT(dog->box.x + dog->box.w / 2, photo.width / 2);
  EXPECT_GT(dog->box.y + dog->box.h / 2, photo.height / 2);
}

TEST_P(ObjectDetectorTest, GiraffeAndZebra) {
  std::vector<Detection> found = Detect(LoadPhoto("detect/giraffe.jpg"));
  EXPECT_TRUE(HasLabel(found, "giraffe"));
  EXPECT_TRUE(HasLabel(found, "zebra"));
}

// Detectors often call this photo's small horse a "sheep" (FastestDet and
// NanoDet do): what is checked is a hoofed animal on the right-hand side.
TEST_P(ObjectDetectorTest, PersonDogAndHorse) {
  Photo photo = LoadPhoto("detect/person.jpg");
  std::vector<Detection> found = Detect(photo);
  EXPECT_TRUE(HasLabel(found, "person"));
  EXPECT_TRUE(HasLabel(found, "dog"));
  bool animal_on_right = std::any_of(found.begin(), found.end(), [&](const Detection& d) {
    bool hoofed = d.label == "horse" || d.label == "sheep" || d.label == "cow";
    return hoofed && d.box.x > photo.width / 2;
  });
  EXPECT_TRUE(animal_on_right);
}

TEST_P(ObjectDetectorTest, Horses) {
  EXPECT_TRUE(HasLabel(Detect(LoadPhoto("detect/horses.jpg")), "horse"));
}

TEST_P(ObjectDetectorTest, AstronautIsAPerson) {
  EXPECT_TRUE(HasLabel(Detect(LoadPhoto("photos/astronaut.png")), "person"));
}

TEST_P(ObjectDetectorTest, ChelseaIsACat) {
  EXPECT_TRUE(HasLabel(Detect(LoadPhoto("photos/chelsea.png")), "cat"));
}

// The RgbImage may be a shrunk decode: boxes still come in original pixels.
TEST_P(ObjectDetectorTest, BoxesAreInOriginalPixelsForAShrunkDecode) {
  Photo full = LoadPhoto("detect/dog.jpg", 100000);
  Photo small = LoadPhoto("detect/dog.jpg", 200);
  ASSERT_LT(small.rgb.width, full.rgb.width);
  ASSERT_EQ(small.width, full.width);
  // Best points into the vector: keep both alive while a and b are used.
  const std::vector<Detection> full_found = Detect(full);
  const std::vector<Detection> small_found = Detect(small);
  const Detection* a = Best(full_found, "dog");
  const Detection* b = Best(small_found, "dog");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const int tolerance = full.width / 20;
  EXPECT_NEAR(a->box.x, b->box.x, tolerance);
  EXPECT_NEAR(a->box.y, b->box.y, tolerance);
  EXPECT_NEAR(a->box.x + a->box.w, b->box.x + b->box.w, tolerance);
  EXPECT_NEAR(a->box.y + a->box.h, b->box.y + b->box.h, tolerance);
}

TEST_P(ObjectDetectorTest, MinConfidenceRaisesTheThreshold) {
  Photo photo = LoadPhoto("detect/dog.jpg");
  auto found = detectors_.at(GetParam())->Detect(photo.rgb, photo.width, photo.height, 0.99f);
  ASSERT_TRUE(found.ok()) << found.status();
  for (const Detection& d : *found) EXPECT_GE(d.confidence, 0.99f);
}

TEST_P(ObjectDetectorTest, RejectsEmptyImageAndOriginalSize) {
  ObjectDetector& detector = *detectors_.at(GetParam());
  EXPECT_EQ(detector.Detect(RgbImage{}, 10, 10, 0).status().code(), StatusCode::kInvalidArgument);
  Photo photo = LoadPhoto("detect/dog.jpg", 64);
  EXPECT_EQ(detector.Detect(photo.rgb, 0, photo.height, 0).status().code(),
            StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Engines, ObjectDetectorTest, ::testing::Values("onnxruntime", "opencv"),
                         [](const auto& info) { return std::string(info.param); });

// Both engines read the same model: the labels they find agree.
TEST(ObjectDetectorEnginesTest, EnginesAgreeOnDogJpgLabels) {
  Photo photo = LoadPhoto("detect/dog.jpg");
  std::map<std::string, std::set<std::string>> labels;
  for (const char* engine : testing_detect::kEngines) {
    auto detector = MakeObjectDetector("objects", engine);
    ASSERT_NE(detector, nullptr);
    auto found = detector->Detect(photo.rgb, photo.width, photo.height, 0);
    ASSERT_TRUE(found.ok()) << found.status();
    for (const Detection& d : *found) labels[engine].insert(d.label);
  }
  EXPECT_EQ(labels["onnxruntime"], labels["opencv"]);
}

// The other detectors offered, on both engines.
TEST(OtherDetectorsTest, DogAndBicycleInDogJpg) {
  Photo photo = LoadPhoto("detect/dog.jpg");
  for (const char* folder : {"objects-nanodet", "objects-fastestdet"}) {
    for (const char* engine : testing_detect::kEngines) {
      SCOPED_TRACE(std::string(folder) + " " + engine);
      auto detector = MakeObjectDetector(folder, engine);
      ASSERT_NE(detector, nullptr);
      auto found = detector->Detect(photo.rgb, photo.width, photo.height, 0);
      ASSERT_TRUE(found.ok()) << found.status();
      std::printf("[%s %s] %s:\n%s", folder, engine, photo.name.c_str(), Describe(*found).c_str());
      EXPECT_TRUE(HasLabel(*found, "bicycle")) << engine;
      const Detection* dog = Best(*found, "dog");
      ASSERT_NE(dog, nullptr) << engine;
      EXPECT_LT(dog->box.x + dog->box.w / 2, photo.width / 2);
      EXPECT_GT(dog->box.y + dog->box.h / 2, photo.height / 2);
      for (const Detection& d : *found) EXPECT_TRUE(Inside(d.box, photo.width, photo.height));
    }
  }
}

TEST(NanoDetTest, GiraffeAndZebra) {
  Photo photo = LoadPhoto("detect/giraffe.jpg");
  auto detector = MakeObjectDetector("objects-nanodet", "onnxruntime");
  ASSERT_NE(detector, nullptr);
  auto found = detector->Detect(photo.rgb, photo.width, photo.height, 0);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(HasLabel(*found, "giraffe"));
  EXPECT_TRUE(HasLabel(*found, "zebra"));
}

// PP-PicoDet-S at 320 (models/objects, the default) and 416 on both engines. The reference boxes
// are the ones ../shared/models/MODELS.md gives for the 320 model (dog 0.88, car 0.82, bicycle
// 0.56): the 320 model must reproduce them; the 416 model, whose bicycle box takes in the whole
// bicycle, must cover their centres.
class PicoDetTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(PicoDetTest, DogCarAndBicycleWhereTheReferenceHasThem) {
  const auto& [folder, engine] = GetParam();
  Photo photo = LoadPhoto("detect/dog.jpg");
  auto detector = MakeObjectDetector(folder, engine);
  ASSERT_NE(detector, nullptr);
  auto found = detector->Detect(photo.rgb, photo.width, photo.height, 0);
  ASSERT_TRUE(found.ok()) << found.status();
  std::printf("[%s %s] %s:\n%s", folder.c_str(), engine.c_str(), photo.name.c_str(),
              Describe(*found).c_str());
  struct Expected {
    const char* label;
    Box box;  // x, y, w, h in original pixels
  };
  for (const Expected& e :
       {Expected{"dog", {130, 207, 200, 336}}, Expected{"car", {466, 78, 229, 90}},
        Expected{"bicycle", {295, 131, 273, 289}}}) {
    const Detection* d = Best(*found, e.label);
    ASSERT_NE(d, nullptr) << e.label;
    const int cx = e.box.x + e.box.w / 2, cy = e.box.y + e.box.h / 2;
    EXPECT_TRUE(d->box.x < cx && cx < d->box.x + d->box.w && d->box.y < cy &&
                cy < d->box.y + d->box.h)
        << e.label;
    if (folder != "objects") continue;
    const int tolerance = photo.width / 50;
    EXPECT_NEAR(d->box.x, e.box.x, tolerance) << e.label;
    EXPECT_NEAR(d->box.y, e.box.y, tolerance) << e.label;
    EXPECT_NEAR(d->box.x + d->box.w, e.box.x + e.box.w, tolerance) << e.label;
    EXPECT_NEAR(d->box.y + d->box.h, e.box.y + e.box.h, tolerance) << e.label;
  }
  for (const Detection& d : *found) EXPECT_TRUE(Inside(d.box, photo.width, photo.height));
}

INSTANTIATE_TEST_SUITE_P(SizesAndEngines, PicoDetTest,
                         ::testing::Combine(::testing::Values("objects", "objects-picodet-416"),
                                            ::testing::Values("onnxruntime", "opencv")),
                         [](const auto& info) {
                           std::string name =
                               std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ObjectDetectorCreateTest, UnknownDecoderNamesTheManifest) {
  ModelManifest manifest = RepoManifest("objects");
  manifest.decoder = "yolo";
  auto detector = ObjectDetector::Create(manifest, {.engine = "onnxruntime"});
  EXPECT_EQ(detector.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Message(detector.status()).find(manifest.manifest_path), std::string::npos);
  EXPECT_NE(Message(detector.status()).find("yolo"), std::string::npos);
}

TEST(ObjectDetectorCreateTest, WrongTaskMissingRoleAndUnknownEngine) {
  EXPECT_EQ(
      ObjectDetector::Create(RepoManifest("faces"), {.engine = "onnxruntime"}).status().code(),
      StatusCode::kInvalidArgument);
  ModelManifest manifest = RepoManifest("objects-fastestdet");
  EXPECT_EQ(ObjectDetector::Create(manifest, {.engine = "tensorrt"}).status().code(),
            StatusCode::kInvalidArgument);
  manifest.outputs.erase("predictions");
  auto missing = ObjectDetector::Create(manifest, {.engine = "onnxruntime"});
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Message(missing.status()).find("outputs.predictions"), std::string::npos);
}

TEST(ObjectDetectorCreateTest, MissingFilesAreNotFound) {
  testing_vision::TempDir dir;
  ModelManifest manifest = RepoManifest("objects");
  manifest.dir = dir.path().string();
  auto no_labels = ObjectDetector::Create(manifest, {.engine = "onnxruntime"});
  EXPECT_EQ(no_labels.status().code(), StatusCode::kNotFound) << no_labels.status();
  testing_vision::WriteFileOrDie(
      dir.path() / manifest.labels_file,
      testing_vision::ReadFileOrDie(RepoManifest("objects").LabelsPath()));
  auto no_model = ObjectDetector::Create(manifest, {.engine = "opencv"});
  EXPECT_EQ(no_model.status().code(), StatusCode::kNotFound) << no_model.status();
  EXPECT_NE(Message(no_model.status()).find(manifest.file), std::string::npos);
}

TEST(ObjectDetectorCreateTest, LabelCountMustMatchTheModel) {
  testing_vision::TempDir dir;
  ModelManifest manifest = RepoManifest("objects");
  const std::string model = manifest.ModelPath();
  manifest.dir = dir.path().string();
  testing_vision::WriteFileOrDie(dir.path() / manifest.file, testing_vision::ReadFileOrDie(model));
  testing_vision::WriteFileOrDie(dir.path() / manifest.labels_file, "cat\ndog\n");
  auto detector = ObjectDetector::Create(manifest, {.engine = "onnxruntime"});
  ASSERT_TRUE(detector.ok()) << detector.status();
  Photo photo = LoadPhoto("detect/dog.jpg", 64);
  EXPECT_EQ((*detector)->Detect(photo.rgb, photo.width, photo.height, 0).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ocula
