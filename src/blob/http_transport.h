// HttpTransport: the HTTP/1.1 client the object-store backends (S3, Azure
// Blob) talk through, over libcurl. Connections are kept alive and reused: idle
// curl handles wait in a small pool.
//
// Send returns any HTTP reply as OK (the caller maps statuses to errors);
// a request that got no reply (refused, reset, DNS, TLS, timeout) is
// Unavailable, so callers may retry it.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ocula {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpCall {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string url;     // absolute and already percent-encoded
  std::vector<HttpHeader> headers;
  std::string_view body;  // sent with Content-Length for PUT and POST
};

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; last one wins
  std::string body;

  // The header's value, or "" when absent. `name` must be lowercase.
  std::string Header(const std::string& name) const;
};

struct HttpTransportOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds timeout{120'000};  // the whole request
  std::string ca_file;  // "" = the system's CA certificates
};

class HttpTransport {
 public:
  explicit HttpTransport(HttpTransportOptions options = {});
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  StatusOr<HttpReply> Send(const HttpCall& call);

 private:
  struct Pool;
  HttpTransportOptions options_;
  std::unique_ptr<Pool> pool_;
};

// The host[:port] of an absolute URL ("http://h:1/x" -> "h:1"), as sent in Host.
std::string HostOfUrl(std::string_view url);

}  // namespace ocula
