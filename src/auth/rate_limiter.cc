#include "auth/rate_limiter.h"

#include <algorithm>

namespace ocula {
namespace {
constexpr double kBurstSeconds = 2.0;
}  // namespace

std::optional<double> RateLimiter::Acquire(const std::string& key, double rate_per_s,
                                           int64_t now_ms) {
  if (rate_per_s <= 0) return std::nullopt;
  const double capacity = std::max(1.0, rate_per_s * kBurstSeconds);
  absl::MutexLock lock(&mu_);
  auto [it, created] = buckets_.try_emplace(key, Bucket{capacity, now_ms});
  Bucket& bucket = it->second;
  const double elapsed_s = static_cast<double>(std::max<int64_t>(0, now_ms - bucket.updated_ms)) / 1000;
  bucket.tokens = std::min(capacity, bucket.tokens + elapsed_s * rate_per_s);
  bucket.updated_ms = now_ms;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  return (1 - bucket.tokens) / rate_per_s;
}

}  // namespace ocula
