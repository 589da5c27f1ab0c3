#include "core/ids.h"

#include <random>

#include "core/sha256.h"

namespace ocula {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// 48 bits of time, then 80 bits from hi and lo, in Crockford base32.
std::string EncodeId(int64_t now_ms, uint64_t hi, uint64_t lo) {
  std::string id(26, '0');
  uint64_t t = static_cast<uint64_t>(now_ms) & ((1ULL << 48) - 1);
  for (int i = 9; i >= 0; --i) {  // 10 chars = 50 bits of time
    id[i] = kCrockford[t & 31];
    t >>= 5;
  }
  for (int i = 10; i < 26; ++i) {  // 16 chars = 80 bits of randomness
    uint64_t& src = i < 18 ? hi : lo;
    id[i] = kCrockford[src & 31];
    src >>= 5;
  }
  return id;
}

}  // namespace

std::string NewId(int64_t now_ms) { return EncodeId(now_ms, RandomU64(), RandomU64()); }

std::string IdFromSeed(int64_t time_ms, std::string_view seed) {
  std::string digest = Sha256Hex(seed);
  return EncodeId(time_ms, std::stoull(digest.substr(0, 16), nullptr, 16),
                  std::stoull(digest.substr(16, 16), nullptr, 16));
}

bool IsValidId(std::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    if (std::string_view(kCrockford).find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string NewUuid() {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t high = RandomU64();
  uint64_t low = RandomU64();
  high = (high & ~(0xFull << 12)) | (0x4ull << 12);  // version 4
  low = (low & ~(0x3ull << 62)) | (0x2ull << 62);    // variant 10xx
  std::string out;
  out.reserve(36);
  for (int i = 15; i >= 0; --i) {
    out += kHex[(high >> (i * 4)) & 15];
    if (i == 8 || i == 4) out += '-';
  }
  out += '-';
  for (int i = 15; i >= 0; --i) {
    out += kHex[(low >> (i * 4)) & 15];
    if (i == 12) out += '-';
  }
  return out;
}

std::string IdToUuid(std::string_view id) {
  // 26 base32 digits hold 130 bits; a 128-bit id leaves the first digit < 8.
  if (!IsValidId(id) || id[0] > '7') return "";
  unsigned __int128 value = 0;
  for (char c : id) {
    value = (value << 5) | std::string_view(kCrockford).find(c);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 31; i >= 0; --i) {
    out += kHex[static_cast<int>(value >> (i * 4)) & 15];
    if (i == 24 || i == 20 || i == 16 || i == 12) out += '-';
  }
  return out;
}

std::string UuidToId(std::string_view uuid) {
  if (uuid.size() != 36) return "";
  unsigned __int128 value = 0;
  for (size_t i = 0; i < uuid.size(); ++i) {
    const char c = uuid[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return "";
      continue;
    }
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) return "";
    value = (value << 4) | static_cast<unsigned>(digit);
  }
  std::string id(26, '0');
  for (int i = 25; i >= 0; --i, value >>= 5) id[i] = kCrockford[static_cast<int>(value & 31)];
  return id;
}

std::string RandomToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = RandomU64();
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i, v >>= 4) out[i] = kHex[v & 15];
  return out;
}

}  // namespace ocula
