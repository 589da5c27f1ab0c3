// Fetches an image from a URL for `{"url": ...}` request bodies, guarding
// against server-side request forgery: only http and https; every address the
// connection goes to (after DNS, and after each redirect) must be public
// unless private addresses are allowed; few redirects; size and time caps.
//
// Thread-safety: safe for concurrent use (one curl handle per call).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

struct UrlFetchOptions {
  uint64_t max_bytes = 20ull << 20;
  std::chrono::milliseconds timeout{10'000};
  int max_redirects = 3;
  bool allow_private_addresses = false;  // loopback, RFC 1918, link-local, ...
};

struct FetchedImage {
  std::string bytes;
  std::string content_type;  // from the response; may be ""
};

// The URL of a `{"url": "http(s)://..."}` request body (other members are
// ignored). InvalidArgument with reason InvalidImageUrl when the body is not
// a JSON object with a string "url". The URL itself is checked by FetchUrl.
StatusOr<std::string> ImageUrlFromJson(std::string_view body);

// Errors carry reason InvalidImageUrl (bad scheme or URL, refused address,
// HTTP error status, too many redirects, timeout) or PayloadTooLarge.
StatusOr<FetchedImage> FetchUrl(const std::string& url, const UrlFetchOptions& options);

// True when `ip` (dotted IPv4 or IPv6 text) is loopback, private, link-local,
// unspecified, multicast or otherwise not a public unicast address.
bool IsNonPublicAddress(const std::string& ip);

}  // namespace ocula
