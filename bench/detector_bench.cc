// Per-image detector cost (preprocessing + inference + decoding) of every
// shipped object and face model on both engines, in ms (median of 3 runs
// after a warm-up), on the detection photos of ../shared/testdata. Printed
// for the record (bench/README.md); machines differ, so nothing is asserted
// but that every run succeeds (exit 1 otherwise).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vision/detect/detect.h"
#include "vision/image/image.h"
#include "vision/models/models.h"

namespace ocula {
namespace {

struct Photo {
  std::string name;
  RgbImage rgb;
  int width = 0, height = 0;
};

StatusOr<Photo> LoadPhoto(const std::string& testdata, const std::string& relative) {
  std::ifstream in(testdata + "/" + relative, std::ios::binary);
  if (!in) return absl::NotFoundError(testdata + "/" + relative + " is missing");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  OCULA_ASSIGN_OR_RETURN(DecodedImage decoded, DecodeImage(bytes.str(), 416, ImageLimits{}));
  return Photo{relative.substr(relative.find('/') + 1), std::move(decoded.rgb),
               decoded.header.width, decoded.header.height};
}

// Median ms of 3 calls of `detect` after one warm-up; -1 when a call fails.
template <typename Fn>
double MedianMs(Fn&& detect) {
  if (!detect()) return -1;
  std::vector<double> ms;
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!detect()) return -1;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[1];
}

int Run(const std::string& models, const std::string& testdata) {
  const char* kPhotos[] = {"detect/dog.jpg",       "detect/giraffe.jpg", "detect/person.jpg",
                           "detect/horses.jpg",    "detect/eagle.jpg",   "detect/scream.jpg",
                           "photos/astronaut.png", "photos/chelsea.png"};
  std::vector<Photo> photos;
  for (const char* name : kPhotos) {
    auto photo = LoadPhoto(testdata, name);
    if (!photo.ok()) return std::fprintf(stderr, "%s\n", photo.status().ToString().c_str()), 1;
    photos.push_back(*std::move(photo));
  }
  std::printf("%-32s", "ms (median of 3)");
  for (const Photo& p : photos) std::printf(" %9.9s", p.name.c_str());
  std::printf("\n");
  int failures = 0;
  for (const char* folder : {"objects", "objects-picodet-416", "objects-nanodet",
                             "objects-fastestdet", "faces", "faces-ultraface"}) {
    auto manifest = LoadModelManifest(models + "/" + folder + "/model.toml");
    if (!manifest.ok()) {
      std::fprintf(stderr, "%s (run scripts/prepare-models.sh)\n",
                   manifest.status().ToString().c_str());
      return 1;
    }
    for (const char* engine : {"onnxruntime", "opencv"}) {
      const InferenceOptions inference{.engine = engine};
      StatusOr<std::unique_ptr<ObjectDetector>> objects = absl::UnknownError("unused");
      StatusOr<std::unique_ptr<FaceDetector>> faces = absl::UnknownError("unused");
      const bool is_objects = std::string(folder).starts_with("objects");
      Status created = is_objects
                           ? (objects = ObjectDetector::Create(*manifest, inference)).status()
                           : (faces = FaceDetector::Create(*manifest, inference)).status();
      if (!created.ok()) {
        std::fprintf(stderr, "%s on %s: %s\n", folder, engine, created.ToString().c_str());
        return 1;
      }
      std::printf("%-20s %-11.11s", folder, engine);
      for (const Photo& p : photos) {
        double ms = MedianMs([&] {
          return is_objects ? (*objects)->Detect(p.rgb, p.width, p.height, 0).ok()
                            : (*faces)->Detect(p.rgb, p.width, p.height, 0).ok();
        });
        failures += ms < 0;
        std::printf(" %9.1f", ms);
      }
      std::printf("\n");
    }
  }
  if (failures > 0) std::fprintf(stderr, "%d detector runs failed (-1.0 above)\n", failures);
  return failures > 0 ? 1 : 0;
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  CLI::App app{"Ocula detector benchmark"};
  std::string models = OCULA_SOURCE_DIR "/models";
  std::string testdata = OCULA_SOURCE_DIR "/../shared/testdata";
  app.add_option("--models", models, "model directory (scripts/prepare-models.sh fills it)");
  app.add_option("--testdata", testdata, "the shared test photos");
  CLI11_PARSE(app, argc, argv);
  return ocula::Run(models, testdata);
}
