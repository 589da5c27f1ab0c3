// Plain HTTP request/response values passed between the Beast adapter
// (http_server) and the handlers, so handlers need no Boost headers and can be
// unit-tested without sockets.
#pragma once

#include <map>
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

  // Header value by lowercase name, or nullopt.
  std::optional<std::string> Header(const std::string& lowercase_name) const;
  // Query parameter, or nullopt.
  std::optional<std::string> Query(const std::string& name) const;
  // The Content-Type header lowercased ("" when absent); parameters kept.
  std::string LowercaseContentType() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static HttpResponse Json(int status, std::string body);
};

}  // namespace ocula
