// The ReadOperationStore contract: every implementation passes these tests.
// A test binary includes this header once and instantiates the suite with
// its backends, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, ReadOperationStoreContract,
//       ::testing::Values(ReadOperationStoreBackend{"sqlite", NewSqliteStore}),
//       ReadOperationStoreBackendName);
//
// Each test gets a new, empty store from the backend.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "metadata/read_operation_store.h"

namespace ocula {

struct ReadOperationStoreBackend {
  std::string name;
  std::function<StatusOr<std::unique_ptr<ReadOperationStore>>()> new_store;
};

inline void PrintTo(const ReadOperationStoreBackend& backend, std::ostream* os) {
  *os << backend.name;
}

inline std::string ReadOperationStoreBackendName(
    const ::testing::TestParamInfo<ReadOperationStoreBackend>& info) {
  return info.param.name;
}

class ReadOperationStoreContract : public ::testing::TestWithParam<ReadOperationStoreBackend> {
 protected:
  void SetUp() override {
    auto store = GetParam().new_store();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // An unfinished operation of `owner`, leased until `lease_until_ms`.
  static ReadOperationRecord Operation(const std::string& id, int64_t created_ms,
                                       const std::string& owner = "A",
                                       int64_t lease_until_ms = 1000) {
    ReadOperationRecord r;
    r.id = id;
    r.language = "en";
    r.blob_key = "read-operations/" + id;
    r.created_ms = r.updated_ms = created_ms;
    r.owner = owner;
    r.lease_until_ms = lease_until_ms;
    return r;
  }

  static ReadOperationRecord Outcome(const std::string& id, const std::string& status,
                                     int64_t updated_ms) {
    ReadOperationRecord r;
    r.id = id;
    r.status = status;
    r.updated_ms = updated_ms;
    r.model_version = "2022-04-30";
    if (status == "succeeded") {
      r.read_result_json = R"({"page":1,"lines":[]})";
    } else {
      r.error_code = "InvalidImageFormat";
      r.error_message = "not an image";
    }
    return r;
  }

  std::string StatusOf(const std::string& id) {
    auto got = store_->Get(id);
    return got.ok() ? got->status : got.status().ToString();
  }

  std::unique_ptr<ReadOperationStore> store_;
};

TEST_P(ReadOperationStoreContract, KeepsWhatWasInserted) {
  ASSERT_TRUE(store_->Insert(Operation("op-1", 100)).ok());
  auto got = store_->Get("op-1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->status, "notStarted");
  EXPECT_EQ(got->language, "en");
  EXPECT_EQ(got->blob_key, "read-operations/op-1");
  EXPECT_EQ(got->created_ms, 100);
  EXPECT_EQ(got->owner, "A");
  EXPECT_EQ(got->lease_until_ms, 1000);
  EXPECT_FALSE(got->finished());
  EXPECT_EQ(store_->Insert(Operation("op-1", 200)).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Get("op-2").status().code(), StatusCode::kNotFound);
}

TEST_P(ReadOperationStoreContract, OnlyTheOwnerClaimsBeforeTheLeaseRunsOut) {
  ASSERT_TRUE(store_->Insert(Operation("op-1", 100, "A", 1000)).ok());
  EXPECT_FALSE(*store_->Claim("op-1", "B", 999, 5000, true)) << "A's lease still runs";
  ASSERT_TRUE(*store_->Claim("op-1", "A", 999, 1500, false));
  auto renewed = store_->Get("op-1");
  EXPECT_EQ(renewed->status, "notStarted") << "a claim without start leaves the status";
  EXPECT_EQ(renewed->lease_until_ms, 1500);
  EXPECT_FALSE(*store_->Claim("op-1", "B", 1499, 5000, true));
  ASSERT_TRUE(*store_->Claim("op-1", "B", 1500, 5000, true)) << "A's lease has run out";
  auto taken = store_->Get("op-1");
  EXPECT_EQ(taken->status, "running");
  EXPECT_EQ(taken->owner, "B");
  EXPECT_EQ(taken->lease_until_ms, 5000);
  EXPECT_EQ(taken->updated_ms, 1500);
  EXPECT_FALSE(*store_->Claim("op-2", "B", 1500, 5000, true)) << "absent";
}

TEST_P(ReadOperationStoreContract, TheFirstOutcomeWins) {
  ASSERT_TRUE(store_->Insert(Operation("op-1", 100)).ok());
  ASSERT_TRUE(store_->Finish(Outcome("op-1", "succeeded", 300)).ok());
  ASSERT_TRUE(store_->Finish(Outcome("op-1", "failed", 400)).ok()) << "a second run is harmless";
  auto got = store_->Get("op-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "succeeded");
  EXPECT_TRUE(got->finished());
  EXPECT_EQ(got->updated_ms, 300);
  EXPECT_EQ(got->read_result_json, R"({"page":1,"lines":[]})");
  EXPECT_EQ(got->model_version, "2022-04-30");
  EXPECT_FALSE(*store_->Claim("op-1", "A", 5000, 9000, true)) << "finished";
  EXPECT_EQ(store_->Finish(Outcome("op-2", "failed", 400)).code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->Insert(Operation("op-3", 100)).ok());
  ASSERT_TRUE(store_->Finish(Outcome("op-3", "failed", 300)).ok());
  got = store_->Get("op-3");
  EXPECT_EQ(got->status, "failed");
  EXPECT_EQ(got->error_code, "InvalidImageFormat");
  EXPECT_EQ(got->error_message, "not an image");
}

TEST_P(ReadOperationStoreContract, AbandonedAreTheUnfinishedWithoutLeaseOldestFirst) {
  ASSERT_TRUE(store_->Insert(Operation("late", 300, "A", 1000)).ok());
  ASSERT_TRUE(store_->Insert(Operation("early", 100, "B", 900)).ok());
  ASSERT_TRUE(store_->Insert(Operation("held", 50, "C", 5000)).ok());
  ASSERT_TRUE(store_->Insert(Operation("done", 10, "A", 0)).ok());
  ASSERT_TRUE(store_->Finish(Outcome("done", "succeeded", 20)).ok());

  auto abandoned = store_->Abandoned(1000, 10);
  ASSERT_TRUE(abandoned.ok()) << abandoned.status();
  ASSERT_EQ(abandoned->size(), 2u);
  EXPECT_EQ((*abandoned)[0].id, "early");
  EXPECT_EQ((*abandoned)[1].id, "late");
  EXPECT_EQ(store_->Abandoned(1000, 1)->size(), 1u);
  EXPECT_TRUE(store_->Abandoned(899, 10)->empty());
}

TEST_P(ReadOperationStoreContract, ReleaseEndsOnlyTheOwnersLeases) {
  ASSERT_TRUE(store_->Insert(Operation("mine", 100, "A", 5000)).ok());
  ASSERT_TRUE(store_->Insert(Operation("theirs", 100, "B", 5000)).ok());
  ASSERT_TRUE(store_->Release("A").ok());
  auto abandoned = store_->Abandoned(1, 10);
  ASSERT_TRUE(abandoned.ok());
  ASSERT_EQ(abandoned->size(), 1u);
  EXPECT_EQ((*abandoned)[0].id, "mine");
  EXPECT_TRUE(*store_->Claim("mine", "C", 1, 5000, true));
}

TEST_P(ReadOperationStoreContract, ExpireDropsTheOldAndTheOldestFinishedBeyondTheKept) {
  ASSERT_TRUE(store_->Insert(Operation("old-unfinished", 10)).ok());
  for (const char* id : {"f1", "f2", "f3"}) {
    ASSERT_TRUE(store_->Insert(Operation(id, id[1] * 100)).ok());
    ASSERT_TRUE(store_->Finish(Outcome(id, "succeeded", id[1] * 100)).ok());
  }
  ASSERT_TRUE(store_->Insert(Operation("new-unfinished", 90000)).ok());

  auto deleted = store_->Expire(/*created_before_ms=*/50, /*keep=*/3);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  std::sort(deleted->begin(), deleted->end());
  EXPECT_EQ(*deleted,
            (std::vector<std::string>{"read-operations/f1", "read-operations/old-unfinished"}));
  EXPECT_EQ(store_->Get("old-unfinished").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("f1").status().code(), StatusCode::kNotFound)
      << "the oldest finished beyond the newest 3";
  EXPECT_EQ(StatusOf("f2"), "succeeded");
  EXPECT_EQ(StatusOf("f3"), "succeeded");
  EXPECT_EQ(StatusOf("new-unfinished"), "notStarted") << "unfinished ones live out their time";
  EXPECT_TRUE(store_->Expire(50, 3)->empty()) << "nothing left to drop";
}

}  // namespace ocula
