// Helpers shared by the vision tests: test data paths, file I/O, and image
// bytes made on the fly (re-encoded photos, hand-built BMPs and PNG headers).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "vision/classify/region_features.h"

namespace ocula::testing_vision {

// The status message as a std::string (Debian's absl::string_view is not
// std::string_view).
inline std::string Message(const Status& status) { return std::string(status.message()); }

std::string TestDataPath(const std::string& relative);  // under ../shared/testdata
std::string RepoModelDir();                             // <repo>/models
std::string ReadFileOrDie(const std::string& path);
// RegionFeatures of the repo's classifier on `engine`; null (with a test
// failure added) when the model cannot be loaded.
std::unique_ptr<RegionFeatures> MakeRegionFeatures(const std::string& engine = "onnxruntime");
void WriteFileOrDie(const std::filesystem::path& path, const std::string& bytes);

// A fresh empty directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Re-encodes `bytes` (any format libvips reads) with libvips' saver for
// `suffix` (".png", ".webp[Q=90]", ".gif", ".tif", ".jpg"). When
// `orientation` is non-zero it is stored as the EXIF orientation; when
// `make` is not empty it is stored as EXIF Make. Aborts the test on failure.
std::string Reencode(const std::string& bytes, const char* suffix, int orientation = 0,
                     const std::string& make = "");

// Interleaved RGB pixels of `bytes`, decoded by libvips at full size.
struct Pixels {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
};
Pixels DecodeFull(const std::string& bytes);

// Encoders the tests use for exact control over the bytes.
std::string EncodeBmp24(const Pixels& pixels);
std::string SolidPng(int width, int height, int bands, uint8_t value, uint8_t alpha = 255);
// A valid PNG header for a grey image of the given size, with a tiny IDAT:
// a decompression bomb as far as the header is concerned.
std::string PngBombHeader(uint32_t width, uint32_t height);

}  // namespace ocula::testing_vision
