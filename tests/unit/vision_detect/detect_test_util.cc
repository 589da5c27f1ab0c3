#include "detect_test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "../vision/vision_test_util.h"

namespace ocula::testing_detect {

Photo LoadPhoto(const std::string& relative, int short_side) {
  std::string bytes = testing_vision::ReadFileOrDie(testing_vision::TestDataPath(relative));
  ImageLimits limits;
  auto decoded = DecodeImage(bytes, short_side, limits);
  EXPECT_TRUE(decoded.ok()) << relative << ": " << decoded.status();
  if (!decoded.ok()) return {relative, {}, 0, 0};
  return {relative, std::move(decoded->rgb), decoded->header.width, decoded->header.height};
}

ModelManifest RepoManifest(const std::string& folder) {
  auto manifest = LoadModelManifest(testing_vision::RepoModelDir() + "/" + folder + "/model.toml");
  if (!manifest.ok()) {
    ADD_FAILURE() << manifest.status() << " (run scripts/prepare-models.sh before the tests)";
    return {};
  }
  return *std::move(manifest);
}

std::unique_ptr<ObjectDetector> MakeObjectDetector(const std::string& folder,
                                                   const std::string& engine) {
  auto detector = ObjectDetector::Create(RepoManifest(folder), {.engine = engine});
  EXPECT_TRUE(detector.ok()) << folder << " on " << engine << ": " << detector.status();
  return detector.ok() ? *std::move(detector) : nullptr;
}

std::unique_ptr<FaceDetector> MakeFaceDetector(const std::string& folder,
                                               const std::string& engine) {
  auto detector = FaceDetector::Create(RepoManifest(folder), {.engine = engine});
  EXPECT_TRUE(detector.ok()) << folder << " on " << engine << ": " << detector.status();
  return detector.ok() ? *std::move(detector) : nullptr;
}

bool HasLabel(const std::vector<Detection>& detections, const std::string& label) {
  return Best(detections, label) != nullptr;
}

const Detection* Best(const std::vector<Detection>& detections, const std::string& label) {
  for (const Detection& d : detections) {
    if (d.label == label) return &d;  // sorted best first
  }
  return nullptr;
}

std::string Describe(const std::vector<Detection>& detections) {
  std::ostringstream out;
  for (const Detection& d : detections) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-14s %.2f  [x=%d y=%d w=%d h=%d]\n", d.label.c_str(),
                  d.confidence, d.box.x, d.box.y, d.box.w, d.box.h);
    out << line;
  }
  return out.str();
}

std::string Describe(const std::vector<Face>& faces) {
  std::ostringstream out;
  for (const Face& f : faces) {
    char line[160];
    std::snprintf(line, sizeof line, "  face %.2f  [x=%d y=%d w=%d h=%d]\n", f.confidence, f.box.x,
                  f.box.y, f.box.w, f.box.h);
    out << line;
  }
  return out.str();
}

bool Inside(const Box& box, int width, int height) {
  return box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0 && box.x + box.w <= width &&
         box.y + box.h <= height;
}

}  // namespace ocula::testing_detect
