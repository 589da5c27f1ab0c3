#include "api/http_parse.h"

#include <cctype>

#include "core/uri.h"

namespace ocula {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Status ParseTarget(std::string_view target, HttpRequest& out) {
  std::string_view path = target.substr(0, target.find('?'));
  OCULA_ASSIGN_OR_RETURN(out.path, PercentDecode(path));
  if (out.path.empty() || out.path[0] != '/') {
    return absl::InvalidArgumentError("request target must be an absolute path");
  }
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    OCULA_ASSIGN_OR_RETURN(out.query, ParseQueryString(target.substr(q + 1)));
  }
  return absl::OkStatus();
}

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

Status FillRequest(const RequestHead& head, std::string fresh_id, HttpRequest& out) {
  out.method = std::string(head.method);
  for (const auto& [name, value] : head.fields) out.headers[Lower(name)] = std::string(value);
  out.request_id = std::move(fresh_id);
  if (auto id = out.Header("x-request-id"); id && IsAcceptableRequestId(*id)) {
    out.request_id = *id;
  }
  return ParseTarget(head.target, out);
}

}  // namespace ocula
