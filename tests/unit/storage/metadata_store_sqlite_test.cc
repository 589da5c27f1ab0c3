// The MetadataStore contract (metadata_store_contract.h) against the SQLite
// implementation, and what is SQLite's own: migrations from older schema
// versions, file paths and URIs.
#include "metadata/metadata_store_sqlite.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "core/clock.h"
#include "db/sqlite_db.h"
#include "db/sqlite_migrations.h"
#include "metadata/metadata_schema.h"
#include "storage/metadata_store_contract.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

// A database file of its own in a temp dir.
class SqliteDatabase : public MetadataStoreDatabase {
 public:
  StatusOr<std::unique_ptr<MetadataStore>> Open(Clock& clock) override {
    return OpenSqliteMetadataStore(path_, clock);
  }

  Status AdvanceChangeLog(int64_t seq) override {
    OCULA_ASSIGN_OR_RETURN(auto db, sqlite::Connection::Open(path_));
    // AUTOINCREMENT continues after the largest seq.
    return db->Exec(absl::StrCat("INSERT INTO image_changes (seq, image_id, status) VALUES (", seq,
                                 ", 'x', 'pending')"));
  }

  const std::string& path() const { return path_; }

 private:
  testing::TempDir dir_;
  std::string path_ = dir_.File("ocula.db");
};

INSTANTIATE_TEST_SUITE_P(Sqlite, MetadataStoreContract,
                         ::testing::Values(MetadataStoreBackend{
                             "sqlite",
                             []() -> StatusOr<std::unique_ptr<MetadataStoreDatabase>> {
                               return std::make_unique<SqliteDatabase>();
                             }}),
                         MetadataStoreBackendName);

class SqliteMetadataStoreTest : public ::testing::Test {
 protected:
  StatusOr<std::unique_ptr<MetadataStore>> Open() { return database_.Open(clock_); }

  SqliteDatabase database_;
  FakeClock clock_;
};

TEST_F(SqliteMetadataStoreTest, ReopeningDoesNotRerunMigrations) {
  const int64_t first_open_ms = clock_.NowMs();
  ASSERT_TRUE(Open().ok());
  clock_.AdvanceMs(60'000);
  ASSERT_TRUE(Open().ok());

  auto db = sqlite::Connection::Open(database_.path());
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

TEST_F(SqliteMetadataStoreTest, SchemaNewerThanTheBuildIsFailedPrecondition) {
  ASSERT_TRUE(Open().ok());
  {
    auto db = sqlite::Connection::Open(database_.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  }
  EXPECT_EQ(Open().status().code(), StatusCode::kFailedPrecondition);
}

TEST(MetadataStoreMigrationTest, VersionTwoIndexesTheLabelsOfEarlierAnalyses) {
  testing::TempDir dir;
  const std::string path = dir.File("v1.db");
  {  // A database at schema version 1 holding one analysed and one pending image.
    auto db = sqlite::Connection::Open(path);
    ASSERT_TRUE(db.ok()) << db.status();
    auto v1 = MetadataMigrations().first(1);
    ASSERT_TRUE(sqlite::ApplyMigrations(**db, kMetadataMigrationsTable, v1, 0).ok());
    ASSERT_TRUE((*db)
                    ->Exec(R"sql(
      INSERT INTO images (id, status, content_type, size, sha256, blob_key, created_ms,
                          updated_ms, analysis_json)
      VALUES ('A', 'done', 'image/jpeg', 1, 'x', 'k', 0, 0,
              '{"tags":[{"name":"dog"},"odd"],"categories":[{"name":"animal_dog"}]}'),
             ('B', 'pending', 'image/jpeg', 1, 'x', 'k', 0, 0, ''))sql")
                    .ok());
  }
  FakeClock clock;
  auto store = OpenSqliteMetadataStore(path, clock);
  ASSERT_TRUE(store.ok()) << store.status();
  auto tags = (*store)->CountLabels(LabelKind::kTag, 10);
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].name, "dog");
  ListQuery query;
  query.category = "animal_dog";
  auto page = (*store)->ListImages(query);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), std::vector<std::string>{"A"});
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
