// Per-image detector timings (preprocessing + inference + decoding), both
// engines, for the record: printed, never asserted (machines differ).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "detect_test_util.h"

namespace ocula {
namespace {

using testing_detect::LoadPhoto;
using testing_detect::Photo;

constexpr const char* kPhotos[] = {
    "detect/dog.jpg",   "detect/giraffe.jpg", "detect/person.jpg",    "detect/horses.jpg",
    "detect/eagle.jpg", "detect/scream.jpg",  "photos/astronaut.png", "photos/chelsea.png"};

// Median milliseconds of `runs` calls of `detect` (after one warm-up call).
template <typename Fn>
double MedianMs(Fn&& detect, int runs) {
  detect();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    detect();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::nth_element(ms.begin(), ms.begin() + runs / 2, ms.end());
  return ms[runs / 2];
}

TEST(DetectorTimings, PerImageBothEngines) {
  std::vector<Photo> photos;
  for (const char* name : kPhotos) photos.push_back(LoadPhoto(name));
  std::printf("%-22s", "ms (median of 3)");
  for (const Photo& p : photos) std::printf(" %9.9s", p.name.substr(p.name.find('/') + 1).c_str());
  std::printf("\n");
  for (const char* folder : {"objects", "objects-nanodet", "faces", "faces-ultraface"}) {
    for (const char* engine : testing_detect::kEngines) {
      std::unique_ptr<ObjectDetector> objects;
      std::unique_ptr<FaceDetector> faces;
      if (std::string(folder).starts_with("objects")) {
        objects = testing_detect::MakeObjectDetector(folder, engine);
      } else {
        faces = testing_detect::MakeFaceDetector(folder, engine);
      }
      ASSERT_TRUE(objects || faces);
      std::printf("%-16s %-5.5s", folder, engine);
      for (const Photo& p : photos) {
        double ms = MedianMs(
            [&] {
              bool ok = objects ? objects->Detect(p.rgb, p.width, p.height, 0).ok()
                                : faces->Detect(p.rgb, p.width, p.height, 0).ok();
              EXPECT_TRUE(ok);
            },
            3);
        std::printf(" %9.1f", ms);
      }
      std::printf("\n");
    }
  }
}

}  // namespace
}  // namespace ocula
