// API key check. Until per-key identities exist, one key from configuration
// (server.api_key) protects /v1 and /vision: sent as
// `Ocp-Apim-Subscription-Key: <key>` (the Computer Vision header) or
// `Authorization: Bearer <key>`, compared in constant time. With no key
// configured the API is open (the embedded default listens on loopback only).
#pragma once

#include <string>

#include "api/http_types.h"

namespace ocula {

// True when `key` is empty or the request presents it.
bool HasValidKey(const HttpRequest& request, const std::string& key);

// Paths that need no key: all but /v1 and /vision, i.e. the operations
// endpoints (/healthz, /readyz, /metrics) and the front end's static files
// (which hold no data; the page asks for a key before calling the API).
bool IsOpenPath(const std::string& path);

}  // namespace ocula
