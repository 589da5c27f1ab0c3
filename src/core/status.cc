#include "core/status.h"

#include "absl/strings/cord.h"

namespace ocula {
namespace {
constexpr std::string_view kReasonUrl = "ocula.dev/reason";
}

Status WithReason(Status status, std::string_view reason) {
  if (!status.ok()) status.SetPayload(AbslView(kReasonUrl), absl::Cord(AbslView(reason)));
  return status;
}

std::string ReasonOf(const Status& status) {
  auto payload = status.GetPayload(AbslView(kReasonUrl));
  return payload ? std::string(*payload) : std::string();
}

Status UnsupportedMediaTypeError(std::string_view message) {
  return WithReason(absl::InvalidArgumentError(AbslView(message)), reason::kUnsupportedMediaType);
}
Status InvalidImageFormatError(std::string_view message) {
  return WithReason(absl::InvalidArgumentError(AbslView(message)), reason::kInvalidImageFormat);
}
Status InvalidImageSizeError(std::string_view message) {
  return WithReason(absl::InvalidArgumentError(AbslView(message)), reason::kInvalidImageSize);
}
Status PayloadTooLargeError(std::string_view message) {
  return WithReason(absl::ResourceExhaustedError(AbslView(message)), reason::kPayloadTooLarge);
}
Status InsufficientStorageError(std::string_view message) {
  return WithReason(absl::ResourceExhaustedError(AbslView(message)), reason::kInsufficientStorage);
}

}  // namespace ocula
