// The MetadataStore contract against the SQLite implementation.
#include "metadata/metadata_store_sqlite.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/clock.h"
#include "core/ids.h"
#include "metadata/migrations.h"
#include "metadata/sqlite_db.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

class MetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    auto store = OpenSqliteMetadataStore(db_path_, clock_);
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

  testing::TempDir dir_;
  std::string db_path_ = dir_.File("ocula.db");
  FakeClock clock_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(MetadataStoreTest, CreateStoresTheImageAndItsEventTogether) {
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
  EXPECT_EQ(got->metadata_json, R"({"width":1})");
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

TEST_F(MetadataStoreTest, CreateIsAtomicWhenTheEventCannotBeWritten) {
  ImageRecord first = Create();
  ImageRecord second = NewImage();
  auto clash = store_->CreateImage(second, EventFor(first));  // event id taken
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetImage(second.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(PendingIds(), std::vector<std::string>{"ev-" + first.id});
}

TEST_F(MetadataStoreTest, CreateWithATakenIdIsAlreadyExists) {
  ImageRecord first = Create();
  OutboxEvent other{"ev-other", "blob-created", "{}", 0};
  EXPECT_EQ(store_->CreateImage(first, other).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(PendingIds().size(), 1u);
}

TEST_F(MetadataStoreTest, IdempotencyKeyReturnsTheEarlierImage) {
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

TEST_F(MetadataStoreTest, ImagesWithoutIdempotencyKeysDoNotCollide) {
  Create();
  Create();
  EXPECT_EQ(PendingIds().size(), 2u);
}

TEST_F(MetadataStoreTest, GetUnknownIsNotFound) {
  EXPECT_EQ(store_->GetImage("01HZZZZZZZZZZZZZZZZZZZZZZZ").status().code(), StatusCode::kNotFound);
}

TEST_F(MetadataStoreTest, ListPagesNewestFirst) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.insert(ids.begin(), Create().id);  // newest at front
  std::vector<std::string> listed;
  std::string cursor;
  std::vector<size_t> page_sizes;
  do {
    auto page = store_->ListImages(ListQuery{std::nullopt, 3, cursor});
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->images.size());
    for (const auto& image : page->images) listed.push_back(image.id);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  EXPECT_EQ(listed, ids);
  EXPECT_EQ(page_sizes, (std::vector<size_t>{3, 3, 1}));

  auto exact = store_->ListImages(ListQuery{std::nullopt, 7, ""});
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->images.size(), 7u);
  EXPECT_EQ(exact->next_cursor, "");
}

TEST_F(MetadataStoreTest, ListFiltersByStatus) {
  std::vector<std::string> done;
  for (int i = 0; i < 6; ++i) {
    ImageRecord image = Create();
    if (i % 2 == 0) {
      ASSERT_TRUE(store_->SetResult(image.id, ImageResult{}).ok());
      done.insert(done.begin(), image.id);
    }
  }
  auto page1 = store_->ListImages(ListQuery{ImageStatus::kDone, 2, ""});
  ASSERT_TRUE(page1.ok()) << page1.status();
  ASSERT_EQ(page1->images.size(), 2u);
  EXPECT_EQ(page1->images[0].id, done[0]);
  EXPECT_EQ(page1->images[1].id, done[1]);
  auto page2 = store_->ListImages(ListQuery{ImageStatus::kDone, 2, page1->next_cursor});
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->images.size(), 1u);
  EXPECT_EQ(page2->images[0].id, done[2]);
  EXPECT_EQ(page2->next_cursor, "");
  auto failed = store_->ListImages(ListQuery{ImageStatus::kFailed, 10, ""});
  ASSERT_TRUE(failed.ok());
  EXPECT_TRUE(failed->images.empty());
}

TEST_F(MetadataStoreTest, DeleteRemovesImageEmbeddingsAndEvents) {
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

TEST_F(MetadataStoreTest, MarkProcessingMovesOnlyPendingImages) {
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

TEST_F(MetadataStoreTest, SetResultOverwritesAndChangesVersionAndETag) {
  ImageRecord image = Create();
  const std::string etag0 = ETagOf(*store_->GetImage(image.id));
  ImageResult result{ImageStatus::kDone, R"({"width":10})", R"({"tags":["a"]})", "", "p1"};
  ASSERT_TRUE(store_->SetResult(image.id, result).ok());
  auto first = store_->GetImage(image.id);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, ImageStatus::kDone);
  EXPECT_EQ(first->analysis_json, R"({"tags":["a"]})");
  EXPECT_EQ(first->pipeline_version, "p1");
  EXPECT_EQ(first->version, 2);
  EXPECT_NE(ETagOf(*first), etag0);

  clock_.AdvanceMs(100);
  ImageResult redelivered{ImageStatus::kDone, "", R"({"tags":["b"]})", "", "p2"};
  ASSERT_TRUE(store_->SetResult(image.id, redelivered).ok());
  auto second = store_->GetImage(image.id);
  EXPECT_EQ(second->analysis_json, R"({"tags":["b"]})");
  EXPECT_EQ(second->metadata_json, R"({"width":10})");  // kept: the result had none
  EXPECT_EQ(second->pipeline_version, "p2");
  EXPECT_EQ(second->version, 3);
  EXPECT_EQ(second->updated_ms, clock_.NowMs());
  EXPECT_NE(ETagOf(*second), ETagOf(*first));

  ImageResult failed{ImageStatus::kFailed, "", "", R"({"code":"InvalidImageFormat"})", "p2"};
  ASSERT_TRUE(store_->SetResult(image.id, failed).ok());
  auto third = store_->GetImage(image.id);
  EXPECT_EQ(third->status, ImageStatus::kFailed);
  EXPECT_EQ(third->error_json, R"({"code":"InvalidImageFormat"})");
  EXPECT_EQ(third->analysis_json, "");

  EXPECT_EQ(store_->SetResult("01HZZZZZZZZZZZZZZZZZZZZZZZ", result).code(), StatusCode::kNotFound);
  ImageResult not_final;
  not_final.status = ImageStatus::kPending;
  EXPECT_EQ(store_->SetResult(image.id, not_final).code(), StatusCode::kInvalidArgument);
}

TEST_F(MetadataStoreTest, EmbeddingsRoundTripAndReplace) {
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

TEST_F(MetadataStoreTest, CountByStatusIncludesZeros) {
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

TEST_F(MetadataStoreTest, OutboxIsOldestFirstAndMarkRelayedHidesEvents) {
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

TEST_F(MetadataStoreTest, ReopeningKeepsDataAndDoesNotRerunMigrations) {
  ImageRecord image = Create();
  const int64_t first_open_ms = 1'700'000'000'000;  // FakeClock's start
  store_.reset();
  clock_.AdvanceMs(60'000);
  Open();
  EXPECT_EQ(store_->GetImage(image.id)->id, image.id);
  EXPECT_EQ(PendingIds().size(), 1u);

  auto db = sqlite::Connection::Open(db_path_);
  ASSERT_TRUE(db.ok());
  auto stmt = (*db)->Prepare("SELECT COUNT(*), MAX(applied_ms) FROM schema_migrations");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnInt(0), static_cast<int64_t>(MetadataMigrations().size()));
  EXPECT_EQ(stmt->ColumnInt(1), first_open_ms);
  auto applied = sqlite::ApplyMigrations(**db, kMetadataMigrationsTable, MetadataMigrations(), 0);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 0);
}

TEST_F(MetadataStoreTest, SchemaNewerThanTheBuildIsFailedPrecondition) {
  store_.reset();
  {
    auto db = sqlite::Connection::Open(db_path_);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  }
  EXPECT_EQ(OpenSqliteMetadataStore(db_path_, clock_).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(MetadataStoreTest, ConcurrentWritersAndReaders) {
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

TEST(MetadataStoreHelpersTest, StatusNamesRoundTrip) {
  for (ImageStatus status : {ImageStatus::kPending, ImageStatus::kProcessing, ImageStatus::kDone,
                             ImageStatus::kFailed}) {
    EXPECT_EQ(ParseImageStatus(ToString(status)), status);
  }
  EXPECT_EQ(ToString(ImageStatus::kProcessing), "processing");
  EXPECT_EQ(ParseImageStatus("Done"), std::nullopt);
}

TEST(MetadataStoreHelpersTest, ETagIsQuotedAndFollowsTheVersion) {
  ImageRecord image;
  image.id = "01ABC";
  image.version = 3;
  EXPECT_EQ(ETagOf(image), "\"01ABC-3\"");
  image.version = 4;
  EXPECT_EQ(ETagOf(image), "\"01ABC-4\"");
}

TEST(MetadataStoreHelpersTest, SqliteDbPathFromUri) {
  EXPECT_EQ(*SqliteDbPathFromUri(*ParseUri("sqlite:///var/lib/ocula/ocula.db")),
            "/var/lib/ocula/ocula.db");
  EXPECT_EQ(*SqliteDbPathFromUri(*ParseUri("sqlite://data/ocula.db")), "data/ocula.db");
  EXPECT_EQ(SqliteDbPathFromUri(*ParseUri("file:///x.db")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SqliteDbPathFromUri(*ParseUri("sqlite://")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MetadataStoreOpenTest, UnopenablePathIsAnError) {
  testing::TempDir dir;
  auto store = OpenSqliteMetadataStore(dir.File("missing-dir/ocula.db"));
  EXPECT_EQ(store.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace ocula
