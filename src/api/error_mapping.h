// The one place where errors become HTTP: a Status (code + optional reason,
// see core/status.h) maps to an HTTP status and a JSON error body
//   {"error": {"code": "...", "message": "..."}}
// Handlers never pick error status codes themselves.
#pragma once

#include "api/http_types.h"
#include "core/status.h"

namespace ocula {

// HTTP status for a non-OK status.
int HttpStatusFor(const Status& status);

// Contract error code: the status's reason when it has one, else a name per
// status code ("NotFound", "InvalidArgument", "ServiceUnavailable", ...).
std::string ErrorCodeFor(const Status& status);

// The JSON error response for `status`. 5xx responses carry a generic message
// (details go to the log); 503 responses carry Retry-After.
HttpResponse ErrorResponse(const Status& status);

// The Computer Vision v3.2 error for `status` (CONTRACTS.md §1):
//   {"error": {"code": "InvalidRequest", "message": "...",
//              "innererror": {"code": "InvalidImageFormat", "message": "..."}}}
// Outer codes: InvalidRequest (4xx), InternalServerError, ServiceUnavailable;
// too-large images are InvalidImageSize (400) as upstream reports them.
HttpResponse VisionErrorResponse(const Status& status);

// The Custom Vision error (CONTRACTS.md §4): {"code": "...", "message": "..."}
// with the status's reason as the code (NotFoundProject, ...) or one per
// HTTP status (BadRequest, NotFound, Unauthorized, ...). Conflicts and failed
// preconditions are 400, as upstream answers them.
HttpResponse CustomVisionErrorResponse(const Status& status);

// The error envelope of the API `path` belongs to: /vision/ (Computer
// Vision), /customvision/ (Custom Vision), else Ocula's own.
HttpResponse ErrorResponseFor(std::string_view path, const Status& status);

}  // namespace ocula
