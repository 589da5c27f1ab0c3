// The MetadataStore contract: every implementation passes these tests. A
// test binary includes this header once and instantiates the suite with its
// backends, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, MetadataStoreContract,
//       ::testing::Values(MetadataStoreBackend{"sqlite", NewSqliteDatabase}),
//       MetadataStoreBackendName);
//
// Each test gets a new, empty database from the backend. JSON fields are
// compared as JSON values: a store may change whitespace and key order.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "metadata/metadata_store.h"

namespace ocula {

// One test's database: the backend's side of the contract.
class MetadataStoreDatabase {
 public:
  virtual ~MetadataStoreDatabase() = default;
  // A store on this database: empty at first, the same data on every call.
  virtual StatusOr<std::unique_ptr<MetadataStore>> Open(Clock& clock) = 0;
  // Makes the change log look as though many changes happened: adds an entry
  // (image "x", "pending") with `seq`, so that the next change gets seq + 1.
  virtual Status AdvanceChangeLog(int64_t seq) = 0;
};

struct MetadataStoreBackend {
  std::string name;
  std::function<StatusOr<std::unique_ptr<MetadataStoreDatabase>>()> new_database;
};

// Names the backend in test listings (ctest shows GetParam() otherwise as bytes).
inline void PrintTo(const MetadataStoreBackend& backend, std::ostream* os) { *os << backend.name; }

inline std::string MetadataStoreBackendName(
    const ::testing::TestParamInfo<MetadataStoreBackend>& info) {
  return info.param.name;
}

// A JSON value for comparisons (discarded when `text` is not JSON).
inline nlohmann::json Json(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

class MetadataStoreContract : public ::testing::TestWithParam<MetadataStoreBackend> {
 protected:
  void SetUp() override {
    auto database = GetParam().new_database();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(*database);
    Open();
  }

  void Open() {
    auto store = database_->Open(clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // A new image whose id orders after every earlier one.
  ImageRecord NewImage(const std::string& idempotency_key = "") {
    clock_.AdvanceMs(1);
    ImageRecord image;
    image.id = NewId(clock_.NowMs());
    image.content_type = "image/jpeg";
    image.size = 1234;
    image.sha256 = "ab12";
    image.blob_key = "images/" + image.id + "/original";
    image.idempotency_key = idempotency_key;
    image.filename = "photo " + image.id + ".jpg";
    return image;
  }

  OutboxEvent EventFor(const ImageRecord& image) {
    return OutboxEvent{"ev-" + image.id, "blob-created", "{\"id\":\"" + image.id + "\"}", 0};
  }

  ImageRecord Create(const std::string& idempotency_key = "") {
    ImageRecord image = NewImage(idempotency_key);
    auto created = store_->CreateImage(image, EventFor(image));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->image : image;
  }

  std::vector<std::string> PendingIds() {
    auto events = store_->PendingOutbox(1000);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> ids;
    for (const auto& event : *events) ids.push_back(event.id);
    return ids;
  }

  FakeClock clock_;
  std::unique_ptr<MetadataStoreDatabase> database_;  // outlives the store
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataStoreContract, CreateStoresTheImageAndItsEventTogether) {
  ImageRecord image = NewImage();
  image.metadata_json = R"({"width":1})";
  auto created = store_->CreateImage(image, EventFor(image));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->image.version, 1);
  EXPECT_EQ(created->image.created_ms, clock_.NowMs());

  auto got = store_->GetImage(image.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->status, ImageStatus::kPending);
  EXPECT_EQ(got->content_type, "image/jpeg");
  EXPECT_EQ(got->size, 1234u);
  EXPECT_EQ(got->sha256, "ab12");
  EXPECT_EQ(got->blob_key, image.blob_key);
  EXPECT_EQ(got->filename, image.filename);
  EXPECT_EQ(Json(got->metadata_json), Json(R"({"width":1})"));
  EXPECT_EQ(got->created_ms, clock_.NowMs());
  EXPECT_EQ(got->updated_ms, clock_.NowMs());

  auto events = store_->PendingOutbox(10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].id, "ev-" + image.id);
  EXPECT_EQ((*events)[0].topic, "blob-created");
  EXPECT_EQ((*events)[0].payload, EventFor(image).payload);
  EXPECT_EQ((*events)[0].created_ms, clock_.NowMs());
}

TEST_P(MetadataStoreContract, CreateIsAtomicWhenTheEventCannotBeWritten) {
  ImageRecord first = Create();
  ImageRecord second = NewImage();
  auto clash = store_->CreateImage(second, EventFor(first));  // event id taken
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetImage(second.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(PendingIds(), std::vector<std::string>{"ev-" + first.id});
}

TEST_P(MetadataStoreContract, CreateWithATakenIdIsAlreadyExists) {
  ImageRecord first = Create();
  OutboxEvent other{"ev-other", "blob-created", "{}", 0};
  EXPECT_EQ(store_->CreateImage(first, other).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(PendingIds().size(), 1u);
}

TEST_P(MetadataStoreContract, IdempotencyKeyReturnsTheEarlierImage) {
  ImageRecord first = Create("client-key-1");
  ImageRecord retry = NewImage("client-key-1");
  auto again = store_->CreateImage(retry, EventFor(retry));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->image.id, first.id);
  EXPECT_EQ(again->image.idempotency_key, "client-key-1");
  EXPECT_EQ(store_->GetImage(retry.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(PendingIds(), std::vector<std::string>{"ev-" + first.id});
}

TEST_P(MetadataStoreContract, ImagesWithoutIdempotencyKeysDoNotCollide) {
  Create();
  Create();
  EXPECT_EQ(PendingIds().size(), 2u);
}

TEST_P(MetadataStoreContract, GetUnknownIsNotFound) {
  EXPECT_EQ(store_->GetImage("01HZZZZZZZZZZZZZZZZZZZZZZZ").status().code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreContract, ListPagesNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.insert(ids.begin(), Create().id);  // newest at front
  std::vector<std::string> listed;
  std::string cursor;
  std::vector<size_t> page_sizes;
  do {
    auto page = store_->ListImages(ListQuery{std::nullopt, 3, cursor, "", ""});
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->images.size());
    for (const auto& image : page->images) listed.push_back(image.id);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_EQ(listed, ids);
  EXPECT_EQ(page_sizes, (std::vector<size_t>{3, 3, 1}));

  auto exact = store_->ListImages(ListQuery{std::nullopt, 7, "", "", ""});
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->images.size(), 7u);
  EXPECT_EQ(exact->next_cursor, "");
}

TEST_P(MetadataStoreContract, ListFiltersByStatus) {
  std::vector<std::string> done;
  for (int i = 0; i < 6; ++i) {
    ImageRecord image = Create();
    if (i % 2 == 0) {
      ASSERT_TRUE(store_->SetResult(image.id, ImageResult{}).ok());
      done.insert(done.begin(), image.id);
    }
  }
  auto page1 = store_->ListImages(ListQuery{ImageStatus::kDone, 2, "", "", ""});
  ASSERT_TRUE(page1.ok()) << page1.status();
  ASSERT_EQ(page1->images.size(), 2u);
  EXPECT_EQ(page1->images[0].id, done[0]);
  EXPECT_EQ(page1->images[1].id, done[1]);
  auto page2 = store_->ListImages(ListQuery{ImageStatus::kDone, 2, page1->next_cursor, "", ""});
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->images.size(), 1u);
  EXPECT_EQ(page2->images[0].id, done[2]);
  EXPECT_EQ(page2->next_cursor, "");
  auto failed = store_->ListImages(ListQuery{ImageStatus::kFailed, 10, "", "", ""});
  ASSERT_TRUE(failed.ok());
  EXPECT_TRUE(failed->images.empty());
}

// An analysis with these tag and category names, in the stored JSON shape.
inline ImageResult Analysed(const std::vector<std::string>& tags,
                     const std::vector<std::string>& categories) {
  std::string json = "{\"tags\":[";
  for (size_t i = 0; i < tags.size(); ++i) {
    json += (i ? "," : "") + std::string("{\"name\":\"") + tags[i] + "\",\"confidence\":0.9}";
  }
  json += "],\"categories\":[";
  for (size_t i = 0; i < categories.size(); ++i) {
    json += (i ? "," : "") + std::string("{\"name\":\"") + categories[i] + "\",\"score\":0.5}";
  }
  ImageResult result;
  result.analysis_json = json + "]}";
  return result;
}

inline std::vector<std::string> Ids(const ImagePage& page) {
  std::vector<std::string> ids;
  for (const auto& image : page.images) ids.push_back(image.id);
  return ids;
}

TEST_P(MetadataStoreContract, ListFiltersByTagAndCategory) {
  ImageRecord dog = Create(), dog_and_cat = Create(), cat = Create(), pending = Create();
  ASSERT_TRUE(store_->SetResult(dog.id, Analysed({"dog", "grass"}, {"animal_dog"})).ok());
  ASSERT_TRUE(store_->SetResult(dog_and_cat.id, Analysed({"dog", "cat"}, {"animal_"})).ok());
  ASSERT_TRUE(store_->SetResult(cat.id, Analysed({"cat"}, {"animal_cat"})).ok());

  ListQuery dogs;
  dogs.tag = "dog";
  auto page = store_->ListImages(dogs);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{dog_and_cat.id, dog.id}));

  dogs.limit = 1;  // pages follow the same order
  auto first = store_->ListImages(dogs);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Ids(*first), std::vector<std::string>{dog_and_cat.id});
  dogs.cursor = first->next_cursor;
  auto second = store_->ListImages(dogs);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Ids(*second), std::vector<std::string>{dog.id});
  EXPECT_EQ(second->next_cursor, "");

  ListQuery both;
  both.tag = "cat";
  both.category = "animal_cat";
  both.status = ImageStatus::kDone;
  auto cats = store_->ListImages(both);
  ASSERT_TRUE(cats.ok()) << cats.status();
  EXPECT_EQ(Ids(*cats), std::vector<std::string>{cat.id});

  ListQuery none;
  none.tag = "giraffe";
  EXPECT_TRUE(store_->ListImages(none)->images.empty());
  (void)pending;
}

TEST_P(MetadataStoreContract, LabelsFollowTheLatestResultAndDeletes) {
  ImageRecord a = Create(), b = Create();
  ASSERT_TRUE(store_->SetResult(a.id, Analysed({"dog", "dog", "grass"}, {"animal_dog"})).ok());
  ASSERT_TRUE(store_->SetResult(b.id, Analysed({"dog"}, {})).ok());
  auto tags = store_->CountLabels(LabelKind::kTag, 10);
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_EQ(tags->size(), 2u);  // a repeated name counts once per image
  EXPECT_EQ((*tags)[0].name, "dog");
  EXPECT_EQ((*tags)[0].count, 2);
  EXPECT_EQ((*tags)[1].name, "grass");
  EXPECT_EQ((*tags)[1].count, 1);

  // A redelivered analysis replaces the labels; a failure clears them.
  ASSERT_TRUE(store_->SetResult(a.id, Analysed({"cat"}, {"animal_cat"})).ok());
  ImageResult failed;
  failed.status = ImageStatus::kFailed;
  failed.error_json = R"({"code":"InvalidImageFormat","message":"x"})";
  ASSERT_TRUE(store_->SetResult(b.id, failed).ok());
  tags = store_->CountLabels(LabelKind::kTag, 10);
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].name, "cat");
  auto categories = store_->CountLabels(LabelKind::kCategory, 10);
  ASSERT_EQ(categories->size(), 1u);
  EXPECT_EQ((*categories)[0].name, "animal_cat");

  ASSERT_TRUE(store_->DeleteImage(a.id).ok());
  EXPECT_TRUE(store_->CountLabels(LabelKind::kTag, 10)->empty());
  EXPECT_TRUE(store_->CountLabels(LabelKind::kCategory, 10)->empty());
}

TEST_P(MetadataStoreContract, ChangeLogRecordsEveryStatusChangeInOrder) {
  auto start = store_->ChangesSince(0, 100);
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_TRUE(start->changes.empty());
  EXPECT_EQ(start->latest_seq, 0);

  ImageRecord image = Create();
  ASSERT_TRUE(store_->MarkProcessing(image.id).ok());
  ASSERT_TRUE(store_->SetResult(image.id, Analysed({"dog"}, {})).ok());
  ASSERT_TRUE(store_->DeleteImage(image.id).ok());

  auto log = store_->ChangesSince(0, 100);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<std::string> statuses;
  for (const ImageChange& change : log->changes) {
    EXPECT_EQ(change.id, image.id);
    statuses.push_back(change.status);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"pending", "processing", "done", "deleted"}));
  EXPECT_EQ(log->latest_seq, log->changes.back().seq);
  EXPECT_FALSE(log->gap);

  auto tail = store_->ChangesSince(log->changes[1].seq, 1);  // limit and resume point
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->changes.size(), 1u);
  EXPECT_EQ(tail->changes[0].status, "done");
  EXPECT_FALSE(tail->gap);

  auto future = store_->ChangesSince(log->latest_seq + 5, 10);  // e.g. another store's seq
  ASSERT_TRUE(future.ok());
  EXPECT_TRUE(future->gap);
}

TEST_P(MetadataStoreContract, ChangeLogIsPrunedAndReportsTheGap) {
  ImageRecord first = Create();
  ASSERT_TRUE(store_->MarkProcessing(first.id).ok());
  // Pretend many changes happened since: the log is now at seq 20,000.
  ASSERT_TRUE(database_->AdvanceChangeLog(20000).ok());
  Create();  // a new image prunes all but the latest 10,000 seqs
  auto log = store_->ChangesSince(0, 10);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->changes.size(), 2u);
  EXPECT_EQ(log->changes[0].seq, 20000);
  EXPECT_EQ(log->latest_seq, 20001);
  EXPECT_TRUE(store_->ChangesSince(1, 10)->gap);  // the first image's entries are gone
  EXPECT_TRUE(store_->ChangesSince(19998, 10)->gap);
  EXPECT_FALSE(store_->ChangesSince(19999, 10)->gap);
  EXPECT_FALSE(store_->ChangesSince(20001, 10)->gap);
}

TEST_P(MetadataStoreContract, DeleteRemovesImageEmbeddingsAndEvents) {
  ImageRecord image = Create();
  ImageRecord other = Create();
  const float vec[] = {1, 2};
  ASSERT_TRUE(store_->PutEmbedding(image.id, "clip", vec).ok());
  ASSERT_TRUE(store_->DeleteImage(image.id).ok());
  EXPECT_EQ(store_->GetImage(image.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetEmbedding(image.id, "clip").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(PendingIds(), std::vector<std::string>{"ev-" + other.id});
  EXPECT_EQ(store_->DeleteImage(image.id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetImage(other.id).ok());
}

TEST_P(MetadataStoreContract, MarkProcessingMovesOnlyPendingImages) {
  ImageRecord image = Create();
  clock_.AdvanceMs(5);
  ASSERT_TRUE(store_->MarkProcessing(image.id).ok());
  auto processing = store_->GetImage(image.id);
  EXPECT_EQ(processing->status, ImageStatus::kProcessing);
  EXPECT_EQ(processing->version, 2);
  EXPECT_EQ(processing->updated_ms, clock_.NowMs());
  ASSERT_TRUE(store_->MarkProcessing(image.id).ok());  // no-op
  EXPECT_EQ(store_->GetImage(image.id)->version, 2);

  ASSERT_TRUE(store_->SetResult(image.id, ImageResult{}).ok());
  ASSERT_TRUE(store_->MarkProcessing(image.id).ok());
  EXPECT_EQ(store_->GetImage(image.id)->status, ImageStatus::kDone);
  EXPECT_EQ(store_->MarkProcessing("01HZZZZZZZZZZZZZZZZZZZZZZZ").code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreContract, SetResultOverwritesAndChangesVersionAndETag) {
  ImageRecord image = Create();
  const std::string etag0 = ETagOf(*store_->GetImage(image.id));
  ImageResult result{ImageStatus::kDone, R"({"width":10})", R"({"tags":["a"]})", "", "p1"};
  ASSERT_TRUE(store_->SetResult(image.id, result).ok());
  auto first = store_->GetImage(image.id);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, ImageStatus::kDone);
  EXPECT_EQ(Json(first->analysis_json), Json(R"({"tags":["a"]})"));
  EXPECT_EQ(first->pipeline_version, "p1");
  EXPECT_EQ(first->version, 2);
  EXPECT_NE(ETagOf(*first), etag0);

  clock_.AdvanceMs(100);
  ImageResult redelivered{ImageStatus::kDone, "", R"({"tags":["b"]})", "", "p2"};
  ASSERT_TRUE(store_->SetResult(image.id, redelivered).ok());
  auto second = store_->GetImage(image.id);
  EXPECT_EQ(Json(second->analysis_json), Json(R"({"tags":["b"]})"));
  EXPECT_EQ(Json(second->metadata_json), Json(R"({"width":10})"));  // kept: the result had none
  EXPECT_EQ(second->pipeline_version, "p2");
  EXPECT_EQ(second->version, 3);
  EXPECT_EQ(second->updated_ms, clock_.NowMs());
  EXPECT_NE(ETagOf(*second), ETagOf(*first));

  ImageResult failed{ImageStatus::kFailed, "", "", R"({"code":"InvalidImageFormat"})", "p2"};
  ASSERT_TRUE(store_->SetResult(image.id, failed).ok());
  auto third = store_->GetImage(image.id);
  EXPECT_EQ(third->status, ImageStatus::kFailed);
  EXPECT_EQ(Json(third->error_json), Json(R"({"code":"InvalidImageFormat"})"));
  EXPECT_EQ(third->analysis_json, "");

  EXPECT_EQ(store_->SetResult("01HZZZZZZZZZZZZZZZZZZZZZZZ", result).code(), StatusCode::kNotFound);
  ImageResult not_final;
  not_final.status = ImageStatus::kPending;
  EXPECT_EQ(store_->SetResult(image.id, not_final).code(), StatusCode::kInvalidArgument);
}

TEST_P(MetadataStoreContract, EmbeddingsRoundTripAndReplace) {
  ImageRecord image = Create();
  const std::vector<float> v1 = {1.5f, -2.0f, 3.25f, 1e-7f};
  ASSERT_TRUE(store_->PutEmbedding(image.id, "clip", v1).ok());
  EXPECT_EQ(*store_->GetEmbedding(image.id, "clip"), v1);
  const std::vector<float> v2 = {9.0f};
  ASSERT_TRUE(store_->PutEmbedding(image.id, "clip", v2).ok());
  EXPECT_EQ(*store_->GetEmbedding(image.id, "clip"), v2);
  ASSERT_TRUE(store_->PutEmbedding(image.id, "empty", std::vector<float>{}).ok());
  EXPECT_TRUE(store_->GetEmbedding(image.id, "empty")->empty());
  EXPECT_EQ(store_->GetEmbedding(image.id, "other").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->PutEmbedding("01HZZZZZZZZZZZZZZZZZZZZZZZ", "clip", v1).code(),
            StatusCode::kNotFound);
}

TEST_P(MetadataStoreContract, CountByStatusIncludesZeros) {
  auto empty = store_->CountByStatus();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, (std::map<ImageStatus, int64_t>{{ImageStatus::kPending, 0},
                                                    {ImageStatus::kProcessing, 0},
                                                    {ImageStatus::kDone, 0},
                                                    {ImageStatus::kFailed, 0}}));
  Create();
  ASSERT_TRUE(store_->MarkProcessing(Create().id).ok());
  ASSERT_TRUE(store_->SetResult(Create().id, ImageResult{}).ok());
  Create();
  auto counts = store_->CountByStatus();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(*counts, (std::map<ImageStatus, int64_t>{{ImageStatus::kPending, 2},
                                                     {ImageStatus::kProcessing, 1},
                                                     {ImageStatus::kDone, 1},
                                                     {ImageStatus::kFailed, 0}}));
}

TEST_P(MetadataStoreContract, OutboxIsOldestFirstAndMarkRelayedHidesEvents) {
  ImageRecord a = Create(), b = Create(), c = Create();
  EXPECT_EQ(PendingIds(), (std::vector<std::string>{"ev-" + a.id, "ev-" + b.id, "ev-" + c.id}));
  auto limited = store_->PendingOutbox(2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
  ASSERT_TRUE(store_->MarkRelayed({"ev-" + a.id, "ev-" + b.id}).ok());
  EXPECT_EQ(PendingIds(), std::vector<std::string>{"ev-" + c.id});
  ASSERT_TRUE(store_->MarkRelayed({"ev-" + a.id, "no-such-event"}).ok());  // idempotent
  EXPECT_EQ(PendingIds(), std::vector<std::string>{"ev-" + c.id});
}

TEST_P(MetadataStoreContract, ReopeningKeepsTheData) {
  ImageRecord image = Create();
  store_.reset();
  clock_.AdvanceMs(60'000);
  Open();
  EXPECT_EQ(store_->GetImage(image.id)->id, image.id);
  EXPECT_EQ(PendingIds().size(), 1u);
}

TEST_P(MetadataStoreContract, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 25; ++i) {
        ImageRecord image;
        image.id = NewId(clock_.NowMs());
        image.blob_key = "k";
        ASSERT_TRUE(store_->CreateImage(image, OutboxEvent{"ev" + image.id, "t", "{}", 0}).ok());
        ASSERT_TRUE(store_->GetImage(image.id).ok());
        ASSERT_TRUE(store_->ListImages(ListQuery{}).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store_->CountByStatus()->at(ImageStatus::kPending), 100);
  EXPECT_TRUE(store_->CheckHealth().ok());
}

}  // namespace ocula
