// BacklogGate on the real embedded queue: uploads are refused with
// Unavailable once the blob-created backlog reaches the limit, admitted again
// when the workers catch up, and the queue is read at most once per refresh.
#include "pipeline/backlog_gate.h"

#include "events/blob_created.h"
#include "events/event_bus_faulty.h"
#include "fixtures.h"

namespace ocula {
namespace {

class BacklogGateTest : public PipelineFixture {
 protected:
  void Enqueue(int n) {
    for (int i = 0; i < n; ++i) {
      Message message;
      message.id = "event-" + std::to_string(next_++);
      message.topic = kBlobCreatedTopic;
      message.payload = "{}";
      ASSERT_TRUE(bus_->Publish(message).ok());
    }
  }
  // Takes one message off the queue for good, as a worker finishing it would.
  void Finish() {
    auto m = bus_->Receive(kBlobCreatedTopic, std::chrono::milliseconds(0));
    ASSERT_TRUE(m.ok() && m->has_value());
    ASSERT_TRUE(bus_->Ack(**m).ok());
  }

  FakeClock clock_;
  int next_ = 0;
};

TEST_F(BacklogGateTest, RefusesAtTheLimitAndAdmitsWhenTheWorkersCatchUp) {
  BacklogGate gate(*bus_, 3, clock_, std::chrono::milliseconds(250));
  Enqueue(2);
  EXPECT_TRUE(gate.Admit().ok());
  Enqueue(1);
  clock_.AdvanceMs(250);
  Status refused = gate.Admit();
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("3 images are waiting (limit 3"), std::string::npos)
      << refused.message();
  Finish();
  clock_.AdvanceMs(250);
  EXPECT_TRUE(gate.Admit().ok());
}

TEST_F(BacklogGateTest, ReadsTheQueueAtMostOncePerRefresh) {
  BacklogGate gate(*bus_, 1, clock_, std::chrono::milliseconds(250));
  EXPECT_TRUE(gate.Admit().ok());  // reads: empty
  Enqueue(5);
  clock_.AdvanceMs(249);
  EXPECT_TRUE(gate.Admit().ok()) << "the reading is still fresh";
  clock_.AdvanceMs(1);
  EXPECT_FALSE(gate.Admit().ok());
}

TEST_F(BacklogGateTest, ZeroLimitAdmitsEverything) {
  FaultyEventBus faulty(*bus_);
  faulty.SetDown(absl::UnavailableError("down"));
  BacklogGate gate(faulty, 0, clock_);
  Enqueue(10);
  EXPECT_TRUE(gate.Admit().ok());
  EXPECT_EQ(faulty.injected(BusOp::kDepth), 0) << "no limit: the queue is never read";
}

TEST_F(BacklogGateTest, AdmitsWhenTheQueueCannotBeRead) {
  // Uploads go to the outbox while the bus is down; refusing them would lose
  // work the system can keep safely.
  Enqueue(5);
  FaultyEventBus faulty(*bus_);
  faulty.SetDown(absl::UnavailableError("down"));
  BacklogGate gate(faulty, 1, clock_);
  EXPECT_TRUE(gate.Admit().ok());
  EXPECT_EQ(faulty.injected(BusOp::kDepth), 1);
}

}  // namespace
}  // namespace ocula
