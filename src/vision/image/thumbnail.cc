#include "vision/image/thumbnail.h"

#include <vips/vips.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

constexpr int kSaliencySide = 64;
constexpr double kSaliencyMass = 0.1;  // energy left out on each side of the box

Box Clip(const Box& b, int width, int height) {
  const int x0 = std::clamp(b.x, 0, width), y0 = std::clamp(b.y, 0, height);
  const int x1 = std::clamp(b.x + b.w, 0, width), y1 = std::clamp(b.y + b.h, 0, height);
  return {x0, y0, x1 - x0, y1 - y0};
}

Box Union(const std::vector<Box>& boxes) {
  int x0 = boxes.front().x, y0 = boxes.front().y;
  int x1 = x0 + boxes.front().w, y1 = y0 + boxes.front().h;
  for (const Box& b : boxes) {
    x0 = std::min(x0, b.x), y0 = std::min(y0, b.y);
    x1 = std::max(x1, b.x + b.w), y1 = std::max(y1, b.y + b.h);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

Box Scaled(const Box& b, double fx, double fy) {
  const int x0 = static_cast<int>(std::floor(b.x * fx));
  const int y0 = static_cast<int>(std::floor(b.y * fy));
  const int x1 = static_cast<int>(std::ceil((b.x + b.w) * fx));
  const int y1 = static_cast<int>(std::ceil((b.y + b.h) * fy));
  return {x0, y0, x1 - x0, y1 - y0};
}

bool Consistent(const RgbImage& image) {
  return image.width > 0 && image.height > 0 &&
         image.pixels.size() == static_cast<size_t>(image.width) * image.height * 3;
}

cv::Mat View(const RgbImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
}

// Per pixel of a small copy: edge strength (largest channel difference with
// the right and lower neighbours) plus half the chroma, minus the median of
// that over the image, so that an evenly textured image has no salient part.
cv::Mat EnergyMap(const RgbImage& image) {
  cv::Mat small = View(image);
  const double f = static_cast<double>(kSaliencySide) / std::max(image.width, image.height);
  if (f < 1) {
    cv::resize(small, small,
               cv::Size(std::max(1, static_cast<int>(image.width * f)),
                        std::max(1, static_cast<int>(image.height * f))),
               0, 0, cv::INTER_AREA);
  }
  cv::Mat energy(small.rows, small.cols, CV_32F);
  std::vector<float> values;
  values.reserve(static_cast<size_t>(small.rows) * small.cols);
  for (int y = 0; y < small.rows; ++y) {
    const uint8_t* row = small.ptr<uint8_t>(y);
    const uint8_t* below = small.ptr<uint8_t>(std::min(y + 1, small.rows - 1));
    for (int x = 0; x < small.cols; ++x) {
      const uint8_t* p = row + 3 * x;
      const uint8_t* right = row + 3 * std::min(x + 1, small.cols - 1);
      const uint8_t* down = below + 3 * x;
      int grad = 0;
      for (int c = 0; c < 3; ++c) {
        grad = std::max({grad, std::abs(p[c] - right[c]), std::abs(p[c] - down[c])});
      }
      const int chroma = std::max({p[0], p[1], p[2]}) - std::min({p[0], p[1], p[2]});
      const float e = static_cast<float>(grad) + 0.5f * static_cast<float>(chroma);
      energy.at<float>(y, x) = e;
      values.push_back(e);
    }
  }
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  const float median = values[values.size() / 2];
  cv::max(energy - median, 0.0, energy);
  return energy;
}

// [first, last] indices leaving kSaliencyMass of the mass on each side.
std::pair<int, int> MassInterval(const std::vector<double>& mass) {
  double total = 0;
  for (double m : mass) total += m;
  int first = 0, last = static_cast<int>(mass.size()) - 1;
  for (double seen = 0; first < last && seen + mass[first] < kSaliencyMass * total;) {
    seen += mass[first++];
  }
  for (double seen = 0; last > first && seen + mass[last] < kSaliencyMass * total;) {
    seen += mass[last--];
  }
  return {first, last};
}

Status VipsError(const char* what) {
  std::string text = vips_error_buffer();
  vips_error_clear();
  return absl::InternalError(absl::StrCat(what, ": ", text));
}

// Encodes `image` as PNG or JPEG with libvips.
StatusOr<std::string> Encode(const cv::Mat& image, bool png) {
  OCULA_RETURN_IF_ERROR(EnsureVips());
  cv::Mat continuous = image.isContinuous() ? image : image.clone();
  VipsImage* vi =
      vips_image_new_from_memory(continuous.data, continuous.total() * 3, continuous.cols,
                                 continuous.rows, 3, VIPS_FORMAT_UCHAR);
  if (vi == nullptr) return VipsError("cannot wrap thumbnail pixels");
  vi->Type = VIPS_INTERPRETATION_sRGB;
  void* buffer = nullptr;
  size_t length = 0;
  const int rc = png ? vips_pngsave_buffer(vi, &buffer, &length, "compression", 6, nullptr)
                     : vips_jpegsave_buffer(vi, &buffer, &length, "Q", 85, nullptr);
  g_object_unref(vi);
  if (rc != 0) return VipsError("cannot encode the thumbnail");
  std::string bytes(static_cast<const char*>(buffer), length);
  g_free(buffer);
  return bytes;
}

// The decoding size (shorter side) that gives at least one source pixel per
// thumbnail pixel, never more than the original.
int DecodeShortSide(const ImageHeader& header, const ThumbnailRequest& request) {
  const double scale = std::max(static_cast<double>(request.width) / header.width,
                                static_cast<double>(request.height) / header.height);
  const int short_side = std::min(header.width, header.height);
  return std::min(short_side, static_cast<int>(std::ceil(scale * short_side)) + 2);
}

StatusOr<cv::Mat> CropAndResize(const RgbImage& rgb, const Box& crop, int width, int height) {
  try {
    const cv::Mat window = View(rgb)(cv::Rect(crop.x, crop.y, crop.w, crop.h));
    const bool shrinking = crop.w >= width && crop.h >= height;
    cv::Mat out;
    cv::resize(window, out, cv::Size(width, height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
    return out;
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("cannot resize the thumbnail: ", e.what()));
  }
}

}  // namespace

Status ValidateThumbnailSize(int width, int height) {
  auto ok = [](int side) { return side >= 1 && side <= kMaxThumbnailSide; };
  if (ok(width) && ok(height)) return absl::OkStatus();
  return WithReason(absl::InvalidArgumentError(
                        absl::StrCat("thumbnail width and height must be 1 to ", kMaxThumbnailSide,
                                     " pixels; got ", width, "x", height)),
                    reason::kInvalidThumbnailSize);
}

Box ThumbnailCrop(int image_width, int image_height, int width, int height, const Box* interest) {
  const double scale = std::max(static_cast<double>(width) / image_width,
                                static_cast<double>(height) / image_height);
  Box crop;
  crop.w = std::clamp(static_cast<int>(std::lround(width / scale)), 1, image_width);
  crop.h = std::clamp(static_cast<int>(std::lround(height / scale)), 1, image_height);
  const double cx = interest ? interest->x + interest->w / 2.0 : image_width / 2.0;
  const double cy = interest ? interest->y + interest->h / 2.0 : image_height / 2.0;
  crop.x = std::clamp(static_cast<int>(std::lround(cx - crop.w / 2.0)), 0, image_width - crop.w);
  crop.y = std::clamp(static_cast<int>(std::lround(cy - crop.h / 2.0)), 0, image_height - crop.h);
  return crop;
}

StatusOr<Thumbnail> GenerateThumbnail(std::string_view image_bytes, const ImageLimits& limits,
                                      const ThumbnailRequest& request,
                                      const std::vector<Box>& interest) {
  OCULA_RETURN_IF_ERROR(ValidateThumbnailSize(request.width, request.height));
  OCULA_ASSIGN_OR_RETURN(ImageHeader header, ProbeImage(image_bytes, limits));
  OCULA_ASSIGN_OR_RETURN(DecodedImage decoded,
                         DecodeImage(image_bytes, DecodeShortSide(header, request), limits));
  const RgbImage& rgb = decoded.rgb;
  Box roi;
  if (request.smart_crop) {
    roi = interest.empty()
              ? SaliencyBox(rgb)
              : Clip(Scaled(Union(interest), static_cast<double>(rgb.width) / header.width,
                            static_cast<double>(rgb.height) / header.height),
                     rgb.width, rgb.height);
  }
  const Box crop = ThumbnailCrop(rgb.width, rgb.height, request.width, request.height,
                                 request.smart_crop ? &roi : nullptr);
  OCULA_ASSIGN_OR_RETURN(cv::Mat pixels, CropAndResize(rgb, crop, request.width, request.height));
  Thumbnail thumb;
  const bool png = header.format == "Png";
  OCULA_ASSIGN_OR_RETURN(thumb.bytes, Encode(pixels, png));
  thumb.mime_type = png ? "image/png" : "image/jpeg";
  thumb.width = request.width;
  thumb.height = request.height;
  return thumb;
}

Box SaliencyBox(const RgbImage& image) {
  if (!Consistent(image)) return {0, 0, std::max(image.width, 0), std::max(image.height, 0)};
  const cv::Mat energy = EnergyMap(image);
  std::vector<double> cols(energy.cols, 0), rows(energy.rows, 0);
  double total = 0;
  for (int y = 0; y < energy.rows; ++y) {
    for (int x = 0; x < energy.cols; ++x) {
      const double e = energy.at<float>(y, x);
      cols[x] += e, rows[y] += e, total += e;
    }
  }
  const Box whole{0, 0, image.width, image.height};
  if (total <= 0) return whole;
  auto [x0, x1] = MassInterval(cols);
  auto [y0, y1] = MassInterval(rows);
  const Box box{x0, y0, x1 - x0 + 1, y1 - y0 + 1};
  return Clip(Scaled(box, static_cast<double>(image.width) / energy.cols,
                     static_cast<double>(image.height) / energy.rows),
              image.width, image.height);
}

Box AreaOfInterest(int width, int height, const std::vector<Face>& faces,
                   const std::vector<Detection>& objects, const RgbImage* for_saliency) {
  const Box whole{0, 0, std::max(width, 0), std::max(height, 0)};
  std::vector<Box> boxes;
  if (!faces.empty()) {
    for (const Face& f : faces) boxes.push_back(f.box);
  } else if (!objects.empty()) {
    float best = 0;
    for (const Detection& d : objects) best = std::max(best, d.confidence);
    for (const Detection& d : objects) {
      if (d.confidence >= kObjectInterestRatio * best) boxes.push_back(d.box);
    }
  } else if (for_saliency != nullptr && Consistent(*for_saliency) && width > 0 && height > 0) {
    boxes.push_back(Scaled(SaliencyBox(*for_saliency),
                           static_cast<double>(width) / for_saliency->width,
                           static_cast<double>(height) / for_saliency->height));
  }
  if (boxes.empty()) return whole;
  const Box area = Clip(Union(boxes), whole.w, whole.h);
  return area.w > 0 && area.h > 0 ? area : whole;
}

}  // namespace ocula
