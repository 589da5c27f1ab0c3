// The MetadataStore contract (tests/unit/storage/metadata_store_contract.h)
// against PostgreSQL, and what is PostgreSQL's own: several store instances
// (as several processes) sharing one database, concurrent migrations, a
// server restart under a live store, configuration URIs. One cluster per
// test process (postgres_server.h); each test gets a fresh schema.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "db/pg_conn.h"
#include "db/pg_migrations.h"
#include "metadata/custom_vision_store_postgres.h"
#include "metadata/metadata_schema.h"
#include "metadata/metadata_store_postgres.h"
#include "metadata/read_operation_store_postgres.h"
#include "postgres_server.h"
#include "storage/custom_vision_store_contract.h"
#include "storage/metadata_store_contract.h"
#include "storage/read_operation_store_contract.h"

namespace ocula {
namespace {

using testing::PostgresServer;
using testing::SharedPostgresServer;

// A schema of its own in the shared cluster.
class PostgresDatabase : public MetadataStoreDatabase {
 public:
  PostgresDatabase(PostgresServer& server, std::string schema)
      : server_(server), schema_(std::move(schema)) {}

  static StatusOr<std::unique_ptr<MetadataStoreDatabase>> New() {
    OCULA_ASSIGN_OR_RETURN(PostgresServer * server, SharedPostgresServer());
    OCULA_ASSIGN_OR_RETURN(std::string schema, server->NewSchema());
    return std::make_unique<PostgresDatabase>(*server, std::move(schema));
  }

  StatusOr<std::unique_ptr<MetadataStore>> Open(Clock& clock) override {
    return OpenPostgresMetadataStore(server_.ConfigFor(schema_), clock);
  }

  // Unlike SQLite's AUTOINCREMENT, a sequence does not follow inserted
  // values: move it too.
  Status AdvanceChangeLog(int64_t seq) override {
    return server_.Exec(absl::StrCat("INSERT INTO ", schema_,
                                     ".image_changes (seq, image_id, status) VALUES (", seq,
                                     ", 'x', 'pending'); SELECT setval(pg_get_serial_sequence('",
                                     schema_, ".image_changes', 'seq'), ", seq, ")"));
  }

 private:
  PostgresServer& server_;
  std::string schema_;
};

StatusOr<std::unique_ptr<CustomVisionStore>> NewPostgresCustomVisionStore() {
  OCULA_ASSIGN_OR_RETURN(PostgresServer * server, SharedPostgresServer());
  OCULA_ASSIGN_OR_RETURN(std::string schema, server->NewSchema());
  return OpenPostgresCustomVisionStore(server->ConfigFor(schema));
}

INSTANTIATE_TEST_SUITE_P(Postgres, CustomVisionStoreContract,
                         ::testing::Values(CustomVisionStoreBackend{
                             "postgres", NewPostgresCustomVisionStore}),
                         CustomVisionStoreBackendName);

StatusOr<std::unique_ptr<ReadOperationStore>> NewPostgresReadOperationStore() {
  OCULA_ASSIGN_OR_RETURN(PostgresServer * server, SharedPostgresServer());
  OCULA_ASSIGN_OR_RETURN(std::string schema, server->NewSchema());
  return OpenPostgresReadOperationStore(server->ConfigFor(schema));
}

INSTANTIATE_TEST_SUITE_P(Postgres, ReadOperationStoreContract,
                         ::testing::Values(ReadOperationStoreBackend{
                             "postgres", NewPostgresReadOperationStore}),
                         ReadOperationStoreBackendName);

INSTANTIATE_TEST_SUITE_P(Postgres, MetadataStoreContract,
                         ::testing::Values(MetadataStoreBackend{"postgres", PostgresDatabase::New}),
                         MetadataStoreBackendName);

class PostgresMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = SharedPostgresServer();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
    auto schema = server_->NewSchema();
    ASSERT_TRUE(schema.ok()) << schema.status();
    config_ = server_->ConfigFor(*schema);
  }

  // Another store on the same schema, as another process would open it.
  std::unique_ptr<MetadataStore> OpenStore(const PostgresConfig& config) {
    auto store = OpenPostgresMetadataStore(config, clock_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  // The single number `sql` returns, read in this test's schema.
  int64_t QueryInt(const std::string& sql) {
    auto db = pg::Connection::Open(config_);
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return -1;
    auto rows = (*db)->Exec(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? rows->Int(0, 0) : -1;
  }

  static ImageRecord NewImage(int64_t now_ms) {
    ImageRecord image;
    image.id = NewId(now_ms);
    image.content_type = "image/jpeg";
    image.blob_key = "images/" + image.id;
    return image;
  }

  static OutboxEvent EventFor(const ImageRecord& image) {
    return OutboxEvent{"ev-" + image.id, "blob-created", "{}", 0};
  }

  PostgresServer* server_ = nullptr;
  PostgresConfig config_;
  FakeClock clock_;
};

// Records which relay holds which event, and fails on a double hand-out.
class OutboxLedger {
 public:
  void Took(const std::string& event_id) {
    absl::MutexLock lock(&mu_);
    EXPECT_TRUE(held_.insert(event_id).second) << event_id << " handed out while held";
    EXPECT_FALSE(relayed_.contains(event_id)) << event_id << " handed out after relaying";
  }
  void Relayed(const std::string& event_id) {
    absl::MutexLock lock(&mu_);
    held_.erase(event_id);
    relayed_.insert(event_id);
  }
  size_t relayed() {
    absl::MutexLock lock(&mu_);
    return relayed_.size();
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> held_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> relayed_ ABSL_GUARDED_BY(mu_);
};

TEST_F(PostgresMetadataStoreTest, TwoInstancesNeverHandOutTheSameOutboxEventAtOnce) {
  auto a = OpenStore(config_);
  auto b = OpenStore(config_);
  ASSERT_TRUE(a && b);
  constexpr int kPerWriter = 50;
  constexpr int kWriters = 4;
  std::atomic<int> writers_left = kWriters;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    MetadataStore& store = w % 2 == 0 ? *a : *b;
    threads.emplace_back([&store, &writers_left, this] {
      for (int i = 0; i < kPerWriter; ++i) {
        ImageRecord image = NewImage(clock_.NowMs());
        EXPECT_TRUE(store.CreateImage(image, EventFor(image)).ok());
      }
      --writers_left;
    });
  }
  OutboxLedger ledger;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (MetadataStore* store : {a.get(), b.get()}) {
    threads.emplace_back([store, &ledger, &writers_left, deadline] {
      while (ledger.relayed() < kPerWriter * kWriters || writers_left > 0) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "outbox not drained";
        auto events = store->PendingOutbox(7);
        ASSERT_TRUE(events.ok()) << events.status();
        std::vector<std::string> ids;
        for (const OutboxEvent& event : *events) {
          ledger.Took(event.id);
          ids.push_back(event.id);
        }
        // Noted before MarkRelayed commits: the lease, not the order of these
        // calls, keeps the other relay away, so any later hand-out is a bug.
        for (const std::string& id : ids) ledger.Relayed(id);
        ASSERT_TRUE(store->MarkRelayed(ids).ok());
        if (events->empty()) std::this_thread::yield();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ledger.relayed(), static_cast<size_t>(kPerWriter * kWriters));
  EXPECT_TRUE(a->PendingOutbox(10)->empty());
  EXPECT_TRUE(b->PendingOutbox(10)->empty());
}

// A reader following "seq > last seen" while two instances write must end up
// with the whole log: no change may become visible after a later seq did.
TEST_F(PostgresMetadataStoreTest, ChangeLogReadersNeverSkipAChangeThatCommitsLate) {
  auto a = OpenStore(config_);
  auto b = OpenStore(config_);
  ASSERT_TRUE(a && b);
  std::atomic<int> writers_left = 4;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    MetadataStore& store = w % 2 == 0 ? *a : *b;
    writers.emplace_back([&store, &writers_left, this] {
      for (int i = 0; i < 40; ++i) {
        ImageRecord image = NewImage(clock_.NowMs());
        EXPECT_TRUE(store.CreateImage(image, EventFor(image)).ok());
        EXPECT_TRUE(store.MarkProcessing(image.id).ok());
      }
      --writers_left;
    });
  }
  std::vector<int64_t> followed;
  int64_t last = 0;
  bool done = false;
  while (!done) {
    done = writers_left == 0;  // one more read after the last write
    auto page = a->ChangesSince(last, 1000);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_FALSE(page->gap);
    for (const ImageChange& change : page->changes) followed.push_back(change.seq);
    if (!page->changes.empty()) last = page->changes.back().seq;
  }
  for (auto& writer : writers) writer.join();
  auto all = a->ChangesSince(0, 1000);
  ASSERT_TRUE(all.ok());
  std::vector<int64_t> logged;
  for (const ImageChange& change : all->changes) logged.push_back(change.seq);
  EXPECT_EQ(logged.size(), 4u * 40 * 2);
  EXPECT_EQ(followed, logged);
}

TEST_F(PostgresMetadataStoreTest, AnExpiredLeaseHandsTheEventToAnotherInstance) {
  PostgresConfig short_lease = config_;
  short_lease.outbox_lease = std::chrono::milliseconds(200);
  auto a = OpenStore(short_lease);
  auto b = OpenStore(short_lease);
  ASSERT_TRUE(a && b);
  ImageRecord image = NewImage(clock_.NowMs());
  ASSERT_TRUE(a->CreateImage(image, EventFor(image)).ok());

  ASSERT_EQ(a->PendingOutbox(10)->size(), 1u);  // a's relay takes it...
  EXPECT_TRUE(b->PendingOutbox(10)->empty());   // ...so b's does not see it
  EXPECT_EQ(a->PendingOutbox(10)->size(), 1u);  // a sees its own lease again

  // a's relay "crashed": once the lease runs out, b gets the event.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<OutboxEvent> taken;
  while (taken.empty() && std::chrono::steady_clock::now() < deadline) {
    auto events = b->PendingOutbox(10);
    ASSERT_TRUE(events.ok()) << events.status();
    taken = *events;
  }
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].id, EventFor(image).id);
  EXPECT_TRUE(a->PendingOutbox(10)->empty());
}

TEST_F(PostgresMetadataStoreTest, ConcurrentOpenersApplyEachMigrationOnce) {
  constexpr int kOpeners = 4;
  std::vector<std::thread> openers;
  std::atomic<int> opened = 0;
  for (int i = 0; i < kOpeners; ++i) {
    openers.emplace_back([&] {
      auto store = OpenPostgresMetadataStore(config_, clock_);
      EXPECT_TRUE(store.ok()) << store.status();
      if (store.ok()) ++opened;
    });
  }
  for (auto& opener : openers) opener.join();
  EXPECT_EQ(opened, kOpeners);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(PostgresMetadataMigrations().size()));
  EXPECT_EQ(QueryInt("SELECT MAX(applied_ms) FROM schema_migrations"), clock_.NowMs());
}

TEST_F(PostgresMetadataStoreTest, SchemaNewerThanTheBuildIsFailedPrecondition) {
  ASSERT_TRUE(OpenStore(config_));
  auto db = pg::Connection::Open(config_);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec("INSERT INTO schema_migrations VALUES (999, 0)").ok());
  EXPECT_EQ(OpenPostgresMetadataStore(config_, clock_).status().code(),
            StatusCode::kFailedPrecondition);
}

// Restarts the shared server when a test leaves it stopped.
struct RestartOnExit {
  PostgresServer& server;
  ~RestartOnExit() { EXPECT_TRUE(server.Restart().ok()); }
};

TEST_F(PostgresMetadataStoreTest, OutageIsUnavailableAndThePoolRecoversAfterRestart) {
  PostgresConfig config = config_;
  config.max_attempts = 3;
  config.initial_backoff = std::chrono::milliseconds(20);
  auto store = OpenStore(config);
  ASSERT_TRUE(store);
  ImageRecord before = NewImage(clock_.NowMs());
  ASSERT_TRUE(store->CreateImage(before, EventFor(before)).ok());  // the pool has connections
  {
    RestartOnExit restart{*server_};
    ASSERT_TRUE(server_->Stop().ok());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(store->GetImage(before.id).status().code(), StatusCode::kUnavailable);
    ImageRecord during = NewImage(clock_.NowMs());
    EXPECT_EQ(store->CreateImage(during, EventFor(during)).status().code(),
              StatusCode::kUnavailable);
    Status health = store->CheckHealth();
    EXPECT_EQ(health.code(), StatusCode::kUnavailable);
    EXPECT_NE(std::string(health.message()).find("after 3 attempts"), std::string::npos) << health;
    // Bounded retries: refused connections fail fast, backoff is short.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  }
  // The same store, not reopened: dead connections are replaced.
  EXPECT_TRUE(store->CheckHealth().ok());
  auto got = store->GetImage(before.id);
  ASSERT_TRUE(got.ok()) << got.status();
  ImageRecord after = NewImage(clock_.NowMs());
  EXPECT_TRUE(store->CreateImage(after, EventFor(after)).ok());
  EXPECT_EQ(store->CountByStatus()->at(ImageStatus::kPending), 2);
}

TEST_F(PostgresMetadataStoreTest, MalformedJsonIsInvalidArgument) {
  auto store = OpenStore(config_);
  ASSERT_TRUE(store);
  ImageRecord image = NewImage(clock_.NowMs());
  ASSERT_TRUE(store->CreateImage(image, EventFor(image)).ok());
  ImageResult result;
  result.analysis_json = "{not json";
  EXPECT_EQ(store->SetResult(image.id, result).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetImage(image.id)->status, ImageStatus::kPending);
}

TEST_F(PostgresMetadataStoreTest, AWrongPasswordFailsWithoutShowingIt) {
  testing::TempDir dir;
  PostgresConfig config = config_;
  config.password_file = dir.File("wrong");
  std::ofstream(config.password_file) << "not-the-password-42\n";
  config.max_attempts = 1;
  auto store = OpenPostgresMetadataStore(config, clock_);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  const std::string message(store.status().message());
  EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password-42"), std::string::npos) << message;
}

TEST(PostgresConfigTest, FromUriTakesOculaParametersAndLeavesTheRestToLibpq) {
  auto config = PostgresConfigFromUri(
      "postgresql://ocula@db.example:6543/images?sslmode=require&pool_size=16"
      "&password_file=%2Frun%2Fsecrets%2Fpg&application_name=api");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->conninfo,
            "postgresql://ocula@db.example:6543/images?sslmode=require&application_name=api");
  EXPECT_EQ(config->pool_size, 16u);
  EXPECT_EQ(config->password_file, "/run/secrets/pg");
  EXPECT_EQ(RedactedConninfo(config->conninfo), "postgresql://ocula@db.example:6543/images");
}

TEST(PostgresConfigTest, PasswordsInTheUriAndBadUrisAreRefused) {
  for (const char* uri : {"postgresql://ocula:s3cret-pw@db/images",
                          "postgresql://ocula@db/images?password=s3cret-pw"}) {
    auto config = PostgresConfigFromUri(uri);
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << uri;
    EXPECT_EQ(std::string(config.status().message()).find("s3cret-pw"), std::string::npos)
        << config.status();
  }
  EXPECT_EQ(PostgresConfigFromUri("mysql://db/images").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PostgresConfigFromUri("postgresql://db/images?no_such_option=1").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PostgresConfigFromUri("postgresql://db/images?pool_size=0").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ocula
