// What the HTTP object-store backends (S3, Azure Blob) share: retries of
// transient failures, mapping replies to Status, the XML error body both
// services send, HTTP dates, and a BlobReader that streams a blob by ranges.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "blob/http_transport.h"
#include "core/env.h"
#include "core/status.h"

namespace ocula {

// Sends make_call() up to `attempts` times while the result is transient (no
// reply, 408, 429, 500, 502, 503, 504), waiting 100 ms, 400 ms, ... between
// tries. make_call is called for every try, so each one is freshly signed.
StatusOr<HttpReply> SendWithRetry(HttpTransport& transport,
                                  const std::function<HttpCall()>& make_call, int attempts = 3);

// The Status for a non-2xx reply to `what` (e.g. "PUT images/a"): 404
// NotFound, 401/403 PermissionDenied, 408/429/5xx Unavailable, others
// Internal; the message carries the service's <Code> and <Message>.
Status StatusFromReply(const HttpReply& reply, const std::string& what);

// The <Code> of an XML error body ("NoSuchBucket"), or "".
std::string XmlErrorCode(const std::string& body);

// Milliseconds since the epoch of an RFC 1123 date ("Wed, 12 Oct 2009
// 17:50:00 GMT") or an ISO 8601 UTC time ("2009-10-12T17:50:30.000Z"); 0 when
// the text is neither.
int64_t ParseHttpTimeMs(const std::string& text);

// A reader of a `size`-byte blob whose first bytes, `first`, were already
// read; the rest comes through fetch(offset, length), `chunk` bytes at a
// time, so a large blob is never held in memory whole.
using RangeFetch = std::function<StatusOr<std::string>(uint64_t offset, uint64_t length)>;
std::unique_ptr<BlobReader> MakeRangedBlobReader(uint64_t size, std::string first, RangeFetch fetch,
                                                 uint64_t chunk);

// What a HEAD request tells about a blob.
struct BlobHead {
  uint64_t size = 0;
  std::string etag;
};

// Opens a reader the way both object stores do: head(), then the first chunk
// at once through fetch_for(etag) — so a blob of up to one chunk is a
// snapshot a later overwrite cannot affect — and the rest on demand, every
// range pinned to that ETag (the fetch must send If-Match and fail with
// Aborted when it no longer matches). An overwrite between the HEAD and the
// first range starts again once.
StatusOr<std::unique_ptr<BlobReader>> OpenPinnedReader(
    const std::function<StatusOr<BlobHead>()>& head,
    const std::function<RangeFetch(const std::string& etag)>& fetch_for, uint64_t chunk);

}  // namespace ocula
