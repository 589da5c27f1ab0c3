// Thumbnails and the area of interest (CONTRACTS.md §1: generateThumbnail,
// areaOfInterest).
//
// A thumbnail has exactly the requested size. The image is scaled so that it
// covers the thumbnail (scale = max(width / W, height / H)), then a window of
// the thumbnail's aspect ratio is cut out:
// - smart_crop false: the centre window (as upstream: resize, crop the centre);
// - smart_crop true: the window centred on the area of interest (the union of
//   the `interest` boxes; when none are given, the saliency box of the image),
//   moved as little as needed to stay inside the image. The window keeps the
//   largest size the aspect ratio allows, so the thumbnail shows as much of the
//   image as a plain crop would, shifted onto the subject.
// Output: PNG for a PNG input (lossless stays lossless), JPEG (quality 85)
// otherwise.
//
// The area of interest is, in order of preference: the union of the faces;
// else the union of the most confident objects (confidence at least
// kObjectInterestRatio of the best one); else the saliency box (SaliencyBox:
// where edges and colour concentrate, compared with the image's typical
// texture); else the whole image. Always clipped to the image, never empty.
//
// Thread-safety: pure functions, safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"

namespace ocula {

inline constexpr int kMaxThumbnailSide = 1024;
inline constexpr float kObjectInterestRatio = 0.5f;

struct ThumbnailRequest {
  int width = 0;  // 1..kMaxThumbnailSide
  int height = 0;
  bool smart_crop = false;
};

struct Thumbnail {
  std::string bytes;      // the encoded image
  std::string mime_type;  // "image/jpeg" or "image/png"
  int width = 0;
  int height = 0;
};

// OK when both sides are 1..kMaxThumbnailSide; otherwise InvalidArgument with
// reason InvalidThumbnailSize.
Status ValidateThumbnailSize(int width, int height);

// The window, in pixels of an image_width x image_height image, that is
// scaled to a width x height thumbnail (see above); centred on `interest`
// when it is not null, else on the image. All sizes must be positive.
Box ThumbnailCrop(int image_width, int image_height, int width, int height, const Box* interest);

// Decodes `image_bytes` (within `limits`) at the resolution the thumbnail
// needs and makes it. `interest` holds boxes in original pixel coordinates
// (e.g. {AreaOfInterest(...)}, or the faces); only used when smart_crop is
// set. Errors: InvalidArgument with reason InvalidThumbnailSize for a bad
// size; the errors of DecodeImage (InvalidImageFormat, InvalidImageSize,
// PayloadTooLarge); Internal when encoding fails.
StatusOr<Thumbnail> GenerateThumbnail(std::string_view image_bytes, const ImageLimits& limits,
                                      const ThumbnailRequest& request,
                                      const std::vector<Box>& interest);

// The saliency box of `image`, in its own pixels; the whole image when it is
// flat (no region stands out) or empty.
Box SaliencyBox(const RgbImage& image);

// The area of interest (rules above) of a width x height image, in its
// pixels. `faces` and `objects` are in those pixels too; `for_saliency`, when
// not null, is the image at any size (e.g. the decoded copy the models ran
// on), used only when there are neither faces nor objects.
Box AreaOfInterest(int width, int height, const std::vector<Face>& faces,
                   const std::vector<Detection>& objects, const RgbImage* for_saliency);

}  // namespace ocula
