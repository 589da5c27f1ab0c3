#include "vision_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <vips/vips.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace ocula::testing_vision {
namespace {

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
using VipsImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

void InitVips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("vision_test") != 0) std::abort();
  });
}

std::string VipsErrorText() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  return text;
}

void AppendBe32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void AppendLe32(std::string& out, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(v >> shift));
}
void AppendLe16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v));
  out.push_back(static_cast<char>(v >> 8));
}

uint32_t Crc32(std::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = table[(c ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void AppendPngChunk(std::string& out, std::string_view type, std::string_view data) {
  AppendBe32(out, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type) + std::string(data);
  out += body;
  AppendBe32(out, Crc32(body));
}

}  // namespace

std::string TestDataPath(const std::string& relative) {
  return std::string(OCULA_SHARED_DIR) + "/testdata/" + relative;
}

std::string RepoModelDir() { return std::string(OCULA_SOURCE_DIR) + "/models"; }

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

std::unique_ptr<RegionFeatures> MakeRegionFeatures(const std::string& engine) {
  auto manifest = LoadModelManifest(RepoModelDir() + "/classify/model.toml");
  if (!manifest.ok()) {
    ADD_FAILURE() << manifest.status();
    return nullptr;
  }
  auto options = RegionFeatureRunnerOptions(*manifest, {.engine = engine});
  if (!options.ok()) {
    ADD_FAILURE() << options.status();
    return nullptr;
  }
  auto runner = CreateModelRunner(*options);
  if (!runner.ok()) {
    ADD_FAILURE() << runner.status();
    return nullptr;
  }
  auto regions = RegionFeatures::Create(*manifest, std::move(*runner));
  if (!regions.ok()) {
    ADD_FAILURE() << regions.status();
    return nullptr;
  }
  return std::move(*regions);
}

void WriteFileOrDie(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("ocula-vision-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string Reencode(const std::string& bytes, const char* suffix, int orientation,
                     const std::string& make) {
  InitVips();
  VipsImagePtr in(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  if (!in) {
    ADD_FAILURE() << "libvips cannot read the source: " << VipsErrorText();
    return {};
  }
  VipsImage* copy = nullptr;
  if (vips_copy(in.get(), &copy, nullptr) != 0) {
    ADD_FAILURE() << VipsErrorText();
    return {};
  }
  VipsImagePtr image(copy);
  if (orientation != 0) vips_image_set_int(image.get(), VIPS_META_ORIENTATION, orientation);
  if (!make.empty()) vips_image_set_string(image.get(), "exif-ifd0-Make", make.c_str());
  void* buffer = nullptr;
  size_t size = 0;
  if (vips_image_write_to_buffer(image.get(), suffix, &buffer, &size, nullptr) != 0) {
    ADD_FAILURE() << "libvips cannot write " << suffix << ": " << VipsErrorText();
    return {};
  }
  std::string out(static_cast<const char*>(buffer), size);
  g_free(buffer);
  return out;
}

Pixels DecodeFull(const std::string& bytes) {
  InitVips();
  Pixels pixels;
  VipsImagePtr in(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
  VipsImage* rgb = nullptr;
  if (!in || vips_extract_band(in.get(), &rgb, 0, "n", 3, nullptr) != 0) {
    ADD_FAILURE() << VipsErrorText();
    return pixels;
  }
  VipsImagePtr owned(rgb);
  size_t size = 0;
  void* data = vips_image_write_to_memory(owned.get(), &size);
  pixels.width = vips_image_get_width(owned.get());
  pixels.height = vips_image_get_height(owned.get());
  const auto* p = static_cast<const uint8_t*>(data);
  pixels.rgb.assign(p, p + size);
  g_free(data);
  return pixels;
}

std::string EncodeBmp24(const Pixels& pixels) {
  const uint32_t stride = (static_cast<uint32_t>(pixels.width) * 3 + 3) & ~3u;
  const uint32_t image_size = stride * static_cast<uint32_t>(pixels.height);
  std::string out = "BM";
  AppendLe32(out, 14 + 40 + image_size);
  AppendLe32(out, 0);
  AppendLe32(out, 14 + 40);
  AppendLe32(out, 40);  // BITMAPINFOHEADER
  AppendLe32(out, static_cast<uint32_t>(pixels.width));
  AppendLe32(out, static_cast<uint32_t>(pixels.height));  // positive: bottom-up
  AppendLe16(out, 1);
  AppendLe16(out, 24);
  AppendLe32(out, 0);  // BI_RGB
  AppendLe32(out, image_size);
  AppendLe32(out, 2835);
  AppendLe32(out, 2835);
  AppendLe32(out, 0);
  AppendLe32(out, 0);
  for (int y = pixels.height - 1; y >= 0; --y) {
    std::string row(stride, '\0');
    for (int x = 0; x < pixels.width; ++x) {
      const uint8_t* p = &pixels.rgb[(static_cast<size_t>(y) * pixels.width + x) * 3];
      row[x * 3] = static_cast<char>(p[2]);
      row[x * 3 + 1] = static_cast<char>(p[1]);
      row[x * 3 + 2] = static_cast<char>(p[0]);
    }
    out += row;
  }
  return out;
}

std::string SolidPng(int width, int height, int bands, uint8_t value, uint8_t alpha) {
  InitVips();
  const bool has_alpha = bands == 2 || bands == 4;
  std::vector<uint8_t> data(static_cast<size_t>(width) * height * bands, value);
  if (has_alpha) {
    for (size_t i = bands - 1; i < data.size(); i += bands) data[i] = alpha;
  }
  VipsImagePtr image(vips_image_new_from_memory_copy(data.data(), data.size(), width, height, bands,
                                                     VIPS_FORMAT_UCHAR));
  void* buffer = nullptr;
  size_t size = 0;
  if (!image || vips_pngsave_buffer(image.get(), &buffer, &size, nullptr) != 0) {
    ADD_FAILURE() << VipsErrorText();
    return {};
  }
  std::string out(static_cast<const char*>(buffer), size);
  g_free(buffer);
  return out;
}

std::string PngBombHeader(uint32_t width, uint32_t height) {
  std::string out = "\x89PNG\r\n\x1A\n";
  std::string ihdr;
  AppendBe32(ihdr, width);
  AppendBe32(ihdr, height);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit grey, no interlace
  AppendPngChunk(out, "IHDR", ihdr);
  // zlib stream of a few zero bytes: what a real bomb's first rows look like.
  AppendPngChunk(out, "IDAT", std::string("\x78\x9C\x63\x60\x00\x00\x00\x02\x00\x01", 10));
  AppendPngChunk(out, "IEND", "");
  return out;
}

}  // namespace ocula::testing_vision
