// The socket-free part of reading a request: turning the pieces of a parsed
// HTTP message (method, target, header fields) into the HttpRequest the
// handlers see. http_server.cc calls it for every request; the fuzz targets
// (fuzz/) call it on fuzzed bytes. No Boost types here: http_server.cc stays
// the only file that includes Beast.
//
// Thread-safety: pure functions, safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_types.h"
#include "core/status.h"

namespace ocula {

// The parsed head of a request, as the HTTP parser delivered it.
struct RequestHead {
  std::string_view method;  // e.g. "GET"
  std::string_view target;  // e.g. "/v1/images?limit=10"
  std::vector<std::pair<std::string_view, std::string_view>> fields;  // in order received
};

// Splits the request target into the decoded path and query parameters of
// `out`. InvalidArgument when the path is not absolute ("/...") or a percent
// escape is malformed.
Status ParseTarget(std::string_view target, HttpRequest& out);

// True when a client's X-Request-Id may be used as the request id: 1 to 64
// visible ASCII characters (0x21-0x7E). Anything else (control characters,
// bytes that are not UTF-8) would end up in logs, JSON documents and events.
bool IsAcceptableRequestId(std::string_view id);

// Fills `out` from `head`: method, headers (names lowercased; a repeated name
// keeps the last value), the request id (the client's X-Request-Id when
// acceptable, else `fresh_id`), and path and query (ParseTarget). The body is
// left alone. Returns ParseTarget's status: when it is not OK the request
// must not reach the handler (answer ErrorResponse(status) instead).
Status FillRequest(const RequestHead& head, std::string fresh_id, HttpRequest& out);

}  // namespace ocula
