// Authenticator: turns a presented API key into an Identity, with a short
// cache of key records so that most requests cost no database read. A
// revocation therefore takes effect within the cache time (1 s by default)
// in every process, without a restart.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "auth/key_store.h"
#include "core/clock.h"

namespace ocula {

struct Identity {
  std::string key_id;
  std::string name;
  ScopeSet scopes = 0;
  double rate_per_s = 0;  // 0 = unlimited
};

class Authenticator {
 public:
  Authenticator(KeyStore& store, Clock& clock,
                std::chrono::milliseconds cache_ttl = std::chrono::milliseconds(1000));

  // The identity of `presented_key`. Unauthenticated (reason Unauthorized)
  // when it is empty, unknown, wrong, revoked or expired; Unavailable when the
  // key store cannot be read.
  StatusOr<Identity> Authenticate(std::string_view presented_key);

  // The record of key `id` (through the cache). NotFound when absent.
  StatusOr<ApiKeyRecord> Lookup(const std::string& id);

 private:
  struct Cached {
    ApiKeyRecord record;  // id "" = known to be absent
    int64_t fetched_ms = 0;
  };

  KeyStore& store_;
  Clock& clock_;
  const int64_t cache_ttl_ms_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ocula
