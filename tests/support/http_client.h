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

// A TCP port that was free a moment ago.
int FreePort();

std::string ReadFile(const std::string& path);

}  // namespace ocula::testing
