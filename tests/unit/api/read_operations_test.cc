// ReadOperations (issue 22): the operations waiting for OCR are bounded in
// number and in bytes, so that a flood of Read requests is refused at once
// instead of growing memory without limit; operations are stored, so that
// they survive a restart (released at shutdown) and a crash (taken over once
// the lease runs out); finished ones drop their image, expired ones go.
#include "api/read_operations.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "blob/blob_store_memory.h"
#include "core/clock.h"
#include "storage/temp_dir.h"
#include "wait_until.h"

namespace ocula {
namespace {

// Read waits until the test lets it go; nothing else is used.
class GatedAnalyzer : public Analyzer {
 public:
  explicit GatedAnalyzer(std::shared_future<void> gate) : gate_(std::move(gate)) {}
  StatusOr<Analysis> Analyze(std::string_view) override { return Unused(); }
  StatusOr<VisionResult> Run(std::string_view, const FeatureSet&) override { return Unused(); }
  StatusOr<OcrPage> Read(std::string_view, const std::string&) override {
    gate_.wait();
    return OcrPage{};
  }
  StatusOr<Thumbnail> MakeThumbnail(std::string_view, int, int, bool) override { return Unused(); }
  StatusOr<AreaOfInterestResult> FindAreaOfInterest(std::string_view) override { return Unused(); }
  StatusOr<Embedding> CustomFeatures(std::string_view) override { return Unused(); }
  std::string CustomFeatureModel() const override { return "gated"; }
  std::string PipelineVersion() const override { return "gated"; }
  std::string ModelVersion() const override { return "gated"; }

 private:
  static Status Unused() { return absl::UnimplementedError("not in this test"); }
  std::shared_future<void> gate_;
};

class ReadOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteReadOperationStore(dir_.File("ocula.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::unique_ptr<ReadOperations> Make(ReadOperationOptions options = {}) {
    return std::make_unique<ReadOperations>(*store_, blobs_, analyzers_, clock_, options);
  }

  // The operation's status once it has left notStarted and running.
  std::string FinalStatus(ReadOperations& reads, const std::string& id) {
    std::string status;
    testing::WaitUntil([&] {
      auto op = reads.Get(id);
      status = op.ok() ? op->status : op.status().ToString();
      return status != "notStarted" && status != "running";
    });
    return status;
  }

  // Lets the OCR thread go (once), so that no test can leave it waiting.
  void Open() {
    std::call_once(opened_, [this] { open_.set_value(); });
  }
  // Opens the gate when it goes, before the ReadOperations declared ahead of
  // it joins its thread.
  struct OpenOnExit {
    ReadOperationsTest* test;
    ~OpenOnExit() { test->Open(); }
  };

  testing::TempDir dir_;
  std::unique_ptr<ReadOperationStore> store_;
  MemoryBlobStore blobs_;
  FakeClock clock_;
  std::once_flag opened_;
  std::promise<void> open_;
  std::shared_future<void> gate_ = open_.get_future().share();
  AnalyzerPool analyzers_{[this]() -> StatusOr<std::unique_ptr<Analyzer>> {
                            return std::make_unique<GatedAnalyzer>(gate_);
                          },
                          1};
};

TEST_F(ReadOperationsTest, WaitingOperationsAreBoundedInNumber) {
  auto owned = Make({.max_queued = 2, .max_queued_bytes = 1 << 20});
  ReadOperations& reads = *owned;
  OpenOnExit open_on_exit{this};
  auto running = reads.Submit("page", "en");
  ASSERT_TRUE(running.ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return reads.Get(*running)->status == "running"; }));
  ASSERT_TRUE(reads.Submit("page", "en").ok());
  ASSERT_TRUE(reads.Submit("page", "en").ok());
  auto refused = reads.Submit("page", "en");
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << "two wait already";
  Open();
  EXPECT_TRUE(testing::WaitUntil([&] { return reads.Get(*running)->status == "succeeded"; }));
  EXPECT_TRUE(testing::WaitUntil([&] { return reads.Submit("page", "en").ok(); }))
      << "room again once the queue drains";
}

TEST_F(ReadOperationsTest, WaitingOperationsAreBoundedInBytes) {
  auto owned = Make({.max_queued = 100, .max_queued_bytes = 10});
  ReadOperations& reads = *owned;
  OpenOnExit open_on_exit{this};
  auto running = reads.Submit("page", "en");
  ASSERT_TRUE(running.ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return reads.Get(*running)->status == "running"; }));
  ASSERT_TRUE(reads.Submit(std::string(8, 'x'), "en").ok());
  EXPECT_EQ(reads.Submit(std::string(4, 'x'), "en").status().code(), StatusCode::kUnavailable)
      << "8 + 4 bytes would pass the 10 allowed";
  ASSERT_TRUE(reads.Submit(std::string(2, 'x'), "en").ok());
  Open();
}

TEST_F(ReadOperationsTest, AFinishedOperationKeepsItsResultAndDropsItsImage) {
  Open();
  auto reads = Make();
  auto id = reads->Submit("page", "en");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(FinalStatus(*reads, *id), "succeeded");
  auto op = reads->Get(*id);
  EXPECT_EQ(op->model_version, "gated");
  EXPECT_FALSE(op->read_result_json.empty());
  EXPECT_TRUE(testing::WaitUntil([&] {  // deleted right after the outcome is recorded
    return blobs_.Stat("read-operations/" + *id).status().code() == StatusCode::kNotFound;
  }));
}

TEST_F(ReadOperationsTest, OperationsUnfinishedAtShutdownRunAfterTheRestart) {
  std::string id;
  {
    // A server whose OCR cannot run (Unavailable): the operation stays
    // unfinished, leased to this server, until the server stops.
    AnalyzerPool unavailable(
        []() -> StatusOr<std::unique_ptr<Analyzer>> {
          return absl::UnavailableError("no OCR in this process");
        },
        1);
    ReadOperations reads(*store_, blobs_, unavailable, clock_, {});
    auto submitted = reads.Submit("page", "en");
    ASSERT_TRUE(submitted.ok()) << submitted.status();
    id = *submitted;
    ASSERT_TRUE(testing::WaitUntil([&] { return reads.Get(id)->status == "running"; }));
    EXPECT_EQ(*reads.ResumeAbandoned(), 0u) << "its own lease still runs";
  }
  Open();
  auto restarted = Make();
  auto resumed = restarted->ResumeAbandoned();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(*resumed, 1u) << "released at shutdown: no wait for the lease";
  EXPECT_EQ(FinalStatus(*restarted, id), "succeeded");
}

TEST_F(ReadOperationsTest, ACrashedProcesssOperationIsTakenOverOnceItsLeaseRunsOut) {
  // What a process that died before running it left behind.
  ASSERT_TRUE(blobs_.Put("read-operations/orphan", "page").ok());
  ReadOperationRecord orphan;
  orphan.id = "orphan";
  orphan.language = "en";
  orphan.blob_key = "read-operations/orphan";
  orphan.created_ms = orphan.updated_ms = clock_.NowMs();
  orphan.owner = "a process that crashed";
  orphan.lease_until_ms = clock_.NowMs() + 120'000;
  ASSERT_TRUE(store_->Insert(orphan).ok());
  Open();
  auto reads = Make({.lease = std::chrono::minutes(2)});
  EXPECT_EQ(*reads->ResumeAbandoned(), 0u) << "its lease still runs";
  EXPECT_EQ(reads->Get("orphan")->status, "notStarted");
  clock_.AdvanceMs(120'000);
  EXPECT_EQ(FinalStatus(*reads, "orphan"), "succeeded") << "a poll takes it over";
  EXPECT_TRUE(testing::WaitUntil([&] {
    return blobs_.Stat("read-operations/orphan").status().code() == StatusCode::kNotFound;
  }));
}

TEST_F(ReadOperationsTest, AnOperationWhoseImageIsLostFails) {
  ReadOperationRecord lost;
  lost.id = "lost";
  lost.language = "en";
  lost.blob_key = "read-operations/lost";
  lost.created_ms = lost.updated_ms = clock_.NowMs();
  lost.owner = "gone";
  ASSERT_TRUE(store_->Insert(lost).ok());
  Open();
  auto reads = Make();
  EXPECT_EQ(FinalStatus(*reads, "lost"), "failed");
  EXPECT_EQ(reads->Get("lost")->error_code, "FailedToProcess");
}

TEST_F(ReadOperationsTest, OperationsExpireAfterTheirLifetime) {
  Open();
  auto reads = Make({.ttl = std::chrono::hours(48)});
  auto id = reads->Submit("page", "en");
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(FinalStatus(*reads, *id), "succeeded");
  clock_.AdvanceMs(48 * 3600'000 + 1);
  EXPECT_EQ(reads->Get(*id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(reads->Submit("page", "en").ok());  // deletes the expired ones
  EXPECT_EQ(store_->Get(*id).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ocula
