#include "api/url_fetcher.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

namespace ocula {
namespace {

Status UrlError(const std::string& message) {
  return WithReason(absl::InvalidArgumentError(message), reason::kInvalidImageUrl);
}

bool IsNonPublicV4(uint32_t a) {  // host byte order
  auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x00000000, 8) ||    // 0.0.0.0/8
         in(0x0A000000, 8) ||    // 10/8
         in(0x64400000, 10) ||   // 100.64/10 carrier-grade NAT
         in(0x7F000000, 8) ||    // loopback
         in(0xA9FE0000, 16) ||   // link-local (cloud metadata lives here)
         in(0xAC100000, 12) ||   // 172.16/12
         in(0xC0000000, 24) ||   // 192.0.0/24
         in(0xC0A80000, 16) ||   // 192.168/16
         in(0xC6120000, 15) ||   // 198.18/15 benchmarking
         a >= 0xE0000000;        // multicast, reserved, broadcast
}

bool IsNonPublicV6(const in6_addr& a) {
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    uint32_t v4;
    std::memcpy(&v4, a.s6_addr + 12, 4);
    return IsNonPublicV4(ntohl(v4));
  }
  return IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_LINKLOCAL(&a) ||
         IN6_IS_ADDR_SITELOCAL(&a) || IN6_IS_ADDR_MULTICAST(&a) ||
         (a.s6_addr[0] & 0xfe) == 0xfc;  // unique local fc00::/7
}

struct Transfer {
  const UrlFetchOptions* options;
  std::string body;
  bool too_large = false;
  bool refused = false;
  std::string refused_address;
};

size_t OnData(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->body.size() + size * n > t->options->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->body.append(data, size * n);
  return size * n;
}

// Called for every connection curl opens (redirects included), after DNS:
// the place to refuse non-public addresses without a rebinding window.
curl_socket_t OnOpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  char text[INET6_ADDRSTRLEN] = "";
  bool non_public = true;
  if (address->family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&address->addr);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    non_public = IsNonPublicV4(ntohl(sin->sin_addr.s_addr));
  } else if (address->family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&address->addr);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    non_public = IsNonPublicV6(sin6->sin6_addr);
  }
  if (non_public && !t->options->allow_private_addresses) {
    t->refused = true;
    t->refused_address = text;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

StatusOr<std::string> ImageUrlFromJson(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto url = json.is_object() ? json.find("url") : json.end();
  if (url == json.end() || !url->is_string()) {
    return UrlError("JSON body must be {\"url\": \"http(s)://...\"}");
  }
  return url->get<std::string>();
}

bool IsNonPublicAddress(const std::string& ip) {
  in_addr v4;
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) return IsNonPublicV4(ntohl(v4.s_addr));
  in6_addr v6;
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) return IsNonPublicV6(v6);
  return true;
}

StatusOr<FetchedImage> FetchUrl(const std::string& url, const UrlFetchOptions& options) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return UrlError("image URL must be http:// or https://");
  }
  GlobalInit();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return absl::InternalError("curl_easy_init failed");
  Transfer t{&options, {}, false, false, {}};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "ocula-url-fetch/1");
  CURLcode rc = curl_easy_perform(h);
  if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return PayloadTooLargeError("the image at the URL is larger than " +
                                std::to_string(options.max_bytes) + " bytes");
  }
  if (t.refused) {
    return UrlError("image URL resolves to a non-public address (" + t.refused_address +
                    "); fetching from private networks is disabled");
  }
  if (rc == CURLE_TOO_MANY_REDIRECTS) return UrlError("image URL redirects too many times");
  if (rc == CURLE_OPERATION_TIMEDOUT) return UrlError("fetching the image URL timed out");
  if (rc != CURLE_OK) {
    return UrlError(std::string("could not fetch the image URL: ") + curl_easy_strerror(rc));
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code > 299) {
    return UrlError("fetching the image URL returned HTTP " + std::to_string(code));
  }
  FetchedImage image;
  image.bytes = std::move(t.body);
  char* type = nullptr;
  curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
  if (type) image.content_type = type;
  return image;
}

}  // namespace ocula
