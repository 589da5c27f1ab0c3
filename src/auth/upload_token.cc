#include "auth/upload_token.h"

#include <sodium.h>

#include <charconv>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "auth/api_key.h"

namespace ocula {
namespace {

constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string Mac(std::string_view payload, std::string_view secret) {
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(payload.data()),
                                payload.size());
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

bool FromBase64Url(std::string_view text, std::string* out) {
  out->assign(text.size(), '\0');  // decoded is never longer
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out->data()), out->size(), text.data(),
                        text.size(), nullptr, &length, nullptr, kVariant) != 0) {
    return false;
  }
  out->resize(length);
  return true;
}

Status Invalid() {
  return WithReason(absl::PermissionDeniedError("the upload URL is not valid (altered or truncated)"),
                    "InvalidSignature");
}

}  // namespace

UploadGrant NewUploadGrant(std::string key_id, int64_t expires_ms) {
  return UploadGrant{Base64Url(RandomBytes(18)), expires_ms, std::move(key_id)};
}

std::string SignUploadToken(const UploadGrant& grant, std::string_view secret) {
  std::string payload = absl::StrCat("v1|", grant.nonce, "|", grant.expires_ms, "|", grant.key_id);
  return absl::StrCat(Base64Url(payload), ".", Base64Url(Mac(payload, secret)));
}

StatusOr<UploadGrant> VerifyUploadToken(std::string_view token, std::string_view secret,
                                        int64_t now_ms) {
  size_t dot = token.find('.');
  std::string payload, mac;
  if (dot == std::string_view::npos || !FromBase64Url(token.substr(0, dot), &payload) ||
      !FromBase64Url(token.substr(dot + 1), &mac) || mac.size() != crypto_auth_hmacsha256_BYTES) {
    return Invalid();
  }
  std::string expected = Mac(payload, secret);
  if (sodium_memcmp(expected.data(), mac.data(), mac.size()) != 0) return Invalid();
  std::vector<std::string> parts = absl::StrSplit(payload, '|');
  UploadGrant grant;
  if (parts.size() != 4 || parts[0] != "v1") return Invalid();
  auto [ptr, ec] = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(),
                                   grant.expires_ms);
  if (ec != std::errc() || ptr != parts[2].data() + parts[2].size()) return Invalid();
  grant.nonce = parts[1];
  grant.key_id = parts[3];
  if (now_ms >= grant.expires_ms) {
    return WithReason(absl::PermissionDeniedError("the upload URL has expired"), "UrlExpired");
  }
  return grant;
}

}  // namespace ocula
