// The upload check on raw bytes (vision/image/image.h): SniffMimeType, and
// ProbeImage with the default ImageLimits (the server's defaults too), which
// runs the byte-level structure checks (image_structure.cc) and then the
// header read (libjpeg for JPEG, libvips for the other formats). Also Ocula's
// EXIF reader (exif.h), which walks the same untrusted bytes by hand.
//
// Properties checked: no crash, leak or undefined behaviour; a probe that
// succeeds agrees with the sniffed type and respects the limits; errors carry
// the documented reasons; EXIF fields have known keys and clean, bounded text.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "vision/image/exif.h"
#include "vision/image/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ocula::ImageLimits limits;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  std::string mime = ocula::SniffMimeType(bytes);
  int orientation = ocula::vision_internal::JpegExifOrientation(bytes);
  FUZZ_CHECK(orientation >= 1 && orientation <= 8);
  static const std::set<std::string> kKeys = {
      "Make", "Model", "Software", "DateTimeOriginal", "Orientation", "GpsInfo"};
  for (const auto& [key, value] : ocula::vision_internal::JpegExifFields(bytes)) {
    FUZZ_CHECK(kKeys.count(key) == 1);
    FUZZ_CHECK(!value.empty() && value.size() <= 256);
    for (char c : value) FUZZ_CHECK(c >= 0x20 && c < 0x7F);
  }

  auto header = ocula::ProbeImage(bytes, limits);
  if (!header.ok()) {
    std::string reason = ocula::ReasonOf(header.status());
    FUZZ_CHECK(reason == ocula::reason::kInvalidImageFormat ||
               reason == ocula::reason::kUnsupportedMediaType ||
               reason == ocula::reason::kInvalidImageSize ||
               reason == ocula::reason::kPayloadTooLarge);
    return 0;
  }
  FUZZ_CHECK(!mime.empty() && header->mime_type == mime);
  FUZZ_CHECK(header->width >= limits.min_dimension && header->height >= limits.min_dimension);
  FUZZ_CHECK(header->width <= limits.max_dimension && header->height <= limits.max_dimension);
  FUZZ_CHECK(uint64_t(header->width) * uint64_t(header->height) <= limits.max_pixels);
  FUZZ_CHECK(header->frames >= 1);
  return 0;
}
