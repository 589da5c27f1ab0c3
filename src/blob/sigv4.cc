#include "blob/sigv4.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/sha256.h"

namespace ocula {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Lowercase name; value trimmed, inner runs of spaces collapsed to one.
std::string CanonicalValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : absl::StripAsciiWhitespace(AbslView(value))) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// name -> values in order, sorted by name (repeated headers joined by ',').
std::vector<std::pair<std::string, std::string>> CanonicalHeaders(
    const std::vector<HttpHeader>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const HttpHeader& h : headers) {
    std::string name = absl::AsciiStrToLower(h.name);
    std::string value = CanonicalValue(h.value);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == name; });
    if (it == out.end()) {
      out.emplace_back(std::move(name), std::move(value));
    } else {
      absl::StrAppend(&it->second, ",", value);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string SignedHeaderNames(const std::vector<HttpHeader>& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : CanonicalHeaders(headers)) names.push_back(name);
  return absl::StrJoin(names, ";");
}

// Parameters sorted by name, then value; a parameter without '=' gets "=".
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (absl::string_view part : absl::StrSplit(AbslView(query), '&', absl::SkipEmpty())) {
    size_t eq = part.find('=');
    params.emplace_back(std::string(part.substr(0, eq)),
                        eq == absl::string_view::npos ? "" : std::string(part.substr(eq + 1)));
  }
  std::sort(params.begin(), params.end());
  std::vector<std::string> pairs;
  for (const auto& [name, value] : params) pairs.push_back(absl::StrCat(name, "=", value));
  return absl::StrJoin(pairs, "&");
}

std::string CredentialScope(const SigV4Scope& scope) {
  return absl::StrCat(scope.amz_date.substr(0, 8), "/", scope.region, "/", scope.service,
                      "/aws4_request");
}

}  // namespace

std::string AwsUriEncode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::string SigV4CanonicalRequest(const SigV4Request& request) {
  std::string headers;
  for (const auto& [name, value] : CanonicalHeaders(request.headers)) {
    absl::StrAppend(&headers, name, ":", value, "\n");
  }
  return absl::StrCat(request.method, "\n", request.path.empty() ? "/" : request.path, "\n",
                      CanonicalQuery(request.query), "\n", headers, "\n",
                      SignedHeaderNames(request.headers), "\n", request.payload_sha256);
}

std::string SigV4StringToSign(const std::string& canonical_request, const SigV4Scope& scope) {
  return absl::StrCat(kAlgorithm, "\n", scope.amz_date, "\n", CredentialScope(scope), "\n",
                      Sha256Hex(canonical_request));
}

std::string SigV4Authorization(const SigV4Request& request, const SigV4Scope& scope,
                               const AwsCredentials& credentials) {
  std::string key = Hmac(absl::StrCat("AWS4", credentials.secret_access_key),
                         scope.amz_date.substr(0, 8));
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  key = Hmac(key, "aws4_request");
  std::string signature =
      absl::BytesToHexString(Hmac(key, SigV4StringToSign(SigV4CanonicalRequest(request), scope)));
  return absl::StrCat(kAlgorithm, " Credential=", credentials.access_key_id, "/",
                      CredentialScope(scope), ", SignedHeaders=", SignedHeaderNames(request.headers),
                      ", Signature=", signature);
}

std::string AmzDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace ocula
