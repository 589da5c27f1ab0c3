// API keys, scopes, the key store contract on SQLite in a temp dir (with the
// authenticator's cache and revocation), rate limits and signed upload tokens.
#include <gtest/gtest.h>

#include "auth/api_key.h"
#include "auth/authenticator.h"
#include "auth/key_store.h"
#include "auth/key_store_contract.h"
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

// The key store contract (key_store_contract.h) on SQLite, in a temp dir.
class SqliteKeyDatabase : public KeyStoreDatabase {
 public:
  StatusOr<std::unique_ptr<KeyStore>> Open() override {
    return OpenSqliteKeyStore(dir_.File("ocula.db"));
  }

 private:
  testing::TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, KeyStoreContract,
                         ::testing::Values(KeyStoreBackend{
                             "sqlite",
                             []() -> StatusOr<std::unique_ptr<KeyStoreDatabase>> {
                               return std::make_unique<SqliteKeyDatabase>();
                             }}),
                         KeyStoreBackendName);

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
