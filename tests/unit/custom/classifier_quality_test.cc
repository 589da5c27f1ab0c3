// Custom classifiers' quality floors on the labelled collections of
// ../shared/testdata/custom, through the real path (TrainIteration on a
// SQLite store, RegionFeatures of every photo): the cross-validated accuracy
// Ocula reports, and the accuracy on photos it was not trained on (the
// testdata README's protocol: the first 30 photos of each class, sorted by
// name, train; the last 20 test). Measured figures and their history are in
// bench/RESULTS.md (ocula_bench_custom); the floors sit a few points below
// them, so that a regression fails and the machine's noise does not.
#include <gtest/gtest.h>

#include <filesystem>

#include "custom/head_codec.h"
#include "custom/trainer.h"
#include "nlohmann/json.hpp"
#include "storage/temp_dir.h"
#include "vision/classify/region_features.h"
#include "vision/image/image.h"
#include "vision/models/model_manifest.h"
#include "vision/vision_test_util.h"

namespace ocula {
namespace {

namespace fs = std::filesystem;
using testing_vision::RepoModelDir;
using testing_vision::TestDataPath;

constexpr size_t kTrainPerClass = 30;

struct Quality {
  double cross_validated = 0;  // on the training photos, as Ocula reports it
  double unseen = 0;           // on the others
};

StatusOr<std::vector<float>> FeaturesOf(RegionFeatures& regions, const std::string& file) {
  OCULA_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(file));
  OCULA_ASSIGN_OR_RETURN(DecodedImage decoded, DecodeImage(bytes, 352, ImageLimits{}));
  OCULA_ASSIGN_OR_RETURN(Embedding e, regions.Embed(decoded.rgb));
  return std::move(e.values);
}

// Trains one iteration on the first kTrainPerClass photos of each class of
// `collection` and measures it.
Quality Measure(const std::string& collection) {
  testing::TempDir dir;
  auto store = OpenSqliteCustomVisionStore(dir.File("cv.db"));
  EXPECT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->CreateProject({"p", collection, "", "Multiclass", 1, 1}).ok());
  auto regions = testing_vision::MakeRegionFeatures();
  if (regions == nullptr) return {};
  std::vector<fs::path> classes;
  for (const auto& entry : fs::directory_iterator(TestDataPath("custom/" + collection))) {
    if (entry.is_directory()) classes.push_back(entry.path());
  }
  std::sort(classes.begin(), classes.end());
  std::vector<std::pair<std::string, std::string>> held_out;  // file, tag id
  int64_t clock = 0;
  for (const fs::path& dir_of_class : classes) {
    const std::string tag = dir_of_class.filename().string();
    EXPECT_TRUE((*store)->CreateTag({tag, "p", tag, "", "Regular", ++clock, 0}).ok());
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir_of_class)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<CvImage> train;
    for (size_t i = 0; i < files.size(); ++i) {
      if (i < kTrainPerClass) {
        train.push_back({files[i], ++clock, 0, 0, {tag}});  // the file is the image's id
      } else {
        held_out.emplace_back(files[i], tag);
      }
    }
    EXPECT_TRUE((*store)->AddImages("p", train).ok());
  }
  CvIteration iteration;
  iteration.id = "i";
  iteration.project_id = "p";
  iteration.classification_type = "Multiclass";
  iteration.seed = 42;  // the API's default
  const std::string model = regions->EmbeddingModel();
  auto trained = TrainIteration(**store, iteration, model, [&](const std::string& file) {
    return FeaturesOf(*regions, file);
  });
  EXPECT_TRUE(trained.ok()) << trained.status();
  if (!trained.ok()) return {};
  auto head = DecodeHead(trained->head);
  EXPECT_TRUE(head.ok()) << head.status();
  int right = 0;
  for (const auto& [file, tag] : held_out) {
    auto features = FeaturesOf(*regions, file);
    EXPECT_TRUE(features.ok()) << features.status();
    auto scores = head->head->Scores(*features);
    EXPECT_TRUE(scores.ok()) << scores.status();
    const size_t best = std::max_element(scores->begin(), scores->end()) - scores->begin();
    right += head->tag_ids[best] == tag;
  }
  const auto performance = nlohmann::json::parse(trained->performance_json);
  Quality q{performance["accuracy"].get<double>(), static_cast<double>(right) / held_out.size()};
  std::printf("%s: cross-validated %.1f %%, unseen %.1f %% (%zu photos)\n", collection.c_str(),
              100 * q.cross_validated, 100 * q.unseen, held_out.size());
  return q;
}

TEST(ClassifierQualityTest, ClothingTypes) {
  const Quality q = Measure("clothing-types");
  EXPECT_GE(q.cross_validated, 0.72);
  EXPECT_GE(q.unseen, 0.73);
}

TEST(ClassifierQualityTest, CarDamageParts) {
  const Quality q = Measure("car-damage-part");
  EXPECT_GE(q.cross_validated, 0.68);
  EXPECT_GE(q.unseen, 0.66);
}

}  // namespace
}  // namespace ocula
