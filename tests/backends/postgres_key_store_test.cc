// The KeyStore contract (tests/unit/auth/key_store_contract.h) against
// PostgreSQL, and key stores in two processes sharing one database. One
// cluster per test process (postgres_server.h); each test gets a fresh schema.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "auth/key_store_contract.h"
#include "auth/key_store_postgres.h"
#include "postgres_server.h"

namespace ocula {
namespace {

using testing::PostgresServer;
using testing::SharedPostgresServer;

class PostgresKeyDatabase : public KeyStoreDatabase {
 public:
  explicit PostgresKeyDatabase(PostgresConfig config) : config_(std::move(config)) {}

  static StatusOr<std::unique_ptr<KeyStoreDatabase>> New() {
    OCULA_ASSIGN_OR_RETURN(PostgresServer * server, SharedPostgresServer());
    OCULA_ASSIGN_OR_RETURN(std::string schema, server->NewSchema());
    return std::make_unique<PostgresKeyDatabase>(server->ConfigFor(schema));
  }

  StatusOr<std::unique_ptr<KeyStore>> Open() override { return OpenPostgresKeyStore(config_); }

 private:
  PostgresConfig config_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, KeyStoreContract,
                         ::testing::Values(KeyStoreBackend{"postgres", PostgresKeyDatabase::New}),
                         KeyStoreBackendName);

TEST(PostgresKeyStoreTest, ProcessesRacingForTheSigningSecretAndANonceAgree) {
  auto database = PostgresKeyDatabase::New();
  ASSERT_TRUE(database.ok()) << database.status();
  constexpr int kProcesses = 4;
  std::vector<std::unique_ptr<KeyStore>> stores;
  for (int i = 0; i < kProcesses; ++i) {
    auto store = (*database)->Open();  // one by one: concurrent migrations are tested elsewhere
    ASSERT_TRUE(store.ok()) << store.status();
    stores.push_back(std::move(*store));
  }
  std::vector<std::string> secrets(kProcesses);
  std::vector<int> claims(kProcesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] {
      auto secret = stores[i]->SigningSecret("candidate-" + std::to_string(i));
      ASSERT_TRUE(secret.ok()) << secret.status();
      secrets[i] = *secret;
      auto claimed = stores[i]->ClaimNonce("the-nonce", 10'000, 1);
      ASSERT_TRUE(claimed.ok()) << claimed.status();
      claims[i] = *claimed ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& secret : secrets) EXPECT_EQ(secret, secrets[0]);
  EXPECT_EQ(claims[0] + claims[1] + claims[2] + claims[3], 1);  // single use across processes
}

}  // namespace
}  // namespace ocula
