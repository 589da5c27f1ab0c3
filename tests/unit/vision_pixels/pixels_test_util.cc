#include "pixels_test_util.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>

#include "vision/models/model_manifest.h"
#include "vision_test_util.h"

namespace ocula::testing_pixels {
namespace {

cv::Mat View(RgbImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC3, image.pixels.data());
}

}  // namespace

RgbImage LoadPhoto(const std::string& relative, int short_side) {
  std::string bytes = testing_vision::ReadFileOrDie(testing_vision::TestDataPath(relative));
  auto decoded = DecodeImage(bytes, short_side, ImageLimits{});
  if (!decoded.ok()) {
    ADD_FAILURE() << relative << ": " << decoded.status();
    return {};
  }
  return std::move(decoded->rgb);
}

std::vector<std::string> ColorPhotos() {
  return {"photos/astronaut.png",       "photos/butterfly.jpg", "photos/chelsea.png",
          "photos/coffee.png",          "photos/fruits.jpg",    "photos/messi5.jpg",
          "photos/motorcycle_left.png", "photos/orange.jpg",    "photos/rocket.jpg",
          "photos/squirrel_cls.jpg",    "detect/dog.jpg",       "detect/horses.jpg",
          "detect/giraffe.jpg",         "detect/person.jpg",    "detect/eagle.jpg"};
}

std::vector<std::string> AllPhotos() {
  std::vector<std::string> out = ColorPhotos();
  out.push_back(kGreyPhoto);
  for (std::string& path : ImagenetDev()) out.push_back(std::move(path));
  return out;
}

std::vector<std::string> ImagenetDev() {
  std::vector<std::string> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing_vision::TestDataPath("imagenet-dev"))) {
    out.push_back("imagenet-dev/" + entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<AdultClassifier> LoadAdult(const std::string& engine) {
  auto manifest = LoadModelManifest(testing_vision::RepoModelDir() + "/adult/model.toml");
  if (!manifest.ok()) {
    ADD_FAILURE() << manifest.status();
    return nullptr;
  }
  auto adult = AdultClassifier::Create(*manifest, {.engine = engine});
  if (!adult.ok()) {
    ADD_FAILURE() << adult.status();
    return nullptr;
  }
  return std::move(adult).value();
}

RgbImage Solid(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage image{width, height, {}};
  image.pixels.reserve(static_cast<size_t>(width) * height * 3);
  for (int i = 0; i < width * height; ++i) image.pixels.insert(image.pixels.end(), {r, g, b});
  return image;
}

RgbImage ToGrey(const RgbImage& image) {
  RgbImage grey = image;
  for (size_t i = 0; i + 2 < grey.pixels.size(); i += 3) {
    const uint8_t* p = &image.pixels[i];
    const auto l = static_cast<uint8_t>((299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000);
    grey.pixels[i] = grey.pixels[i + 1] = grey.pixels[i + 2] = l;
  }
  return grey;
}

RgbImage SyntheticLineDrawing(int width, int height) {
  RgbImage image = Solid(width, height, 255, 255, 255);
  cv::Mat m = View(image);
  const cv::Scalar black(0, 0, 0);
  cv::rectangle(m, cv::Rect(width / 10, height / 10, width / 3, height / 3), black, 2);
  cv::circle(m, cv::Point(width * 2 / 3, height / 2), std::min(width, height) / 4, black, 2,
             cv::LINE_AA);
  cv::line(m, cv::Point(width / 10, height * 9 / 10), cv::Point(width * 9 / 10, height * 6 / 10),
           black, 2, cv::LINE_AA);
  cv::line(m, cv::Point(width / 5, height * 3 / 5), cv::Point(width / 2, height * 9 / 10), black, 2,
           cv::LINE_AA);
  return image;
}

RgbImage SyntheticClipArt(int width, int height) {
  RgbImage image = Solid(width, height, 250, 250, 240);
  cv::Mat m = View(image);
  cv::rectangle(m, cv::Rect(width / 10, height / 8, width / 3, height / 2), cv::Scalar(30, 90, 220),
                cv::FILLED);
  cv::circle(m, cv::Point(width * 2 / 3, height / 2), std::min(width, height) / 4,
             cv::Scalar(230, 40, 40), cv::FILLED, cv::LINE_AA);
  std::vector<cv::Point> triangle = {
      {width / 5, height * 9 / 10}, {width / 2, height * 6 / 10}, {width * 4 / 5, height * 9 / 10}};
  cv::fillConvexPoly(m, triangle, cv::Scalar(250, 210, 30), cv::LINE_AA);
  cv::circle(m, cv::Point(width * 2 / 3, height / 2), std::min(width, height) / 4,
             cv::Scalar(20, 20, 20), 3, cv::LINE_AA);
  return image;
}

}  // namespace ocula::testing_pixels
