// JPEG decode cost, in ms per image on one thread, over the ImageNet dev
// photos: (a) the libvips pipeline (DecodeImageWithVips, what DecodeImage did
// before the fast path), (b) DecodeImage with the TurboJPEG fast path, and
// the libvips header read alone (part of (b): limits and EXIF come from it),
// (b) again at full resolution (no DCT shrink-on-load), and the classifier's
// preprocessing of the decoded pixels into its input tensor (models/classify).
// Wall time and process CPU time (all threads) are both reported: libvips'
// wall time is mostly idle hand-offs between its worker threads.
// (c) OpenCV cv::imdecode is not measured: Ocula links only OpenCV's
// core/imgproc/dnn modules, and imgcodecs is not installed.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "http_client.h"
#include "proc_stats.h"
#include "vision/classify/classifier.h"
#include "vision/image/image.h"
#include "vision/image/jpeg_turbo.h"
#include "vision/models/model_manifest.h"

namespace ocula {
namespace {

std::vector<std::string> LoadJpegs(const std::string& dir, size_t n) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::string bytes = testing::ReadFile(f);
    if (SniffMimeType(bytes) == "image/jpeg" && out.size() < n) out.push_back(std::move(bytes));
  }
  return out;
}

struct Cost {
  double wall_ms = 0;  // per image
  double cpu_ms = 0;   // per image, process CPU time (all threads)
};

// Median (by wall time) over `passes` passes of the mean cost per image of
// `fn` over `images`, after one warm-up pass. Aborts if `fn` fails.
Cost Measure(const std::vector<std::string>& images, int passes,
             const std::function<bool(const std::string&)>& fn) {
  for (const auto& img : images) {
    if (!fn(img)) {
      std::fprintf(stderr, "decode failed\n");
      std::exit(1);
    }
  }
  std::vector<Cost> costs;
  for (int pass = 0; pass < passes; ++pass) {
    double wall0 = bench::ClockMs(CLOCK_MONOTONIC), cpu0 = bench::ClockMs(CLOCK_PROCESS_CPUTIME_ID);
    for (const auto& img : images) fn(img);
    costs.push_back({(bench::ClockMs(CLOCK_MONOTONIC) - wall0) / images.size(),
                     (bench::ClockMs(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / images.size()});
  }
  std::sort(costs.begin(), costs.end(),
            [](const Cost& a, const Cost& b) { return a.wall_ms < b.wall_ms; });
  return costs[costs.size() / 2];
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  using namespace ocula;
  CLI::App app{"Ocula JPEG decode benchmark"};
  size_t n = 100;
  int short_side = 352;  // the Analyzer's decode size
  int passes = 3;
  std::string dir = std::string(OCULA_SOURCE_DIR) + "/../shared/testdata/imagenet-dev";
  app.add_option("--images", n, "ImageNet dev photos to use");
  app.add_option("--short-side", short_side, "DecodeImage short_side");
  app.add_option("--passes", passes, "timed passes (the median is reported)");
  app.add_option("--dir", dir, "directory of JPEG photos");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> images = LoadJpegs(dir, n);
  if (images.empty()) {
    std::fprintf(stderr, "no JPEGs in %s\n", dir.c_str());
    return 1;
  }
  ImageLimits limits;
  Cost vips = Measure(images, passes, [&](const std::string& b) {
    return vision_internal::DecodeImageWithVips(b, short_side, limits).ok();
  });
  Cost fast = Measure(images, passes, [&](const std::string& b) {
    return DecodeImage(b, short_side, limits).ok();
  });
  Cost probe =
      Measure(images, passes, [&](const std::string& b) { return ProbeImage(b, limits).ok(); });
  Cost probe_vips = Measure(images, passes, [&](const std::string& b) {
    return vision_internal::ProbeImageWithVips(b, limits).ok();
  });
  Cost full = Measure(images, passes, [&](const std::string& b) {
    return DecodeImage(b, 1 << 20, limits).ok();  // never upscaled: full resolution
  });
  auto manifest = LoadModelManifest(std::string(OCULA_SOURCE_DIR) + "/models/classify/model.toml");
  if (!manifest.ok()) {
    std::fprintf(stderr, "%s (run scripts/prepare-models.sh)\n",
                 std::string(manifest.status().message()).c_str());
    return 1;
  }
  std::vector<RgbImage> pixels;
  for (const auto& b : images) pixels.push_back(DecodeImage(b, short_side, limits)->rgb);
  size_t next = 0;
  Cost preprocess = Measure(images, passes, [&](const std::string&) {
    return PreprocessImage(pixels[next++ % pixels.size()], manifest->input).ok();
  });

  std::printf("%zu JPEGs, short_side %d, one thread, median of %d passes\n\n", images.size(),
              short_side, passes);
  std::printf("| path | wall ms/image | CPU ms/image | wall vs vips | CPU vs vips |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  auto row = [&](const char* name, const Cost& c) {
    std::printf("| %s | %.2f | %.2f | %.3f | %.3f |\n", name, c.wall_ms, c.cpu_ms,
                c.wall_ms / vips.wall_ms, c.cpu_ms / vips.cpu_ms);
  };
  row("(a) libvips (DecodeImageWithVips)", vips);
  row("(b) TurboJPEG fast path (DecodeImage)", fast);
  row("    of which header read (ProbeImage: libjpeg + EXIF reader)", probe);
  row("    the libvips header read it replaced", probe_vips);
  row("(b) at full resolution (no shrink-on-load)", full);
  std::printf(
      "| classifier preprocessing (%dx%d tensor from the decoded pixels) | %.2f | %.2f | - | - |\n",
      manifest->input.width, manifest->input.height, preprocess.wall_ms, preprocess.cpu_ms);
  std::printf("| (c) OpenCV cv::imdecode | n/a | n/a | - | - |\n\n");
  std::printf("(c) skipped: OpenCV imgcodecs is not installed (Ocula links core/imgproc/dnn).\n");
  return 0;
}
