// The EventBus contract against the embedded SQLite queue, with a FakeClock.
#include "events/event_bus_sqlite.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "metadata/metadata_store_sqlite.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kNoWait{0};

EventBusOptions TestOptions() {
  EventBusOptions options;
  options.visibility_timeout = milliseconds(10'000);
  options.max_attempts = 3;
  options.backoff_base = milliseconds(1000);
  options.backoff_max = milliseconds(4000);
  return options;
}

Message Msg(const std::string& id, const std::string& topic = "t") {
  Message message;
  message.id = id;
  message.topic = topic;
  message.payload = "payload-" + id;
  return message;
}

class EventBusTest : public ::testing::Test {
 protected:
  void SetUp() override { bus_ = Open(); }

  std::unique_ptr<EventBus> Open(EventBusOptions options = TestOptions()) {
    auto bus = OpenSqliteEventBus(db_path_, options, clock_);
    EXPECT_TRUE(bus.ok()) << bus.status();
    return bus.ok() ? std::move(*bus) : nullptr;
  }

  std::optional<Message> ReceiveNow(const std::string& topic = "t") {
    auto message = bus_->Receive(topic, kNoWait);
    EXPECT_TRUE(message.ok()) << message.status();
    return message.ok() ? *message : std::nullopt;
  }

  int64_t Depth(const std::string& topic = "t") { return *bus_->Depth(topic); }

  testing::TempDir dir_;
  std::string db_path_ = dir_.File("ocula.db");
  FakeClock clock_;
  std::unique_ptr<EventBus> bus_;
};

TEST_F(EventBusTest, PublishingAnIdAgainIsANoOp) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  Message dup = Msg("a");
  dup.payload = "different";
  ASSERT_TRUE(bus_->Publish(dup).ok());
  EXPECT_EQ(Depth(), 1);
  EXPECT_EQ(ReceiveNow()->payload, "payload-a");
}

TEST_F(EventBusTest, PublishNeedsIdAndTopic) {
  EXPECT_EQ(bus_->Publish(Msg("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_->Publish(Msg("a", "")).code(), StatusCode::kInvalidArgument);
}

TEST_F(EventBusTest, ReceiveReturnsOldestFirstWithinItsTopic) {
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(bus_->Publish(Msg(id)).ok());
  ASSERT_TRUE(bus_->Publish(Msg("x", "other")).ok());
  for (const char* id : {"a", "b", "c"}) {
    auto message = ReceiveNow();
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->id, id);
    EXPECT_EQ(message->topic, "t");
    EXPECT_EQ(message->payload, std::string("payload-") + id);
    EXPECT_EQ(message->attempt, 1);
    EXPECT_FALSE(message->receipt.empty());
  }
  EXPECT_FALSE(ReceiveNow().has_value());
  EXPECT_EQ(ReceiveNow("other")->id, "x");
}

TEST_F(EventBusTest, LeasedMessageIsInvisibleButCounted) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(ReceiveNow().has_value());
  EXPECT_FALSE(ReceiveNow().has_value());
  EXPECT_EQ(Depth(), 1);
  EXPECT_EQ(Depth("other"), 0);
}

TEST_F(EventBusTest, ExpiredLeaseIsRedeliveredAndTheOldReceiptIsStale) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  Message first = *ReceiveNow();
  clock_.AdvanceMs(9'999);
  EXPECT_FALSE(ReceiveNow().has_value());
  clock_.AdvanceMs(1);
  auto second = ReceiveNow();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, "a");
  EXPECT_EQ(second->attempt, 2);
  EXPECT_NE(second->receipt, first.receipt);
  EXPECT_EQ(bus_->Ack(first).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(bus_->Nack(first, "late").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(bus_->DeadLetterNow(first, "late").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(bus_->Ack(*second).ok());
  EXPECT_EQ(Depth(), 0);
  EXPECT_EQ(bus_->Ack(*second).code(), StatusCode::kFailedPrecondition);
}

TEST_F(EventBusTest, AckedIdIsNotPublishedAgain) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Ack(*ReceiveNow()).ok());
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  EXPECT_EQ(Depth(), 0);
}

TEST_F(EventBusTest, NackBacksOffExponentiallyUpToTheMaximum) {
  bus_ = Open([] {
    EventBusOptions options = TestOptions();
    options.max_attempts = 10;
    return options;
  }());
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  Message message = *ReceiveNow();
  for (int64_t expected_delay : {1000, 2000, 4000, 4000}) {
    SCOPED_TRACE(expected_delay);
    ASSERT_TRUE(bus_->Nack(message, "transient").ok());
    clock_.AdvanceMs(expected_delay - 1);
    EXPECT_FALSE(ReceiveNow().has_value());
    clock_.AdvanceMs(1);
    auto next = ReceiveNow();
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->attempt, message.attempt + 1);
    message = *next;
  }
}

TEST_F(EventBusTest, NackWithExplicitDelay) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Nack(*ReceiveNow(), "now", milliseconds(0)).ok());
  EXPECT_EQ(ReceiveNow()->attempt, 2);
}

TEST_F(EventBusTest, NackAfterMaxAttemptsDeadLettersWithTheReason) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto message = ReceiveNow();
    ASSERT_TRUE(message.has_value()) << attempt;
    ASSERT_EQ(message->attempt, attempt);
    ASSERT_TRUE(bus_->Nack(*message, "decode failed #" + std::to_string(attempt), kNoWait).ok());
  }
  EXPECT_FALSE(ReceiveNow().has_value());
  EXPECT_EQ(Depth(), 0);
  auto dead = bus_->DeadLetters(10);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].message.id, "a");
  EXPECT_EQ((*dead)[0].message.payload, "payload-a");
  EXPECT_EQ((*dead)[0].reason, "decode failed #3");
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ((*dead)[0].dead_at_ms, clock_.NowMs());
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());  // a dead-lettered id stays dead
  EXPECT_EQ(Depth(), 0);
}

TEST_F(EventBusTest, LeaseExpiringAfterMaxAttemptsDeadLetters) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto message = ReceiveNow();
    ASSERT_TRUE(message.has_value()) << attempt;
    EXPECT_EQ(message->attempt, attempt);
    clock_.AdvanceMs(10'000);
  }
  EXPECT_FALSE(ReceiveNow().has_value());
  EXPECT_EQ(Depth(), 0);
  auto dead = bus_->DeadLetters(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].reason, "visibility timeout expired after 3 attempts");
  EXPECT_EQ((*dead)[0].attempts, 3);
}

TEST_F(EventBusTest, DeadLetterNowMovesALeasedMessage) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Publish(Msg("b")).ok());
  ASSERT_TRUE(bus_->DeadLetterNow(*ReceiveNow(), "poison").ok());
  clock_.AdvanceMs(1);
  ASSERT_TRUE(bus_->DeadLetterNow(*ReceiveNow(), "also poison").ok());
  EXPECT_EQ(Depth(), 0);
  auto dead = bus_->DeadLetters(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 2u);
  EXPECT_EQ((*dead)[0].message.id, "b");  // most recent first
  EXPECT_EQ((*dead)[1].reason, "poison");
  EXPECT_EQ((*dead)[1].attempts, 1);
  EXPECT_EQ(bus_->DeadLetters(1)->size(), 1u);
}

TEST_F(EventBusTest, BlockingReceiveWakesOnPublishFromAnotherThread) {
  std::optional<Message> received;
  const auto start = SteadyClock::now();
  std::thread receiver([&] {
    auto message = bus_->Receive("t", milliseconds(10'000));
    ASSERT_TRUE(message.ok());
    received = *message;
  });
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  receiver.join();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->id, "a");
  EXPECT_LT(SteadyClock::now() - start, milliseconds(5'000));
}

TEST_F(EventBusTest, ReceiveGivesUpAfterItsWait) {
  const auto start = SteadyClock::now();
  auto message = bus_->Receive("t", milliseconds(200));
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(message->has_value());
  EXPECT_GE(SteadyClock::now() - start, milliseconds(190));
}

TEST_F(EventBusTest, WakeAllInterruptsBlockedReceivers) {
  const auto start = SteadyClock::now();
  std::thread receiver([&] {
    auto message = bus_->Receive("t", milliseconds(30'000));
    ASSERT_TRUE(message.ok());
    EXPECT_FALSE(message->has_value());
  });
  std::this_thread::sleep_for(milliseconds(100));
  bus_->WakeAll();
  receiver.join();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(5'000));
}

TEST_F(EventBusTest, ReceiveSeesMessagesPublishedThroughAnotherConnection) {
  auto other = Open();  // stands for another process on the same file
  std::optional<Message> received;
  std::thread receiver([&] {
    auto message = bus_->Receive("t", milliseconds(10'000));
    ASSERT_TRUE(message.ok());
    received = *message;
  });
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(other->Publish(Msg("from-elsewhere")).ok());
  receiver.join();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->id, "from-elsewhere");
}

TEST_F(EventBusTest, MessagesAndLeasesSurviveReopening) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Publish(Msg("b")).ok());
  ASSERT_EQ(ReceiveNow()->id, "a");
  bus_.reset();
  bus_ = Open();
  EXPECT_EQ(Depth(), 2);
  EXPECT_EQ(ReceiveNow()->id, "b");
  EXPECT_FALSE(ReceiveNow().has_value());  // "a" is still leased
  clock_.AdvanceMs(10'000);
  auto again = ReceiveNow();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, "a");
  EXPECT_EQ(again->attempt, 2);
}

TEST_F(EventBusTest, ConcurrentReceiversNeverShareALeasedMessage) {
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(bus_->Publish(Msg("m" + std::to_string(i))).ok());
  auto second_bus = Open();
  std::mutex mu;
  std::multiset<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    EventBus* bus = t % 2 == 0 ? bus_.get() : second_bus.get();
    threads.emplace_back([&, bus] {
      while (true) {
        auto message = bus->Receive("t", kNoWait);
        ASSERT_TRUE(message.ok()) << message.status();
        if (!message->has_value()) return;
        {
          std::lock_guard<std::mutex> lock(mu);
          seen.insert((*message)->id);
        }
        ASSERT_TRUE(bus->Ack(**message).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(),
            static_cast<size_t>(kMessages));
  EXPECT_EQ(Depth(), 0);
}

TEST_F(EventBusTest, SharesTheDatabaseFileWithTheMetadataStore) {
  auto store = OpenSqliteMetadataStore(db_path_, clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  ImageRecord image;
  image.id = "01ABCDEFGHJKMNPQRSTVWXYZ00";
  ASSERT_TRUE((*store)->CreateImage(image, OutboxEvent{"e1", "t", "{}", 0}).ok());
  ASSERT_TRUE(bus_->Publish(Msg("e1")).ok());
  store->reset();
  bus_.reset();
  auto reopened_store = OpenSqliteMetadataStore(db_path_, clock_);
  ASSERT_TRUE(reopened_store.ok()) << reopened_store.status();
  EXPECT_TRUE((*reopened_store)->GetImage(image.id).ok());
  bus_ = Open();
  EXPECT_EQ(Depth(), 1);
  EXPECT_TRUE(bus_->CheckHealth().ok());
}

TEST_F(EventBusTest, InvalidOptionsAreRejected) {
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
