// The EventBus contract (events/event_bus.h) as a value-parameterized suite,
// run against every implementation. A test file includes this header, defines
// an EventBusBackend and instantiates the suite:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, EventBusContractTest,
//                            ::testing::Values(EventBusBackendFactory{
//                                "sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
//                            EventBusBackendName);
//
// Time: a backend with a fake clock moves it in Advance and checks deadlines
// to the millisecond (Slack 1 ms, Patience 0); a backend on a real server
// sleeps in Advance, checks "not yet" a quarter of a period early, and gives
// Receive some patience for a message that has just become due.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "events/event_bus.h"

namespace ocula::testing {

// One implementation under test, with its own empty queue.
class EventBusBackend {
 public:
  virtual ~EventBusBackend() = default;
  // The options the contract runs with (times in the backend's scale).
  // backoff_max must be 4 * backoff_base, and max_attempts 3.
  virtual EventBusOptions Options() const = 0;
  // A bus on this backend's queue; each call stands for another process.
  virtual StatusOr<std::unique_ptr<EventBus>> Open(const EventBusOptions& options) = 0;
  // Lets `duration` pass for the bus.
  virtual void Advance(std::chrono::milliseconds duration) = 0;
  // How far before a deadline "not yet visible" can be checked reliably.
  virtual std::chrono::milliseconds Slack(std::chrono::milliseconds period) const = 0;
  // How long Receive may take to hand out a message that is due.
  virtual std::chrono::milliseconds Patience() const = 0;
  // The bus's notion of now, in Unix milliseconds.
  virtual int64_t NowMs() const = 0;
};

struct EventBusBackendFactory {
  std::string name;
  std::function<std::unique_ptr<EventBusBackend>()> make;
};

inline std::string EventBusBackendName(
    const ::testing::TestParamInfo<EventBusBackendFactory>& info) {
  return info.param.name;
}

class EventBusContractTest : public ::testing::TestWithParam<EventBusBackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    options_ = backend_->Options();
    bus_ = Open(options_);
    ASSERT_NE(bus_, nullptr);
  }

  std::unique_ptr<EventBus> Open(const EventBusOptions& options) {
    auto bus = backend_->Open(options);
    EXPECT_TRUE(bus.ok()) << bus.status();
    return bus.ok() ? std::move(*bus) : nullptr;
  }

  static Message Msg(const std::string& id, const std::string& topic = "t") {
    Message message;
    message.id = id;
    message.topic = topic;
    message.payload = "payload-" + id;
    return message;
  }

  std::optional<Message> Receive(const std::string& topic, std::chrono::milliseconds wait) {
    auto message = bus_->Receive(topic, wait);
    EXPECT_TRUE(message.ok()) << message.status();
    return message.ok() ? *message : std::nullopt;
  }
  // Whatever is visible now.
  std::optional<Message> ReceiveNow(const std::string& topic = "t") {
    return Receive(topic, std::chrono::milliseconds(0));
  }
  // A message that is due (its delay or lease has run out).
  std::optional<Message> ReceiveDue(const std::string& topic = "t") {
    return Receive(topic, backend_->Patience());
  }

  // Lets `period` pass, checking that no message of "t" becomes visible
  // before its end.
  void ExpectNothingVisibleFor(std::chrono::milliseconds period) {
    backend_->Advance(period - backend_->Slack(period));
    EXPECT_FALSE(ReceiveNow().has_value());
    backend_->Advance(backend_->Slack(period));
  }

  int64_t Depth(const std::string& topic = "t") {
    auto depth = bus_->Depth(topic);
    EXPECT_TRUE(depth.ok()) << depth.status();
    return depth.ok() ? *depth : -1;
  }

  std::unique_ptr<EventBusBackend> backend_;
  EventBusOptions options_;
  std::unique_ptr<EventBus> bus_;
};

using std::chrono::milliseconds;
using ContractClock = std::chrono::steady_clock;

TEST_P(EventBusContractTest, PublishingAnIdAgainIsANoOp) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  Message dup = Msg("a");
  dup.payload = "different";
  ASSERT_TRUE(bus_->Publish(dup).ok());
  EXPECT_EQ(Depth(), 1);
  EXPECT_EQ(ReceiveNow()->payload, "payload-a");
}

TEST_P(EventBusContractTest, PublishNeedsIdAndTopic) {
  EXPECT_EQ(bus_->Publish(Msg("")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_->Publish(Msg("a", "")).code(), StatusCode::kInvalidArgument);
}

TEST_P(EventBusContractTest, ReceiveReturnsOldestFirstWithinItsTopic) {
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

TEST_P(EventBusContractTest, LeasedMessageIsInvisibleButCounted) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(ReceiveNow().has_value());
  EXPECT_FALSE(ReceiveNow().has_value());
  EXPECT_EQ(Depth(), 1);
  EXPECT_EQ(Depth("other"), 0);
}

TEST_P(EventBusContractTest, ExpiredLeaseIsRedeliveredAndTheOldReceiptIsStale) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  Message first = *ReceiveNow();
  ExpectNothingVisibleFor(options_.visibility_timeout);
  auto second = ReceiveDue();
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

TEST_P(EventBusContractTest, AckedIdIsNotPublishedAgain) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Ack(*ReceiveNow()).ok());
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  EXPECT_EQ(Depth(), 0);
}

TEST_P(EventBusContractTest, NackBacksOffExponentiallyUpToTheMaximum) {
  EventBusOptions options = options_;
  options.max_attempts = 10;
  bus_ = Open(options);
  ASSERT_NE(bus_, nullptr);
  const milliseconds base = options.backoff_base;
  ASSERT_EQ(options.backoff_max, 4 * base);
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  Message message = *ReceiveNow();
  for (milliseconds expected_delay : {base, 2 * base, 4 * base, 4 * base}) {
    SCOPED_TRACE(expected_delay.count());
    ASSERT_TRUE(bus_->Nack(message, "transient").ok());
    ExpectNothingVisibleFor(expected_delay);
    auto next = ReceiveDue();
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->attempt, message.attempt + 1);
    message = *next;
  }
}

TEST_P(EventBusContractTest, NackWithExplicitDelay) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Nack(*ReceiveNow(), "now", milliseconds(0)).ok());
  EXPECT_EQ(ReceiveNow()->attempt, 2);
}

TEST_P(EventBusContractTest, NackAfterMaxAttemptsDeadLettersWithTheReason) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  int64_t before_ms = 0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto message = ReceiveNow();
    ASSERT_TRUE(message.has_value()) << attempt;
    ASSERT_EQ(message->attempt, attempt);
    before_ms = backend_->NowMs();
    ASSERT_TRUE(bus_->Nack(*message, "decode failed #" + std::to_string(attempt),
                           milliseconds(0)).ok());
  }
  const int64_t after_ms = backend_->NowMs();
  EXPECT_FALSE(ReceiveNow().has_value());
  EXPECT_EQ(Depth(), 0);
  auto dead = bus_->DeadLetters(10);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].message.id, "a");
  EXPECT_EQ((*dead)[0].message.topic, "t");
  EXPECT_EQ((*dead)[0].message.payload, "payload-a");
  EXPECT_EQ((*dead)[0].reason, "decode failed #3");
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_GE((*dead)[0].dead_at_ms, before_ms);
  EXPECT_LE((*dead)[0].dead_at_ms, after_ms);
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());  // a dead-lettered id stays dead
  EXPECT_EQ(Depth(), 0);
}

TEST_P(EventBusContractTest, LeaseExpiringAfterMaxAttemptsDeadLetters) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  const milliseconds past_expiry =
      options_.visibility_timeout + backend_->Slack(options_.visibility_timeout);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto message = ReceiveDue();
    ASSERT_TRUE(message.has_value()) << attempt;
    EXPECT_EQ(message->attempt, attempt);
    backend_->Advance(past_expiry);
  }
  EXPECT_FALSE(ReceiveNow().has_value());
  EXPECT_EQ(Depth(), 0);
  auto dead = bus_->DeadLetters(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].reason, "visibility timeout expired after 3 attempts");
  EXPECT_EQ((*dead)[0].attempts, 3);
}

TEST_P(EventBusContractTest, DeadLetterNowMovesALeasedMessage) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Publish(Msg("b")).ok());
  ASSERT_TRUE(bus_->DeadLetterNow(*ReceiveNow(), "poison").ok());
  backend_->Advance(milliseconds(1));
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

TEST_P(EventBusContractTest, BlockingReceiveWakesOnPublishFromAnotherThread) {
  std::optional<Message> received;
  const auto start = ContractClock::now();
  std::thread receiver([&] {
    auto message = bus_->Receive("t", milliseconds(10'000));
    ASSERT_TRUE(message.ok());
    received = *message;
  });
  std::this_thread::sleep_for(milliseconds(100));  // let the receiver block first
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  receiver.join();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->id, "a");
  EXPECT_LT(ContractClock::now() - start, milliseconds(5'000));
}

TEST_P(EventBusContractTest, ReceiveGivesUpAfterItsWait) {
  const auto start = ContractClock::now();
  auto message = bus_->Receive("t", milliseconds(200));
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(message->has_value());
  EXPECT_GE(ContractClock::now() - start, milliseconds(190));
  EXPECT_LT(ContractClock::now() - start, milliseconds(2'000));
}

TEST_P(EventBusContractTest, WakeAllInterruptsBlockedReceivers) {
  const auto start = ContractClock::now();
  std::thread receiver([&] {
    auto message = bus_->Receive("t", milliseconds(30'000));
    ASSERT_TRUE(message.ok());
    EXPECT_FALSE(message->has_value());
  });
  std::this_thread::sleep_for(milliseconds(100));  // let the receiver block first
  bus_->WakeAll();
  receiver.join();
  EXPECT_LT(ContractClock::now() - start, milliseconds(5'000));
}

TEST_P(EventBusContractTest, ReceiveSeesMessagesPublishedThroughAnotherConnection) {
  auto other = Open(options_);  // stands for another process on the same queue
  ASSERT_NE(other, nullptr);
  std::optional<Message> received;
  std::thread receiver([&] {
    auto message = bus_->Receive("t", milliseconds(10'000));
    ASSERT_TRUE(message.ok());
    received = *message;
  });
  std::this_thread::sleep_for(milliseconds(100));  // let the receiver block first
  ASSERT_TRUE(other->Publish(Msg("from-elsewhere")).ok());
  receiver.join();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->id, "from-elsewhere");
}

TEST_P(EventBusContractTest, MessagesAndLeasesSurviveReopening) {
  ASSERT_TRUE(bus_->Publish(Msg("a")).ok());
  ASSERT_TRUE(bus_->Publish(Msg("b")).ok());
  ASSERT_EQ(ReceiveNow()->id, "a");
  bus_.reset();
  bus_ = Open(options_);
  ASSERT_NE(bus_, nullptr);
  EXPECT_EQ(Depth(), 2);
  EXPECT_EQ(ReceiveNow()->id, "b");
  EXPECT_FALSE(ReceiveNow().has_value());  // "a" is still leased
  backend_->Advance(options_.visibility_timeout + backend_->Slack(options_.visibility_timeout));
  auto again = ReceiveDue();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->id, "a");
  EXPECT_EQ(again->attempt, 2);
}

TEST_P(EventBusContractTest, ConcurrentReceiversNeverShareALeasedMessage) {
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(bus_->Publish(Msg("m" + std::to_string(i))).ok());
  auto second_bus = Open(options_);
  ASSERT_NE(second_bus, nullptr);
  std::mutex mu;
  std::multiset<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    EventBus* bus = t % 2 == 0 ? bus_.get() : second_bus.get();
    threads.emplace_back([&, bus] {
      while (true) {
        auto message = bus->Receive("t", milliseconds(0));
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

}  // namespace ocula::testing
