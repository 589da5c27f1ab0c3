// The KeyStore contract: every implementation passes these tests (the
// store on its own, and under the authenticator). A test binary includes this
// header once and instantiates the suite with its backends, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, KeyStoreContract,
//       ::testing::Values(KeyStoreBackend{"sqlite", NewSqliteKeyDatabase}),
//       KeyStoreBackendName);
//
// Each test gets a new, empty database from the backend.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "auth/api_key.h"
#include "auth/authenticator.h"
#include "auth/key_store.h"
#include "auth/scopes.h"
#include "core/clock.h"

namespace ocula {

// One test's database: the backend's side of the contract.
class KeyStoreDatabase {
 public:
  virtual ~KeyStoreDatabase() = default;
  // A store on this database: empty at first, the same data on every call.
  virtual StatusOr<std::unique_ptr<KeyStore>> Open() = 0;
};

struct KeyStoreBackend {
  std::string name;
  std::function<StatusOr<std::unique_ptr<KeyStoreDatabase>>()> new_database;
};

// Names the backend in test listings (ctest shows GetParam() otherwise as bytes).
inline void PrintTo(const KeyStoreBackend& backend, std::ostream* os) { *os << backend.name; }

inline std::string KeyStoreBackendName(const ::testing::TestParamInfo<KeyStoreBackend>& info) {
  return info.param.name;
}

class KeyStoreContract : public ::testing::TestWithParam<KeyStoreBackend> {
 protected:
  void SetUp() override {
    auto database = GetParam().new_database();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(*database);
    auto store = database_->Open();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  std::unique_ptr<KeyStoreDatabase> database_;  // outlives the store
  std::unique_ptr<KeyStore> store_;
  FakeClock clock_;
};

TEST_P(KeyStoreContract, PutGetListRevoke) {
  NewApiKey key = GenerateApiKey("viewer", Bit(Scope::kImagesRead), 5);
  key.record.rate_per_s = 2.5;
  key.record.expires_ms = 99;
  ASSERT_TRUE(store_->PutKey(key.record).ok());
  auto got = store_->GetKey(key.record.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name, "viewer");
  EXPECT_EQ(got->scopes, Bit(Scope::kImagesRead));
  EXPECT_EQ(got->salt, key.record.salt);
  EXPECT_EQ(got->hash, key.record.hash);
  EXPECT_EQ(got->rate_per_s, 2.5);
  EXPECT_EQ(got->expires_ms, 99);
  EXPECT_EQ(store_->GetKey("nope").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->RevokeKey(key.record.id, 50).ok());
  ASSERT_TRUE(store_->RevokeKey(key.record.id, 60).ok());  // keeps the first time
  EXPECT_EQ(store_->GetKey(key.record.id)->revoked_ms, 50);
  EXPECT_EQ(store_->RevokeKey("nope", 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListKeys()->size(), 1u);
}

TEST_P(KeyStoreContract, SigningSecretIsCreatedOnceAndSharedByReopening) {
  auto first = store_->SigningSecret("first-candidate");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "first-candidate");
  EXPECT_EQ(*store_->SigningSecret("second-candidate"), "first-candidate");
  auto again = database_->Open();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->SigningSecret("third"), "first-candidate");
}

TEST_P(KeyStoreContract, NoncesAreSingleUseUntilTheyExpire) {
  EXPECT_TRUE(*store_->ClaimNonce("n1", 1000, 10));
  EXPECT_FALSE(*store_->ClaimNonce("n1", 1000, 20));
  EXPECT_TRUE(*store_->ClaimNonce("n2", 1000, 20));
  // After expiry the record is pruned (the URL itself is refused as expired).
  EXPECT_TRUE(*store_->ClaimNonce("n1", 5000, 2000));
}

TEST_P(KeyStoreContract, AuthenticatorChecksKeysAndSeesRevocationAfterItsCache) {
  NewApiKey key = GenerateApiKey("writer", Bit(Scope::kImagesWrite), clock_.NowMs());
  ASSERT_TRUE(store_->PutKey(key.record).ok());
  ASSERT_TRUE(store_->PutKey(BootstrapKeyRecord("the-operator-secret!", clock_.NowMs())).ok());
  Authenticator auth(*store_, clock_, std::chrono::milliseconds(1000));

  auto identity = auth.Authenticate(key.key);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->key_id, key.record.id);
  EXPECT_EQ(identity->scopes, Bit(Scope::kImagesWrite));
  auto admin = auth.Authenticate("the-operator-secret!");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->key_id, kBootstrapKeyId);

  for (const char* bad : {"", "wrong", "ocula_aaaaaaaaaaaa_bogus-secret"}) {
    EXPECT_EQ(auth.Authenticate(bad).status().code(), StatusCode::kUnauthenticated) << bad;
  }
  std::string tampered = key.key;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(auth.Authenticate(tampered).status().code(), StatusCode::kUnauthenticated);

  ASSERT_TRUE(store_->RevokeKey(key.record.id, clock_.NowMs()).ok());
  EXPECT_TRUE(auth.Authenticate(key.key).ok());  // still cached
  clock_.AdvanceMs(1001);
  auto revoked = auth.Authenticate(key.key);
  EXPECT_EQ(revoked.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(std::string(revoked.status().message()).find("revoked"), std::string::npos);
}

TEST_P(KeyStoreContract, ExpiredKeysAreRefused) {
  NewApiKey key = GenerateApiKey("temp", Bit(Scope::kImagesRead), clock_.NowMs());
  key.record.expires_ms = clock_.NowMs() + 10;
  ASSERT_TRUE(store_->PutKey(key.record).ok());
  Authenticator auth(*store_, clock_);
  EXPECT_TRUE(auth.Authenticate(key.key).ok());
  clock_.AdvanceMs(10);
  EXPECT_EQ(auth.Authenticate(key.key).status().code(), StatusCode::kUnauthenticated);
}

}  // namespace ocula
