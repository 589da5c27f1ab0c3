#include "blob/object_store_http.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

bool IsTransientStatus(int status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

class RangedBlobReader : public BlobReader {
 public:
  RangedBlobReader(uint64_t size, std::string first, RangeFetch fetch, uint64_t chunk)
      : size_(size), fetch_(std::move(fetch)), chunk_(chunk), offset_(first.size()),
        buffer_(std::move(first)) {}

  StatusOr<size_t> Read(char* buf, size_t n) override {
    if (used_ == buffer_.size()) {
      if (offset_ >= size_) return 0;
      OCULA_ASSIGN_OR_RETURN(buffer_, fetch_(offset_, std::min(chunk_, size_ - offset_)));
      if (buffer_.empty()) return absl::DataLossError("the blob ended before its size");
      offset_ += buffer_.size();
      used_ = 0;
    }
    size_t count = std::min(n, buffer_.size() - used_);
    std::memcpy(buf, buffer_.data() + used_, count);
    used_ += count;
    return count;
  }
  uint64_t size() const override { return size_; }

 private:
  const uint64_t size_;
  const RangeFetch fetch_;
  const uint64_t chunk_;
  uint64_t offset_;  // of the next fetch
  std::string buffer_;
  size_t used_ = 0;
};

}  // namespace

StatusOr<HttpReply> SendWithRetry(HttpTransport& transport,
                                  const std::function<HttpCall()>& make_call, int attempts) {
  std::chrono::milliseconds delay{100};
  for (int attempt = 1;; ++attempt) {
    StatusOr<HttpReply> reply = transport.Send(make_call());
    bool transient = reply.ok() ? IsTransientStatus(reply->status)
                                : reply.status().code() == StatusCode::kUnavailable;
    if (!transient || attempt >= attempts) return reply;
    std::this_thread::sleep_for(delay);
    delay *= 4;
  }
}

std::string XmlErrorCode(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return "";
  return doc.child("Error").child_value("Code");
}

Status StatusFromReply(const HttpReply& reply, const std::string& what) {
  pugi::xml_document doc;
  std::string detail;
  if (doc.load_buffer(reply.body.data(), reply.body.size())) {
    pugi::xml_node error = doc.child("Error");
    detail = absl::StrCat(": ", error.child_value("Code"), " ", error.child_value("Message"));
  }
  std::string message = absl::StrCat(what, " answered HTTP ", reply.status, detail);
  int s = reply.status;
  if (s == 404) return absl::NotFoundError(message);
  if (s == 401 || s == 403) return absl::PermissionDeniedError(message);
  if (IsTransientStatus(s)) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

int64_t ParseHttpTimeMs(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return 0;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  if (*end == '.') {  // milliseconds of an ISO time
    int scale = 100;
    for (const char* p = end + 1; std::isdigit(static_cast<unsigned char>(*p)) && scale > 0;
         ++p, scale /= 10) {
      ms += (*p - '0') * scale;
    }
  }
  return ms;
}

std::unique_ptr<BlobReader> MakeRangedBlobReader(uint64_t size, std::string first, RangeFetch fetch,
                                                 uint64_t chunk) {
  return std::make_unique<RangedBlobReader>(size, std::move(first), std::move(fetch), chunk);
}

StatusOr<std::unique_ptr<BlobReader>> OpenPinnedReader(
    const std::function<StatusOr<BlobHead>()>& head,
    const std::function<RangeFetch(const std::string& etag)>& fetch_for, uint64_t chunk) {
  for (int attempt = 1;; ++attempt) {
    OCULA_ASSIGN_OR_RETURN(BlobHead blob, head());
    RangeFetch fetch = fetch_for(blob.etag);
    StatusOr<std::string> first = std::string();
    if (blob.size > 0) first = fetch(0, std::min(blob.size, chunk));
    if (first.ok()) return MakeRangedBlobReader(blob.size, *std::move(first), std::move(fetch), chunk);
    if (first.status().code() != StatusCode::kAborted || attempt == 2) return first.status();
  }
}

}  // namespace ocula
