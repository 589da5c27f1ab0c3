// FaultyMetadataStore over the real SQLite store: injected failures instead
// of a call leave the database untouched; failures after forwarding leave the
// write done; without faults every call is forwarded unchanged.
#include "metadata/metadata_store_faulty.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "metadata/metadata_store_sqlite.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

class FaultyMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inner = OpenSqliteMetadataStore(dir_.File("ocula.db"), clock_);
    ASSERT_TRUE(inner.ok()) << inner.status();
    inner_ = std::move(*inner);
    store_ = std::make_unique<FaultyMetadataStore>(*inner_);
  }

  ImageRecord NewImage(const std::string& idempotency_key = "") {
    clock_.AdvanceMs(1);
    ImageRecord image;
    image.id = NewId(clock_.NowMs());
    image.content_type = "image/jpeg";
    image.blob_key = "images/" + image.id;
    image.idempotency_key = idempotency_key;
    return image;
  }
  static OutboxEvent EventFor(const ImageRecord& image) {
    return OutboxEvent{"ev-" + image.id, "blob-created", "{}", 0};
  }
  size_t Pending() { return inner_->PendingOutbox(100)->size(); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<MetadataStore> inner_;
  std::unique_ptr<FaultyMetadataStore> store_;
};

TEST_F(FaultyMetadataStoreTest, ForwardsEverythingWithoutFaults) {
  ImageRecord image = NewImage();
  ASSERT_TRUE(store_->CreateImage(image, EventFor(image)).ok());
  EXPECT_EQ(store_->GetImage(image.id)->id, image.id);
  EXPECT_EQ(store_->ListImages({})->images.size(), 1u);
  EXPECT_TRUE(store_->MarkProcessing(image.id).ok());
  EXPECT_TRUE(store_->PutEmbedding(image.id, "m", std::vector<float>{1, 2}).ok());
  EXPECT_EQ(*store_->GetEmbedding(image.id, "m"), (std::vector<float>{1, 2}));
  EXPECT_EQ(store_->PendingOutbox(10)->size(), 1u);
  EXPECT_TRUE(store_->MarkRelayed({"ev-" + image.id}).ok());
  EXPECT_TRUE(store_->SetResult(image.id, {ImageStatus::kDone, "", "{}", "", "v"}).ok());
  EXPECT_EQ(store_->CountByStatus()->at(ImageStatus::kDone), 1);
  EXPECT_TRUE(store_->CountLabels(LabelKind::kTag, 10).ok());
  EXPECT_GT(store_->ChangesSince(0, 10)->changes.size(), 0u);
  EXPECT_TRUE(store_->CheckHealth().ok());
  EXPECT_TRUE(store_->DeleteImage(image.id).ok());
  EXPECT_EQ(store_->GetImage(image.id).status().code(), StatusCode::kNotFound);
}

TEST_F(FaultyMetadataStoreTest, FailedCreateLeavesNoDocumentAndNoEvent) {
  store_->FailNext(MetadataOp::kCreateImage, 1, absl::UnavailableError("database is locked"));
  ImageRecord image = NewImage();
  auto created = store_->CreateImage(image, EventFor(image));
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(inner_->GetImage(image.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(store_->injected(MetadataOp::kCreateImage), 1);
  // The fault is used up: the same create now succeeds.
  ASSERT_TRUE(store_->CreateImage(image, EventFor(image)).ok());
  EXPECT_EQ(Pending(), 1u);
}

TEST_F(FaultyMetadataStoreTest, FailureAfterForwardingKeepsTheWrite) {
  store_->FailNext(MetadataOp::kCreateImage, 1, absl::UnavailableError("reply lost"),
                   FaultTiming::kAfterForwarding);
  ImageRecord image = NewImage("key-1");
  EXPECT_EQ(store_->CreateImage(image, EventFor(image)).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(inner_->GetImage(image.id).ok());
  EXPECT_EQ(Pending(), 1u);
  // A retry with the same idempotency key finds the first write.
  ImageRecord retry = NewImage("key-1");
  auto again = store_->CreateImage(retry, EventFor(retry));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->image.id, image.id);
}

TEST_F(FaultyMetadataStoreTest, EachOperationCanFail) {
  ImageRecord image = NewImage();
  ASSERT_TRUE(store_->CreateImage(image, EventFor(image)).ok());
  const Status injected = absl::InternalError("injected");
  for (int op = 0; op <= static_cast<int>(MetadataOp::kCheckHealth); ++op) {
    store_->FailNext(static_cast<MetadataOp>(op), 1, injected);
  }
  const std::string& id = image.id;
  EXPECT_EQ(store_->CreateImage(NewImage(), EventFor(NewImage())).status(), injected);
  EXPECT_EQ(store_->GetImage(id).status(), injected);
  EXPECT_EQ(store_->ListImages({}).status(), injected);
  EXPECT_EQ(store_->DeleteImage(id), injected);
  EXPECT_EQ(store_->MarkProcessing(id), injected);
  EXPECT_EQ(store_->SetResult(id, {ImageStatus::kDone, "", "{}", "", "v"}), injected);
  EXPECT_EQ(store_->PutEmbedding(id, "m", std::vector<float>{1}), injected);
  EXPECT_EQ(store_->GetEmbedding(id, "m").status(), injected);
  EXPECT_EQ(store_->PendingOutbox(10).status(), injected);
  EXPECT_EQ(store_->MarkRelayed({"ev-" + id}), injected);
  EXPECT_EQ(store_->CountLabels(LabelKind::kTag, 10).status(), injected);
  EXPECT_EQ(store_->ChangesSince(0, 10).status(), injected);
  EXPECT_EQ(store_->CountByStatus().status(), injected);
  EXPECT_EQ(store_->CheckHealth(), injected);
  // Nothing was forwarded: the document is untouched and its event pending.
  auto stored = inner_->GetImage(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, ImageStatus::kPending);
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(Pending(), 1u);
  EXPECT_TRUE(store_->CheckHealth().ok());
}

TEST_F(FaultyMetadataStoreTest, FailEverythingUntilCleared) {
  store_->FailEverything(absl::UnavailableError("database down"));
  EXPECT_EQ(store_->CheckHealth().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->PendingOutbox(10).status().code(), StatusCode::kUnavailable);
  ImageRecord image = NewImage();
  EXPECT_EQ(store_->CreateImage(image, EventFor(image)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_->injected(MetadataOp::kCheckHealth), 1);
  store_->Clear();
  EXPECT_TRUE(store_->CheckHealth().ok());
  EXPECT_TRUE(store_->CreateImage(image, EventFor(image)).ok());
}

TEST_F(FaultyMetadataStoreTest, ConcurrentCallsUseEachFaultOnce) {
  store_->FailNext(MetadataOp::kCheckHealth, 30, absl::UnavailableError("flaky"));
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) failed += !store_->CheckHealth().ok();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 30);
  EXPECT_EQ(store_->injected(MetadataOp::kCheckHealth), 30);
}

}  // namespace
}  // namespace ocula
