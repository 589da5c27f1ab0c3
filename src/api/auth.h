// Access control for HTTP requests: which scope each path needs, the key a
// request presents, and the check itself (authenticate, authorise, rate
// limit), applied to every request by InstrumentedHandler (api.h).
//
//   /vision/*                         analyze
//   POST /v1/images, /v1/upload-urls  images:write
//   DELETE /v1/images/{id}            images:delete
//   /v1/keys…                         admin
//   other /v1 (GET)                   images:read
//   POST /v1/uploads/{token}          none: the signed URL is the credential
//   /healthz /readyz /metrics, the front end's files: none
#pragma once

#include <optional>
#include <string>

#include "api/http_types.h"
#include "auth/authenticator.h"
#include "auth/rate_limiter.h"
#include "auth/scopes.h"

namespace ocula {

// The scope `request` needs, or nullopt when it needs no key.
std::optional<Scope> RequiredScope(const HttpRequest& request);

// The key sent as `Ocp-Apim-Subscription-Key: <key>` (the Computer Vision
// header) or `Authorization: Bearer <key>`; "" when none.
std::string PresentedKey(const HttpRequest& request);

struct AccessControl {
  Authenticator& authenticator;
  RateLimiter& limiter;
  Clock& clock;
};

// OK when `request` may go on (and then request.principal is the key id).
// Unauthenticated (401) for a missing or bad key, PermissionDenied (403) for
// a key without the scope, ResourceExhausted (429) over the key's rate with
// *retry_after_s set, Unavailable (503) when the keys cannot be read.
Status CheckAccess(AccessControl& access, HttpRequest& request, int* retry_after_s);

}  // namespace ocula
