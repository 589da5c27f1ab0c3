// API keys: what is stored (a salted hash, never the key) and the key text
// handed out once.
//
// A key reads `ocula_<id>_<secret>`: `id` (12 lowercase base32 characters)
// finds the stored record, `secret` (32 random bytes, base64url) is checked
// against BLAKE2b-256(secret, key = 16-byte random salt) in constant time.
// The secret has 256 bits of entropy, so a fast keyed hash is enough: a slow
// password hash (Argon2) would only cost every request time.
//
// The bootstrap admin key may be any text the operator chooses
// (OCULA_ADMIN_KEY): it is stored under the id "admin" and checked whole.
//
// Thread-safety: pure functions (libsodium is initialised on first use).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/scopes.h"

namespace ocula {

inline constexpr char kBootstrapKeyId[] = "admin";

struct ApiKeyRecord {
  std::string id;
  std::string name;     // what the key is for, e.g. "ingest robot"
  ScopeSet scopes = 0;
  std::string salt;     // 16 raw bytes
  std::string hash;     // 32 raw bytes: BLAKE2b-256 of the secret keyed by salt
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // 0 = never
  int64_t revoked_ms = 0;  // 0 = active
  double rate_per_s = 0;   // requests per second allowed; 0 = unlimited

  bool ActiveAt(int64_t now_ms) const {
    return revoked_ms == 0 && (expires_ms == 0 || now_ms < expires_ms);
  }
};

struct NewApiKey {
  ApiKeyRecord record;
  std::string key;  // the full key text; shown once, never stored
};

// A fresh key with a random id and secret.
NewApiKey GenerateApiKey(std::string name, ScopeSet scopes, int64_t now_ms);

// The record for an operator-chosen bootstrap admin key (id "admin").
ApiKeyRecord BootstrapKeyRecord(std::string_view key, int64_t now_ms);

// The parts of a presented key: {id, secret}; nullopt when it is not of the
// `ocula_<id>_<secret>` form (then it can only be the bootstrap key).
struct KeyParts {
  std::string id;
  std::string secret;
};
std::optional<KeyParts> SplitApiKey(std::string_view key);

// True when `secret` hashes to record.hash under record.salt (constant time).
bool SecretMatches(const ApiKeyRecord& record, std::string_view secret);

// Random bytes from libsodium.
std::string RandomBytes(size_t n);

// Unpadded base64url.
std::string Base64Url(std::string_view bytes);

}  // namespace ocula
