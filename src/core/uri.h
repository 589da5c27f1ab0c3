// Backend URIs: "file:///var/lib/ocula/blobs", "sqlite:///data/ocula.db",
// "s3://bucket?endpoint=...". Parsed into parts; no network access.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ocula {

struct Uri {
  std::string scheme;     // lowercased, e.g. "file"
  std::string authority;  // host[:port] or bucket; may be empty
  std::string path;       // percent-decoded, e.g. "/var/lib/ocula/blobs"
  std::map<std::string, std::string> query;  // percent-decoded parameters
  std::string text;  // as given (for backends that parse it themselves); never log it

  // The URI without user:password@ and without its query string, for logs
  // (both may hold secrets).
  std::string Redacted() const;
};

// Parses "scheme://authority/path?k=v&...". InvalidArgument when there is no
// "scheme://" prefix or a percent escape is malformed.
StatusOr<Uri> ParseUri(std::string_view text);

// Parses "k=v&k2=v2" (percent-decoded, '+' as space; empty pairs skipped; a
// key without '=' gets ""). InvalidArgument for a malformed escape.
StatusOr<std::map<std::string, std::string>> ParseQueryString(std::string_view query);

// Decodes %XX escapes (and '+' as space when `plus_as_space`).
StatusOr<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);

}  // namespace ocula
