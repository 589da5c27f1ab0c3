// ChangeFeed against a real (temporary) SQLite store and recording streams.
#include "api/change_feed.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "core/ids.h"
#include "metadata/metadata_store_sqlite.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

// Records what the feed sends; can pretend the client has gone.
class RecordingStream : public ResponseStream {
 public:
  bool Send(std::string chunk) override {
    absl::MutexLock lock(&mu_);
    if (gone_) return false;
    text_ += chunk;
    return true;
  }
  void HangUp() {
    absl::MutexLock lock(&mu_);
    gone_ = true;
  }
  // Waits up to 5 s for `needle` in what was sent.
  bool WaitFor(const std::string& needle) {
    absl::MutexLock lock(&mu_);
    auto found = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return text_.find(needle) != std::string::npos;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&found), absl::Seconds(5));
  }
  std::string text() {
    absl::MutexLock lock(&mu_);
    return text_;
  }

 private:
  absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
  bool gone_ ABSL_GUARDED_BY(mu_) = false;
};

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteMetadataStore(dir_.File("ocula.db"), clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  std::string Create() {
    clock_.AdvanceMs(1);
    ImageRecord image;
    image.id = NewId(clock_.NowMs());
    image.content_type = "image/jpeg";
    image.blob_key = "k";
    EXPECT_TRUE(store_->CreateImage(image, OutboxEvent{"ev-" + image.id, "t", "{}", 0}).ok());
    return image.id;
  }
  ChangeFeedOptions Fast() {
    ChangeFeedOptions options;
    options.poll_interval = std::chrono::milliseconds(10);
    return options;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_F(ChangeFeedTest, FormatsAChangeAsOneServerSentEvent) {
  EXPECT_EQ(ChangeFeed::FormatChange(ImageChange{7, "01ABC", "done"}),
            "id: 7\nevent: image\ndata: {\"id\":\"01ABC\",\"seq\":7,\"status\":\"done\"}\n\n");
}

TEST_F(ChangeFeedTest, NewSubscriberGetsTheCurrentSeqThenLiveChanges) {
  std::string before = Create();  // seq 1: not replayed to a new subscriber
  ChangeFeed feed(*store_, Fast());
  feed.Start();
  auto stream = std::make_shared<RecordingStream>();
  ASSERT_TRUE(feed.Subscribe(stream, std::nullopt).ok());
  ASSERT_TRUE(stream->WaitFor("id: 1\nevent: ready\ndata: {\"seq\":1}\n\n"));
  std::string id = Create();
  ASSERT_TRUE(store_->MarkProcessing(id).ok());
  ASSERT_TRUE(stream->WaitFor("\"seq\":3,\"status\":\"processing\""));
  const std::string text = stream->text();
  EXPECT_EQ(text.rfind("retry: 3000\n", 0), 0u);
  EXPECT_NE(text.find("\"id\":\"" + id + "\",\"seq\":2,\"status\":\"pending\""), std::string::npos);
  EXPECT_EQ(text.find(before), std::string::npos);
}

TEST_F(ChangeFeedTest, ResumingSubscriberGetsWhatItMissedOrAReset) {
  std::string a = Create(), b = Create(), c = Create();  // seqs 1, 2, 3
  ChangeFeed feed(*store_, Fast());
  feed.Start();
  auto live = std::make_shared<RecordingStream>();  // makes the feed's cursor 3
  ASSERT_TRUE(feed.Subscribe(live, std::nullopt).ok());
  ASSERT_TRUE(live->WaitFor("event: ready"));

  auto resumed = std::make_shared<RecordingStream>();
  ASSERT_TRUE(feed.Subscribe(resumed, 1).ok());
  ASSERT_TRUE(resumed->WaitFor("\"id\":\"" + c + "\""));
  EXPECT_EQ(resumed->text().find(a), std::string::npos);
  EXPECT_LT(resumed->text().find(b), resumed->text().find(c));

  auto stranger = std::make_shared<RecordingStream>();  // a seq this store never gave
  ASSERT_TRUE(feed.Subscribe(stranger, 100).ok());
  EXPECT_TRUE(stranger->WaitFor("event: reset"));
}

TEST_F(ChangeFeedTest, DropsGoneStreamsAndLimitsSubscribers) {
  ChangeFeedOptions options = Fast();
  options.max_subscribers = 2;
  options.keepalive = std::chrono::milliseconds(20);
  ChangeFeed feed(*store_, options);
  feed.Start();
  auto first = std::make_shared<RecordingStream>();
  auto second = std::make_shared<RecordingStream>();
  ASSERT_TRUE(feed.Subscribe(first, std::nullopt).ok());
  ASSERT_TRUE(feed.Subscribe(second, std::nullopt).ok());
  EXPECT_FALSE(feed.HasRoom());
  EXPECT_EQ(feed.Subscribe(std::make_shared<RecordingStream>(), std::nullopt).code(),
            StatusCode::kUnavailable);
  ASSERT_TRUE(first->WaitFor(": keep-alive\n\n"));  // idle streams hear from the feed

  second->HangUp();  // noticed at the next keep-alive, and its slot freed
  for (int i = 0; i < 500 && !feed.HasRoom(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(feed.HasRoom());
}

}  // namespace
}  // namespace ocula
