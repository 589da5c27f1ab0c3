// HttpServer: HTTP/1.1 over TCP (Boost.Beast), keep-alive, with limits on
// header and body size and on how long a client may take to send a request.
// Each complete request is turned into an HttpRequest, passed to the handler
// on one of the I/O threads, and the HttpResponse written back.
//
// A request whose body exceeds max_body_bytes is answered 413 without reading
// the rest; a connection that drops mid-request never reaches the handler.
//
// A response with start_stream set (server-sent events) is sent with chunked
// encoding and kept open: the producer writes through its ResponseStream
// until the client hangs up, falls 1024 chunks behind, takes over 30 s to
// accept a chunk, or the server stops. Stop the producers before the server.
//
// Thread-safety: Start/Stop from one thread. The handler is called
// concurrently from the I/O threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http_types.h"
#include "core/status.h"

namespace ocula {

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int io_threads = 2;
  uint64_t max_body_bytes = 20ull << 20;
  uint32_t max_header_bytes = 16 * 1024;
  std::chrono::seconds request_timeout{60};
  std::chrono::seconds shutdown_deadline{30};
};

class HttpServer {
 public:
  using RequestHandler = std::function<HttpResponse(HttpRequest&)>;
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();

  // Binds and starts serving. InvalidArgument for a bad address,
  // Unavailable when the port cannot be bound.
  Status Start();
  // The bound port (useful with port 0).
  int port() const;
  // Stops accepting, lets requests in progress finish (up to the deadline),
  // then closes every connection.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocula
