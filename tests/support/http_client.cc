#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

namespace ocula::testing {
namespace {

int Connect(int port, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string Head(const ClientRequest& r, size_t content_length, bool keep_alive = false) {
  std::string head = r.method + " " + r.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: " +
                     (keep_alive ? "keep-alive" : "close") + "\r\n";
  bool has_length = false;
  bool has_key = !r.send_key;
  for (const auto& [k, v] : r.headers) {
    head += k + ": " + v + "\r\n";
    if (strcasecmp(k.c_str(), "content-length") == 0) has_length = true;
    for (const char* key_header :
         {"authorization", "ocp-apim-subscription-key", "training-key", "prediction-key"}) {
      if (strcasecmp(k.c_str(), key_header) == 0) has_key = true;
    }
  }
  if (!has_key) head += std::string("Authorization: Bearer ") + kTestAdminKey + "\r\n";
  if (!has_length && (content_length > 0 || r.method == "POST" || r.method == "PUT")) {
    head += "Content-Length: " + std::to_string(content_length) + "\r\n";
  }
  return head + "\r\n";
}

ClientResponse Parse(const std::string& raw) {
  ClientResponse out;
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) {
    out.error = "incomplete response (" + std::to_string(raw.size()) + " bytes)";
    return out;
  }
  std::istringstream lines(raw.substr(0, end));
  std::string line;
  std::getline(lines, line);
  if (line.size() < 12) {
    out.error = "bad status line";
    return out;
  }
  out.status = std::stoi(line.substr(9, 3));
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t v = line.find_first_not_of(' ', colon + 1);
    out.headers[name] = v == std::string::npos ? "" : line.substr(v);
  }
  out.body = raw.substr(end + 4);
  return out;
}

// Milliseconds until `deadline`, 0 once it has passed.
int MillisLeft(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

std::string ClientResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

ClientResponse Send(int port, const ClientRequest& request, int timeout_ms) {
  ClientResponse failed;
  int fd = Connect(port, timeout_ms);
  if (fd < 0) {
    failed.error = std::string("connect: ") + std::strerror(errno);
    return failed;
  }
  if (!SendAll(fd, Head(request, request.body.size()) + request.body)) {
    // The server may answer early (413) and close; still read what it said.
  }
  std::string raw;
  char buf[65536];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  if (raw.empty()) {
    failed.error = "no response";
    return failed;
  }
  return Parse(raw);
}

KeepAliveClient::~KeepAliveClient() {
  if (fd_ >= 0) close(fd_);
}

ClientResponse KeepAliveClient::Send(const ClientRequest& request) {
  ClientResponse failed;
  for (int attempt = 0; attempt < 2; ++attempt) {  // once more on a fresh connection
    if (fd_ < 0) {
      if ((fd_ = Connect(port_, 30000)) < 0) {
        failed.error = std::string("connect: ") + std::strerror(errno);
        return failed;
      }
      int one = 1;  // head and body go as two writes: no Nagle delay between them (as curl)
      setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ClientResponse response;
    if (SendAll(fd_, Head(request, request.body.size(), true)) && SendAll(fd_, request.body) &&
        ReadResponse(response)) {
      if (response.Header("connection") == "close") Reset();
      return response;
    }
    Reset();
    failed.error = "connection lost";
  }
  return failed;
}

bool KeepAliveClient::ReadResponse(ClientResponse& out) {
  char buf[65536];
  size_t head_end;
  while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
  }
  out = Parse(pending_.substr(0, head_end + 4));
  const std::string length = out.Header("content-length");
  if (out.status == 0 || length.empty()) return false;  // only sized bodies here
  const size_t body_end = head_end + 4 + std::stoul(length);
  while (pending_.size() < body_end) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
  }
  out.body = pending_.substr(head_end + 4, body_end - head_end - 4);
  pending_.erase(0, body_end);
  return true;
}

void KeepAliveClient::Reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  pending_.clear();
}

ClientResponse Get(int port, const std::string& path,
                   std::vector<std::pair<std::string, std::string>> headers) {
  return Send(port, {"GET", path, std::move(headers), ""});
}

ClientResponse Post(int port, const std::string& path, const std::string& content_type,
                    const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers) {
  if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
  return Send(port, {"POST", path, std::move(headers), body});
}

ClientResponse Delete(int port, const std::string& path) {
  return Send(port, {"DELETE", path, {}, ""});
}

void SendTruncated(int port, const std::string& path, const std::string& content_type,
                   const std::string& partial_body, size_t announced_length) {
  int fd = Connect(port, 5000);
  if (fd < 0) return;
  ClientRequest r{
      "POST",
      path,
      {{"Content-Type", content_type}, {"Content-Length", std::to_string(announced_length)}},
      ""};
  SendAll(fd, Head(r, announced_length) + partial_body);
  linger l{1, 0};  // reset, as a client that crashed would
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

std::string MultipartBody(const std::vector<FilePart>& parts, const std::string& boundary) {
  std::string body;
  for (const FilePart& p : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            p.filename + "\"\r\nContent-Type: " + p.content_type + "\r\n\r\n" + p.data + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

StreamReader::StreamReader(int port, const ClientRequest& request) {
  fd_ = Connect(port, 30000);
  if (fd_ >= 0 && !SendAll(fd_, Head(request, request.body.size()) + request.body)) {
    close(fd_);
    fd_ = -1;
  }
}

StreamReader::~StreamReader() {
  if (fd_ >= 0) close(fd_);
}

bool StreamReader::ReadSome(int timeout_ms) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buffer[8192];
  ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) return false;
  raw_.append(buffer, static_cast<size_t>(n));
  Decode();
  return true;
}

void StreamReader::Decode() {
  if (!have_head_) {
    size_t end = raw_.find("\r\n\r\n");
    if (end == std::string::npos) return;
    head_ = Parse(raw_.substr(0, end + 4));
    raw_.erase(0, end + 4);
    have_head_ = true;
  }
  while (true) {  // chunk: hex size CRLF data CRLF
    size_t line = raw_.find("\r\n");
    if (line == std::string::npos) return;
    size_t size = std::stoul(raw_.substr(0, line), nullptr, 16);
    if (raw_.size() < line + 2 + size + 2) return;
    body_.append(raw_, line + 2, size);
    raw_.erase(0, line + 2 + size + 2);
  }
}

int StreamReader::Status(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!have_head_ && std::chrono::steady_clock::now() < deadline) {
    if (!ReadSome(100) && fd_ < 0) break;
  }
  return have_head_ ? head_.status : 0;
}

bool StreamReader::WaitFor(const std::string& text, int timeout_ms, size_t from) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (body_.find(text, from) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ReadSome(100);
  }
  return true;
}

RawConnection::RawConnection(int port, int timeout_ms) : fd_(Connect(port, timeout_ms)) {}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(const std::string& data) {
  if (fd_ < 0 || closed_) return false;
  if (!SendAll(fd_, data)) closed_ = true;
  return !closed_;
}

bool RawConnection::ReadSome(int timeout_ms) {
  if (fd_ < 0 || closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buffer[16384];
  ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {  // EOF, or reset
    closed_ = true;
    return false;
  }
  received_.append(buffer, static_cast<size_t>(n));
  return true;
}

size_t RawConnection::SendSlowly(const std::string& data, int interval_ms) {
  size_t sent = 0;
  for (char c : data) {
    while (ReadSome(0)) {
    }
    if (!Send(std::string(1, c))) break;
    ++sent;
    // Wait out the interval, noticing a close meanwhile.
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms);
    while (!closed_ && MillisLeft(until) > 0) ReadSome(MillisLeft(until));
    if (closed_) break;
  }
  return sent;
}

ClientResponse RawConnection::ReadResponse(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left = [&] { return MillisLeft(deadline); };
  size_t end;
  while ((end = received_.find("\r\n\r\n")) == std::string::npos) {
    if (closed_ || left() == 0) return Parse(received_);  // says what is missing
    ReadSome(left());
  }
  ClientResponse out = Parse(received_.substr(0, end + 4));
  size_t length = 0;
  if (std::string cl = out.Header("content-length"); !cl.empty()) length = std::stoul(cl);
  while (received_.size() < end + 4 + length) {
    if (closed_ || left() == 0) {
      out.error = "incomplete body";
      out.status = 0;
      return out;
    }
    ReadSome(left());
  }
  out.body = received_.substr(end + 4, length);
  received_.erase(0, end + 4 + length);
  return out;
}

bool RawConnection::WaitClosed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!closed_) {
    if (MillisLeft(deadline) == 0) return false;
    ReadSome(MillisLeft(deadline));
  }
  return true;
}

int FreePort() {
  // Never the same port twice in one test process: servers started at once
  // would race for it, and the loser's health check could reach the winner.
  static std::mutex mu;
  static std::set<int> handed_out;
  std::lock_guard lock(mu);
  while (true) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    close(fd);
    if (handed_out.insert(port).second) return port;
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace ocula::testing
