// Helpers shared by the detector tests: decoded test photos, detectors for
// the shipped manifests, and small predicates over results.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vision/detect/face_detector.h"
#include "vision/detect/object_detector.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"

namespace ocula::testing_detect {

inline constexpr const char* kEngines[] = {"onnxruntime", "opencv"};

// A test photo (path under ../shared/testdata) decoded with its shorter side
// about `short_side` pixels, with its original size.
struct Photo {
  std::string name;
  RgbImage rgb;
  int width = 0;  // original
  int height = 0;
};
Photo LoadPhoto(const std::string& relative, int short_side = 416);

// The manifest models/<folder>/model.toml, loaded and verified; aborts the
// test (with the fix in the message) when it cannot be.
ModelManifest RepoManifest(const std::string& folder);

std::unique_ptr<ObjectDetector> MakeObjectDetector(const std::string& folder,
                                                   const std::string& engine);
std::unique_ptr<FaceDetector> MakeFaceDetector(const std::string& folder,
                                               const std::string& engine);

bool HasLabel(const std::vector<Detection>& detections, const std::string& label);
const Detection* Best(const std::vector<Detection>& detections, const std::string& label);
std::string Describe(const std::vector<Detection>& detections);
std::string Describe(const std::vector<Face>& faces);
bool Inside(const Box& box, int width, int height);

}  // namespace ocula::testing_detect
