#include "core/ids.h"

#include <random>

namespace ocula {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}
}  // namespace

std::string NewId(int64_t now_ms) {
  std::string id(26, '0');
  uint64_t t = static_cast<uint64_t>(now_ms) & ((1ULL << 48) - 1);
  for (int i = 9; i >= 0; --i) {  // 10 chars = 50 bits of time
    id[i] = kCrockford[t & 31];
    t >>= 5;
  }
  uint64_t hi = RandomU64(), lo = RandomU64();
  for (int i = 10; i < 26; ++i) {  // 16 chars = 80 bits of randomness
    uint64_t& src = i < 18 ? hi : lo;
    id[i] = kCrockford[src & 31];
    src >>= 5;
  }
  return id;
}

bool IsValidId(std::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    if (std::string_view(kCrockford).find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string RandomToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = RandomU64();
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i, v >>= 4) out[i] = kHex[v & 15];
  return out;
}

}  // namespace ocula
