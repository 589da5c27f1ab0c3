// A minimal blocking HTTP/1.1 client for tests (plain sockets, one request per
// connection), so tests drive the real server over real TCP.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ocula::testing {

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
};

ClientResponse Send(int port, const ClientRequest& request, int timeout_ms = 30000);
ClientResponse Get(int port, const std::string& path,
                   std::vector<std::pair<std::string, std::string>> headers = {});
ClientResponse Post(int port, const std::string& path, const std::string& content_type,
                    const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers = {});
ClientResponse Delete(int port, const std::string& path);

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

// A TCP port that was free a moment ago.
int FreePort();

std::string ReadFile(const std::string& path);

}  // namespace ocula::testing
