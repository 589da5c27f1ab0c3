// Custom classifiers (issue 24): how well a head trained on the pipeline's
// embedding names the user's own classes, method by method, on the labelled
// collections of ../shared/testdata/custom. For each collection and each way
// of making the embedding, the accuracy of stratified 5-fold cross-validation
// (every photo predicted by a head that did not see it), and the time to
// train one head on all photos. Printed for the record (bench/README.md).
//
// Methods (all mean-pool MobileNetV2's 1280-d embedding over views of the
// photo, so that stored embeddings keep one size):
//   centre       the classifier's own view (short side 256, centre 224): what
//                every analysed image stores today;
//   centre+flip  that view and its mirror image;
//   5 crops      the whole photo squeezed to a square, and its four corner
//                crops of 70 % of each side (damage is local);
//   5 crops+flip those five and their mirror images.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vision/classify/classify.h"
#include "vision/classify/head_training.h"
#include "vision/image/image.h"
#include "vision/models/models.h"

namespace ocula {
namespace {

namespace fs = std::filesystem;

RgbImage Crop(const RgbImage& image, int x, int y, int w, int h) {
  RgbImage out{w, h, {}};
  out.pixels.reserve(static_cast<size_t>(w) * h * 3);
  for (int row = y; row < y + h; ++row) {
    const auto* start = &image.pixels[(static_cast<size_t>(row) * image.width + x) * 3];
    out.pixels.insert(out.pixels.end(), start, start + static_cast<size_t>(w) * 3);
  }
  return out;
}

RgbImage Mirror(const RgbImage& image) {
  RgbImage out = image;
  for (int row = 0; row < image.height; ++row) {
    for (int col = 0; col < image.width; ++col) {
      const size_t from = (static_cast<size_t>(row) * image.width + col) * 3;
      const size_t to = (static_cast<size_t>(row) * image.width + (image.width - 1 - col)) * 3;
      std::copy_n(&image.pixels[from], 3, &out.pixels[to]);
    }
  }
  return out;
}

// The whole image squeezed to a square (nearest neighbour), so that the
// classifier's centre crop keeps all of it.
RgbImage Square(const RgbImage& image) {
  const int side = std::min(image.width, image.height);
  RgbImage out{side, side, std::vector<uint8_t>(static_cast<size_t>(side) * side * 3)};
  for (int row = 0; row < side; ++row) {
    const int from_row = row * image.height / side;
    for (int col = 0; col < side; ++col) {
      const int from_col = col * image.width / side;
      std::copy_n(&image.pixels[(static_cast<size_t>(from_row) * image.width + from_col) * 3], 3,
                  &out.pixels[(static_cast<size_t>(row) * side + col) * 3]);
    }
  }
  return out;
}

struct Method {
  const char* name;
  int count;  // views per photo
  std::vector<RgbImage> (*views)(const RgbImage&);
};

std::vector<RgbImage> FiveCrops(const RgbImage& image) {
  const int w = image.width * 7 / 10, h = image.height * 7 / 10;
  return {Square(image), Crop(image, 0, 0, w, h), Crop(image, image.width - w, 0, w, h),
          Crop(image, 0, image.height - h, w, h),
          Crop(image, image.width - w, image.height - h, w, h)};
}

const Method kMethods[] = {
    {"centre", 1, [](const RgbImage& i) { return std::vector<RgbImage>{i}; }},
    {"centre+flip", 2,
     [](const RgbImage& i) {
       return std::vector<RgbImage>{i, Mirror(i)};
     }},
    {"5 crops", 5, FiveCrops},
    {"5 crops+flip", 10,
     [](const RgbImage& i) {
       std::vector<RgbImage> views = FiveCrops(i);
       for (size_t n = views.size(), k = 0; k < n; ++k) views.push_back(Mirror(views[k]));
       return views;
     }},
};

StatusOr<std::vector<float>> PooledEmbedding(Classifier& classifier,
                                             const std::vector<RgbImage>& views) {
  std::vector<float> sum;
  for (const RgbImage& view : views) {
    OCULA_ASSIGN_OR_RETURN(Embedding e, classifier.Embed(view));
    if (sum.empty()) sum.assign(e.values.size(), 0.0f);
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += e.values[i] / views.size();
  }
  return sum;
}

int Run(const std::string& models, const std::string& testdata, int folds,
        const HeadTrainingOptions& training) {
  auto manifest = LoadModelManifest(models + "/classify/model.toml");
  if (!manifest.ok()) {
    std::fprintf(stderr, "%s (run scripts/prepare-models.sh)\n",
                 manifest.status().ToString().c_str());
    return 1;
  }
  InferenceOptions inference{.engine = "onnxruntime"};
  auto runner = CreateModelRunner(ClassifierRunnerOptions(*manifest, inference));
  if (!runner.ok()) return std::fprintf(stderr, "%s\n", runner.status().ToString().c_str()), 1;
  auto classifier = Classifier::Create(*manifest, std::move(*runner));
  if (!classifier.ok()) {
    return std::fprintf(stderr, "%s\n", classifier.status().ToString().c_str()), 1;
  }
  std::printf("l2 %g, %d iterations\n", training.l2, training.iterations);
  std::printf("| collection | method | views | %d-fold accuracy | train all (ms) |\n", folds);
  std::printf("|---|---|---|---|---|\n");
  for (const char* collection : {"clothing-types", "car-damage-part"}) {
    const fs::path root = fs::path(testdata) / "custom" / collection;
    std::vector<fs::path> class_dirs;
    for (const auto& entry : fs::directory_iterator(root)) {
      if (entry.is_directory()) class_dirs.push_back(entry.path());
    }
    std::sort(class_dirs.begin(), class_dirs.end());
    std::vector<EmbeddingSet> sets(std::size(kMethods));
    for (EmbeddingSet& set : sets) {
      set.dim = 1280;
      for (const fs::path& dir : class_dirs) set.classes.push_back(dir.filename().string());
    }
    for (size_t label = 0; label < class_dirs.size(); ++label) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(class_dirs[label])) {
        files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        auto decoded = DecodeImage(bytes.str(), 352, ImageLimits{});
        if (!decoded.ok()) {
          std::fprintf(stderr, "%s: %s\n", file.c_str(), decoded.status().ToString().c_str());
          return 1;
        }
        for (size_t m = 0; m < std::size(kMethods); ++m) {
          auto pooled = PooledEmbedding(**classifier, kMethods[m].views(decoded->rgb));
          if (!pooled.ok() || !sets[m].Add(*pooled, static_cast<int>(label)).ok()) {
            std::fprintf(stderr, "%s: no embedding\n", file.c_str());
            return 1;
          }
        }
      }
    }
    for (size_t m = 0; m < std::size(kMethods); ++m) {
      auto eval = CrossValidate(sets[m], folds, 1, training);
      auto start = std::chrono::steady_clock::now();
      auto head = TrainSoftmaxHead(sets[m], training);
      const double train_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      if (!eval.ok() || !head.ok()) {
        std::fprintf(stderr, "%s: training failed\n", collection);
        return 1;
      }
      std::printf("| %s | %s | %d | %.1f %% | %.0f |\n", collection, kMethods[m].name,
                  kMethods[m].count, 100 * eval->Accuracy(), train_ms);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  CLI::App app{"Ocula custom classifier benchmark"};
  std::string models = std::string(OCULA_SOURCE_DIR) + "/models";
  std::string testdata = std::string(OCULA_SOURCE_DIR) + "/../shared/testdata";
  int folds = 5;
  app.add_option("--models", models, "Model directory");
  app.add_option("--testdata", testdata, "Test data directory (holds custom/)");
  ocula::HeadTrainingOptions training;
  app.add_option("--folds", folds, "Cross-validation folds");
  app.add_option("--l2", training.l2, "Weight decay of the head");
  app.add_option("--iterations", training.iterations, "Gradient steps");
  CLI11_PARSE(app, argc, argv);
  return ocula::Run(models, testdata, folds, training);
}
