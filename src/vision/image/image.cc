#include "vision/image/image.h"

#include <vips/vips.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "vision/image/exif.h"
#include "vision/image/image_structure.h"
#include "vision/image/jpeg_turbo.h"

namespace ocula {
namespace {

using vision_internal::ImageFormat;

// absl::StrCat takes absl::string_view, which Debian's abseil does not alias
// to std::string_view: constants are char arrays, views are wrapped in std::string.
constexpr char kNotAnImage[] =
    "not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF, BMP)";

struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
using VipsImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

// libvips' last error text (cleared afterwards), trimmed of trailing newlines.
std::string TakeVipsError() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Status VipsFormatError(const char* what) {
  return InvalidImageFormatError(absl::StrCat(what, ": ", TakeVipsError()));
}

// The libvips loader class expected for each sniffed format.
std::string_view ExpectedLoader(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "VipsForeignLoadJpegBuffer";
    case ImageFormat::kPng:
      return "VipsForeignLoadPngBuffer";
    case ImageFormat::kWebp:
      return "VipsForeignLoadWebpBuffer";
    case ImageFormat::kGif:
      return "VipsForeignLoadNsgifBuffer";
    case ImageFormat::kTiff:
      return "VipsForeignLoadTiffBuffer";
    case ImageFormat::kBmp:
      return "VipsForeignLoadMagickBuffer";
  }
  return "";
}

// Refuses bytes that libvips would hand to a loader other than the one for
// the sniffed format (for instance a crafted file that also matches another
// loader's magic).
Status CheckLoader(std::string_view bytes, ImageFormat format) {
  const char* loader = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  if (loader == nullptr) {
    vips_error_clear();
    return InvalidImageFormatError(kNotAnImage);
  }
  if (ExpectedLoader(format) != loader) {
    return InvalidImageFormatError(
        absl::StrCat(kNotAnImage, " (", std::string(vision_internal::FormatName(format)),
                     " by its first bytes, but ", loader, " would read it)"));
  }
  return absl::OkStatus();
}

Status CheckSize(long long width, long long height, const ImageLimits& limits) {
  if (std::min(width, height) < limits.min_dimension ||
      std::max(width, height) > limits.max_dimension) {
    return InvalidImageSizeError(
        absl::StrFormat("image is %dx%d pixels; each side must be between %d and %d pixels", width,
                        height, limits.min_dimension, limits.max_dimension));
  }
  if (static_cast<uint64_t>(width) * static_cast<uint64_t>(height) > limits.max_pixels) {
    return InvalidImageSizeError(
        absl::StrFormat("image is %dx%d = %d pixels; the limit is %d pixels", width, height,
                        width * height, limits.max_pixels));
  }
  return absl::OkStatus();
}

// The lower-case name limits.formats uses for `format`.
std::string SettingName(ImageFormat format) {
  return absl::AsciiStrToLower(std::string(vision_internal::FormatName(format)));
}

Status CheckFormatAllowed(ImageFormat format, const ImageLimits& limits) {
  const std::string name = SettingName(format);
  if (std::find(limits.formats.begin(), limits.formats.end(), name) != limits.formats.end()) {
    return absl::OkStatus();
  }
  return UnsupportedMediaTypeError(absl::StrCat(
      "images in ", std::string(vision_internal::FormatName(format)),
      " format are not accepted here; accepted formats: ", absl::StrJoin(limits.formats, ", "),
      " (limits.formats)"));
}

Status CheckFrames(int frames, const ImageLimits& limits) {
  if (frames <= limits.max_frames) return absl::OkStatus();
  return InvalidImageSizeError(absl::StrFormat(
      "image has %d frames; the limit is %d (limits.max_image_frames)", frames, limits.max_frames));
}

// Checks done on the bytes alone, before libvips sees them.
StatusOr<ImageFormat> PreCheck(std::string_view bytes, const ImageLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return PayloadTooLargeError(absl::StrFormat("image is %d bytes; the limit is %d bytes",
                                                bytes.size(), limits.max_bytes));
  }
  std::optional<ImageFormat> format = vision_internal::SniffFormat(bytes);
  if (!format) return InvalidImageFormatError(kNotAnImage);
  OCULA_RETURN_IF_ERROR(CheckFormatAllowed(*format, limits));
  if (*format == ImageFormat::kBmp) {
    auto dims = vision_internal::BmpDimensions(bytes);
    if (!dims) return InvalidImageFormatError("BMP header is truncated");
    OCULA_RETURN_IF_ERROR(CheckSize(dims->width, dims->height, limits));
  }
  if (!vision_internal::LooksComplete(bytes, *format)) {
    return InvalidImageFormatError(absl::StrCat(std::string(vision_internal::FormatName(*format)),
                                                " data is truncated or corrupt"));
  }
  return *format;
}

struct Probed {
  ImageHeader header;
  VipsImagePtr image;  // header only; its pixels are never computed
};

// The libvips header read of bytes that passed PreCheck as `format`, keeping
// the header image for its metadata (EXIF). The image refers to `bytes`,
// which must outlive it.
StatusOr<Probed> ProbeWithImage(std::string_view bytes, ImageFormat format,
                                const ImageLimits& limits) {
  OCULA_RETURN_IF_ERROR(EnsureVips());
  OCULA_RETURN_IF_ERROR(CheckLoader(bytes, format));
  VipsImagePtr image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                                VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!image) return VipsFormatError("cannot read the image header");

  Probed probed;
  ImageHeader& h = probed.header;
  h.format = vision_internal::FormatName(format);
  h.mime_type = vision_internal::FormatMimeType(format);
  h.width = vips_image_get_width(image.get());
  h.height = vips_image_get_height(image.get());
  if (vips_image_get_orientation_swap(image.get())) std::swap(h.width, h.height);
  h.frames = std::max(1, vips_image_get_n_pages(image.get()));
  OCULA_RETURN_IF_ERROR(CheckSize(h.width, h.height, limits));
  OCULA_RETURN_IF_ERROR(CheckFrames(h.frames, limits));
  probed.image = std::move(image);
  return probed;
}

// The header of a JPEG from `info` (vision_internal::ReadJpegInfo: libjpeg's
// header reader and Ocula's EXIF reader, no libvips), checked against
// `limits`. Reading `info` costs 0.01 ms per ImageNet photo on one thread
// against 0.08 ms for libvips' header read (ocula_bench_decode); under
// concurrent uploads libvips' GObject/GLib calls took 13% of the HTTP
// threads' samples.
StatusOr<ImageHeader> JpegHeader(const vision_internal::JpegInfo& info, const ImageLimits& limits) {
  ImageHeader h;
  h.format = vision_internal::FormatName(ImageFormat::kJpeg);
  h.mime_type = vision_internal::FormatMimeType(ImageFormat::kJpeg);
  h.width = info.width;
  h.height = info.height;
  if (info.orientation >= 5) std::swap(h.width, h.height);
  OCULA_RETURN_IF_ERROR(CheckSize(h.width, h.height, limits));
  return h;
}

// "Canon (Canon, ASCII, 6 components, 6 bytes)" -> "Canon": libvips appends
// the tag's formatted value, type and size in parentheses. The value itself
// may contain " (", so first try splitting "V (V" into two equal halves.
std::string CleanExifValue(std::string raw) {
  size_t components = raw.rfind(" components, ");
  if (components != std::string::npos && !raw.empty() && raw.back() == ')') {
    size_t type = raw.rfind(", ", components);
    size_t format = type == std::string::npos ? type : raw.rfind(", ", type - 1);
    if (format != std::string::npos) {
      std::string head = raw.substr(0, format);  // "V (X"
      size_t half = head.size() >= 2 ? (head.size() - 2) / 2 : 0;
      if (head.size() >= 2 && head.size() % 2 == 0 && head.compare(half, 2, " (") == 0 &&
          head.compare(0, half, head, half + 2, half) == 0) {
        raw = head.substr(0, half);
      } else if (size_t open = raw.find(" ("); open != std::string::npos) {
        raw = raw.substr(0, open);
      }
    }
  }
  return vision_internal::CleanExifText(raw);
}

std::map<std::string, std::string> ReadExif(VipsImage* image) {
  static constexpr std::pair<const char*, const char*> kFields[] = {
      {"exif-ifd0-Make", "Make"},
      {"exif-ifd0-Model", "Model"},
      {"exif-ifd0-Software", "Software"},
      {"exif-ifd2-DateTimeOriginal", "DateTimeOriginal"},
  };
  std::map<std::string, std::string> exif;
  for (const auto& [field, key] : kFields) {
    const char* value = nullptr;
    if (vips_image_get_typeof(image, field) == 0) continue;
    if (vips_image_get_string(image, field, &value) != 0) {
      vips_error_clear();
      continue;
    }
    if (std::string clean = CleanExifValue(value); !clean.empty()) exif[key] = clean;
  }
  if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) != 0) {
    exif["Orientation"] = std::to_string(vips_image_get_orientation(image));
  }
  // Whether the photo carries a location; the coordinates themselves are not
  // copied into metadata.
  gchar** fields = vips_image_get_fields(image);
  for (gchar** f = fields; f != nullptr && *f != nullptr; ++f) {
    if (std::strncmp(*f, "exif-ifd3-", 10) == 0) {
      exif["GpsInfo"] = "present";
      break;
    }
  }
  g_strfreev(fields);
  return exif;
}

// Applies `op` (a libvips call writing its result to `out`) to `in`.
template <typename Op>
StatusOr<VipsImagePtr> Step(VipsImagePtr in, const char* what, Op op) {
  VipsImage* out = nullptr;
  if (op(in.get(), &out) != 0) return VipsFormatError(what);
  return VipsImagePtr(out);
}

// sRGB, alpha flattened onto white, 8-bit, exactly 3 bands.
StatusOr<VipsImagePtr> ToRgb8(VipsImagePtr image) {
  OCULA_ASSIGN_OR_RETURN(
      image, Step(std::move(image), "cannot convert to sRGB", [](VipsImage* in, VipsImage** out) {
        return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, nullptr);
      }));
  if (vips_image_hasalpha(image.get())) {
    OCULA_ASSIGN_OR_RETURN(
        image, Step(std::move(image), "cannot flatten alpha", [](VipsImage* in, VipsImage** out) {
          double white[] = {255.0, 255.0, 255.0};
          VipsArrayDouble* bg = vips_array_double_new(white, 3);
          int rc = vips_flatten(in, out, "background", bg, nullptr);
          vips_area_unref(VIPS_AREA(bg));
          return rc;
        }));
  }
  OCULA_ASSIGN_OR_RETURN(
      image, Step(std::move(image), "cannot convert to 8-bit", [](VipsImage* in, VipsImage** out) {
        return vips_cast_uchar(in, out, nullptr);
      }));
  if (vips_image_get_bands(image.get()) > 3) {
    OCULA_ASSIGN_OR_RETURN(image, Step(std::move(image), "cannot select RGB bands",
                                       [](VipsImage* in, VipsImage** out) {
                                         return vips_extract_band(in, out, 0, "n", 3, nullptr);
                                       }));
  }
  if (vips_image_get_bands(image.get()) != 3) {
    return InvalidImageFormatError(absl::StrCat("decoded image has ",
                                                vips_image_get_bands(image.get()),
                                                " bands after sRGB conversion, expected 3"));
  }
  return image;
}

// Decodes (the pixels are computed here) into an RgbImage.
StatusOr<RgbImage> ToRgbImage(VipsImage* image) {
  size_t size = 0;
  void* data = vips_image_write_to_memory(image, &size);
  if (data == nullptr) return VipsFormatError("cannot decode the image");
  RgbImage rgb;
  rgb.width = vips_image_get_width(image);
  rgb.height = vips_image_get_height(image);
  const auto* bytes = static_cast<const uint8_t*>(data);
  rgb.pixels.assign(bytes, bytes + size);
  g_free(data);
  if (rgb.pixels.size() != static_cast<size_t>(rgb.width) * rgb.height * 3) {
    return absl::InternalError("decoded image has an unexpected buffer size");
  }
  return rgb;
}

// The thumbnail box whose shorter side is `short_side` (the longer side is
// unbounded), or the full size when the image is already smaller.
std::pair<int, int> TargetBox(const ImageHeader& h, int short_side) {
  if (std::min(h.width, h.height) <= short_side) return {h.width, h.height};
  if (h.width <= h.height) return {short_side, VIPS_MAX_COORD};
  return {VIPS_MAX_COORD, short_side};
}

}  // namespace

// Only the loaders Ocula sniffs for may run: every "untrusted" loader is
// blocked (vips_block_untrusted_set, declared in vips/vips.h since libvips
// 8.13; VIPS_OPERATION_UNTRUSTED in vips/operation.h marks them: SVG, PDF,
// JPEG 2000, JPEG XL, Radiance, FITS, MATLAB, OpenEXR, OpenSlide, PPM, CSV,
// raw, ImageMagick...), except ImageMagick's buffer loader, which is
// libvips' only BMP reader and is reached only for bytes sniffed as BMP (see
// CheckLoader).
Status EnsureVips() {
  static std::once_flag once;
  static Status init_status;
  std::call_once(once, [] {
    if (VIPS_INIT("ocula") != 0) {
      init_status =
          absl::InternalError(absl::StrCat("libvips failed to start: ", vips_error_buffer()));
      vips_error_clear();
      return;
    }
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoadMagickBuffer", FALSE);
    // Every upload is a different image: the operation cache would only hold
    // memory (and buffer loads are keyed by address, which memory reuses).
    vips_cache_set_max(0);
  });
  return init_status;
}

StatusOr<std::vector<std::string>> ParseImageFormats(std::string_view list) {
  std::vector<std::string> formats;
  for (absl::string_view item : absl::StrSplit(AbslView(list), ',')) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(item));
    if (name.empty()) continue;
    const auto& all = AllImageFormats();
    if (std::find(all.begin(), all.end(), name) == all.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown image format '", name, "'; known: ", absl::StrJoin(all, ", ")));
    }
    if (std::find(formats.begin(), formats.end(), name) == formats.end()) {
      formats.push_back(name);
    }
  }
  if (formats.empty()) return absl::InvalidArgumentError("no image format is accepted");
  return formats;
}

std::string SniffMimeType(std::string_view bytes) {
  auto format = vision_internal::SniffFormat(bytes);
  return format ? std::string(vision_internal::FormatMimeType(*format)) : std::string();
}

StatusOr<ImageHeader> ProbeImage(std::string_view bytes, const ImageLimits& limits) {
  OCULA_ASSIGN_OR_RETURN(ImageFormat format, PreCheck(bytes, limits));
  if (format == ImageFormat::kJpeg) {
    OCULA_ASSIGN_OR_RETURN(vision_internal::JpegInfo info, vision_internal::ReadJpegInfo(bytes));
    return JpegHeader(info, limits);
  }
  OCULA_ASSIGN_OR_RETURN(Probed probed, ProbeWithImage(bytes, format, limits));
  return std::move(probed.header);
}

// JPEG goes through TurboJPEG on the calling thread (see jpeg_turbo.h), its
// header and EXIF fields read without libvips. Other formats, and JPEGs the
// fast path declines (CMYK, libjpeg warnings), take the libvips pipeline.
StatusOr<DecodedImage> DecodeImage(std::string_view bytes, int short_side,
                                   const ImageLimits& limits) {
  if (short_side <= 0) return absl::InvalidArgumentError("short_side must be positive");
  OCULA_ASSIGN_OR_RETURN(ImageFormat format, PreCheck(bytes, limits));
  if (format == ImageFormat::kJpeg) {
    OCULA_ASSIGN_OR_RETURN(vision_internal::JpegInfo info, vision_internal::ReadJpegInfo(bytes));
    OCULA_ASSIGN_OR_RETURN(ImageHeader header, JpegHeader(info, limits));
    OCULA_ASSIGN_OR_RETURN(std::optional<RgbImage> rgb,
                           vision_internal::DecodeJpegTurbo(bytes, info, short_side));
    if (rgb) {
      DecodedImage decoded;
      decoded.header = std::move(header);
      decoded.exif = vision_internal::JpegExifFields(bytes);
      decoded.rgb = *std::move(rgb);
      return decoded;
    }
  }
  return vision_internal::DecodeImageWithVips(bytes, short_side, limits);
}

namespace vision_internal {

StatusOr<ImageHeader> ProbeImageWithVips(std::string_view bytes, const ImageLimits& limits) {
  OCULA_ASSIGN_OR_RETURN(ImageFormat format, PreCheck(bytes, limits));
  OCULA_ASSIGN_OR_RETURN(Probed probed, ProbeWithImage(bytes, format, limits));
  return std::move(probed.header);
}

StatusOr<DecodedImage> DecodeImageWithVips(std::string_view bytes, int short_side,
                                           const ImageLimits& limits) {
  if (short_side <= 0) return absl::InvalidArgumentError("short_side must be positive");
  OCULA_ASSIGN_OR_RETURN(ImageFormat format, PreCheck(bytes, limits));
  OCULA_ASSIGN_OR_RETURN(Probed probed, ProbeWithImage(bytes, format, limits));
  DecodedImage decoded;
  decoded.header = probed.header;
  decoded.exif = ReadExif(probed.image.get());
  probed.image.reset();

  // thumbnail shrinks on load (JPEG, WebP) and applies EXIF orientation; its
  // target box is in displayed (oriented) coordinates, like the header.
  auto [width, height] = TargetBox(decoded.header, short_side);
  VipsImage* thumb = nullptr;
  // fail_on goes to the loader through option_string: libvips 8.14's
  // thumbnail accepts a "fail_on" argument but does not pass it on.
  // "error" refuses truncated and broken data but tolerates libjpeg's
  // warnings (e.g. stray bytes before a marker), which real cameras produce.
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &thumb, width, "height",
                            height, "size", VIPS_SIZE_DOWN, "option_string", "fail_on=error",
                            nullptr) != 0) {
    return VipsFormatError("cannot decode the image");
  }
  OCULA_ASSIGN_OR_RETURN(VipsImagePtr rgb, ToRgb8(VipsImagePtr(thumb)));
  OCULA_ASSIGN_OR_RETURN(decoded.rgb, ToRgbImage(rgb.get()));
  return decoded;
}

}  // namespace vision_internal
}  // namespace ocula
