// KeyStore: API key records, the secret that signs upload URLs, and the
// single-use record of those URLs. Kept in the metadata database, so every
// api process sharing it sees a revocation within the authenticator's cache
// time (authenticator.h).
//
// Implementations: key_store_sqlite (the embedded default, in the metadata
// SQLite file); key_store_postgres (in the PostgreSQL metadata database).
// Every implementation passes tests/unit/auth/key_store_contract.h.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/api_key.h"
#include "core/status.h"

namespace ocula {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Inserts the record, or replaces the one with the same id.
  virtual Status PutKey(const ApiKeyRecord& record) = 0;
  // NotFound when there is no such key.
  virtual StatusOr<ApiKeyRecord> GetKey(const std::string& id) = 0;
  // Every key, revoked ones included, oldest first.
  virtual StatusOr<std::vector<ApiKeyRecord>> ListKeys() = 0;
  // Marks the key revoked (keeps the first time). NotFound when absent.
  virtual Status RevokeKey(const std::string& id, int64_t now_ms) = 0;

  // The secret that signs upload URLs: `candidate` is stored the first time,
  // and whatever was stored first is returned ever after.
  virtual StatusOr<std::string> SigningSecret(const std::string& candidate) = 0;
  // Records a signed URL's nonce as used. False when it was used before
  // (a replay). Nonces whose URLs have expired are forgotten.
  virtual StatusOr<bool> ClaimNonce(const std::string& nonce, int64_t expires_ms,
                                    int64_t now_ms) = 0;
};

// Opens the key tables in the SQLite database file at `db_path` (creating
// them; the file is the metadata database).
StatusOr<std::unique_ptr<KeyStore>> OpenSqliteKeyStore(const std::string& db_path);

}  // namespace ocula
