// A minimal blocking HTTP/1.1 client for tests (plain sockets, one request per
// connection), so tests drive the real server over real TCP.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ocula::testing {

// The admin key every ServerProcess is started with (OCULA_ADMIN_KEY), which
// requests send as `Authorization: Bearer` unless they carry their own
// Authorization / Ocp-Apim-Subscription-Key / Training-Key / Prediction-Key
// header or set send_key = false.
inline constexpr char kTestAdminKey[] = "integration-test-admin-key";

struct ClientResponse {
  int status = 0;  // 0 when the request failed at the socket level
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string error;  // socket-level error
  std::string Header(const std::string& name) const;
};

struct ClientRequest {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool send_key = true;  // add kTestAdminKey unless headers hold a key
};

ClientResponse Send(int port, const ClientRequest& request, int timeout_ms = 30000);
ClientResponse Get(int port, const std::string& path,
                   std::vector<std::pair<std::string, std::string>> headers = {});
ClientResponse Post(int port, const std::string& path, const std::string& content_type,
                    const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers = {});
ClientResponse Delete(int port, const std::string& path);

// One kept-alive connection, as HTTP client libraries keep them: requests go
// one after another on it, and it reconnects once when the server has closed
// it. Responses must have a Content-Length. Not thread-safe.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(int port) : port_(port) {}
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  ClientResponse Send(const ClientRequest& request);

 private:
  bool ReadResponse(ClientResponse& out);
  void Reset();

  int port_;
  int fd_ = -1;
  std::string pending_;  // bytes read past the last response
};

// Sends the request line, headers (announcing `announced_length` bytes) and
// only `sent` of the body, then closes the connection abruptly.
void SendTruncated(int port, const std::string& path, const std::string& content_type,
                   const std::string& partial_body, size_t announced_length);

// A multipart/form-data body with one part per (filename, content type, bytes).
struct FilePart {
  std::string filename;
  std::string content_type;
  std::string data;
};
std::string MultipartBody(const std::vector<FilePart>& parts, const std::string& boundary);

// A response read as it arrives (server-sent events), its chunked framing
// removed. The connection closes when the reader is destroyed.
class StreamReader {
 public:
  StreamReader(int port, const ClientRequest& request);
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  // Waits up to `timeout_ms` for the response head; its status, 0 on failure.
  int Status(int timeout_ms = 10000);
  std::string Header(const std::string& name) const { return head_.Header(name); }
  // Reads until the body holds `text` (searching from `from`) or `timeout_ms`
  // passes; true when found.
  bool WaitFor(const std::string& text, int timeout_ms, size_t from = 0);
  const std::string& body() const { return body_; }

 private:
  bool ReadSome(int timeout_ms);
  void Decode();

  int fd_ = -1;
  std::string raw_;  // received bytes not yet decoded
  bool have_head_ = false;
  ClientResponse head_;
  std::string body_;
};

// A connection driven by hand, for tests of how the server treats slow, idle
// and surplus clients: keep-alive requests, bytes sent one at a time, waiting
// for the server to hang up. Nothing here follows redirects or parses chunks.
class RawConnection {
 public:
  explicit RawConnection(int port, int timeout_ms = 5000);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // True once the server has closed (or reset) the connection.
  bool closed() const { return closed_; }
  // Sends `data`; false when the connection is gone.
  bool Send(const std::string& data);
  // Sends `data` one byte every `interval_ms`, stopping early when the server
  // closes the connection; returns the bytes sent.
  size_t SendSlowly(const std::string& data, int interval_ms);
  // Reads one response (head and Content-Length body) within `timeout_ms`;
  // status 0 and `error` set when none came.
  ClientResponse ReadResponse(int timeout_ms = 10000);
  // Waits up to `timeout_ms` for the server to close the connection, reading
  // and keeping whatever it sends meanwhile; true when it did.
  bool WaitClosed(int timeout_ms);
  // Bytes received and not consumed by ReadResponse.
  const std::string& received() const { return received_; }

 private:
  bool ReadSome(int timeout_ms);  // false on timeout or close

  int fd_ = -1;
  bool closed_ = false;
  std::string received_;
};

// A TCP port that was free a moment ago, never returned before in this
// process. Thread-safe.
int FreePort();

std::string ReadFile(const std::string& path);

}  // namespace ocula::testing
