// API keys, scopes, the key store (real SQLite in a temp dir), the
// authenticator's cache and revocation, rate limits and signed upload tokens.
#include <gtest/gtest.h>

#include "auth/api_key.h"
#include "auth/authenticator.h"
#include "auth/key_store.h"
#include "auth/rate_limiter.h"
#include "auth/scopes.h"
#include "auth/upload_token.h"
#include "core/clock.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

TEST(ScopesTest, ParseFormatAndAdminImpliesAll) {
  auto scopes = ParseScopes(" images:read, analyze ");
  ASSERT_TRUE(scopes.ok()) << scopes.status();
  EXPECT_EQ(FormatScopes(*scopes), "images:read,analyze");
  EXPECT_TRUE(Allows(*scopes, Scope::kAnalyze));
  EXPECT_FALSE(Allows(*scopes, Scope::kImagesWrite));
  EXPECT_TRUE(Allows(Bit(Scope::kAdmin), Scope::kImagesDelete));
  EXPECT_EQ(ParseScopes("images:read,root").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseScopes(" , ").status().code(), StatusCode::kInvalidArgument);
}

TEST(ApiKeyTest, GeneratedKeysVerifyAndAreNeverStored) {
  NewApiKey a = GenerateApiKey("robot", Bit(Scope::kImagesWrite), 1000);
  NewApiKey b = GenerateApiKey("robot", Bit(Scope::kImagesWrite), 1000);
  EXPECT_NE(a.key, b.key);
  EXPECT_NE(a.record.id, b.record.id);
  EXPECT_NE(a.record.salt, b.record.salt);
  EXPECT_EQ(a.record.salt.size(), 16u);
  EXPECT_EQ(a.record.hash.size(), 32u);
  EXPECT_EQ(a.key.find(a.record.hash), std::string::npos);
  auto parts = SplitApiKey(a.key);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->id, a.record.id);
  EXPECT_TRUE(SecretMatches(a.record, parts->secret));
  EXPECT_FALSE(SecretMatches(a.record, parts->secret + "x"));
  EXPECT_FALSE(SecretMatches(b.record, parts->secret));
  EXPECT_FALSE(SplitApiKey("operator-chosen-admin-key").has_value());

  ApiKeyRecord boot = BootstrapKeyRecord("operator-chosen-admin-key", 1000);
  EXPECT_EQ(boot.id, kBootstrapKeyId);
  EXPECT_EQ(boot.scopes, kAllScopes);
  EXPECT_TRUE(SecretMatches(boot, "operator-chosen-admin-key"));
  EXPECT_FALSE(SecretMatches(boot, "operator-chosen-admin-kez"));
}

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteKeyStore(dir_.File("ocula.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  testing::TempDir dir_;
  std::unique_ptr<KeyStore> store_;
  FakeClock clock_;
};

TEST_F(KeyStoreTest, PutGetListRevoke) {
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

TEST_F(KeyStoreTest, SigningSecretIsCreatedOnceAndSharedByReopening) {
  auto first = store_->SigningSecret("first-candidate");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "first-candidate");
  EXPECT_EQ(*store_->SigningSecret("second-candidate"), "first-candidate");
  auto again = OpenSqliteKeyStore(dir_.File("ocula.db"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->SigningSecret("third"), "first-candidate");
}

TEST_F(KeyStoreTest, NoncesAreSingleUseUntilTheyExpire) {
  EXPECT_TRUE(*store_->ClaimNonce("n1", 1000, 10));
  EXPECT_FALSE(*store_->ClaimNonce("n1", 1000, 20));
  EXPECT_TRUE(*store_->ClaimNonce("n2", 1000, 20));
  // After expiry the record is pruned (the URL itself is refused as expired).
  EXPECT_TRUE(*store_->ClaimNonce("n1", 5000, 2000));
}

TEST_F(KeyStoreTest, AuthenticatorChecksKeysAndSeesRevocationAfterItsCache) {
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

TEST_F(KeyStoreTest, ExpiredKeysAreRefused) {
  NewApiKey key = GenerateApiKey("temp", Bit(Scope::kImagesRead), clock_.NowMs());
  key.record.expires_ms = clock_.NowMs() + 10;
  ASSERT_TRUE(store_->PutKey(key.record).ok());
  Authenticator auth(*store_, clock_);
  EXPECT_TRUE(auth.Authenticate(key.key).ok());
  clock_.AdvanceMs(10);
  EXPECT_EQ(auth.Authenticate(key.key).status().code(), StatusCode::kUnauthenticated);
}

TEST(RateLimiterTest, AllowsABurstThenPacesAndSaysHowLongToWait) {
  RateLimiter limiter;
  int64_t now = 1'000'000;
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(limiter.Acquire("k", 10, now).has_value()) << i;
  auto wait = limiter.Acquire("k", 10, now);  // burst (2 s worth) used up
  ASSERT_TRUE(wait.has_value());
  EXPECT_NEAR(*wait, 0.1, 1e-9);
  EXPECT_FALSE(limiter.Acquire("other", 10, now).has_value());  // per key
  now += 100;  // one token back
  EXPECT_FALSE(limiter.Acquire("k", 10, now).has_value());
  EXPECT_TRUE(limiter.Acquire("k", 10, now).has_value());
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.Acquire("free", 0, now).has_value());
}

TEST(UploadTokenTest, GenuineTokensVerifyAndAlteredOrExpiredOnesDoNot) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  UploadGrant grant = NewUploadGrant("keyid", 10'000);
  std::string token = SignUploadToken(grant, secret);
  auto verified = VerifyUploadToken(token, secret, 9'999);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->nonce, grant.nonce);
  EXPECT_EQ(verified->key_id, "keyid");
  EXPECT_EQ(verified->expires_ms, 10'000);

  auto expired = VerifyUploadToken(token, secret, 10'000);
  EXPECT_EQ(expired.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(expired.status()), "UrlExpired");
  EXPECT_EQ(ReasonOf(VerifyUploadToken(token, "another-secret-of-the-same-size!", 0).status()),
            "InvalidSignature");
  // Extending the expiry in the payload breaks the signature.
  UploadGrant longer = grant;
  longer.expires_ms = 99'999'999;
  std::string other = SignUploadToken(longer, "attacker");
  std::string forged = other.substr(0, other.find('.')) + token.substr(token.find('.'));
  EXPECT_EQ(ReasonOf(VerifyUploadToken(forged, secret, 0).status()), "InvalidSignature");
  for (const std::string& bad : {std::string(""), std::string("."), std::string("abc"),
                                token.substr(0, token.size() - 2), token + "x"}) {
    EXPECT_EQ(VerifyUploadToken(bad, secret, 0).status().code(), StatusCode::kPermissionDenied)
        << bad;
  }
}

}  // namespace
}  // namespace ocula
