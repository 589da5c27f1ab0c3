// ReadOperations: the operations waiting for OCR are bounded in number and in
// bytes, so that a flood of Read requests is refused at once instead of
// growing memory without limit (issue 22).
#include "api/read_operations.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "core/clock.h"
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
  std::string PipelineVersion() const override { return "gated"; }
  std::string ModelVersion() const override { return "gated"; }

 private:
  static Status Unused() { return absl::UnimplementedError("not in this test"); }
  std::shared_future<void> gate_;
};

class ReadOperationsTest : public ::testing::Test {
 protected:
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

  std::once_flag opened_;
  std::promise<void> open_;
  std::shared_future<void> gate_ = open_.get_future().share();
  AnalyzerPool analyzers_{[this]() -> StatusOr<std::unique_ptr<Analyzer>> {
                            return std::make_unique<GatedAnalyzer>(gate_);
                          },
                          1};
};

TEST_F(ReadOperationsTest, WaitingOperationsAreBoundedInNumber) {
  ReadOperations reads(analyzers_, Clock::Real(), 1, 100, std::chrono::hours(48), 2, 1 << 20);
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
  ReadOperations reads(analyzers_, Clock::Real(), 1, 100, std::chrono::hours(48), 100, 10);
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

}  // namespace
}  // namespace ocula
