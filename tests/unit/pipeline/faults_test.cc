// Fault injection on the whole pipeline with real stores: the file blob store
// and the SQLite metadata store and queue in a temp dir, each wrapped in its
// fault-injecting decorator, the real OutboxRelay and WorkerPool, and a fake
// (or, for the inference timeout, the real) analyzer. Every test proves the
// same property: an upload that was acknowledged is analysed exactly once,
// and one that was refused leaves no document and no event behind.
//
// HTTP statuses: Ingest's errors become responses in api/error_mapping.cc
// (InsufficientStorage -> 507, Unavailable -> 503 with Retry-After, Internal
// -> 500), pinned by tests/unit/api/error_mapping_test.cc; the tests here
// check the status code and reason that decide them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>

#include "blob/blob_store_faulty.h"
#include "blob/blob_store_fs.h"
#include "db/sqlite_db.h"
#include "events/blob_created.h"
#include "events/event_bus_faulty.h"
#include "events/event_bus_sqlite.h"
#include "events/outbox_relay.h"
#include "fixtures.h"
#include "http_client.h"
#include "metadata/metadata_store_faulty.h"
#include "metadata/metadata_store_sqlite.h"
#include "pipeline/ingest.h"
#include "pipeline/worker_pool.h"
#include "vision/models/model_runner.h"

namespace ocula {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

std::vector<std::string> Photos() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(testing::ServerProcess::SharedDir() +
                                                           "/testdata/imagenet-dev")) {
    out.push_back(testing::ReadFile(e.path().string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// An analyzer that fails every time for one image (by its bytes): it throws,
// or returns `poison_error` when that is set. Other images succeed. Counts
// calls per image.
class PoisonAnalyzer : public FakeAnalyzer {
 public:
  struct Counts {
    std::mutex mu;
    std::map<size_t, int> calls_by_size;  // image byte size -> Analyze calls
  };
  PoisonAnalyzer(Script& script, Counts& counts, std::string poison,
                 Status poison_error = absl::OkStatus())
      : FakeAnalyzer(script),
        counts_(counts),
        poison_(std::move(poison)),
        poison_error_(std::move(poison_error)) {}
  StatusOr<Analysis> Analyze(std::string_view bytes) override {
    {
      std::lock_guard lock(counts_.mu);
      ++counts_.calls_by_size[bytes.size()];
    }
    if (bytes == poison_) {
      if (!poison_error_.ok()) return poison_error_;
      throw std::runtime_error("tensor shape mismatch in a model wrapper");
    }
    return FakeAnalyzer::Analyze(bytes);
  }

 private:
  Counts& counts_;
  std::string poison_;
  Status poison_error_;
};

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("ocula-faults");
    auto blobs = MakeFsBlobStore(dir_ + "/blobs");
    ASSERT_TRUE(blobs.ok()) << blobs.status();
    fs_blobs_ = std::move(*blobs);
    auto metadata = OpenSqliteMetadataStore(dir_ + "/ocula.db");
    ASSERT_TRUE(metadata.ok()) << metadata.status();
    sqlite_metadata_ = std::move(*metadata);
    EventBusOptions options;
    options.visibility_timeout = milliseconds(500);
    options.max_attempts = 3;
    options.backoff_base = milliseconds(10);
    options.backoff_max = milliseconds(20);
    auto bus = OpenSqliteEventBus(dir_ + "/ocula.db", options);
    ASSERT_TRUE(bus.ok()) << bus.status();
    sqlite_bus_ = std::move(*bus);
    blobs_ = std::make_unique<FaultyBlobStore>(*fs_blobs_);
    metadata_ = std::make_unique<FaultyMetadataStore>(*sqlite_metadata_);
    bus_ = std::make_unique<FaultyEventBus>(*sqlite_bus_);
    OutboxRelayOptions relay_options;
    relay_options.poll_interval = milliseconds(10);
    relay_options.max_backoff = milliseconds(50);
    relay_ = std::make_unique<OutboxRelay>(*metadata_, *bus_, relay_options);
    ingest_ = std::make_unique<Ingest>(*blobs_, *metadata_, ImageLimits{}, Clock::Real(),
                                       [this] { relay_->Notify(); });
  }

  void TearDown() override {
    if (pool_) pool_->Stop();
    relay_->Stop();
    std::filesystem::remove_all(dir_);
  }

  StatusOr<CreateResult> Upload(const std::string& bytes, const std::string& key = "") {
    return ingest_->Upload({bytes, "image/jpeg", key, "req", ""});
  }

  void StartPool(AnalyzerFactory factory, int threads = 1) {
    WorkerOptions options;
    options.threads = threads;
    options.max_attempts = 3;
    options.receive_wait = milliseconds(50);
    options.model_retry = milliseconds(50);
    pool_ = std::make_unique<WorkerPool>(*bus_, *metadata_, *blobs_, std::move(factory), metrics_,
                                         Clock::Real(), options);
    pool_->Start();
  }
  void StartPool(FakeAnalyzer::Script& script, int threads = 1) {
    StartPool(
        [&script]() -> StatusOr<std::unique_ptr<Analyzer>> {
          return std::make_unique<FakeAnalyzer>(script);
        },
        threads);
  }

  ImageRecord WaitFinal(const std::string& id, int timeout_ms = 20000) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      auto image = sqlite_metadata_->GetImage(id);
      if (image.ok() &&
          (image->status == ImageStatus::kDone || image->status == ImageStatus::kFailed)) {
        return *image;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    ADD_FAILURE() << "image " << id << " never finished";
    return {};
  }

  // Waits until the queue holds nothing (every event acked or dead).
  void WaitQueueEmpty(int timeout_ms = 20000) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(timeout_ms);
    while (*sqlite_bus_->Depth(kBlobCreatedTopic) > 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    EXPECT_EQ(*sqlite_bus_->Depth(kBlobCreatedTopic), 0);
  }

  std::vector<ImageRecord> AllImages() { return sqlite_metadata_->ListImages({})->images; }
  size_t PendingOutbox() { return sqlite_metadata_->PendingOutbox(1000)->size(); }
  std::vector<BlobInfo> AllBlobs() { return *fs_blobs_->List("", "", 1000); }

  std::string dir_;
  std::unique_ptr<BlobStore> fs_blobs_;
  std::unique_ptr<MetadataStore> sqlite_metadata_;
  std::unique_ptr<EventBus> sqlite_bus_;
  std::unique_ptr<FaultyBlobStore> blobs_;
  std::unique_ptr<FaultyMetadataStore> metadata_;
  std::unique_ptr<FaultyEventBus> bus_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<Ingest> ingest_;
  MetricsRegistry metrics_;
  std::unique_ptr<WorkerPool> pool_;
  const std::vector<std::string> photos_ = Photos();
};

// --- 1. Disk full / blob write errors ---------------------------------------

TEST_F(FaultsTest, DiskFullRefusesTheUploadWith507AndCreatesNothing) {
  blobs_->FailPutsAfterBytes(0);  // ENOSPC: the fs store maps ENOSPC/EDQUOT/EFBIG the same way
  auto refused = Upload(photos_[0]);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused.status()), reason::kInsufficientStorage);  // -> HTTP 507
  EXPECT_TRUE(AllImages().empty());
  EXPECT_EQ(PendingOutbox(), 0u);
  EXPECT_TRUE(AllBlobs().empty());
  // Space is freed: the same upload now goes through and is analysed.
  blobs_->Clear();
  auto accepted = Upload(photos_[0]);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  relay_->Start();
  FakeAnalyzer::Script script;
  StartPool(script);
  EXPECT_EQ(WaitFinal(accepted->image.id).status, ImageStatus::kDone);
  EXPECT_EQ(AllImages().size(), 1u);
}

TEST_F(FaultsTest, BlobIoErrorRefusesTheUploadWith503AndCreatesNothing) {
  blobs_->FailNext(BlobOp::kPut, 1, absl::UnavailableError("write 'images/x': I/O error"));
  auto refused = Upload(photos_[0]);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);  // -> HTTP 503 + Retry-After
  EXPECT_EQ(ReasonOf(refused.status()), "");
  EXPECT_TRUE(AllImages().empty());
  EXPECT_EQ(PendingOutbox(), 0u);
  EXPECT_TRUE(AllBlobs().empty());
  ASSERT_TRUE(Upload(photos_[0]).ok()) << "a retry succeeds";
}

// --- 2. Metadata store errors ------------------------------------------------

TEST_F(FaultsTest, MetadataErrorIs503WithNoDocumentNoEventAndTheRetrySucceeds) {
  metadata_->FailNext(MetadataOp::kCreateImage, 1, absl::UnavailableError("database is locked"));
  auto refused = Upload(photos_[0], "key-1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);  // -> HTTP 503
  EXPECT_TRUE(AllImages().empty());
  EXPECT_EQ(PendingOutbox(), 0u);
  ASSERT_TRUE(relay_->RelayOnce().ok());
  EXPECT_EQ(*sqlite_bus_->Depth(kBlobCreatedTopic), 0) << "no orphan event on the bus";
  EXPECT_TRUE(AllBlobs().empty()) << "Ingest removed the blob it had written";

  // The client retries the same upload (same idempotency key): accepted once.
  auto accepted = Upload(photos_[0], "key-1");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_TRUE(accepted->created);
  EXPECT_EQ(AllImages().size(), 1u);
  EXPECT_EQ(PendingOutbox(), 1u);
  EXPECT_EQ(AllBlobs().size(), 1u);
  relay_->Start();
  FakeAnalyzer::Script script;
  StartPool(script);
  ImageRecord done = WaitFinal(accepted->image.id);
  EXPECT_EQ(done.status, ImageStatus::kDone);
  EXPECT_EQ(done.version, 3) << "pending -> processing -> done, result written once";
  EXPECT_EQ(script.calls.load(), 1);
}

TEST_F(FaultsTest, MetadataErrorWhileTheBlobCannotBeRemovedLeavesOnlyAnOrphanBlob) {
  metadata_->FailNext(MetadataOp::kCreateImage, 1, absl::UnavailableError("database is locked"));
  blobs_->FailNext(BlobOp::kDelete, 1, absl::UnavailableError("disk busy"));
  ASSERT_EQ(Upload(photos_[0]).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(AllImages().empty());
  EXPECT_EQ(PendingOutbox(), 0u);
  // The orphan blob: bytes no document refers to (the reconciler's to remove).
  ASSERT_EQ(AllBlobs().size(), 1u);
  const std::string orphan = AllBlobs()[0].key;
  auto accepted = Upload(photos_[0]);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_NE(accepted->image.blob_key, orphan);
  EXPECT_EQ(AllBlobs().size(), 2u) << "the orphan and the retry's blob";
  ASSERT_EQ(AllImages().size(), 1u);
  EXPECT_EQ(AllImages()[0].blob_key, accepted->image.blob_key) << "no document uses the orphan";
}

// A failure part-way through the real SQLite transaction: the image row is
// inserted, then the outbox insert aborts. Both roll back.
TEST_F(FaultsTest, SqliteAbortMidTransactionRollsBackTheDocument) {
  auto db = sqlite::Connection::Open(dir_ + "/ocula.db");
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)
                  ->Exec("CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox "
                         "BEGIN SELECT RAISE(ABORT, 'injected: outbox write failed'); END")
                  .ok());
  auto refused = Upload(photos_[0], "key-1");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("injected"), std::string::npos)
      << refused.status();
  EXPECT_TRUE(AllImages().empty()) << "the image row inserted first was rolled back";
  EXPECT_EQ(PendingOutbox(), 0u);
  EXPECT_TRUE(AllBlobs().empty());
  ASSERT_TRUE((*db)->Exec("DROP TRIGGER fail_outbox").ok());
  auto accepted = Upload(photos_[0], "key-1");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_TRUE(accepted->created);
  EXPECT_EQ(PendingOutbox(), 1u);
}

// The commit happened but its reply was lost (issue 22: a PostgreSQL restart
// during COMMIT): the document is found, and the upload is answered as stored,
// so that a client without an idempotency key does not retry into a second
// image.
TEST_F(FaultsTest, CommitWithLostReplyIsAnsweredAsStored) {
  metadata_->FailNext(MetadataOp::kCreateImage, 1, absl::UnavailableError("connection reset"),
                      FaultTiming::kAfterForwarding);
  auto accepted = Upload(photos_[0]);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_TRUE(accepted->created);
  EXPECT_EQ(AllImages().size(), 1u);
  EXPECT_TRUE(fs_blobs_->Stat(accepted->image.blob_key).ok());
  relay_->Start();
  FakeAnalyzer::Script script;
  StartPool(script);
  EXPECT_EQ(WaitFinal(accepted->image.id).status, ImageStatus::kDone);
}

// The commit happened, its reply was lost and the lookup fails too (the
// database is still down): the client sees 503 and retries with its
// idempotency key. The earlier document must keep its blob, or the replayed
// (acknowledged) upload could never be analysed.
TEST_F(FaultsTest, CommitWithLostReplyKeepsTheBlobForTheIdempotentRetry) {
  metadata_->FailNext(MetadataOp::kCreateImage, 1, absl::UnavailableError("connection reset"),
                      FaultTiming::kAfterForwarding);
  metadata_->FailNext(MetadataOp::kGetImage, 1, absl::UnavailableError("still restarting"));
  ASSERT_EQ(Upload(photos_[0], "key-1").status().code(), StatusCode::kUnavailable);
  auto replay = Upload(photos_[0], "key-1");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_FALSE(replay->created) << "the first commit is found";
  EXPECT_EQ(AllImages().size(), 1u);
  EXPECT_TRUE(fs_blobs_->Stat(replay->image.blob_key).ok())
      << "the committed document's blob was removed after the lost reply";
  relay_->Start();
  FakeAnalyzer::Script script;
  StartPool(script);
  EXPECT_EQ(WaitFinal(replay->image.id).status, ImageStatus::kDone);
}

TEST_F(FaultsTest, ResultWriteFailureIsRetriedAndTheResultStoredOnce) {
  auto accepted = Upload(photos_[0]);
  ASSERT_TRUE(accepted.ok());
  ASSERT_TRUE(relay_->RelayOnce().ok());
  metadata_->FailNext(MetadataOp::kSetResult, 1, absl::UnavailableError("database is locked"));
  FakeAnalyzer::Script script;
  StartPool(script);
  ImageRecord done = WaitFinal(accepted->image.id);
  WaitQueueEmpty();
  EXPECT_EQ(done.status, ImageStatus::kDone);
  EXPECT_EQ(done.version, 3);
  EXPECT_EQ(script.calls.load(), 2) << "analysed again after the failed write";
  EXPECT_EQ(metadata_->injected(MetadataOp::kSetResult), 1);
}

TEST_F(FaultsTest, ResultStoredButReplyLostIsNotWrittenTwice) {
  auto accepted = Upload(photos_[0]);
  ASSERT_TRUE(accepted.ok());
  ASSERT_TRUE(relay_->RelayOnce().ok());
  metadata_->FailNext(MetadataOp::kSetResult, 1, absl::UnavailableError("reply lost"),
                      FaultTiming::kAfterForwarding);
  FakeAnalyzer::Script script;
  StartPool(script);
  WaitFinal(accepted->image.id);
  WaitQueueEmpty();
  auto done = sqlite_metadata_->GetImage(accepted->image.id);
  EXPECT_EQ(done->status, ImageStatus::kDone);
  EXPECT_EQ(done->version, 3) << "the redelivery found the stored result";
  EXPECT_EQ(script.calls.load(), 1);
  EXPECT_TRUE(sqlite_bus_->DeadLetters(10)->empty());
}

// --- 3. Queue unavailable ----------------------------------------------------

TEST_F(FaultsTest, QueueDownUploadsAreAcceptedAndProcessingResumesWhenItReturns) {
  constexpr size_t kUploads = 12;
  bus_->SetDown(absl::UnavailableError("queue down"));
  relay_->Start();
  FakeAnalyzer::Script script;
  StartPool(script, 2);
  std::vector<std::string> ids;
  for (size_t i = 0; i < kUploads; ++i) {
    auto accepted = Upload(photos_[i % photos_.size()]);
    ASSERT_TRUE(accepted.ok()) << "uploads are accepted while the queue is down: "
                               << accepted.status();
    ids.push_back(accepted->image.id);
  }
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(PendingOutbox(), kUploads) << "the outbox holds every event";
  EXPECT_EQ(*sqlite_bus_->Depth(kBlobCreatedTopic), 0);
  EXPECT_EQ(script.calls.load(), 0);
  EXPECT_GT(bus_->injected(BusOp::kPublish), 0) << "the relay kept trying";
  EXPECT_GT(bus_->injected(BusOp::kReceive), 0) << "the workers kept trying";

  // The queue returns, still flaky: a publish stored although reported failed
  // (republished, deduplicated by id), and acks lost (redelivered after the
  // lease, recognised as done).
  bus_->FailNext(BusOp::kPublish, 2, absl::UnavailableError("reply lost"),
                 FaultTiming::kAfterForwarding);
  bus_->FailNext(BusOp::kAck, 3, absl::UnavailableError("ack lost"));
  bus_->SetDown(absl::OkStatus());
  for (const std::string& id : ids) {
    ImageRecord image = WaitFinal(id);
    EXPECT_EQ(image.status, ImageStatus::kDone) << id;
    EXPECT_EQ(image.version, 3) << id << ": the result was written more than once";
  }
  WaitQueueEmpty();
  EXPECT_EQ(script.calls.load(), static_cast<int>(kUploads)) << "each image analysed once";
  EXPECT_EQ(PendingOutbox(), 0u);
  EXPECT_TRUE(sqlite_bus_->DeadLetters(10)->empty());
  EXPECT_EQ(bus_->injected(BusOp::kAck), 3);
  EXPECT_NE(metrics_.RenderPrometheus().find("ocula_bus_settle_failures_total{op=\"ack\"} 3"),
            std::string::npos)
      << "every refused ack is counted\n"
      << metrics_.RenderPrometheus();
  EXPECT_EQ(AllImages().size(), kUploads);
}

// --- 5. Inference failures: exceptions and timeouts -------------------------

TEST_F(FaultsTest, ThrowingAnalyzerFailsOnlyItsImageAfterBoundedRetries) {
  const std::string poison = photos_[0];
  std::vector<std::string> good = {photos_[1], photos_[2], photos_[3]};
  ASSERT_NE(poison.size(), good[0].size());
  auto bad = Upload(poison);
  std::vector<std::string> ids;
  for (const std::string& bytes : good) ids.push_back(Upload(bytes)->image.id);
  ASSERT_TRUE(bad.ok());
  relay_->Start();
  FakeAnalyzer::Script script;
  PoisonAnalyzer::Counts counts;
  StartPool([&]() -> StatusOr<std::unique_ptr<Analyzer>> {
    return std::make_unique<PoisonAnalyzer>(script, counts, poison);
  });  // one worker thread: it must survive the throws to finish the others

  ImageRecord failed = WaitFinal(bad->image.id);
  EXPECT_EQ(failed.status, ImageStatus::kFailed);
  json error = json::parse(failed.error_json);
  EXPECT_EQ(error["code"], "AnalysisFailed");
  EXPECT_NE(error["message"].get<std::string>().find("tensor shape mismatch"), std::string::npos)
      << error;
  EXPECT_NE(error["message"].get<std::string>().find("after 3 attempts"), std::string::npos)
      << error;
  for (const std::string& id : ids) EXPECT_EQ(WaitFinal(id).status, ImageStatus::kDone);
  WaitQueueEmpty();
  EXPECT_TRUE(pool_->ModelsReady()) << "the worker is still running";
  std::lock_guard lock(counts.mu);
  EXPECT_EQ(counts.calls_by_size[poison.size()], 3) << "bounded by queue.max_attempts";
  for (const std::string& bytes : good) EXPECT_EQ(counts.calls_by_size[bytes.size()], 1);
  auto dead = sqlite_bus_->DeadLetters(10);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_NE((*dead)[0].reason.find("threw"), std::string::npos) << (*dead)[0].reason;
}

TEST_F(FaultsTest, InferenceTimeoutIsRetriedThenFailedAsAnalysisTimeout) {
  auto slow = Upload(photos_[0]);
  auto next = Upload(photos_[1]);
  ASSERT_TRUE(slow.ok() && next.ok());
  ASSERT_NE(photos_[0].size(), photos_[1].size());
  FakeAnalyzer::Script script;
  PoisonAnalyzer::Counts counts;
  const Status timeout = absl::DeadlineExceededError(
      "inference of x.onnx ran past its time limit of 1 ms (vision.inference_timeout_ms)");
  relay_->Start();
  StartPool([&]() -> StatusOr<std::unique_ptr<Analyzer>> {
    return std::make_unique<PoisonAnalyzer>(script, counts, photos_[0], timeout);
  });
  ImageRecord failed = WaitFinal(slow->image.id);
  EXPECT_EQ(failed.status, ImageStatus::kFailed);
  ASSERT_FALSE(failed.error_json.empty());
  json error = json::parse(failed.error_json);
  EXPECT_EQ(error["code"], "AnalysisTimeout");
  EXPECT_NE(error["message"].get<std::string>().find("time limit of 1 ms"), std::string::npos);
  EXPECT_NE(error["message"].get<std::string>().find("after 3 attempts"), std::string::npos);
  EXPECT_EQ(WaitFinal(next->image.id).status, ImageStatus::kDone) << "the worker went on";
  WaitQueueEmpty();
  std::lock_guard lock(counts.mu);
  EXPECT_EQ(counts.calls_by_size[photos_[0].size()], 3) << "bounded by queue.max_attempts";
  EXPECT_EQ(counts.calls_by_size[photos_[1].size()], 1);
  EXPECT_EQ(sqlite_bus_->DeadLetters(10)->size(), 1u);
}

TEST_F(FaultsTest, InferenceTimeoutThatPassesOnRetryEndsDone) {
  auto accepted = Upload(photos_[0]);
  ASSERT_TRUE(accepted.ok());
  FakeAnalyzer::Script script;
  script.outcomes = {absl::DeadlineExceededError("ran past its time limit")};
  relay_->Start();
  StartPool(script);
  ImageRecord done = WaitFinal(accepted->image.id);
  EXPECT_EQ(done.status, ImageStatus::kDone);
  EXPECT_EQ(done.error_json, "");
  EXPECT_EQ(script.calls.load(), 2);
}

// The real analyzer and models with a 1 ms inference limit: ONNX Runtime
// is stopped by the watchdog, the worker retries, then fails the image.
TEST_F(FaultsTest, RealModelsPastTheInferenceTimeoutFailTheImage) {
  AnalyzerOptions options;
  options.model_dir = testing::ServerProcess::ModelDir();
  options.inference_timeout = milliseconds(1);
  auto analyzer = Analyzer::Create(options);  // its runners take the 1 ms limit
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();
  std::shared_ptr<Analyzer> shared = std::move(*analyzer);

  class Borrowed : public FakeAnalyzer {
   public:
    Borrowed(Script& script, std::shared_ptr<Analyzer> real)
        : FakeAnalyzer(script), real_(std::move(real)) {}
    StatusOr<Analysis> Analyze(std::string_view bytes) override { return real_->Analyze(bytes); }
    std::string PipelineVersion() const override { return real_->PipelineVersion(); }

   private:
    std::shared_ptr<Analyzer> real_;
  };
  auto accepted = Upload(photos_[0]);
  ASSERT_TRUE(accepted.ok());
  relay_->Start();
  FakeAnalyzer::Script script;
  StartPool([&]() -> StatusOr<std::unique_ptr<Analyzer>> {
    return std::make_unique<Borrowed>(script, shared);
  });
  ImageRecord failed = WaitFinal(accepted->image.id, 60000);
  EXPECT_EQ(failed.status, ImageStatus::kFailed);
  json error = json::parse(failed.error_json);
  EXPECT_EQ(error["code"], "AnalysisTimeout") << error;
  EXPECT_NE(error["message"].get<std::string>().find("ms (vision.inference_timeout_ms)"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace ocula
