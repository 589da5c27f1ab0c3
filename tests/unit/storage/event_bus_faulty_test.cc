// FaultyEventBus over the real SQLite queue: "the queue is down", single
// injected failures, and failures after the call took effect.
#include "events/event_bus_faulty.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "events/event_bus_sqlite.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

using std::chrono::milliseconds;

class FaultyEventBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EventBusOptions options;
    options.visibility_timeout = milliseconds(1000);
    options.max_attempts = 3;
    auto inner = OpenSqliteEventBus(dir_.File("ocula.db"), options, clock_);
    ASSERT_TRUE(inner.ok()) << inner.status();
    inner_ = std::move(*inner);
    bus_ = std::make_unique<FaultyEventBus>(*inner_);
  }
  static Message Msg(const std::string& id) { return Message{id, "t", "payload-" + id, 0, ""}; }
  int64_t Depth() { return *inner_->Depth("t"); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventBus> inner_;
  std::unique_ptr<FaultyEventBus> bus_;
};

TEST_F(FaultyEventBusTest, ForwardsEverythingWithoutFaults) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Publish(Msg("b")).ok());
  EXPECT_EQ(*bus_->Depth("t"), 2);
  auto a = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->id, "a");
  EXPECT_TRUE(bus_->Ack(**a).ok());
  auto b = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_TRUE(bus_->DeadLetterNow(**b, "bad").ok());
  EXPECT_EQ(bus_->DeadLetters(10)->size(), 1u);
  EXPECT_TRUE(bus_->CheckHealth().ok());
  EXPECT_EQ(Depth(), 0);
}

TEST_F(FaultyEventBusTest, DownBusFailsEveryCallAndForwardsNothing) {
  ASSERT_TRUE(bus_->Publish(Msg("queued")).ok());
  bus_->SetDown(absl::UnavailableError("queue down"));
  EXPECT_EQ(bus_->Publish(Msg("new")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus_->Receive("t", milliseconds(5000)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus_->Depth("t").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus_->DeadLetters(10).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus_->CheckHealth().code(), StatusCode::kUnavailable);
  bus_->WakeAll();  // never fails
  EXPECT_EQ(Depth(), 1) << "the failed publish stored nothing, the queued message stays";
  bus_->SetDown(absl::OkStatus());
  auto message = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(message.ok() && message->has_value()) << message.status();
  EXPECT_EQ((*message)->id, "queued");
  EXPECT_EQ((*message)->attempt, 1) << "no delivery happened while the bus was down";
}

TEST_F(FaultyEventBusTest, PublishFailingAfterForwardingIsStoredOnce) {
  bus_->FailNext(BusOp::kPublish, 1, absl::UnavailableError("reply lost"),
                 FaultTiming::kAfterForwarding);
  EXPECT_EQ(bus_->Publish(Msg("a")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(Depth(), 1);
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());  // the publisher retries
  EXPECT_EQ(Depth(), 1) << "the bus drops the duplicate id";
}

TEST_F(FaultyEventBusTest, LostAckLeavesTheMessageForRedelivery) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  bus_->FailNext(BusOp::kAck, 1, absl::UnavailableError("ack lost"));
  auto first = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ(bus_->Ack(**first).code(), StatusCode::kUnavailable);
  EXPECT_EQ(Depth(), 1);
  clock_.AdvanceMs(1001);  // the lease expires
  auto again = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->id, "a");
  EXPECT_EQ((*again)->attempt, 2);
  EXPECT_TRUE(bus_->Ack(**again).ok());
  EXPECT_EQ(Depth(), 0);
}

TEST_F(FaultyEventBusTest, ReceiveFailingAfterForwardingRedeliversAfterTheLease) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  bus_->FailNext(BusOp::kReceive, 1, absl::UnavailableError("connection reset"),
                 FaultTiming::kAfterForwarding);
  EXPECT_FALSE(bus_->Receive("t", milliseconds(0)).ok());
  auto hidden = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(hidden.ok());
  EXPECT_FALSE(hidden->has_value()) << "leased by the lost receive";
  clock_.AdvanceMs(1001);
  auto again = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->attempt, 2);
}

TEST_F(FaultyEventBusTest, EachOperationCanFailOnce) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  auto leased = bus_->Receive("t", milliseconds(0));
  ASSERT_TRUE(leased.ok() && leased->has_value());
  const Status injected = absl::InternalError("injected");
  for (int op = 0; op <= static_cast<int>(BusOp::kCheckHealth); ++op) {
    bus_->FailNext(static_cast<BusOp>(op), 1, injected);
  }
  EXPECT_EQ(bus_->Publish(Msg("b")), injected);
  EXPECT_EQ(bus_->Receive("t", milliseconds(0)).status(), injected);
  EXPECT_EQ(bus_->Ack(**leased), injected);
  EXPECT_EQ(bus_->Nack(**leased, "r"), injected);
  EXPECT_EQ(bus_->DeadLetterNow(**leased, "r"), injected);
  EXPECT_EQ(bus_->DeadLetters(10).status(), injected);
  EXPECT_EQ(bus_->Depth("t").status(), injected);
  EXPECT_EQ(bus_->CheckHealth(), injected);
  for (int op = 0; op <= static_cast<int>(BusOp::kCheckHealth); ++op) {
    EXPECT_EQ(bus_->injected(static_cast<BusOp>(op)), 1) << op;
  }
  EXPECT_TRUE(bus_->Ack(**leased).ok()) << "faults used up; the lease is still current";
  EXPECT_EQ(Depth(), 0);
}

}  // namespace
}  // namespace ocula
