// The reconciler over an in-memory blob store and a real SQLite metadata
// store: blobs dropped under the prefix become pending images with one event
// each, exactly once, also with two reconcilers.
#include "pipeline/reconciler.h"

#include "blob/blob_store_faulty.h"
#include "fixtures.h"
#include "http_client.h"
#include "wait_until.h"

namespace ocula {
namespace {

std::string DogJpeg() {
  return testing::ReadFile(testing::ServerProcess::SharedDir() + "/testdata/detect/dog.jpg");
}

class ReconcilerTest : public PipelineFixture {
 protected:
  void SetUp() override {
    PipelineFixture::SetUp();  // opens metadata_
    ingest_ = std::make_unique<Ingest>(store_, *metadata_, ImageLimits{}, clock_,
                                       [this] { ++notified_; });
  }

  ReconcilerOptions Options() {
    ReconcilerOptions options;
    options.page_size = 2;  // several pages even with a few blobs
    options.skew = std::chrono::milliseconds(1000);
    return options;
  }

  FakeClock clock_{1'700'000'000'000};
  MemoryBlobStore store_{clock_};
  int notified_ = 0;
  std::unique_ptr<Ingest> ingest_;
};

TEST_F(ReconcilerTest, AdoptsImagesUnderThePrefixOnce) {
  const std::string jpeg = DogJpeg();
  ASSERT_TRUE(store_.Put("incoming/dog.jpg", jpeg).ok());
  ASSERT_TRUE(store_.Put("incoming/b/dog2.jpg", jpeg).ok());
  ASSERT_TRUE(store_.Put("incoming/notes.txt", "not an image").ok());
  ASSERT_TRUE(store_.Put("elsewhere/dog.jpg", jpeg).ok());

  Reconciler reconciler(store_, *ingest_, clock_, Options());
  auto stats = reconciler.RunOnce();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->listed, 3);
  EXPECT_EQ(stats->adopted, 2);
  EXPECT_EQ(stats->rejected, 1);
  EXPECT_EQ(notified_, 2);

  auto images = metadata_->ListImages({})->images;
  ASSERT_EQ(images.size(), 2u);
  std::set<std::string> names;
  for (const ImageRecord& image : images) {
    names.insert(image.filename);
    EXPECT_EQ(image.blob_key, Ingest::BlobKeyFor(image.id)) << "moved under its own key";
    EXPECT_EQ(*store_.Get(image.blob_key), jpeg);
    EXPECT_EQ(image.status, ImageStatus::kPending);
    EXPECT_EQ(image.content_type, "image/jpeg");
    EXPECT_EQ(image.size, jpeg.size());
  }
  EXPECT_EQ(names, (std::set<std::string>{"dog2.jpg", "dog.jpg"}));
  EXPECT_EQ(metadata_->PendingOutbox(10)->size(), 2u);

  // The prefix keeps only what was not adopted, so a later pass, here by a
  // second reconciler (another process), lists one blob, not three.
  EXPECT_EQ(store_.Stat("incoming/dog.jpg").status().code(), StatusCode::kNotFound);
  Reconciler other(store_, *ingest_, clock_, Options());
  auto again = other.RunOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->listed, 1);
  EXPECT_EQ(again->rejected, 1);
  EXPECT_EQ(again->adopted, 0);
  EXPECT_EQ(metadata_->ListImages({})->images.size(), 2u);
  EXPECT_EQ(metadata_->PendingOutbox(10)->size(), 2u);
}

// Issue 22: the cost of a pass stays with what is left to adopt, not with
// everything ever dropped.
TEST_F(ReconcilerTest, PassesListOnlyWhatIsLeftToAdopt) {
  const std::string jpeg = DogJpeg();
  Reconciler reconciler(store_, *ingest_, clock_, Options());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(
          store_.Put("incoming/r" + std::to_string(round) + "-" + std::to_string(i) + ".jpg", jpeg)
              .ok());
    }
    auto stats = reconciler.RunOnce();
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->listed, 4) << "round " << round;
    EXPECT_EQ(stats->adopted, 4);
    clock_.AdvanceMs(60'000);
  }
  EXPECT_EQ(metadata_->ListImages({})->images.size(), 12u);
}

// A move cut short after the commit (the dropped blob could not be deleted)
// is finished by the next pass, without a second document.
TEST_F(ReconcilerTest, InterruptedMoveIsFinishedByTheNextPass) {
  ASSERT_TRUE(store_.Put("incoming/a.jpg", DogJpeg()).ok());
  FaultyBlobStore faulty(store_);
  Ingest ingest(faulty, *metadata_, ImageLimits{}, clock_, [] {});
  faulty.FailNext(BlobOp::kDelete, 1, absl::UnavailableError("store down"));
  Reconciler reconciler(faulty, ingest, clock_, Options());
  ASSERT_EQ(reconciler.RunOnce()->adopted, 1);
  EXPECT_TRUE(store_.Stat("incoming/a.jpg").ok()) << "the delete failed";
  auto again = reconciler.RunOnce();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->known, 1);
  EXPECT_EQ(store_.Stat("incoming/a.jpg").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(metadata_->ListImages({})->images.size(), 1u);
}

// What stays under the prefix is what was refused: later passes do not read
// it again while it is older than the checkpoint.
TEST_F(ReconcilerTest, LaterPassesLookOnlyAtBlobsNewerThanTheCheckpoint) {
  const std::string jpeg = DogJpeg();
  ASSERT_TRUE(store_.Put("incoming/old.jpg", jpeg).ok());
  ASSERT_TRUE(store_.Put("incoming/old.txt", "not an image").ok());
  clock_.AdvanceMs(60'000);  // the first pass starts a minute later (skew is 1 s)
  Reconciler reconciler(store_, *ingest_, clock_, Options());
  auto first = reconciler.RunOnce();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->adopted, 1);
  EXPECT_EQ(first->rejected, 1);

  clock_.AdvanceMs(5 * 60 * 1000);
  ASSERT_TRUE(store_.Put("incoming/new.jpg", jpeg).ok());
  auto stats = reconciler.RunOnce();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->listed, 2);   // old.jpg moved out
  EXPECT_EQ(stats->skipped, 1);  // old.txt: not read again
  EXPECT_EQ(stats->adopted, 1);
  EXPECT_EQ(metadata_->ListImages({})->images.size(), 2u);
}

TEST_F(ReconcilerTest, ReplacedBlobIsANewImage) {
  const std::string jpeg = DogJpeg();
  ASSERT_TRUE(store_.Put("incoming/a.jpg", jpeg).ok());
  Reconciler reconciler(store_, *ingest_, clock_, Options());
  ASSERT_EQ(reconciler.RunOnce()->adopted, 1);
  clock_.AdvanceMs(5 * 60 * 1000);
  ASSERT_TRUE(store_.Put("incoming/a.jpg", jpeg).ok());  // same key, written again
  EXPECT_EQ(reconciler.RunOnce()->adopted, 1);
}

TEST_F(ReconcilerTest, StoreErrorEndsThePassAndKeepsTheCheckpoint) {
  ASSERT_TRUE(store_.Put("incoming/a.jpg", DogJpeg()).ok());
  FaultyBlobStore faulty(store_);
  faulty.FailNext(BlobOp::kList, 1, absl::UnavailableError("store down"));
  Reconciler reconciler(faulty, *ingest_, clock_, Options());
  EXPECT_EQ(reconciler.RunOnce().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(reconciler.RunOnce()->adopted, 1);
}

TEST_F(ReconcilerTest, BackgroundThreadAdoptsAndStops) {
  ASSERT_TRUE(store_.Put("incoming/a.jpg", DogJpeg()).ok());
  ReconcilerOptions options = Options();
  options.interval = std::chrono::milliseconds(20);
  Reconciler reconciler(store_, *ingest_, clock_, options);
  reconciler.Start();
  EXPECT_TRUE(testing::WaitUntil([&] { return !metadata_->ListImages({})->images.empty(); }));
  reconciler.Stop();
  EXPECT_EQ(metadata_->ListImages({})->images.size(), 1u);
}

}  // namespace
}  // namespace ocula
