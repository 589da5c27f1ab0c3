#include "pipeline/worker_pool.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "events/blob_created.h"
#include "events/outbox_relay.h"
#include "fixtures.h"
#include "http_client.h"
#include "pipeline/ingest.h"
#include "wait_until.h"

namespace ocula {
namespace {

class WorkerPoolTest : public PipelineFixture {
 protected:
  std::string Upload() {
    Ingest ingest(blobs_, *metadata_, ImageLimits{}, Clock::Real(), nullptr);
    auto r = ingest.Upload(
        {testing::ReadFile(testing::ServerProcess::SharedDir() + "/testdata/detect/dog.jpg"),
         "image/jpeg", "", ""});
    EXPECT_TRUE(r.ok()) << r.status();
    OutboxRelay relay(*metadata_, *bus_, OutboxRelayOptions{});
    EXPECT_TRUE(relay.RelayOnce().ok());
    return r->image.id;
  }

  std::unique_ptr<WorkerPool> Pool(FakeAnalyzer::Script& script, int threads = 1) {
    WorkerOptions options;
    options.threads = threads;
    options.max_attempts = 3;
    options.receive_wait = std::chrono::milliseconds(50);
    options.model_retry = std::chrono::milliseconds(50);
    return std::make_unique<WorkerPool>(
        *bus_, *metadata_, blobs_,
        [&script]() -> StatusOr<std::unique_ptr<Analyzer>> {
          return std::make_unique<FakeAnalyzer>(script);
        },
        metrics_, Clock::Real(), options);
  }

  ImageRecord WaitFinal(const std::string& id) {
    ImageRecord last;
    const bool final = testing::WaitUntil([&] {
      auto image = metadata_->GetImage(id);
      if (image.ok()) last = *image;
      return image.ok() &&
             (image->status == ImageStatus::kDone || image->status == ImageStatus::kFailed);
    });
    if (!final) ADD_FAILURE() << "image " << id << " never finished";
    return final ? last : ImageRecord{};
  }

  void WaitQueueEmpty() {
    EXPECT_TRUE(testing::WaitUntil([&] { return *bus_->Depth(kBlobCreatedTopic) == 0; }))
        << *bus_->Depth(kBlobCreatedTopic) << " events left";
  }

  MetricsRegistry metrics_;
};

TEST_F(WorkerPoolTest, AnalysesAndStoresResultAndEmbedding) {
  std::string id = Upload();
  FakeAnalyzer::Script script;
  auto pool = Pool(script, 2);
  pool->Start();
  ImageRecord image = WaitFinal(id);
  WaitQueueEmpty();
  pool->Stop();
  EXPECT_EQ(image.status, ImageStatus::kDone);
  EXPECT_NE(image.analysis_json.find("thing"), std::string::npos);
  EXPECT_EQ(image.pipeline_version, "fake/v1");
  EXPECT_EQ(*metadata_->GetEmbedding(id, "fake"), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(script.calls.load(), 1);
}

TEST_F(WorkerPoolTest, TransientErrorsAreRetried) {
  std::string id = Upload();
  FakeAnalyzer::Script script;
  script.outcomes = {absl::UnavailableError("busy"), absl::InternalError("glitch")};
  auto pool = Pool(script);
  pool->Start();
  ImageRecord image = WaitFinal(id);
  pool->Stop();
  EXPECT_EQ(image.status, ImageStatus::kDone);
  EXPECT_EQ(script.calls.load(), 3);
}

TEST_F(WorkerPoolTest, UndecodableImageFailsAtOnceWithReason) {
  std::string id = Upload();
  FakeAnalyzer::Script script;
  script.outcomes = {InvalidImageFormatError("corrupt JPEG data")};
  auto pool = Pool(script);
  pool->Start();
  ImageRecord image = WaitFinal(id);
  WaitQueueEmpty();
  pool->Stop();
  EXPECT_EQ(image.status, ImageStatus::kFailed);
  EXPECT_NE(image.error_json.find("InvalidImageFormat"), std::string::npos) << image.error_json;
  EXPECT_NE(image.error_json.find("corrupt JPEG data"), std::string::npos);
  EXPECT_EQ(script.calls.load(), 1);
  EXPECT_TRUE(bus_->DeadLetters(10)->empty());
}

TEST_F(WorkerPoolTest, PersistentErrorsEndFailedAndDeadLettered) {
  std::string id = Upload();
  FakeAnalyzer::Script script;
  script.outcomes = {absl::InternalError("boom"), absl::InternalError("boom"),
                     absl::InternalError("boom")};
  auto pool = Pool(script);
  pool->Start();
  ImageRecord image = WaitFinal(id);
  pool->Stop();
  EXPECT_EQ(image.status, ImageStatus::kFailed);
  EXPECT_EQ(script.calls.load(), 3);
  auto dead = bus_->DeadLetters(10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_NE((*dead)[0].reason.find("boom"), std::string::npos);
}

TEST_F(WorkerPoolTest, RedeliveryOfFinishedWorkDoesNotAnalyseAgain) {
  std::string id = Upload();
  FakeAnalyzer::Script script;
  auto pool = Pool(script);
  pool->Start();
  WaitFinal(id);
  WaitQueueEmpty();
  // The same event again (as after a crash between result write and ack).
  auto event = metadata_->GetImage(id);
  BlobCreated again;
  again.event_id = "redelivered-" + id;
  again.image_id = id;
  again.blob_key = event->blob_key;
  Message message;
  message.id = again.event_id;
  message.topic = kBlobCreatedTopic;
  message.payload = MakeBlobCreatedPayload(again);
  ASSERT_TRUE(bus_->Publish(message).ok());
  WaitQueueEmpty();
  pool->Stop();
  EXPECT_EQ(script.calls.load(), 1);
}

TEST_F(WorkerPoolTest, ModelLoadFailureIsReportedAndRetried) {
  std::string id = Upload();
  FakeAnalyzer::Script script;
  std::atomic<bool> model_back{false};
  std::atomic<int> attempts{0};
  WorkerOptions options;
  options.threads = 1;
  options.receive_wait = std::chrono::milliseconds(50);
  options.model_retry = std::chrono::milliseconds(20);
  WorkerPool pool(
      *bus_, *metadata_, blobs_,
      [&]() -> StatusOr<std::unique_ptr<Analyzer>> {
        ++attempts;
        if (!model_back) return absl::NotFoundError("model file x.onnx is missing");
        return std::make_unique<FakeAnalyzer>(script);
      },
      metrics_, Clock::Real(), options);
  pool.Start();
  ASSERT_TRUE(testing::WaitUntil([&] { return attempts >= 3; }))
      << "the model load was not retried";
  EXPECT_FALSE(pool.ModelsReady());
  EXPECT_NE(pool.ModelError().find("x.onnx"), std::string::npos) << pool.ModelError();
  EXPECT_EQ(metadata_->GetImage(id)->status, ImageStatus::kPending) << "no work without models";
  model_back = true;  // the operator restores the model
  EXPECT_EQ(WaitFinal(id).status, ImageStatus::kDone);
  EXPECT_TRUE(pool.ModelsReady());
  EXPECT_EQ(pool.ModelError(), "");
  pool.Stop();
}

TEST_F(WorkerPoolTest, WorkersRunNicerThanTheCallerByTheOption) {
  FakeAnalyzer::Script script;
  errno = 0;
  const int caller = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  ASSERT_EQ(errno, 0);
  if (caller > 19 - 3) GTEST_SKIP() << "the test runs too nice (" << caller << ") to add 3";
  std::atomic<int> seen{-100};
  WorkerOptions options;
  options.threads = 1;
  options.receive_wait = std::chrono::milliseconds(50);
  options.nice = 3;
  WorkerPool pool(
      *bus_, *metadata_, blobs_,
      [&]() -> StatusOr<std::unique_ptr<Analyzer>> {
        // The factory runs on the worker thread.
        seen = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
        return std::make_unique<FakeAnalyzer>(script);
      },
      metrics_, Clock::Real(), options);
  pool.Start();
  ASSERT_TRUE(testing::WaitUntil([&] { return pool.ModelsReady(); })) << pool.ModelError();
  pool.Stop();
  EXPECT_EQ(seen.load(), caller + 3);
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), caller) << "only workers";
}

TEST_F(WorkerPoolTest, DeletedImageEventIsDropped) {
  std::string id = Upload();
  ASSERT_TRUE(metadata_->DeleteImage(id).ok());
  FakeAnalyzer::Script script;
  auto pool = Pool(script);
  pool->Start();
  WaitQueueEmpty();
  pool->Stop();
  EXPECT_EQ(script.calls.load(), 0);
}

}  // namespace
}  // namespace ocula
