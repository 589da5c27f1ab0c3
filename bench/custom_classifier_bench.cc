// Custom classifiers (issue 24): how well a head trained on image features
// names the user's own classes, method by method, on the labelled
// collections of ../shared/testdata/custom. For each collection, each way
// of making the features and each weight decay:
//   - cv: the accuracy of stratified k-fold cross-validation (every photo
//     predicted by a head trained on the other folds): what Ocula reports;
//   - held-out: a head trained on the first 30 photos of each class (sorted
//     by name) predicts the other 20: the protocol of the testdata README's
//     baseline (its N = 30 figures: clothing 78.2 %, car parts 61.5 %, on
//     photos that are not in this folder), so a method's gain over the
//     "centre" row here estimates its gain on those photos;
//   - the time to train one head on all photos.
//
// Methods:
//   centre           the pipeline's embedding (MobileNetV2's pooled 1280
//                    values of its centre crop): what every image stores;
//   whole            the same embedding of the whole photo squeezed square;
//   regions          RegionFeatures: the whole photo's last feature map
//                    averaged over 2 x 2 regions (5120 values): what custom
//                    classifiers use;
//   regions+flip     that, averaged with its mirror image's (two passes).
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
#include "vision/image/image.h"
#include "vision/models/models.h"

namespace ocula {
namespace {

namespace fs = std::filesystem;

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

struct Embedders {
  std::unique_ptr<Classifier> classifier;
  std::unique_ptr<RegionFeatures> regions;
};

StatusOr<Embedders> LoadEmbedders(const std::string& models) {
  OCULA_ASSIGN_OR_RETURN(ModelManifest manifest,
                         LoadModelManifest(models + "/classify/model.toml"));
  const InferenceOptions inference{.engine = "onnxruntime"};
  Embedders out;
  OCULA_ASSIGN_OR_RETURN(auto runner,
                         CreateModelRunner(ClassifierRunnerOptions(manifest, inference)));
  OCULA_ASSIGN_OR_RETURN(out.classifier, Classifier::Create(manifest, std::move(runner)));
  OCULA_ASSIGN_OR_RETURN(RunnerOptions region_options,
                         RegionFeatureRunnerOptions(manifest, inference));
  OCULA_ASSIGN_OR_RETURN(auto region_runner, CreateModelRunner(region_options));
  OCULA_ASSIGN_OR_RETURN(out.regions, RegionFeatures::Create(manifest, std::move(region_runner)));
  return out;
}

struct Method {
  const char* name;
  StatusOr<std::vector<float>> (*features)(Embedders&, const RgbImage&);
};

StatusOr<std::vector<float>> Values(StatusOr<Embedding> e) {
  if (!e.ok()) return e.status();
  return std::move(e->values);
}

const Method kMethods[] = {
    {"centre", [](Embedders& e, const RgbImage& i) { return Values(e.classifier->Embed(i)); }},
    {"whole",
     [](Embedders& e, const RgbImage& i) { return Values(e.classifier->Embed(Square(i))); }},
    {"regions", [](Embedders& e, const RgbImage& i) { return Values(e.regions->Embed(i)); }},
    {"regions+flip",
     [](Embedders& e, const RgbImage& i) -> StatusOr<std::vector<float>> {
       OCULA_ASSIGN_OR_RETURN(std::vector<float> a, Values(e.regions->Embed(i)));
       OCULA_ASSIGN_OR_RETURN(std::vector<float> b, Values(e.regions->Embed(Mirror(i))));
       for (size_t j = 0; j < a.size(); ++j) a[j] = (a[j] + b[j]) / 2;
       return a;
     }},
};

// One collection: features per method, and each photo's rank in its class.
struct Collection {
  std::vector<std::string> classes;
  std::vector<int> labels;
  std::vector<int> rank;                              // position in its class, by name
  std::vector<std::vector<std::vector<float>>> rows;  // [method][photo]
};

StatusOr<Collection> LoadCollection(Embedders& embedders, const fs::path& root) {
  Collection out;
  std::vector<fs::path> class_dirs;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) class_dirs.push_back(entry.path());
  }
  std::sort(class_dirs.begin(), class_dirs.end());
  out.rows.resize(std::size(kMethods));
  for (size_t label = 0; label < class_dirs.size(); ++label) {
    out.classes.push_back(class_dirs[label].filename().string());
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(class_dirs[label])) {
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (size_t i = 0; i < files.size(); ++i) {
      OCULA_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(files[i]));
      OCULA_ASSIGN_OR_RETURN(DecodedImage decoded, DecodeImage(bytes, 352, ImageLimits{}));
      for (size_t m = 0; m < std::size(kMethods); ++m) {
        OCULA_ASSIGN_OR_RETURN(std::vector<float> features,
                               kMethods[m].features(embedders, decoded.rgb));
        out.rows[m].push_back(std::move(features));
      }
      out.labels.push_back(static_cast<int>(label));
      out.rank.push_back(static_cast<int>(i));
    }
  }
  return out;
}

StatusOr<EmbeddingSet> SetOf(const Collection& c, size_t method, bool (*keep)(int rank)) {
  EmbeddingSet set{static_cast<int>(c.rows[method].front().size()), c.classes, {}, {}, {}};
  for (size_t i = 0; i < c.labels.size(); ++i) {
    if (keep(c.rank[i])) OCULA_RETURN_IF_ERROR(set.Add(c.rows[method][i], c.labels[i]));
  }
  return set;
}

constexpr int kHeldOutTrain = 30;

StatusOr<double> HeldOutAccuracy(const Collection& c, size_t method,
                                 const HeadTrainingOptions& training) {
  OCULA_ASSIGN_OR_RETURN(EmbeddingSet train,
                         SetOf(c, method, [](int rank) { return rank < kHeldOutTrain; }));
  OCULA_ASSIGN_OR_RETURN(auto head, TrainHead(train, training));
  int right = 0, total = 0;
  for (size_t i = 0; i < c.labels.size(); ++i) {
    if (c.rank[i] < kHeldOutTrain) continue;
    OCULA_ASSIGN_OR_RETURN(std::vector<float> p, head->Scores(c.rows[method][i]));
    right += std::max_element(p.begin(), p.end()) - p.begin() == c.labels[i];
    ++total;
  }
  return static_cast<double>(right) / total;
}

Status Report(const char* name, const Collection& c, size_t method, int folds,
              const HeadTrainingOptions& training) {
  OCULA_ASSIGN_OR_RETURN(EmbeddingSet all, SetOf(c, method, [](int) { return true; }));
  OCULA_ASSIGN_OR_RETURN(Evaluation eval, CrossValidate(all, folds, 1, training));
  OCULA_ASSIGN_OR_RETURN(double held_out, HeldOutAccuracy(c, method, training));
  const auto start = std::chrono::steady_clock::now();
  OCULA_ASSIGN_OR_RETURN(auto head, TrainHead(all, training));
  const double train_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  // A prediction over the features: what a published iteration adds per image.
  const auto predict_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < all.size(); ++i) {
    OCULA_ASSIGN_OR_RETURN(std::vector<float> p, head->Scores(all.row(i)));
    if (p.empty()) return absl::InternalError("no scores");
  }
  const double predict_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - predict_start)
          .count() /
      static_cast<double>(all.size());
  std::printf("| %s | %s | %d | %g | %.1f %% | %.1f %% | %.0f | %.0f |\n", name,
              kMethods[method].name, all.dim, training.l2, 100 * eval.Accuracy(), 100 * held_out,
              train_ms, predict_us);
  std::fflush(stdout);
  return absl::OkStatus();
}

Status Run(const std::string& models, const std::string& testdata, int folds,
           const std::vector<float>& l2s, int iterations, const std::vector<std::string>& only) {
  OCULA_ASSIGN_OR_RETURN(Embedders embedders, LoadEmbedders(models));
  std::printf("%d iterations; held-out: trained on the first %d of each class\n", iterations,
              kHeldOutTrain);
  std::printf(
      "| collection | method | values | l2 | %d-fold cv | held-out | train all (ms) | predict "
      "(us) |\n",
      folds);
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const char* name : {"clothing-types", "car-damage-part"}) {
    OCULA_ASSIGN_OR_RETURN(Collection c,
                           LoadCollection(embedders, fs::path(testdata) / "custom" / name));
    for (size_t m = 0; m < std::size(kMethods); ++m) {
      if (!only.empty() && std::find(only.begin(), only.end(), kMethods[m].name) == only.end()) {
        continue;
      }
      for (float l2 : l2s) {
        OCULA_RETURN_IF_ERROR(Report(name, c, m, folds, {.l2 = l2, .iterations = iterations}));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  CLI::App app{"Ocula custom classifier benchmark"};
  std::string models = std::string(OCULA_SOURCE_DIR) + "/models";
  std::string testdata = std::string(OCULA_SOURCE_DIR) + "/../shared/testdata";
  int folds = 5;
  std::vector<float> l2s = {ocula::HeadTrainingOptions{}.l2};
  int iterations = ocula::HeadTrainingOptions{}.iterations;
  app.add_option("--models", models, "Model directory");
  app.add_option("--testdata", testdata, "Test data directory (holds custom/)");
  app.add_option("--folds", folds, "Cross-validation folds");
  app.add_option("--l2", l2s, "Weight decays of the head to compare");
  app.add_option("--iterations", iterations, "Gradient steps");
  std::vector<std::string> only;
  app.add_option("--methods", only, "Methods to report (default: all)");
  CLI11_PARSE(app, argc, argv);
  const ocula::Status status = ocula::Run(models, testdata, folds, l2s, iterations, only);
  if (!status.ok()) {
    std::fprintf(stderr, "%s (run scripts/prepare-models.sh?)\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
