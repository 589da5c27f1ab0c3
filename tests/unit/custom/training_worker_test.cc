// TrainingWorker on the SQLite stores and an in-memory blob store, with an
// analyzer whose features come from the image bytes (no model): an
// iteration is trained to Completed with its head blob; the user's errors
// end it Failed; a worker that dies mid-way leaves it to the next claim,
// and one that keeps dying ends it Failed; a stopping worker releases it.
#include "custom/training_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "blob/blob_store_memory.h"
#include "custom/head_codec.h"
#include "custom/pipeline_classifiers.h"
#include "metadata/metadata_store_sqlite.h"
#include "nlohmann/json.hpp"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

constexpr int kDim = 12;

// Features from the image "bytes" "<tag index>:<n>": separable by tag. An
// image whose bytes are "bad" is not an image.
class BytesAnalyzer : public Analyzer {
 public:
  explicit BytesAnalyzer(std::atomic<int>& calls) : calls_(calls) {}
  StatusOr<Embedding> CustomFeatures(std::string_view bytes) override {
    ++calls_;
    if (bytes == "bad") return absl::InvalidArgumentError("not an image");
    const int tag = bytes[0] - '0';
    std::mt19937 random(static_cast<unsigned>(std::hash<std::string_view>{}(bytes)));
    std::normal_distribution<float> noise(0.0f, 0.3f);
    Embedding e{CustomFeatureModel(), std::vector<float>(kDim)};
    for (int j = 0; j < kDim; ++j) e.values[j] = (j % 3 == tag ? 2.0f : 0.5f) + noise(random);
    return e;
  }
  std::string CustomFeatureModel() const override { return "bytes/regions-2x2"; }
  StatusOr<Analysis> Analyze(std::string_view) override { return Unused(); }
  StatusOr<VisionResult> Run(std::string_view, const FeatureSet&) override { return Unused(); }
  StatusOr<OcrPage> Read(std::string_view, const std::string&) override { return Unused(); }
  StatusOr<Thumbnail> MakeThumbnail(std::string_view, int, int, bool) override { return Unused(); }
  StatusOr<AreaOfInterestResult> FindAreaOfInterest(std::string_view) override { return Unused(); }
  std::string PipelineVersion() const override { return "bytes"; }
  std::string ModelVersion() const override { return "bytes"; }

 private:
  static Status Unused() { return absl::UnimplementedError("not in this test"); }
  std::atomic<int>& calls_;
};

class TrainingWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto metadata = OpenSqliteMetadataStore(dir_.File("ocula.db"));
    ASSERT_TRUE(metadata.ok()) << metadata.status();
    metadata_ = std::move(*metadata);
    auto store = OpenSqliteCustomVisionStore(dir_.File("ocula.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateProject({"p", "things", "", "Multiclass", 1, 1}).ok());
  }

  std::unique_ptr<TrainingWorker> Worker(TrainingWorkerOptions options = {}) {
    return std::make_unique<TrainingWorker>(
        *store_, *metadata_, blobs_,
        [this]() -> StatusOr<std::unique_ptr<Analyzer>> {
          return std::unique_ptr<Analyzer>(std::make_unique<BytesAnalyzer>(feature_calls_));
        },
        clock_, options);
  }

  // A gallery image holding `bytes`, taken into the project with `tag_id`
  // and analysed (its document "{}").
  void AddImage(const std::string& bytes, const std::string& tag_id) {
    ImageRecord image;
    image.id = NewId(clock_.NowMs() + ++images_);
    image.blob_key = "images/" + image.id;
    image.created_ms = image.updated_ms = clock_.NowMs();
    ASSERT_TRUE(blobs_.Put(image.blob_key, bytes).ok());
    OutboxEvent event;
    event.id = "e-" + image.id;
    event.topic = "blob-created";
    event.payload = "{}";
    ASSERT_TRUE(metadata_->CreateImage(image, event).ok());
    ASSERT_TRUE(metadata_->SetResult(image.id, {ImageStatus::kDone, "{}", "{}", "", "v"}).ok());
    ids_.push_back(image.id);
    ASSERT_TRUE(store_->AddImages("p", {{image.id, clock_.NowMs(), 8, 8, {tag_id}}}).ok());
  }

  void Tags(int tags, int images_per_tag) {
    for (int t = 0; t < tags; ++t) {
      const std::string id = "t" + std::to_string(t);
      ASSERT_TRUE(
          store_->CreateTag({id, "p", "tag " + std::to_string(t), "", "Regular", 1, 0}).ok());
      for (int n = 0; n < images_per_tag; ++n)
        AddImage(std::to_string(t) + ":" + std::to_string(n), id);
    }
  }

  void AskForTraining(const std::string& id = "i1") {
    CvIteration it;
    it.id = id;
    it.project_id = "p";
    it.name = "Iteration 1";
    it.classification_type = "Multiclass";
    it.created_ms = it.updated_ms = clock_.NowMs();
    it.seed = 7;
    ASSERT_TRUE(store_->CreateIteration(it).ok());
  }

  CvIteration Stored(const std::string& id = "i1") { return *store_->GetIteration("p", id); }

  testing::TempDir dir_;
  FakeClock clock_;
  MemoryBlobStore blobs_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<CustomVisionStore> store_;
  std::atomic<int> feature_calls_{0};
  int images_ = 0;
  std::vector<std::string> ids_;  // of AddImage, oldest first
};

TEST_F(TrainingWorkerTest, TrainsToCompletedWithItsHeadBlob) {
  Tags(3, 6);
  AskForTraining();
  auto worker = Worker();
  auto trained = worker->TrainOne();
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_TRUE(*trained);
  const CvIteration it = Stored();
  EXPECT_EQ(it.status, "Completed") << it.error;
  EXPECT_EQ(it.feature_model, "bytes/regions-2x2");
  EXPECT_EQ(it.head_blob_key, HeadBlobKey("p", "i1"));
  auto blob = blobs_.Get(it.head_blob_key);
  ASSERT_TRUE(blob.ok()) << blob.status();
  auto head = DecodeHead(*blob);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->tag_ids, (std::vector<std::string>{"t0", "t1", "t2"}));
  EXPECT_FALSE(it.performance_json.empty());
  EXPECT_EQ(feature_calls_.load(), 18);

  // Nothing else waits; features are stored, so a second iteration computes none.
  EXPECT_FALSE(*worker->TrainOne());
  AskForTraining("i2");
  ASSERT_TRUE(worker->TrainOne().ok());
  EXPECT_EQ(Stored("i2").status, "Completed");
  EXPECT_EQ(feature_calls_.load(), 18);
}

TEST_F(TrainingWorkerTest, TheUsersErrorsEndItFailedWithTheReason) {
  Tags(2, 3);  // fewer than 5 per tag
  AskForTraining();
  ASSERT_TRUE(Worker()->TrainOne().ok());
  EXPECT_EQ(Stored().status, "Failed");
  EXPECT_NE(Stored().error.find("at least 5"), std::string::npos) << Stored().error;
}

TEST_F(TrainingWorkerTest, AnImageThatIsNotOneEndsItFailedNamingTheImage) {
  Tags(2, 5);
  ASSERT_TRUE(store_->CreateTag({"bad", "p", "bad", "", "Regular", 1, 0}).ok());
  for (int n = 0; n < 5; ++n) AddImage(n == 2 ? "bad" : "2:" + std::to_string(n), "bad");
  AskForTraining();
  ASSERT_TRUE(Worker()->TrainOne().ok());
  EXPECT_EQ(Stored().status, "Failed");
  EXPECT_NE(Stored().error.find("not an image"), std::string::npos) << Stored().error;
}

TEST_F(TrainingWorkerTest, AfterAWorkerDiesTheNextClaimTrainsItAndOneThatKeepsDyingFails) {
  Tags(2, 5);
  AskForTraining();
  TrainingWorkerOptions options;
  options.lease = std::chrono::seconds(60);
  options.max_attempts = 2;
  // A worker that claimed it and died: the lease holds it for 60 s.
  ASSERT_TRUE(store_->ClaimTraining("dead", clock_.NowMs(), clock_.NowMs() + 60'000).ok());
  auto worker = Worker(options);
  EXPECT_FALSE(*worker->TrainOne());
  EXPECT_EQ(Stored().status, "Training");
  clock_.AdvanceMs(60'001);
  ASSERT_TRUE(*worker->TrainOne());  // attempt 2 of 2
  EXPECT_EQ(Stored().status, "Completed");

  // Another iteration whose workers die twice is Failed by the third claim.
  AskForTraining("i2");
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSERT_TRUE(store_->ClaimTraining("dead", clock_.NowMs(), clock_.NowMs() + 60'000).ok());
    clock_.AdvanceMs(60'001);
  }
  ASSERT_TRUE(*worker->TrainOne());
  EXPECT_EQ(Stored("i2").status, "Failed");
  EXPECT_NE(Stored("i2").error.find("without finishing"), std::string::npos) << Stored("i2").error;
}

TEST_F(TrainingWorkerTest, TheThreadTrainsWhatItIsToldOfAndStopsCleanly) {
  Tags(2, 5);
  TrainingWorkerOptions options;
  options.poll = std::chrono::minutes(10);  // only Notify wakes it
  auto worker = Worker(options);
  worker->Start();
  // Past its first look for work: only Notify can wake it within the test.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  AskForTraining();
  worker->Notify();
  for (int i = 0; i < 500 && Stored().status == "Training"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Stored().status, "Completed");
  worker->Stop();
}

// The predictions of project p in an image's document ("" when none).
std::string BestTag(MetadataStore& metadata, const std::string& id) {
  auto doc = nlohmann::json::parse(metadata.GetImage(id)->analysis_json);
  if (!doc.contains("customVision")) return "";
  return doc["customVision"][0]["predictions"][0]["tagName"];
}

TEST_F(TrainingWorkerTest, APipelineReRunResumesFromItsCursorAfterItsWorkerDies) {
  Tags(2, 5);
  AskForTraining();
  auto worker = Worker();
  ASSERT_TRUE(*worker->TrainOne());
  ASSERT_TRUE(store_->Publish("p", "i1", "prod", "local", clock_.NowMs()).ok());
  ASSERT_TRUE(store_->SetPipeline("p", "prod", clock_.NowMs()).ok());
  ASSERT_TRUE(store_->StartRerun("p", 10, clock_.NowMs()).ok());
  // A worker did the newest 4 images (ids descend), saved, and died.
  auto dead = store_->ClaimRerun("dead", clock_.NowMs(), clock_.NowMs() + 30'000);
  ASSERT_TRUE(dead.ok() && dead->has_value());
  CvPipeline progress = **dead;
  progress.rerun_cursor = ids_[6];
  progress.rerun_done = 4;
  ASSERT_TRUE(*store_->SaveRerun(progress, "dead"));

  CustomPredictor predictor(*store_, blobs_);
  RerunOptions options;
  options.page = 3;
  PipelineRerunner rerunner(*store_, *metadata_, blobs_, predictor, clock_, options);
  std::atomic<int> calls{0};
  BytesAnalyzer analyzer(calls);
  EXPECT_FALSE(*rerunner.RunOne(analyzer, [] { return false; }));  // still leased
  clock_.AdvanceMs(30'001);
  ASSERT_TRUE(*rerunner.RunOne(analyzer, [] { return false; }));
  const CvPipeline done = *store_->GetPipeline("p");
  EXPECT_EQ(done.rerun_status, "Completed");
  EXPECT_EQ(done.rerun_done, 10);
  EXPECT_EQ(calls.load(), 6);  // the rest, not the whole gallery again
  for (int i = 0; i < 6; ++i) EXPECT_EQ(BestTag(*metadata_, ids_[i]), i < 5 ? "tag 0" : "tag 1");
  for (int i = 6; i < 10; ++i)
    EXPECT_EQ(BestTag(*metadata_, ids_[i]), "") << "done by the dead one";

  // The pipeline step adds the same entry to a new analysis.
  PipelineClassifiers pipeline(*store_, predictor, clock_);
  Analysis analysis;
  analysis.analysis_json = R"({"tags":[]})";
  ASSERT_TRUE(pipeline.Enrich(analyzer, "1:99", analysis).ok());
  auto doc = nlohmann::json::parse(analysis.analysis_json);
  EXPECT_TRUE(doc.contains("tags"));
  EXPECT_EQ(doc["customVision"][0]["predictions"][0]["tagName"], "tag 1");
  EXPECT_EQ(doc["customVision"][0]["iteration"], "i1");
}

}  // namespace
}  // namespace ocula
