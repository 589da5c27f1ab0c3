// HttpServer: HTTP/1.1 over TCP, or over TLS (Boost.Beast, OpenSSL), with
// keep-alive and with limits on header and body size, on how long a client may
// take, and on how many connections may be open at once.
// Each complete request is turned into an HttpRequest and passed to the
// handler on one of the I/O threads, which must not block: it answers at once
// or hands the work to a pool and answers from there (AsyncHandler). The
// response is written back on the connection's strand.
//
// A request whose body exceeds max_body_bytes is answered 413 without reading
// the rest; a connection that drops mid-request, times out, or fails its TLS
// handshake never reaches the handler.
//
// Time limits (slow clients): the TLS handshake and the request head must each
// arrive within header_timeout; the whole request, head and body, within
// request_timeout; a keep-alive connection waits idle_timeout for its next
// request. A connection over max_connections is closed as soon as accepted.
// Memory: a request whose body would take the bodies held at once over
// max_buffered_body_bytes is answered 503 with Retry-After, unread.
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
  int io_threads = 4;
  uint64_t max_body_bytes = 20ull << 20;
  uint32_t max_header_bytes = 16 * 1024;
  std::chrono::seconds header_timeout{10};   // TLS handshake; request head
  std::chrono::seconds request_timeout{60};  // whole request, head and body
  std::chrono::seconds idle_timeout{30};     // keep-alive wait for the next request
  int max_connections = 1024;                // open connections, TLS handshakes included
  // Request bodies held in memory at once, all connections together, counted
  // by Content-Length (max_body_bytes when chunked); a request that would go
  // over is answered 503 (Retry-After) without its body being read.
  uint64_t max_buffered_body_bytes = 256ull << 20;
  std::chrono::seconds shutdown_deadline{30};
  // TLS: both set (PEM files: certificate chain, server certificate first; an
  // unencrypted private key), or both empty for plain HTTP. TLS 1.2 or later.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  using RequestHandler = AsyncHandler;
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();

  // Loads the TLS certificate and key (if set), binds and starts serving.
  // InvalidArgument for a bad address, or a TLS file that is missing,
  // unreadable, not PEM, or a key that does not match the certificate (the
  // message names the file); Unavailable when the port cannot be bound.
  Status Start();
  // The bound port (useful with port 0).
  int port() const;
  // True when serving HTTPS.
  bool tls() const;
  // Stops accepting, lets requests in progress finish (up to the deadline;
  // requests handed to a pool included), then closes every connection.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocula
