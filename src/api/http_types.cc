#include "api/http_types.h"

#include <cctype>

namespace ocula {

std::optional<std::string> HttpRequest::Header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string HttpRequest::LowercaseContentType() const {
  std::string type = Header("content-type").value_or("");
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

bool HttpRequest::IfNoneMatches(const std::string& etag) const {
  std::optional<std::string> header = Header("if-none-match");
  if (!header) return false;
  if (*header == "*") return true;
  size_t pos = 0;
  while (pos < header->size()) {
    size_t end = header->find(',', pos);
    if (end == std::string::npos) end = header->size();
    std::string candidate = header->substr(pos, end - pos);
    while (!candidate.empty() && candidate.front() == ' ') candidate.erase(0, 1);
    while (!candidate.empty() && candidate.back() == ' ') candidate.pop_back();
    if (candidate.rfind("W/", 0) == 0) candidate = candidate.substr(2);
    if (candidate == etag) return true;
    pos = end + 1;
  }
  return false;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace ocula
