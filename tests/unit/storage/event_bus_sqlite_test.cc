// The EventBus contract against the embedded SQLite queue, with a FakeClock,
// plus what is particular to SQLite.
#include "events/event_bus_sqlite.h"

#include <gtest/gtest.h>

#include <chrono>

#include "metadata/metadata_store_sqlite.h"
#include "storage/event_bus_contract.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

using std::chrono::milliseconds;
using testing::EventBusContractTest;

EventBusOptions TestOptions() {
  EventBusOptions options;
  options.visibility_timeout = milliseconds(10'000);
  options.max_attempts = 3;
  options.backoff_base = milliseconds(1000);
  options.backoff_max = milliseconds(4000);
  return options;
}

// Time is a FakeClock, so deadlines are checked to the millisecond.
class SqliteBackend : public testing::EventBusBackend {
 public:
  EventBusOptions Options() const override { return TestOptions(); }
  StatusOr<std::unique_ptr<EventBus>> Open(const EventBusOptions& options) override {
    return OpenSqliteEventBus(db_path_, options, clock_);
  }
  void Advance(milliseconds duration) override { clock_.AdvanceMs(duration.count()); }
  milliseconds Slack(milliseconds) const override { return milliseconds(1); }
  milliseconds Patience() const override { return milliseconds(0); }
  int64_t NowMs() const override { return clock_.NowMs(); }

 private:
  testing::TempDir dir_;
  std::string db_path_ = dir_.File("ocula.db");
  FakeClock clock_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, EventBusContractTest,
                         ::testing::Values(testing::EventBusBackendFactory{
                             "sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         testing::EventBusBackendName);

class SqliteEventBusTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string db_path_ = dir_.File("ocula.db");
  FakeClock clock_;
};

TEST_F(SqliteEventBusTest, SharesTheDatabaseFileWithTheMetadataStore) {
  auto store = OpenSqliteMetadataStore(db_path_, clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto bus = OpenSqliteEventBus(db_path_, TestOptions(), clock_);
  ASSERT_TRUE(bus.ok()) << bus.status();
  ImageRecord image;
  image.id = "01ABCDEFGHJKMNPQRSTVWXYZ00";
  ASSERT_TRUE((*store)->CreateImage(image, OutboxEvent{"e1", "t", "{}", 0}).ok());
  Message message;
  message.id = "e1";
  message.topic = "t";
  ASSERT_TRUE((*bus)->Publish(message).ok());
  store->reset();
  bus->reset();
  auto reopened_store = OpenSqliteMetadataStore(db_path_, clock_);
  ASSERT_TRUE(reopened_store.ok()) << reopened_store.status();
  EXPECT_TRUE((*reopened_store)->GetImage(image.id).ok());
  auto reopened_bus = OpenSqliteEventBus(db_path_, TestOptions(), clock_);
  ASSERT_TRUE(reopened_bus.ok()) << reopened_bus.status();
  EXPECT_EQ(*(*reopened_bus)->Depth("t"), 1);
  EXPECT_TRUE((*reopened_bus)->CheckHealth().ok());
}

TEST_F(SqliteEventBusTest, InvalidOptionsAreRejected) {
  EventBusOptions bad = TestOptions();
  bad.max_attempts = 0;
  EXPECT_EQ(OpenSqliteEventBus(db_path_, bad, clock_).status().code(),
            StatusCode::kInvalidArgument);
  bad = TestOptions();
  bad.visibility_timeout = milliseconds(0);
  EXPECT_EQ(OpenSqliteEventBus(db_path_, bad, clock_).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ocula
