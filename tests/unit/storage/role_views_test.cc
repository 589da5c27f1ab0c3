// The least-privilege views the roles get (docs/security.md), built on the
// forwarding bases: each overrides only what it refuses, and everything else
// reaches the store or bus underneath.
#include <gtest/gtest.h>

#include "blob/blob_store_memory.h"
#include "blob/blob_store_readonly.h"
#include "events/event_bus_publish_only.h"
#include "events/event_bus_sqlite.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

TEST(ReadOnlyViewTest, RefusesWritesAndForwardsReads) {
  MemoryBlobStore store;
  ASSERT_TRUE(store.Put("a/1", "bytes").ok());
  std::unique_ptr<BlobStore> view = ReadOnlyView(store);

  EXPECT_EQ(view->Put("a/2", "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(view->Delete("a/1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(store.Stat("a/2").status().code(), StatusCode::kNotFound) << "nothing was written";

  auto bytes = view->Get("a/1");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, "bytes");
  auto info = view->Stat("a/1");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->size, 5u);
  auto reader = view->Open("a/1");
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->size(), 5u);
  auto listed = view->List("a/", "", 10);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_TRUE(view->CheckHealth().ok());
}

TEST(PublishOnlyViewTest, PublishesAndRefusesToConsume) {
  testing::TempDir dir;
  auto bus = OpenSqliteEventBus(dir.File("bus.db"), EventBusOptions{});
  ASSERT_TRUE(bus.ok()) << bus.status();
  std::unique_ptr<EventBus> view = PublishOnlyView(**bus);

  Message event;
  event.id = "e1";
  event.topic = "t";
  event.payload = "{}";
  ASSERT_TRUE(view->Publish(event).ok());
  auto depth = view->Depth("t");
  ASSERT_TRUE(depth.ok()) << depth.status();
  EXPECT_EQ(*depth, 1);
  EXPECT_EQ(view->Receive("t", std::chrono::milliseconds(0)).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(view->Ack(event).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(view->DeadLetterNow(event, "no").code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(view->DeadLetters(10).ok());
  EXPECT_TRUE(view->CheckHealth().ok());

  auto received = (*bus)->Receive("t", std::chrono::milliseconds(0));
  ASSERT_TRUE(received.ok()) << received.status();
  ASSERT_TRUE(received->has_value()) << "the published event reached the bus";
  EXPECT_EQ((*received)->id, "e1");
}

}  // namespace
}  // namespace ocula
