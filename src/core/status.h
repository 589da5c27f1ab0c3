// The error vocabulary used across module boundaries: absl::Status and
// absl::StatusOr, with the standard codes and their meaning (kUnavailable is
// transient and may be retried; kInvalidArgument is the caller's fault; ...).
//
// A status may carry a *reason*: a short contract code such as
// "UnsupportedMediaType" or "InvalidImageSize" that lets the API layer pick the
// exact HTTP status and error code. Reasons are chosen where the error is
// detected; HTTP codes are chosen in one place only (api/error_mapping.cc).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ocula {

// NOTE: Debian 12's abseil is built with its own absl::string_view, which is
// NOT std::string_view: absl::StrCat and the error constructors do not take a
// std::string_view. Pass std::string / const char*, or convert with AbslView.
inline absl::string_view AbslView(std::string_view s) { return {s.data(), s.size()}; }

using absl::Status;
using absl::StatusCode;
using absl::StatusOr;

// Attaches `reason` to `status` (no-op for OK).
Status WithReason(Status status, std::string_view reason);
// The reason attached by WithReason, or "" when there is none.
std::string ReasonOf(const Status& status);

// Reasons, named as the Computer Vision contract names them where it has one.
namespace reason {
inline constexpr std::string_view kUnsupportedMediaType = "UnsupportedMediaType";
inline constexpr std::string_view kInvalidImageFormat = "InvalidImageFormat";
inline constexpr std::string_view kInvalidImageSize = "InvalidImageSize";
inline constexpr std::string_view kPayloadTooLarge = "PayloadTooLarge";
inline constexpr std::string_view kInsufficientStorage = "InsufficientStorage";
inline constexpr std::string_view kPreconditionFailed = "PreconditionFailed";
inline constexpr std::string_view kMethodNotAllowed = "MethodNotAllowed";
inline constexpr std::string_view kInvalidThumbnailSize = "InvalidThumbnailSize";
inline constexpr std::string_view kNotSupportedVisualFeature = "NotSupportedVisualFeature";
inline constexpr std::string_view kInvalidImageUrl = "InvalidImageUrl";
inline constexpr std::string_view kNotSupportedLanguage = "NotSupportedLanguage";
inline constexpr std::string_view kInvalidDetails = "InvalidDetails";
inline constexpr std::string_view kUnauthorized = "Unauthorized";
}  // namespace reason

// Shorthands for the errors the upload path reports.
Status UnsupportedMediaTypeError(std::string_view message);  // 415
Status InvalidImageFormatError(std::string_view message);    // 400
Status InvalidImageSizeError(std::string_view message);      // 400
Status PayloadTooLargeError(std::string_view message);       // 413
Status InsufficientStorageError(std::string_view message);   // 507

}  // namespace ocula

#define OCULA_CONCAT_INNER_(a, b) a##b
#define OCULA_CONCAT_(a, b) OCULA_CONCAT_INNER_(a, b)

// Returns from the calling function when `expr` (a Status) is not OK.
#define OCULA_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    ::absl::Status ocula_status_ = (expr);           \
    if (!ocula_status_.ok()) return ocula_status_;   \
  } while (0)

// `lhs = value of expr` when the StatusOr `expr` is OK, else returns its status.
#define OCULA_ASSIGN_OR_RETURN(lhs, expr) \
  OCULA_ASSIGN_OR_RETURN_IMPL_(OCULA_CONCAT_(ocula_statusor_, __LINE__), lhs, expr)
#define OCULA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()
