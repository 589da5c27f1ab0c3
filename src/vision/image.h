// Image probing and decoding (libvips).
//
// ProbeImage reads only the header: format, size, frames. Uploads call it to
// reject what is not an image, or is too large, before anything is stored.
// DecodeImage decodes once, at the smallest size the models need
// (shrink-on-load for JPEG and WebP), with EXIF orientation applied.
//
// Thread-safety: all functions are safe for concurrent use (libvips is
// initialised once, on first use).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ocula {

struct ImageHeader {
  std::string format;     // contract form: "Jpeg", "Png", "Webp", "Gif", "Tiff", "Bmp"
  std::string mime_type;  // "image/jpeg", ...
  int width = 0;          // as displayed, i.e. after EXIF orientation
  int height = 0;
  int frames = 1;
};

struct ImageLimits {
  uint64_t max_bytes = 20ull << 20;
  int min_dimension = 50;
  int max_dimension = 16384;
  uint64_t max_pixels = 50'000'000;
};

// The format named by the first bytes of `bytes`, as a MIME type
// ("image/jpeg", ...), or "" when it is none of the supported formats.
std::string SniffMimeType(std::string_view bytes);

// Reads the header of `bytes` and checks it against `limits`, including a
// cheap structural check for truncation (JPEG end marker, PNG IEND, GIF
// trailer). Errors, all InvalidArgument or ResourceExhausted with a reason:
// PayloadTooLarge (bytes), InvalidImageFormat (not an image of a supported
// format, truncated), InvalidImageSize (dimensions or pixel count).
StatusOr<ImageHeader> ProbeImage(std::string_view bytes, const ImageLimits& limits);

// Interleaved 8-bit RGB pixels, row-major.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3
};

struct DecodedImage {
  ImageHeader header;  // of the original image (after orientation)
  RgbImage rgb;        // shrunk so that its shorter side is about `short_side`
  std::map<std::string, std::string> exif;  // selected EXIF fields, e.g. "Make"
};

// Decodes `bytes` so that the shorter side is at least `short_side` pixels
// (never upscaled beyond the original), applying EXIF orientation, flattening
// alpha onto white and converting to sRGB. InvalidArgument (reason
// InvalidImageFormat) when the image cannot be decoded.
StatusOr<DecodedImage> DecodeImage(std::string_view bytes, int short_side,
                                   const ImageLimits& limits);

}  // namespace ocula
