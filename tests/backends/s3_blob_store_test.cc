// The S3 store against a real S3 API server on loopback (object_store_servers.h):
// the BlobStore contract with path-style addressing, plus what is S3's own:
// multipart uploads, virtual-host addressing, signatures, a missing bucket,
// a server that is down.
#include "blob/blob_store_s3.h"

#include <gtest/gtest.h>

#include <atomic>

#include "object_store_servers.h"
#include "storage/blob_store_contract.h"

namespace ocula {
namespace {

using testing::S3Server;

S3Server& Server() {
  static S3Server server;
  return server;
}

// A fresh prefix per store, so every test starts from an empty listing.
S3Config TestConfig() {
  static std::atomic<int> count = 0;
  S3Config config;
  config.bucket = S3Server::kBucket;
  config.prefix = "t" + std::to_string(++count) + "/";
  config.endpoint = Server().endpoint();
  config.path_style = true;
  config.part_size = 5 << 20;
  config.credentials = {S3Server::kAccessKey, S3Server::kSecret, ""};
  return config;
}

std::unique_ptr<BlobStore> Open(const S3Config& config) {
  auto store = OpenS3BlobStore(config);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(S3, BlobStoreContractTest,
                         ::testing::Values(BlobStoreBackend{"path_style",
                                                            [] { return Open(TestConfig()); }}),
                         BlobStoreBackendName);

TEST(S3BlobStoreTest, LargeBlobIsUploadedInParts) {
  auto store = Open(TestConfig());
  const std::string data = BlobContractRandomBytes((12 << 20) + 7, 3);  // 3 parts of <= 5 MiB
  ASSERT_TRUE(store->Put("big", data).ok());
  auto got = store->Get("big");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == data);
  EXPECT_EQ(store->Stat("big")->size, data.size());
}

TEST(S3BlobStoreTest, VirtualHostAddressing) {
  S3Config config = TestConfig();
  config.endpoint = "http://s3.localhost:" + std::to_string(Server().port());
  config.path_style = false;
  auto store = Open(config);
  ASSERT_TRUE(store->CheckHealth().ok()) << store->CheckHealth();
  ASSERT_TRUE(store->Put("images/a/original", "bytes").ok());
  EXPECT_EQ(*store->Get("images/a/original"), "bytes");
  EXPECT_EQ(store->List("images/", "", 10)->size(), 1u);
  EXPECT_TRUE(store->Delete("images/a/original").ok());
}

TEST(S3BlobStoreTest, WrongSecretIsPermissionDenied) {
  S3Config config = TestConfig();
  config.credentials.secret_access_key = "not-the-secret";
  auto store = Open(config);
  Status put = store->Put("k", "v");
  EXPECT_EQ(put.code(), StatusCode::kPermissionDenied) << put;
  EXPECT_NE(put.message().find("SignatureDoesNotMatch"), absl::string_view::npos) << put;
  EXPECT_EQ(store->CheckHealth().code(), StatusCode::kPermissionDenied);
}

TEST(S3BlobStoreTest, MissingBucketIsReportedAsSuch) {
  S3Config config = TestConfig();
  config.bucket = "no-such-bucket";
  auto store = Open(config);
  Status health = store->CheckHealth();
  EXPECT_EQ(health.code(), StatusCode::kFailedPrecondition) << health;
  EXPECT_NE(health.message().find("no-such-bucket"), absl::string_view::npos);
  EXPECT_EQ(store->Put("k", "v").code(), StatusCode::kFailedPrecondition);
}

TEST(S3BlobStoreTest, ServerDownIsUnavailable) {
  S3Config config = TestConfig();
  config.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  auto store = Open(config);
  EXPECT_EQ(store->Put("k", "v").code(), StatusCode::kUnavailable);
  EXPECT_EQ(store->CheckHealth().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ocula
