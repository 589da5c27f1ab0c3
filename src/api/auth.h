// Access control for HTTP requests: the key a request presents, and the
// check itself (authenticate, authorise, rate limit), applied to every
// request by InstrumentedHandler (api.h) with the access its route declared
// (router.h; the whole table is pinned by tests/unit/api/route_table_test.cc).
#pragma once

#include <optional>
#include <string>

#include "api/http_types.h"
#include "api/router.h"
#include "auth/authenticator.h"
#include "auth/rate_limiter.h"
#include "auth/scopes.h"

namespace ocula {

// The key sent as `Ocp-Apim-Subscription-Key: <key>` (the Computer Vision
// header), `Training-Key` / `Prediction-Key` (Custom Vision's) or
// `Authorization: Bearer <key>`; "" when none.
std::string PresentedKey(const HttpRequest& request);

struct AccessControl {
  Authenticator& authenticator;
  RateLimiter& limiter;
  Clock& clock;
};

// OK when `request` may go on to a route declaring `access` (and then, for
// a route that needs a key, request.principal is the key id).
// Unauthenticated (401) for a missing or bad key, PermissionDenied (403) for
// a key without the scope, ResourceExhausted (429) over the key's rate with
// *retry_after_s set, Unavailable (503) when the keys cannot be read.
Status CheckAccess(AccessControl& control, HttpRequest& request, const RouteAccess& access,
                   int* retry_after_s);

}  // namespace ocula
