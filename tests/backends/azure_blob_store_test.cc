// The Azure Blob store against Azurite on loopback (object_store_servers.h):
// the BlobStore contract with Shared Key, plus block uploads, SAS tokens, a
// wrong key, a missing container, a server that is down.
#include "blob/blob_store_azure.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <atomic>

#include "absl/strings/escaping.h"
#include "blob/sigv4.h"
#include "object_store_servers.h"
#include "storage/blob_store_contract.h"

namespace ocula {
namespace {

using testing::AzuriteServer;

constexpr char kContainer[] = "ocula-test";

// Started on first use, stopped (and its files removed) at exit.
AzuriteServer& Server() {
  static AzuriteServer server;
  static const bool created = [] {
    AzureConfig config{AzuriteServer::kAccount, kContainer, "", server.endpoint(), 8 << 20, "",
                       AzuriteServer::kKey, ""};
    Status status = CreateAzureContainer(config);
    EXPECT_TRUE(status.ok()) << status;
    return status.ok();
  }();
  (void)created;
  return server;
}

// A fresh prefix per store, so every test starts from an empty listing.
AzureConfig TestConfig() {
  static std::atomic<int> count = 0;
  AzureConfig config;
  config.account = AzuriteServer::kAccount;
  config.container = kContainer;
  config.prefix = "t" + std::to_string(++count) + "/";
  config.endpoint = Server().endpoint();
  config.block_size = 2 << 20;
  config.shared_key = AzuriteServer::kKey;
  return config;
}

std::unique_ptr<BlobStore> Open(const AzureConfig& config) {
  auto store = OpenAzureBlobStore(config);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

// An account SAS for the blob service (read, write, delete, list, add,
// create), as the Azure docs define it for version 2020-12-06 and later.
std::string AccountSas(const std::string& permissions) {
  const std::string version = "2021-08-06", expiry = "2099-01-01T00:00:00Z";
  std::string to_sign = std::string(AzuriteServer::kAccount) + "\n" + permissions + "\nb\nsco\n\n" +
                        expiry + "\n\nhttps,http\n" + version + "\n\n";
  std::string key;
  absl::Base64Unescape(AzuriteServer::kKey, &key);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &len);
  std::string sig = absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(mac), len));
  return "sv=" + version + "&ss=b&srt=sco&sp=" + permissions + "&se=" +
         AwsUriEncode(expiry, true) + "&spr=https,http&sig=" + AwsUriEncode(sig, true);
}

INSTANTIATE_TEST_SUITE_P(Azure, BlobStoreContractTest,
                         ::testing::Values(BlobStoreBackend{"shared_key",
                                                            [] { return Open(TestConfig()); }}),
                         BlobStoreBackendName);

TEST(AzureBlobStoreTest, LargeBlobIsUploadedInBlocks) {
  auto store = Open(TestConfig());
  const std::string data = BlobContractRandomBytes((5 << 20) + 11, 5);  // 3 blocks of <= 2 MiB
  ASSERT_TRUE(store->Put("big", data).ok());
  auto got = store->Get("big");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == data);
}

TEST(AzureBlobStoreTest, SasTokenWorksInPlaceOfTheKey) {
  AzureConfig config = TestConfig();
  config.shared_key.clear();
  config.sas_token = AccountSas("rwdlac");
  auto store = Open(config);
  ASSERT_TRUE(store->Put("a", "sas").ok()) << store->Put("a", "sas");
  EXPECT_EQ(*store->Get("a"), "sas");
  EXPECT_EQ(store->List("", "", 10)->size(), 1u);
  EXPECT_TRUE(store->Delete("a").ok());

  config.sas_token = AccountSas("rl");  // read and list only: the worker's view
  auto reader = Open(config);
  EXPECT_EQ(reader->Put("b", "x").code(), StatusCode::kPermissionDenied);
}

TEST(AzureBlobStoreTest, WrongKeyIsPermissionDenied) {
  AzureConfig config = TestConfig();
  config.shared_key = absl::Base64Escape("not the account key at all, but 64 bytes long.............");
  auto store = Open(config);
  Status put = store->Put("k", "v");
  EXPECT_EQ(put.code(), StatusCode::kPermissionDenied) << put;
  EXPECT_EQ(store->CheckHealth().code(), StatusCode::kPermissionDenied);
}

TEST(AzureBlobStoreTest, MissingContainerIsReportedAsSuch) {
  AzureConfig config = TestConfig();
  config.container = "no-such-container";
  auto store = Open(config);
  Status health = store->CheckHealth();
  EXPECT_EQ(health.code(), StatusCode::kFailedPrecondition) << health;
  EXPECT_EQ(store->Put("k", "v").code(), StatusCode::kFailedPrecondition);
}

TEST(AzureBlobStoreTest, ServerDownIsUnavailable) {
  AzureConfig config = TestConfig();
  config.endpoint = "http://127.0.0.1:1/devstoreaccount1";
  auto store = Open(config);
  EXPECT_EQ(store->Put("k", "v").code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ocula
