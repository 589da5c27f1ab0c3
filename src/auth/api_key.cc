#include "auth/api_key.h"

#include <sodium.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kSecretBytes = 32;
constexpr size_t kIdChars = 12;
constexpr char kPrefix[] = "ocula_";

void InitSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();  // no safe randomness: nothing can be secured
}

std::string Hash(std::string_view salt, std::string_view secret) {
  InitSodium();
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size());
  return out;
}

// 12 characters of RFC 4648 base32 (lowercase): 60 random bits.
std::string RandomId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string bytes = RandomBytes(kIdChars);
  std::string id;
  for (char b : bytes) id += kAlphabet[static_cast<unsigned char>(b) % 32];
  return id;
}

}  // namespace

std::string RandomBytes(size_t n) {
  InitSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string Base64Url(std::string_view bytes) {
  InitSodium();
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

NewApiKey GenerateApiKey(std::string name, ScopeSet scopes, int64_t now_ms) {
  NewApiKey out;
  ApiKeyRecord& r = out.record;
  r.id = RandomId();
  r.name = std::move(name);
  r.scopes = scopes;
  r.salt = RandomBytes(kSaltBytes);
  std::string secret = Base64Url(RandomBytes(kSecretBytes));
  r.hash = Hash(r.salt, secret);
  r.created_ms = now_ms;
  out.key = absl::StrCat(kPrefix, r.id, "_", secret);
  return out;
}

ApiKeyRecord BootstrapKeyRecord(std::string_view key, int64_t now_ms) {
  ApiKeyRecord r;
  r.id = kBootstrapKeyId;
  r.name = "bootstrap admin";
  r.scopes = kAllScopes;
  r.salt = RandomBytes(kSaltBytes);
  r.hash = Hash(r.salt, key);
  r.created_ms = now_ms;
  return r;
}

std::optional<KeyParts> SplitApiKey(std::string_view key) {
  constexpr size_t prefix = sizeof(kPrefix) - 1;
  if (key.size() <= prefix + kIdChars + 1 || key.substr(0, prefix) != kPrefix ||
      key[prefix + kIdChars] != '_') {
    return std::nullopt;
  }
  return KeyParts{std::string(key.substr(prefix, kIdChars)),
                  std::string(key.substr(prefix + kIdChars + 1))};
}

bool SecretMatches(const ApiKeyRecord& record, std::string_view secret) {
  if (record.hash.size() != crypto_generichash_BYTES) return false;
  std::string hash = Hash(record.salt, secret);
  return sodium_memcmp(hash.data(), record.hash.data(), hash.size()) == 0;
}

}  // namespace ocula
