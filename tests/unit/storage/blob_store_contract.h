// The BlobStore contract: every implementation passes these tests. A test
// binary includes this header once and instantiates the suite with its
// backends, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(Fs, BlobStoreContractTest,
//       ::testing::Values(BlobStoreBackend{"fs", [] { return ...; }}), BlobStoreBackendName);
//
// open() must return an empty store each time (a fresh directory, bucket
// prefix or container).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <ostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "blob/blob_store.h"

namespace ocula {

struct BlobStoreBackend {
  std::string name;
  std::function<std::unique_ptr<BlobStore>()> open;
};

// Test names and failure messages show the backend's name.
inline void PrintTo(const BlobStoreBackend& backend, std::ostream* os) { *os << backend.name; }

inline std::string BlobStoreBackendName(const ::testing::TestParamInfo<BlobStoreBackend>& info) {
  return info.param.name;
}

inline std::string BlobContractRandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

inline std::vector<std::string> BlobContractKeys(const std::vector<BlobInfo>& infos) {
  std::vector<std::string> keys;
  for (const BlobInfo& info : infos) keys.push_back(info.key);
  return keys;
}

class BlobStoreContractTest : public ::testing::TestWithParam<BlobStoreBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().open();
    ASSERT_NE(store_, nullptr) << "could not open the " << GetParam().name << " store";
  }

  BlobStore& store() { return *store_; }

  // Every key under `prefix`, paging `page` at a time.
  std::vector<std::string> ListAll(const std::string& prefix, size_t page) {
    std::vector<std::string> keys;
    std::string after;
    while (true) {
      auto infos = store().List(prefix, after, page);
      EXPECT_TRUE(infos.ok()) << infos.status();
      if (!infos.ok() || infos->empty()) return keys;
      EXPECT_LE(infos->size(), page);
      for (const BlobInfo& info : *infos) keys.push_back(info.key);
      after = infos->back().key;
    }
  }

  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreContractTest, PutThenGetReturnsTheBytes) {
  std::string data("bin\0ary\xff", 8);
  ASSERT_TRUE(store().Put("images/a/original", data).ok());
  auto got = store().Get("images/a/original");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
}

TEST_P(BlobStoreContractTest, EmptyBlobRoundTrips) {
  ASSERT_TRUE(store().Put("empty", "").ok());
  auto got = store().Get("empty");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "");
  EXPECT_EQ(store().Stat("empty")->size, 0u);
}

TEST_P(BlobStoreContractTest, PutReplacesEarlierBlob) {
  ASSERT_TRUE(store().Put("k", "first version").ok());
  ASSERT_TRUE(store().Put("k", "v2").ok());
  EXPECT_EQ(*store().Get("k"), "v2");
  EXPECT_EQ(store().Stat("k")->size, 2u);
}

TEST_P(BlobStoreContractTest, StatReportsKeySizeAndTime) {
  ASSERT_TRUE(store().Put("a/b.jpg", "12345").ok());
  auto info = store().Stat("a/b.jpg");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->key, "a/b.jpg");
  EXPECT_EQ(info->size, 5u);
  EXPECT_GT(info->modified_ms, 0);
}

TEST_P(BlobStoreContractTest, MissingBlobIsNotFoundEverywhere) {
  EXPECT_EQ(store().Get("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().Open("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().Stat("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().Delete("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(store().Stat("dir/nope").status().code(), StatusCode::kNotFound);
}

TEST_P(BlobStoreContractTest, DeleteRemovesTheBlob) {
  ASSERT_TRUE(store().Put("x/y/z", "data").ok());
  ASSERT_TRUE(store().Delete("x/y/z").ok());
  EXPECT_EQ(store().Get("x/y/z").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().Delete("x/y/z").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().List("", "", 10)->empty());
  // The key can be used again.
  ASSERT_TRUE(store().Put("x/y/z", "again").ok());
  EXPECT_EQ(*store().Get("x/y/z"), "again");
}

TEST_P(BlobStoreContractTest, InvalidKeysAreInvalidArgument) {
  for (std::string key : {"", "/abs", "a//b", "a/../b", "..", "a/", "a/./b", "sp ace", "tilde~1",
                          "per%cent", "back\\slash"}) {
    SCOPED_TRACE(key);
    EXPECT_FALSE(IsValidBlobKey(key));
    EXPECT_EQ(store().Put(key, "x").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store().Get(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store().Stat(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store().Delete(key).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(store().Put(std::string(513, 'a'), "x").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(IsValidBlobKey(std::string(512, 'a')));
  EXPECT_TRUE(IsValidBlobKey("images/01HZX/original.v-1_2"));
}

TEST_P(BlobStoreContractTest, ListReturnsKeysInOrderWithPrefixAndPaging) {
  // '-' < '.' < '/' < '0': keys in and beside directories interleave.
  std::vector<std::string> keys = {"k/x", "k-y", "k.z", "k0", "k/w/deep", "images/b/original",
                                   "images/a/original", "images/a/thumb", "images-other/z", "z"};
  for (const std::string& key : keys) ASSERT_TRUE(store().Put(key, key).ok()) << key;
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());

  for (size_t page : {1, 2, 3, 100}) {
    SCOPED_TRACE(page);
    EXPECT_EQ(ListAll("", page), sorted);
  }
  EXPECT_EQ(ListAll("k", 2), (std::vector<std::string>{"k-y", "k.z", "k/w/deep", "k/x", "k0"}));
  EXPECT_EQ(ListAll("images/", 1),
            (std::vector<std::string>{"images/a/original", "images/a/thumb", "images/b/original"}));
  EXPECT_EQ(ListAll("images/a/", 5),
            (std::vector<std::string>{"images/a/original", "images/a/thumb"}));
  EXPECT_TRUE(ListAll("nothing", 5).empty());

  auto after = store().List("images", "images/a/original", 10);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(BlobContractKeys(*after), (std::vector<std::string>{"images/a/thumb", "images/b/original"}));
  auto from_middle = store().List("", "k.z", 2);
  ASSERT_TRUE(from_middle.ok());
  EXPECT_EQ(BlobContractKeys(*from_middle), (std::vector<std::string>{"k/w/deep", "k/x"}));
  EXPECT_TRUE(store().List("", "", 0)->empty());
}

TEST_P(BlobStoreContractTest, ListReportsSizes) {
  ASSERT_TRUE(store().Put("a", "1").ok());
  ASSERT_TRUE(store().Put("b/c", "123").ok());
  auto infos = store().List("", "", 10);
  ASSERT_TRUE(infos.ok());
  ASSERT_EQ(infos->size(), 2u);
  EXPECT_EQ((*infos)[0].size, 1u);
  EXPECT_EQ((*infos)[1].key, "b/c");
  EXPECT_EQ((*infos)[1].size, 3u);
}

TEST_P(BlobStoreContractTest, LargeBlobStreamsInChunks) {
  const std::string data = BlobContractRandomBytes((5 << 20) + 123, 7);
  ASSERT_TRUE(store().Put("big/blob", data).ok());
  auto reader = store().Open("big/blob");
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->size(), data.size());
  std::string streamed;
  std::vector<char> chunk(64 * 1024);
  int reads = 0;
  while (true) {
    auto n = (*reader)->Read(chunk.data(), chunk.size());
    ASSERT_TRUE(n.ok()) << n.status();
    if (*n == 0) break;
    ASSERT_LE(*n, chunk.size());
    streamed.append(chunk.data(), *n);
    ++reads;
  }
  EXPECT_GE(reads, 80);
  EXPECT_TRUE(streamed == data);
  EXPECT_TRUE(*store().Get("big/blob") == data);
}

TEST_P(BlobStoreContractTest, OpenReaderSeesOldBytesAfterOverwrite) {
  const std::string old_data = BlobContractRandomBytes(100'000, 1);
  ASSERT_TRUE(store().Put("k", old_data).ok());
  auto reader = store().Open("k");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(store().Put("k", "new").ok());
  std::string read(old_data.size() + 10, '\0');
  size_t filled = 0;
  while (true) {
    auto n = (*reader)->Read(read.data() + filled, read.size() - filled);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    filled += *n;
  }
  read.resize(filled);
  EXPECT_TRUE(read == old_data);
}

TEST_P(BlobStoreContractTest, ConcurrentPutsOfDistinctKeys) {
  constexpr int kThreads = 8, kPerThread = 16;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "c/" + std::to_string(t) + "/" + std::to_string(i);
        EXPECT_TRUE(store().Put(key, key + "-data").ok()) << key;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::string> keys = ListAll("c/", 50);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const std::string& key : keys) EXPECT_EQ(*store().Get(key), key + "-data");
}

TEST_P(BlobStoreContractTest, ConcurrentPutsToOneKeyLeaveOneWholeValue) {
  constexpr int kThreads = 6;
  std::vector<std::string> values;
  for (int t = 0; t < kThreads; ++t) values.push_back(BlobContractRandomBytes(200'000, 100 + t));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &values, t] {
      for (int i = 0; i < 3; ++i) EXPECT_TRUE(store().Put("same/key", values[t]).ok());
    });
  }
  for (auto& thread : threads) thread.join();
  auto got = store().Get("same/key");
  ASSERT_TRUE(got.ok());
  EXPECT_NE(std::find(values.begin(), values.end(), *got), values.end())
      << "got " << got->size() << " bytes that are none of the values written";
  EXPECT_EQ(ListAll("", 10), std::vector<std::string>{"same/key"});
}

TEST_P(BlobStoreContractTest, CheckHealthIsOkAndLeavesNothingListed) {
  EXPECT_TRUE(store().CheckHealth().ok());
  EXPECT_TRUE(store().List("", "", 10)->empty());
}

}  // namespace ocula
