// Internal: the JPEG fast path of DecodeImage (TurboJPEG), and the general
// libvips decoder it falls back to. Not part of the public vision API; no
// TurboJPEG types appear here.
//
// Why: libvips' thumbnail pipeline hands every small JPEG through its worker
// threads (~17 ms wall per photo, mostly idle futex waits), while TurboJPEG
// decodes the same photo on the calling thread in ~1-2 ms.
//
// Thread-safety: every function is safe for concurrent use (no shared state).
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "vision/image/image.h"

namespace ocula::vision_internal {

// DecodeImage as it was before the fast path: libvips for every format (the
// thumbnail pipeline, fail_on=error). Defined in image.cc. DecodeImage uses it
// for non-JPEG input and for JPEGs the fast path declines; the decode
// benchmark uses it as the baseline.
StatusOr<DecodedImage> DecodeImageWithVips(std::string_view bytes, int short_side,
                                           const ImageLimits& limits);

// ProbeImage as it was before the fast path: libvips reads the header of
// every format. Defined in image.cc; the tests and the decode benchmark
// compare the JPEG header reader with it.
StatusOr<ImageHeader> ProbeImageWithVips(std::string_view bytes, const ImageLimits& limits);

// A JPEG's header as libjpeg reads it (jpeg_read_header: every marker up to
// the first scan, tables included), without decoding any pixels, and its EXIF
// orientation (exif.h).
struct JpegInfo {
  int width = 0;  // as stored, before EXIF orientation
  int height = 0;
  bool cmyk = false;    // CMYK or YCCK, which DecodeJpegTurbo declines
  int orientation = 1;  // EXIF orientation 1-8 (JpegExifOrientation), 1 without EXIF
};

// InvalidArgument (reason InvalidImageFormat) when libjpeg cannot read the
// header of `bytes`.
StatusOr<JpegInfo> ReadJpegInfo(std::string_view bytes);

// The numerator k of the DCT scaling factor k/8 (1 <= k <= 8) that yields the
// smallest image whose shorter side is still >= `short_side`; 8 (no scaling,
// never upscaling) when the shorter side of `width` x `height` is already
// <= `short_side`. Sizes scale as ceil(side * k / 8), like TurboJPEG's.
int JpegScaleEighths(int width, int height, int short_side);

// `image` as displayed for EXIF `orientation` (2-8: mirrors, rotations,
// transposes; anything else returns it unchanged).
RgbImage ApplyExifOrientation(RgbImage image, int orientation);

// The size of a `width` x `height` image scaled so that its shorter side is
// `short_side` (the longer side rounded to nearest), or the size itself when
// the shorter side is already <= `short_side`.
std::pair<int, int> ShortSideSize(int width, int height, int short_side);

// `image` resampled to `width` x `height` with a separable triangle filter
// widened by the reduction factor (antialiased when shrinking).
RgbImage ResampleRgb(const RgbImage& image, int width, int height);

// Decodes the JPEG `bytes` to RGB with TurboJPEG on the calling thread:
// DCT-scaled so that the shorter side stays >= `short_side`, then resampled
// to ShortSideSize of the original (when larger), then EXIF-oriented.
//
// Returns std::nullopt when the fast path declines and the caller should use
// the general decoder: CMYK/YCCK JPEGs (their colour conversion needs
// libvips' ICC handling) and any libjpeg warning (the general decoder's
// fail_on policy decides: truncation fails, harmless warnings pass).
// InvalidArgument (reason InvalidImageFormat) when libjpeg reports a fatal
// error. The caller has already validated limits and structure (ProbeImage)
// and read `info` from the same bytes.
StatusOr<std::optional<RgbImage>> DecodeJpegTurbo(std::string_view bytes, const JpegInfo& info,
                                                  int short_side);

}  // namespace ocula::vision_internal
