#include "api/error_mapping.h"

#include <nlohmann/json.hpp>

namespace ocula {
namespace {

struct Mapping {
  std::string_view reason;
  int http;
};

constexpr Mapping kByReason[] = {
    {reason::kUnsupportedMediaType, 415}, {reason::kInvalidImageFormat, 400},
    {reason::kInvalidImageSize, 400},     {reason::kPayloadTooLarge, 413},
    {reason::kInsufficientStorage, 507},  {reason::kPreconditionFailed, 412},
    {reason::kMethodNotAllowed, 405},     {reason::kUnauthorized, 401},
    {reason::kInvalidImageUrl, 400},      {reason::kNotSupportedVisualFeature, 400},
    {reason::kNotSupportedLanguage, 400}, {reason::kInvalidDetails, 400},
};

int HttpStatusForCode(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string CodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return "InvalidArgument";
    case StatusCode::kUnauthenticated:
      return "Unauthorized";
    case StatusCode::kPermissionDenied:
      return "Forbidden";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return "Conflict";
    case StatusCode::kFailedPrecondition:
      return "PreconditionFailed";
    case StatusCode::kResourceExhausted:
      return "TooManyRequests";
    case StatusCode::kUnimplemented:
      return "NotImplemented";
    case StatusCode::kUnavailable:
      return "ServiceUnavailable";
    case StatusCode::kDeadlineExceeded:
      return "Timeout";
    default:
      return "InternalServerError";
  }
}

// Error messages quote what the client sent (paths, query values, header
// values, file names), which need not be UTF-8: nlohmann::json::dump would
// throw on it (and take the serving thread down), so invalid bytes become
// U+FFFD instead.
std::string DumpLenient(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int HttpStatusFor(const Status& status) {
  std::string r = ReasonOf(status);
  for (const Mapping& m : kByReason) {
    if (m.reason == r) return m.http;
  }
  return HttpStatusForCode(status.code());
}

std::string ErrorCodeFor(const Status& status) {
  std::string r = ReasonOf(status);
  return r.empty() ? CodeName(status.code()) : r;
}

HttpResponse ErrorResponse(const Status& status) {
  int http = HttpStatusFor(status);
  std::string message = http >= 500 && http != 503 && http != 507
                            ? "internal error; see the server log"
                            : std::string(status.message());
  nlohmann::json body = {{"error", {{"code", ErrorCodeFor(status)}, {"message", message}}}};
  HttpResponse response = HttpResponse::Json(http, DumpLenient(body));
  if (http == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse VisionErrorResponse(const Status& status) {
  int http = HttpStatusFor(status);
  std::string inner = ReasonOf(status);
  if (inner == reason::kPayloadTooLarge) {
    http = 400;
    inner = std::string(reason::kInvalidImageSize);
  }
  std::string outer =
      http >= 500 ? (http == 503 ? "ServiceUnavailable" : "InternalServerError") : "InvalidRequest";
  if (inner.empty()) {
    inner = http == 404   ? "NotFound"
            : http >= 500 ? (http == 503 ? "ServiceUnavailable" : "FailedToProcess")
                          : "BadArgument";
  }
  std::string message = http >= 500 && http != 503 ? "internal error; see the server log"
                                                   : std::string(status.message());
  nlohmann::json body = {{"error",
                          {{"code", outer},
                           {"message", message},
                           {"innererror", {{"code", inner}, {"message", message}}}}}};
  HttpResponse response = HttpResponse::Json(http, DumpLenient(body));
  if (http == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse CustomVisionErrorResponse(const Status& status) {
  int http = HttpStatusFor(status);
  if (http == 409 || http == 412) http = 400;
  std::string code = ReasonOf(status);
  if (code.empty()) {
    code = http == 400   ? "BadRequest"
           : http == 401 ? "Unauthorized"
           : http == 403 ? "Forbidden"
           : http == 404 ? "NotFound"
           : http == 413 ? "BadRequestImageSizeBytes"
           : http == 415 ? "BadRequestImageFormat"
           : http == 429 ? "TooManyRequests"
           : http == 503 ? "ServiceUnavailable"
                         : "InternalServerError";
  }
  std::string message = http >= 500 && http != 503 && http != 507
                            ? "internal error; see the server log"
                            : std::string(status.message());
  HttpResponse response =
      HttpResponse::Json(http, DumpLenient({{"code", code}, {"message", message}}));
  if (http == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse ErrorResponseFor(std::string_view path, const Status& status) {
  if (path.rfind("/vision/", 0) == 0) return VisionErrorResponse(status);
  if (path.rfind("/customvision/", 0) == 0) return CustomVisionErrorResponse(status);
  return ErrorResponse(status);
}

}  // namespace ocula
