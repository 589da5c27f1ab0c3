// Signed upload URLs (the reference design's SAS): a key holding
// images:write mints `/v1/uploads/<token>`, which lets whoever holds it
// upload one image until it expires, without a key.
//
//   token   = base64url(payload) "." base64url(HMAC-SHA-256(secret, payload))
//   payload = "v1|" nonce "|" expires_ms "|" key id
//
// The secret is shared by every api process through the KeyStore. Replays are
// stopped by recording each nonce when it is used (KeyStore::ClaimNonce); the
// minting key must still be active when the URL is used.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

struct UploadGrant {
  std::string nonce;       // random, base64url
  int64_t expires_ms = 0;  // Unix ms
  std::string key_id;      // the key that minted it
};

// A grant with a fresh nonce.
UploadGrant NewUploadGrant(std::string key_id, int64_t expires_ms);

std::string SignUploadToken(const UploadGrant& grant, std::string_view secret);

// The grant of a genuine, unexpired token. PermissionDenied with reason
// InvalidSignature when the token is malformed or altered, with reason
// UrlExpired when it is past its expiry.
StatusOr<UploadGrant> VerifyUploadToken(std::string_view token, std::string_view secret,
                                        int64_t now_ms);

}  // namespace ocula
