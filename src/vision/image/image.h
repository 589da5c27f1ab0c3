// vision/image: pixels before any model. This header (probe, decode,
// formats) is the area's entry point; beside it:
//   exif.h, jpeg_turbo.h   the JPEG fast path (headers, EXIF, TurboJPEG)
//   image_structure.h      format sniffing and truncation checks (internal)
//   pixel_util.h           OpenCV helpers (internal)
//   thumbnail.h            thumbnails, smart crop, area of interest
//   color.h, image_type.h  the Color and ImageType features
//
// Image probing and decoding: JPEG through libjpeg-turbo and Ocula's own
// EXIF reader, the other formats through libvips.
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

// The image formats Ocula can read, by their lower-case names as the
// limits.formats setting lists them.
inline const std::vector<std::string>& AllImageFormats() {
  static const std::vector<std::string> all = {"jpeg", "png", "webp", "gif", "tiff", "bmp"};
  return all;
}

struct ImageLimits {
  uint64_t max_bytes = 20ull << 20;
  int min_dimension = 50;
  int max_dimension = 16384;
  uint64_t max_pixels = 50'000'000;
  int max_frames = 100;  // pages of an animated GIF/WebP or multi-page TIFF
  std::vector<std::string> formats = AllImageFormats();  // accepted, lower-case names
};

// Parses a comma-separated list of format names (case and spaces ignored)
// such as "jpeg, png". InvalidArgument for an unknown name or an empty list.
StatusOr<std::vector<std::string>> ParseImageFormats(std::string_view list);

// The format named by the first bytes of `bytes`, as a MIME type
// ("image/jpeg", ...), or "" when it is none of the supported formats.
std::string SniffMimeType(std::string_view bytes);

// Reads the header of `bytes` and checks it against `limits`, including a
// cheap structural check for truncation (JPEG end marker, PNG IEND, GIF
// trailer). Nothing is decoded: the frame count comes from the container
// (GIF frame headers, WebP ANMF chunks, TIFF directories). Errors, all
// InvalidArgument or ResourceExhausted with a reason: PayloadTooLarge
// (bytes), InvalidImageFormat (not an image of a supported format,
// truncated), UnsupportedMediaType (a supported format left out of
// limits.formats), InvalidImageSize (dimensions, pixel count, frames).
//
// JPEG headers are read by libjpeg (jpeg_read_header: all markers up to the
// first scan) and the orientation by Ocula's EXIF reader (vision/exif.h).
// Other formats are read by libvips, which runs with its "untrusted" loaders
// blocked (vips_block_untrusted_set, vips/vips.h, libvips >= 8.13): only the
// loader for the sniffed format may read the bytes (ImageMagick's buffer
// loader is unblocked for BMP alone).
StatusOr<ImageHeader> ProbeImage(std::string_view bytes, const ImageLimits& limits);

// Starts libvips once per process with Ocula's settings (untrusted loaders
// blocked, no operation cache); later calls return the first result.
// ProbeImage and DecodeImage call it when they need libvips, and so must any
// other code before it calls libvips itself (JPEG input never starts it).
Status EnsureVips();

// Interleaved 8-bit RGB pixels, row-major.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3
};

struct DecodedImage {
  ImageHeader header;                       // of the original image (after orientation)
  RgbImage rgb;                             // shrunk so that its shorter side is about `short_side`
  std::map<std::string, std::string> exif;  // selected EXIF fields, e.g. "Make"
};

// Decodes `bytes` so that the shorter side is at least `short_side` pixels
// (never upscaled beyond the original), applying EXIF orientation, flattening
// alpha onto white and converting to sRGB. InvalidArgument (reason
// InvalidImageFormat) when the image cannot be decoded.
StatusOr<DecodedImage> DecodeImage(std::string_view bytes, int short_side,
                                   const ImageLimits& limits);

}  // namespace ocula
