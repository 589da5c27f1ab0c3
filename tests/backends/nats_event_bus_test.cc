// The EventBus contract against NATS JetStream, and what is JetStream's own:
// buses in several processes sharing a consumer, server-side deduplication,
// dead letters kept on the server, outages and restarts, authentication.
// Each test starts its own nats-server on a free loopback port.
#include "events/event_bus_nats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "nats_server.h"
#include "storage/event_bus_contract.h"

namespace ocula {
namespace {

using std::chrono::milliseconds;
using testing::EventBusContractTest;
using testing::NatsServer;
using SteadyClock = std::chrono::steady_clock;

// Short, real times: the contract's waits are real waits here.
EventBusOptions TestOptions() {
  EventBusOptions options;
  options.visibility_timeout = milliseconds(1000);
  options.max_attempts = 3;
  options.backoff_base = milliseconds(200);
  options.backoff_max = milliseconds(800);
  return options;
}

NatsBusConfig TestConfig(const std::string& url) {
  NatsBusConfig config;
  config.servers = {url};
  config.connect_timeout = milliseconds(2000);
  config.request_timeout = milliseconds(2000);
  config.reconnect_wait = milliseconds(100);
  return config;
}

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Polls `condition` until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition, milliseconds timeout = milliseconds(10'000)) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!condition()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// The server's timers are real, so Advance sleeps.
class NatsBackend : public testing::EventBusBackend {
 public:
  EventBusOptions Options() const override { return TestOptions(); }
  StatusOr<std::unique_ptr<EventBus>> Open(const EventBusOptions& options) override {
    if (!started_) {
      OCULA_RETURN_IF_ERROR(server_.Start());
      started_ = true;
    }
    return OpenNatsEventBus(TestConfig(server_.url()), options);
  }
  void Advance(milliseconds duration) override { std::this_thread::sleep_for(duration); }
  milliseconds Slack(milliseconds period) const override { return period / 4; }
  milliseconds Patience() const override { return milliseconds(3000); }
  int64_t NowMs() const override { return WallMs(); }

 private:
  NatsServer server_;
  bool started_ = false;
};

INSTANTIATE_TEST_SUITE_P(Nats, EventBusContractTest,
                         ::testing::Values(testing::EventBusBackendFactory{
                             "nats", [] { return std::make_unique<NatsBackend>(); }}),
                         testing::EventBusBackendName);

Message Msg(const std::string& id, const std::string& payload = "") {
  Message message;
  message.id = id;
  message.topic = "t";
  message.payload = payload.empty() ? "payload-" + id : payload;
  return message;
}

class NatsEventBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  std::unique_ptr<EventBus> Open(const EventBusOptions& options = TestOptions()) {
    auto bus = OpenNatsEventBus(TestConfig(server_.url()), options);
    EXPECT_TRUE(bus.ok()) << bus.status();
    return bus.ok() ? std::move(*bus) : nullptr;
  }

  NatsServer server_;
};

TEST_F(NatsEventBusTest, TwoBusesShareTheConsumerAndEachMessageGoesToOne) {
  constexpr int kMessages = 40;
  std::unique_ptr<EventBus> buses[] = {Open(), Open()};  // two worker processes
  ASSERT_TRUE(buses[0] && buses[1]);
  std::mutex mu;
  std::multiset<std::string> seen;
  std::atomic<int> acked{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    EventBus* bus = buses[w % 2].get();
    workers.emplace_back([&, bus] {
      const auto deadline = SteadyClock::now() + milliseconds(20'000);
      while (acked.load() < kMessages && SteadyClock::now() < deadline) {
        auto message = bus->Receive("t", milliseconds(200));
        ASSERT_TRUE(message.ok()) << message.status();
        if (!message->has_value()) continue;
        {
          std::lock_guard<std::mutex> lock(mu);
          seen.insert((*message)->id);
        }
        ASSERT_TRUE(bus->Ack(**message).ok());
        acked.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(buses[i % 2]->Publish(Msg("m" + std::to_string(i))).ok());
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(),
            static_cast<size_t>(kMessages));
  EXPECT_EQ(*buses[0]->Depth("t"), 0);
  EXPECT_EQ(*buses[1]->Depth("t"), 0);
}

// Issue 22, item 8: processes started together race to create the streams.
// While one creation was in flight the server answered another process with
// "subjects overlap with an existing stream" (seen about once in 20 scale-out
// starts), and that process stopped at start. Here another stream holds the
// subjects for a while, as the one being created does: opening waits it out.
TEST_F(NatsEventBusTest, OpeningWaitsOutAStreamThatHoldsItsSubjectsForAMoment) {
  NatsBusConfig other = TestConfig(server_.url());
  other.stream = "OTHER";  // the same work subjects as TestConfig's stream
  other.dead_letter_stream = "OTHER_DEAD";
  other.dead_letter_subject = "other.dead";
  ASSERT_TRUE(OpenNatsEventBus(other, TestOptions()).ok());

  StatusOr<std::unique_ptr<EventBus>> opened = absl::UnknownError("not yet");
  std::thread opener([&] { opened = OpenNatsEventBus(TestConfig(server_.url()), TestOptions()); });
  std::this_thread::sleep_for(milliseconds(500));
  natsConnection* connection = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&connection, server_.url().c_str()), NATS_OK);
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_JetStream(&js, connection, nullptr), NATS_OK);
  EXPECT_EQ(js_DeleteStream(js, "OTHER", nullptr, nullptr), NATS_OK);
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
  opener.join();
  EXPECT_TRUE(opened.ok()) << opened.status();
}

TEST_F(NatsEventBusTest, AnotherStreamHoldingTheSubjectsIsAConfigurationError) {
  NatsBusConfig other = TestConfig(server_.url());
  other.stream = "OTHER";
  other.dead_letter_stream = "OTHER_DEAD";
  other.dead_letter_subject = "other.dead";
  ASSERT_TRUE(OpenNatsEventBus(other, TestOptions()).ok());
  auto refused = OpenNatsEventBus(TestConfig(server_.url()), TestOptions());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("another stream holds subject"));
}

TEST_F(NatsEventBusTest, TheServerDropsAnIdPublishedAgainByAnotherProcess) {
  auto first = Open();
  auto second = Open();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->Publish(Msg("dup", "original")).ok());
  ASSERT_TRUE(second->Publish(Msg("dup", "replayed by the outbox relay")).ok());
  EXPECT_EQ(*first->Depth("t"), 1);
  auto message = second->Receive("t", milliseconds(0));
  ASSERT_TRUE(message.ok() && message->has_value());
  EXPECT_EQ((*message)->payload, "original");
}

TEST_F(NatsEventBusTest, DeadLettersAreSharedAndSurviveARestart) {
  EventBusOptions options = TestOptions();
  options.max_attempts = 2;
  auto first = Open(options);
  auto second = Open(options);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->Publish(Msg("poison")).ok());
  auto one = first->Receive("t", milliseconds(0));
  ASSERT_TRUE(one.ok() && one->has_value());
  ASSERT_TRUE(first->Nack(**one, "boom #1", milliseconds(0)).ok());
  auto two = second->Receive("t", milliseconds(0));
  ASSERT_TRUE(two.ok() && two->has_value());
  EXPECT_EQ((*two)->attempt, 2);
  ASSERT_TRUE(second->Nack(**two, "boom #2\nwith a second line").ok());

  server_.Stop();
  ASSERT_TRUE(server_.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return first->CheckHealth().ok(); }));
  auto dead = first->DeadLetters(10);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].message.id, "poison");
  EXPECT_EQ((*dead)[0].message.topic, "t");
  EXPECT_EQ((*dead)[0].message.payload, "payload-poison");
  EXPECT_EQ((*dead)[0].reason, "boom #2 with a second line");
  EXPECT_EQ((*dead)[0].attempts, 2);
  EXPECT_EQ(*first->Depth("t"), 0);
}

TEST_F(NatsEventBusTest, OutageMakesCallsUnavailableAndTheQueueSurvivesARestart) {
  EventBusOptions options = TestOptions();
  options.visibility_timeout = milliseconds(20'000);  // the lease outlives the outage
  auto bus = Open(options);
  ASSERT_NE(bus, nullptr);
  ASSERT_TRUE(bus->Publish(Msg("leased")).ok());
  auto leased = bus->Receive("t", milliseconds(0));
  ASSERT_TRUE(leased.ok() && leased->has_value());
  ASSERT_TRUE(bus->Publish(Msg("before")).ok());

  server_.Stop();
  ASSERT_TRUE(WaitUntil([&] { return !bus->CheckHealth().ok(); }));
  const auto start = SteadyClock::now();
  EXPECT_EQ(bus->Publish(Msg("during")).code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus->Receive("t", milliseconds(500)).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus->Ack(**leased).code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus->Depth("t").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(bus->CheckHealth().code(), StatusCode::kUnavailable);
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));  // no call waits for the server

  ASSERT_TRUE(server_.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return bus->CheckHealth().ok(); }));
  EXPECT_TRUE(bus->Ack(**leased).ok());  // the lease survived the outage
  ASSERT_TRUE(bus->Publish(Msg("during")).ok());  // the outbox relay's retry
  for (const char* id : {"before", "during"}) {
    auto message = bus->Receive("t", milliseconds(2000));
    ASSERT_TRUE(message.ok()) << message.status();
    ASSERT_TRUE(message->has_value()) << id;
    EXPECT_EQ((*message)->id, id);
    EXPECT_EQ((*message)->attempt, 1);
    EXPECT_TRUE(bus->Ack(**message).ok());
  }
  EXPECT_EQ(*bus->Depth("t"), 0);
}

TEST(NatsEventBusAuthTest, CredentialsComeFromAFileAndWrongOnesAreRefused) {
  NatsServer server({"--auth", "s3cret-token"});
  ASSERT_TRUE(server.Start().ok());
  NatsBusConfig config = TestConfig(server.url());
  config.token = "wrong-token";
  auto refused = OpenNatsEventBus(config, TestOptions());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << refused.status();
  EXPECT_EQ(refused.status().ToString().find("wrong-token"), std::string::npos);

  testing::TempDir dir;
  config.credentials_file = dir.File("nats.token");
  std::ofstream(config.credentials_file) << "s3cret-token\n";
  auto bus = OpenNatsEventBus(config, TestOptions());
  ASSERT_TRUE(bus.ok()) << bus.status();
  EXPECT_TRUE((*bus)->Publish(Msg("a")).ok());
  EXPECT_TRUE((*bus)->CheckHealth().ok());
}

TEST(NatsEventBusConfigTest, BadConfigurationIsRejectedBeforeConnecting) {
  NatsBusConfig config = TestConfig("nats://127.0.0.1:1");
  EventBusOptions options = TestOptions();
  options.max_attempts = 0;
  EXPECT_EQ(OpenNatsEventBus(config, options).status().code(), StatusCode::kInvalidArgument);
  NatsBusConfig bad = config;
  bad.stream = "has.dot";
  EXPECT_EQ(OpenNatsEventBus(bad, TestOptions()).status().code(), StatusCode::kInvalidArgument);
  bad = config;
  bad.dead_letter_subject = bad.subject_prefix + ".dead";  // would land in the work queue
  EXPECT_EQ(OpenNatsEventBus(bad, TestOptions()).status().code(), StatusCode::kInvalidArgument);
  bad = config;
  bad.credentials_file = "/nonexistent/nats.creds";
  EXPECT_EQ(OpenNatsEventBus(bad, TestOptions()).status().code(), StatusCode::kInvalidArgument);
}

TEST(NatsEventBusConfigTest, NoServerIsUnavailable) {
  NatsBusConfig config = TestConfig("nats://127.0.0.1:1");
  config.connect_timeout = milliseconds(500);
  const auto start = SteadyClock::now();
  EXPECT_EQ(OpenNatsEventBus(config, TestOptions()).status().code(), StatusCode::kUnavailable);
  EXPECT_LT(SteadyClock::now() - start, milliseconds(5000));
}

TEST_F(NatsEventBusTest, TopicsMustBeSubjectTokens) {
  auto bus = Open();
  ASSERT_NE(bus, nullptr);
  Message message = Msg("a");
  message.topic = "has space";
  EXPECT_EQ(bus->Publish(message).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus->Receive("wild.*", milliseconds(0)).status().code(),
            StatusCode::kInvalidArgument);
  message.topic = "blob-created.v1_x";  // dots and '_' are fine, and stay apart
  ASSERT_TRUE(bus->Publish(message).ok());
  EXPECT_EQ(*bus->Depth("blob-created.v1_x"), 1);
  EXPECT_EQ(*bus->Depth("blob-created.v1"), 0);
}

}  // namespace
}  // namespace ocula
