// OutboxRelay: events move from the outbox to the bus once, and survive bus
// failures.
#include "events/outbox_relay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/clock.h"
#include "events/event_bus_sqlite.h"
#include "metadata/metadata_store_sqlite.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

using std::chrono::milliseconds;

// Forwards to a real bus; Publish fails while `fail_publish_after` publishes
// have been let through (negative: never fails).
class FlakyBus : public ForwardingEventBus {
 public:
  using ForwardingEventBus::ForwardingEventBus;

  std::atomic<int> fail_publish_after{-1};
  std::atomic<int> publishes{0};

  Status Publish(const Message& message) override {
    const int limit = fail_publish_after.load();
    if (limit >= 0 && publishes.load() >= limit) return absl::UnavailableError("bus down");
    ++publishes;
    return target().Publish(message);
  }
};

class OutboxRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteMetadataStore(db_path_, clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto bus = OpenSqliteEventBus(db_path_, EventBusOptions{}, clock_);
    ASSERT_TRUE(bus.ok()) << bus.status();
    bus_ = std::move(*bus);
    flaky_ = std::make_unique<FlakyBus>(*bus_);
  }

  std::string CreateImage() {
    clock_.AdvanceMs(1);
    ImageRecord image;
    image.id = NewId(clock_.NowMs());
    image.blob_key = "images/" + image.id;
    OutboxEvent event{"ev-" + image.id, "blob-created", "{}", 0};
    EXPECT_TRUE(store_->CreateImage(image, event).ok());
    return event.id;
  }

  size_t Pending() { return store_->PendingOutbox(1000)->size(); }
  int64_t Depth() { return *bus_->Depth("blob-created"); }

  testing::TempDir dir_;
  std::string db_path_ = dir_.File("ocula.db");
  FakeClock clock_;
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<EventBus> bus_;
  std::unique_ptr<FlakyBus> flaky_;
};

TEST_F(OutboxRelayTest, MovesEventsToTheBusExactlyOnce) {
  std::vector<std::string> ids = {CreateImage(), CreateImage(), CreateImage()};
  OutboxRelay relay(*store_, *bus_);
  ASSERT_TRUE(relay.RelayOnce().ok());
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(Depth(), 3);
  ASSERT_TRUE(relay.RelayOnce().ok());
  EXPECT_EQ(Depth(), 3);
  for (const std::string& id : ids) {
    auto message = bus_->Receive("blob-created", milliseconds(0));
    ASSERT_TRUE(message.ok() && message->has_value());
    EXPECT_EQ((*message)->id, id);
    EXPECT_EQ((*message)->payload, "{}");
  }
}

TEST_F(OutboxRelayTest, RepublishingAfterACrashBeforeMarkRelayedIsDeduplicated) {
  std::string id = CreateImage();
  // A relay that crashed after Publish but before MarkRelayed.
  ASSERT_TRUE(bus_->Publish(Message{id, "blob-created", "{}", 0, ""}).ok());
  OutboxRelay relay(*store_, *bus_);
  ASSERT_TRUE(relay.RelayOnce().ok());
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(Depth(), 1);
}

TEST_F(OutboxRelayTest, BusFailureLeavesTheEventInTheOutbox) {
  CreateImage();
  flaky_->fail_publish_after = 0;
  OutboxRelay relay(*store_, *flaky_);
  EXPECT_EQ(relay.RelayOnce().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Pending(), 1u);
  EXPECT_EQ(Depth(), 0);
  flaky_->fail_publish_after = -1;
  ASSERT_TRUE(relay.RelayOnce().ok());
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(Depth(), 1);
}

TEST_F(OutboxRelayTest, FailureMidBatchMarksOnlyWhatWasPublished) {
  CreateImage();
  CreateImage();
  CreateImage();
  flaky_->fail_publish_after = 1;
  OutboxRelay relay(*store_, *flaky_);
  EXPECT_EQ(relay.RelayOnce().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Pending(), 2u);
  EXPECT_EQ(Depth(), 1);
}

TEST_F(OutboxRelayTest, BackgroundThreadRelaysOnNotifyAndRetriesAfterFailures) {
  OutboxRelayOptions options;
  options.poll_interval = milliseconds(10'000);  // only Notify can make it prompt
  OutboxRelay relay(*store_, *flaky_, options);
  relay.Start();
  relay.Start();  // no-op
  CreateImage();
  relay.Notify();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (Depth() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(Depth(), 1);
  relay.Stop();
  relay.Stop();  // no-op
  EXPECT_EQ(Pending(), 0u);
}

TEST_F(OutboxRelayTest, BackgroundThreadKeepsEventsWhileTheBusIsDown) {
  OutboxRelayOptions options;
  options.poll_interval = milliseconds(5);
  options.max_backoff = milliseconds(20);
  flaky_->fail_publish_after = 0;
  CreateImage();
  {
    OutboxRelay relay(*store_, *flaky_, options);
    relay.Start();
    std::this_thread::sleep_for(milliseconds(100));
    EXPECT_EQ(Pending(), 1u);
    flaky_->fail_publish_after = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (Pending() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
  }  // the destructor stops the thread
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(Depth(), 1);
}

}  // namespace
}  // namespace ocula
