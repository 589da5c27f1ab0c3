#include "vision/image/image_structure.h"

#include <cstdint>
#include <cstdlib>

namespace ocula::vision_internal {
namespace {

uint8_t At(std::string_view b, size_t i) { return static_cast<uint8_t>(b[i]); }

uint32_t Be32(std::string_view b, size_t i) {
  return uint32_t{At(b, i)} << 24 | uint32_t{At(b, i + 1)} << 16 | uint32_t{At(b, i + 2)} << 8 |
         uint32_t{At(b, i + 3)};
}
uint32_t Le32(std::string_view b, size_t i) {
  return uint32_t{At(b, i)} | uint32_t{At(b, i + 1)} << 8 | uint32_t{At(b, i + 2)} << 16 |
         uint32_t{At(b, i + 3)} << 24;
}
uint16_t Le16(std::string_view b, size_t i) {
  return static_cast<uint16_t>(At(b, i) | At(b, i + 1) << 8);
}

bool StartsWith(std::string_view b, std::string_view magic, size_t at = 0) {
  return b.size() >= at + magic.size() && b.substr(at, magic.size()) == magic;
}

// Skips entropy-coded data starting at `i`; returns the offset of the next
// real marker (0xFF followed by neither 0x00 stuffing nor a restart marker),
// or npos when the data ends first.
size_t SkipEntropyData(std::string_view b, size_t i) {
  while (true) {
    i = b.find('\xFF', i);
    if (i == std::string_view::npos || i + 1 >= b.size()) return std::string_view::npos;
    uint8_t next = At(b, i + 1);
    if (next == 0x00 || (next >= 0xD0 && next <= 0xD7) || next == 0xFF) {
      i += 1;
      continue;
    }
    return i;
  }
}

// Walks JPEG markers from SOI; true once EOI is reached.
bool JpegReachesEoi(std::string_view b) {
  size_t i = 2;  // after SOI
  while (i + 1 < b.size()) {
    if (At(b, i) != 0xFF) {  // stray bytes between segments: resync, as libjpeg does
      i = b.find('\xFF', i);
      if (i == std::string_view::npos) return false;
      continue;
    }
    uint8_t marker = At(b, i + 1);
    if (marker == 0xFF) {  // fill byte
      i += 1;
      continue;
    }
    if (marker == 0xD9) return true;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      i += 2;
      continue;
    }
    if (i + 3 >= b.size()) return false;
    size_t length = static_cast<size_t>(At(b, i + 2)) << 8 | At(b, i + 3);
    if (length < 2) return false;
    i += 2 + length;
    if (marker == 0xDA) {  // start of scan: entropy-coded data follows
      if (i > b.size()) return false;
      i = SkipEntropyData(b, i);
      if (i == std::string_view::npos) return false;
    }
  }
  return false;
}

// Walks PNG chunks after the signature; true once IEND is reached.
bool PngReachesIend(std::string_view b) {
  size_t i = 8;
  while (i + 12 <= b.size()) {
    uint64_t length = Be32(b, i);
    if (b.substr(i + 4, 4) == "IEND") return true;
    i += 12 + length;  // length, type, data, crc
  }
  return false;
}

bool GifEndsWithTrailer(std::string_view b) {
  size_t end = b.size();
  for (int pad = 0; pad < 16 && end > 6 && At(b, end - 1) == 0x00; ++pad) --end;
  return end > 6 && At(b, end - 1) == 0x3B;
}

bool WebpFits(std::string_view b) { return b.size() >= 12 && uint64_t{Le32(b, 4)} + 8 <= b.size(); }

bool BmpFits(std::string_view b) {
  if (b.size() < 14) return false;
  uint32_t declared = Le32(b, 2);  // some writers leave it 0
  return declared == 0 || declared <= b.size();
}

}  // namespace

std::optional<ImageFormat> SniffFormat(std::string_view b) {
  if (StartsWith(b, "\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (StartsWith(b, "\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (StartsWith(b, "RIFF") && StartsWith(b, "WEBP", 8)) return ImageFormat::kWebp;
  if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return ImageFormat::kGif;
  if (StartsWith(b, std::string_view("II*\0", 4)) || StartsWith(b, std::string_view("MM\0*", 4))) {
    return ImageFormat::kTiff;
  }
  // "BM" alone is too weak (plain text may start with it): require a known
  // DIB header size too.
  if (StartsWith(b, "BM") && b.size() >= 18) {
    uint32_t dib = Le32(b, 14);
    if (dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124) {
      return ImageFormat::kBmp;
    }
  }
  return std::nullopt;
}

std::string_view FormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "Jpeg";
    case ImageFormat::kPng:
      return "Png";
    case ImageFormat::kWebp:
      return "Webp";
    case ImageFormat::kGif:
      return "Gif";
    case ImageFormat::kTiff:
      return "Tiff";
    case ImageFormat::kBmp:
      return "Bmp";
  }
  return "";
}

std::string_view FormatMimeType(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "image/jpeg";
    case ImageFormat::kPng:
      return "image/png";
    case ImageFormat::kWebp:
      return "image/webp";
    case ImageFormat::kGif:
      return "image/gif";
    case ImageFormat::kTiff:
      return "image/tiff";
    case ImageFormat::kBmp:
      return "image/bmp";
  }
  return "";
}

bool LooksComplete(std::string_view bytes, ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return JpegReachesEoi(bytes);
    case ImageFormat::kPng:
      return PngReachesIend(bytes);
    case ImageFormat::kGif:
      return GifEndsWithTrailer(bytes);
    case ImageFormat::kWebp:
      return WebpFits(bytes);
    case ImageFormat::kBmp:
      return BmpFits(bytes);
    case ImageFormat::kTiff:
      return true;
  }
  return false;
}

std::optional<Dimensions> BmpDimensions(std::string_view b) {
  if (b.size() < 26) return std::nullopt;
  if (Le32(b, 14) == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit unsigned sizes
    return Dimensions{Le16(b, 18), Le16(b, 20)};
  }
  auto width = static_cast<int32_t>(Le32(b, 18));
  auto height = static_cast<int32_t>(Le32(b, 22));
  return Dimensions{std::llabs(width), std::llabs(height)};
}

}  // namespace ocula::vision_internal
