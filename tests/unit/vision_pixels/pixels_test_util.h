// Helpers for the pixel-feature tests: decoded test photos, synthetic images
// and a stopwatch for the per-image timings the tests print.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vision/classify/adult.h"
#include "vision/image/image.h"

namespace ocula::testing_pixels {

// A test image (path relative to ../shared/testdata) decoded with
// DecodeImage at `short_side`. Aborts the test on failure.
RgbImage LoadPhoto(const std::string& relative, int short_side = 256);

// A photo stored as greyscale (one band).
inline constexpr char kGreyPhoto[] = "photos/basketball1.png";
// The everyday colour photos in photos/ and detect/ (no text pictures, no
// painting), as relative paths.
std::vector<std::string> ColorPhotos();
// Every image in imagenet-dev/, as relative paths.
std::vector<std::string> ImagenetDev();
// ColorPhotos, kGreyPhoto and ImagenetDev.
std::vector<std::string> AllPhotos();

// The adult model from <repo>/models/adult on `engine`; null (with a test
// failure naming the cause) when it cannot be loaded.
std::unique_ptr<AdultClassifier> LoadAdult(const std::string& engine = "onnxruntime");

RgbImage Solid(int width, int height, uint8_t r, uint8_t g, uint8_t b);
// The same image with every pixel replaced by its luma (a greyscale photo).
RgbImage ToGrey(const RgbImage& image);
// Black strokes (2 px) on white: rectangle, circle, diagonal lines.
RgbImage SyntheticLineDrawing(int width, int height);
// Flat-colour filled shapes on a flat background, like clip art.
RgbImage SyntheticClipArt(int width, int height);

// Milliseconds since construction.
class Stopwatch {
 public:
  double ElapsedMs() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace ocula::testing_pixels
