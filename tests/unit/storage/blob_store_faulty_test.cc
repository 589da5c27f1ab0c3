// FaultyBlobStore: injected failures and "disk full".
#include "blob/blob_store_faulty.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "blob/blob_store_fs.h"
#include "blob/blob_store_memory.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

class FaultyBlobStoreTest : public ::testing::Test {
 protected:
  MemoryBlobStore inner_;
  FaultyBlobStore store_{inner_};
};

TEST_F(FaultyBlobStoreTest, FailNextFailsThatManyCallsThenForwards) {
  store_.FailNext(BlobOp::kPut, 2, absl::UnavailableError("flaky disk"));
  EXPECT_EQ(store_.Put("k", "1").code(), StatusCode::kUnavailable);
  EXPECT_EQ(store_.Put("k", "2").code(), StatusCode::kUnavailable);
  EXPECT_EQ(inner_.Get("k").status().code(), StatusCode::kNotFound);  // not forwarded
  EXPECT_TRUE(store_.Put("k", "3").ok());
  EXPECT_EQ(*inner_.Get("k"), "3");
}

TEST_F(FaultyBlobStoreTest, EachOperationCanFail) {
  ASSERT_TRUE(store_.Put("k", "v").ok());
  const Status injected = absl::InternalError("injected");
  for (BlobOp op : {BlobOp::kOpen, BlobOp::kGet, BlobOp::kStat, BlobOp::kDelete, BlobOp::kList,
                    BlobOp::kCheckHealth}) {
    store_.FailNext(op, 1, injected);
  }
  EXPECT_EQ(store_.Open("k").status().code(), StatusCode::kInternal);
  EXPECT_EQ(store_.Get("k").status().code(), StatusCode::kInternal);
  EXPECT_EQ(store_.Stat("k").status().code(), StatusCode::kInternal);
  EXPECT_EQ(store_.Delete("k").code(), StatusCode::kInternal);
  EXPECT_EQ(store_.List("", "", 10).status().code(), StatusCode::kInternal);
  EXPECT_EQ(store_.CheckHealth().code(), StatusCode::kInternal);
  // Each fault was used once; the blob survived the failed Delete.
  EXPECT_EQ(*store_.Get("k"), "v");
  EXPECT_TRUE(store_.CheckHealth().ok());
}

TEST_F(FaultyBlobStoreTest, DiskFullAfterByteLimitIsInsufficientStorage) {
  store_.FailPutsAfterBytes(100);
  ASSERT_TRUE(store_.Put("a", std::string(60, 'a')).ok());
  Status full = store_.Put("b", std::string(50, 'b'));
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(full), reason::kInsufficientStorage);
  EXPECT_EQ(inner_.Stat("b").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_.Put("c", std::string(40, 'c')).ok());  // exactly at the limit
  EXPECT_EQ(store_.Put("d", "x").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(store_.bytes_put(), 100u);
  store_.Clear();
  EXPECT_TRUE(store_.Put("d", "x").ok());
}

TEST_F(FaultyBlobStoreTest, FailedForwardedPutDoesNotCountBytes) {
  store_.FailPutsAfterBytes(10);
  EXPECT_EQ(store_.Put("bad key", "12345").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.bytes_put(), 0u);
}

TEST_F(FaultyBlobStoreTest, ConcurrentPutsNeverExceedTheLimit) {
  store_.FailPutsAfterBytes(500);
  std::atomic<int> ok{0}, full{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        Status s = store_.Put("t" + std::to_string(t) + "/" + std::to_string(i), "0123456789");
        if (s.ok()) ++ok;
        if (ReasonOf(s) == reason::kInsufficientStorage) ++full;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(full.load(), 30);
  EXPECT_EQ(store_.bytes_put(), 500u);
}

TEST(FaultyOverFsTest, DiskFullKeepsTheOldBlob) {
  testing::TempDir dir;
  auto fs_store = MakeFsBlobStore(dir.File("blobs"));
  ASSERT_TRUE(fs_store.ok());
  FaultyBlobStore store(**fs_store);
  ASSERT_TRUE(store.Put("images/1/original", "version one").ok());
  store.FailPutsAfterBytes(store.bytes_put());
  Status status = store.Put("images/1/original", "version two, longer");
  EXPECT_EQ(ReasonOf(status), reason::kInsufficientStorage);
  EXPECT_EQ(*store.Get("images/1/original"), "version one");
}

}  // namespace
}  // namespace ocula
