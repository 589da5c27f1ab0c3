// Per-key request rate limits: a token bucket per key that refills at the
// key's rate and holds at most two seconds' worth (bursts), in this process.
// Several api processes each apply the limit: the cluster-wide rate is at
// most their number times the key's rate.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace ocula {

class RateLimiter {
 public:
  // Takes one token from `key`'s bucket. nullopt when the request may go on;
  // else the seconds until a token is available (for Retry-After).
  // rate_per_s <= 0 means unlimited.
  std::optional<double> Acquire(const std::string& key, double rate_per_s, int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ocula
