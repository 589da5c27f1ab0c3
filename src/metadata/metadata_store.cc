#include "metadata/metadata_store.h"

#include "absl/strings/str_cat.h"

namespace ocula {

std::string_view ToString(ImageStatus status) {
  switch (status) {
    case ImageStatus::kPending:
      return "pending";
    case ImageStatus::kProcessing:
      return "processing";
    case ImageStatus::kDone:
      return "done";
    case ImageStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<ImageStatus> ParseImageStatus(std::string_view text) {
  for (ImageStatus status : {ImageStatus::kPending, ImageStatus::kProcessing, ImageStatus::kDone,
                             ImageStatus::kFailed}) {
    if (text == ToString(status)) return status;
  }
  return std::nullopt;
}

std::string ETagOf(const ImageRecord& image) {
  return absl::StrCat("\"", image.id, "-", image.version, "\"");
}

}  // namespace ocula
