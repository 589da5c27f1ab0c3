#include "core/uri.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

StatusOr<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return absl::InvalidArgumentError("truncated percent escape");
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return absl::InvalidArgumentError("malformed percent escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

StatusOr<std::map<std::string, std::string>> ParseQueryString(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    OCULA_ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      OCULA_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    out[key] = value;
  }
  return out;
}

StatusOr<Uri> ParseUri(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", AbslView(text), "' is not a URI of the form scheme://..."));
  }
  Uri uri;
  uri.text = std::string(text);
  uri.scheme = std::string(text.substr(0, sep));
  std::transform(uri.scheme.begin(), uri.scheme.end(), uri.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string_view rest = text.substr(sep + 3);
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  uri.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) {
    OCULA_ASSIGN_OR_RETURN(uri.path, PercentDecode(rest.substr(slash)));
  }
  OCULA_ASSIGN_OR_RETURN(uri.query, ParseQueryString(query));
  return uri;
}

std::string Uri::Redacted() const {
  std::string_view host = authority;
  if (size_t at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  return absl::StrCat(scheme, "://", AbslView(host), path);
}

}  // namespace ocula
