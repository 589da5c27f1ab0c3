// Plain HTTP request/response values passed between the Beast adapter
// (http_server) and the handlers, so handlers need no Boost headers and can be
// unit-tested without sockets.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ocula {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query, e.g. "/v1/images"
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string request_id;  // assigned by the server, echoed as X-Request-Id
  std::map<std::string, std::string> path_params;  // filled by the router
  std::string principal;  // the id of the API key that authorised it; "" when none

  // Header value by lowercase name, or nullopt.
  std::optional<std::string> Header(const std::string& lowercase_name) const;
  // Query parameter, or nullopt.
  std::optional<std::string> Query(const std::string& name) const;
  // The Content-Type header lowercased ("" when absent); parameters kept.
  std::string LowercaseContentType() const;
  // True when If-None-Match names `etag` (a quoted entity tag) or is "*".
  bool IfNoneMatches(const std::string& etag) const;
};

// The writing end of a streamed response body (server-sent events), held by
// whoever produces the body. Thread-safe: Send may be called from any thread.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues `chunk` to be sent. False once the client has gone, the server is
  // stopping, or the client has fallen too far behind: drop the stream then.
  virtual bool Send(std::string chunk) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, `body` is ignored: the server sends the head (chunked), then
  // calls this once with the stream that carries the body for as long as the
  // connection lasts.
  std::function<void(std::shared_ptr<ResponseStream>)> start_stream;

  static HttpResponse Json(int status, std::string body);
};

// Sends the response to one request. Callable from any thread, once.
using Responder = std::function<void(HttpResponse)>;
// What the server calls for each request: answer now (call `respond` before
// returning) or later, from another thread (work handed to a pool).
using AsyncHandler = std::function<void(HttpRequest request, Responder respond)>;

}  // namespace ocula
