// Byte-level facts about image files, read without any decoder: the format
// named by the magic bytes, and whether the file's structure reaches its end
// marker (a cheap truncation check). Internal to vision/; image.cc uses it
// before libvips sees the bytes.
//
// Thread-safety: pure functions, safe for concurrent use.
#pragma once

#include <optional>
#include <string_view>

namespace ocula::vision_internal {

enum class ImageFormat { kJpeg, kPng, kWebp, kGif, kTiff, kBmp };

// The format named by the first bytes, or nullopt when none matches.
std::optional<ImageFormat> SniffFormat(std::string_view bytes);

// Contract name ("Jpeg", "Png", ...) and MIME type ("image/jpeg", ...).
std::string_view FormatName(ImageFormat format);
std::string_view FormatMimeType(ImageFormat format);

// True when the file's structure is complete as far as a cheap walk can tell:
// JPEG segments and entropy-coded data reach an EOI marker (data after EOI,
// such as a motion-photo trailer, is allowed); PNG chunks reach IEND; a GIF
// ends with its 0x3B trailer (up to 16 bytes of zero padding allowed); WebP's
// RIFF size and BMP's file size fit in the bytes. TIFF is not checked here.
bool LooksComplete(std::string_view bytes, ImageFormat format);

// Width and height from a BMP header (absolute values; top-down BMPs store a
// negative height), or nullopt when the header is too short to say. BMP is
// decoded through ImageMagick, so its size is checked before any decoder runs.
struct Dimensions {
  long long width = 0;
  long long height = 0;
};
std::optional<Dimensions> BmpDimensions(std::string_view bytes);

}  // namespace ocula::vision_internal
