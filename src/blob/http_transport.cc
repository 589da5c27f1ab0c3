#include "blob/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace ocula {
namespace {

constexpr size_t kMaxIdleHandles = 16;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One header line per call; a new status line (after "100 Continue" or a
// redirect) starts the header set again.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  (*headers)[name] = std::string(value);
  return size * count;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

}  // namespace

struct HttpTransport::Pool {
  absl::Mutex mu;
  std::vector<CURL*> idle ABSL_GUARDED_BY(mu);

  CURL* Take() {
    {
      absl::MutexLock lock(&mu);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  // Keeps the handle (and its live connection) for the next call.
  void Give(CURL* handle) {
    curl_easy_reset(handle);
    absl::MutexLock lock(&mu);
    if (idle.size() < kMaxIdleHandles) {
      idle.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

  ~Pool() {
    absl::MutexLock lock(&mu);
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }
};

std::string HttpReply::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpTransport::HttpTransport(HttpTransportOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  GlobalInit();
}

HttpTransport::~HttpTransport() = default;

StatusOr<HttpReply> HttpTransport::Send(const HttpCall& call) {
  CURL* curl = pool_->Take();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  HttpReply reply;
  HeaderList headers;
  for (const HttpHeader& h : call.headers) headers.Add(absl::StrCat(h.name, ": ", h.value));
  // curl would otherwise add its own Content-Type to bodies and wait for
  // "100 Continue" before large ones.
  headers.Add("Expect:");
  bool has_body = call.method == "PUT" || call.method == "POST";
  if (has_body &&
      std::none_of(call.headers.begin(), call.headers.end(), [](const HttpHeader& h) {
        return absl::AsciiStrToLower(h.name) == "content-type";
      })) {
    headers.Add("Content-Type:");
  }

  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }

  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  pool_->Give(curl);
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat(call.method, " ", HostOfUrl(call.url), ": ",
                                               curl_easy_strerror(rc)));
  }
  reply.status = static_cast<int>(status);
  return reply;
}

std::string HostOfUrl(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  return std::string(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
}

}  // namespace ocula
