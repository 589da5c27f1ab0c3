// /v1/images: upload, read, list (filtered by status, tag, category), fetch
// content and thumbnails, delete; /v1/labels: the tag and category counts.
#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "api/api.h"
#include "api/error_mapping.h"
#include "api/multipart.h"
#include "core/ids.h"
#include "vision/image/thumbnail.h"

namespace ocula {
namespace {

using nlohmann::json;

constexpr size_t kMaxListLimit = 1000;
constexpr int kDefaultThumbnailSide = 256;
constexpr int kMinThumbnailSide = 16;
constexpr size_t kMaxLabels = 200;
// What never changes for an id (original bytes, thumbnails of them).
constexpr char kImmutable[] = "private, max-age=31536000, immutable";

HttpResponse Accepted(const CreateResult& result, std::string body) {
  HttpResponse response = HttpResponse::Json(202, std::move(body));
  response.headers.emplace_back("Location", "/v1/images/" + result.image.id);
  if (!result.created) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

// Every file part is checked before any is stored, so a bad file in a batch
// stores nothing; the error names the file.
HttpResponse UploadMultipart(const ApiDeps& deps, HttpRequest& req,
                             const std::string& content_type) {
  auto boundary = MultipartBoundary(content_type);
  if (!boundary.ok()) return ErrorResponse(boundary.status());
  auto parts = ParseMultipart(req.body, *boundary);
  if (!parts.ok()) return ErrorResponse(parts.status());
  std::vector<const MultipartPart*> files;
  for (const MultipartPart& p : *parts) {
    if (!p.filename.empty() || p.content_type.rfind("image/", 0) == 0) files.push_back(&p);
  }
  if (files.empty()) {
    return ErrorResponse(absl::InvalidArgumentError(
        "multipart body holds no file part (send the image as a form field with a filename)"));
  }
  for (const MultipartPart* p : files) {
    Status s = deps.ingest.Check(p->data, p->content_type).status();
    if (!s.ok()) {
      return ErrorResponse(WithReason(
          Status(s.code(), AbslView("file '" + p->filename + "': " + std::string(s.message()))),
          ReasonOf(s)));
    }
  }
  if (Status admitted = deps.backlog.Admit(); !admitted.ok()) return ErrorResponse(admitted);
  std::string key = req.Header("idempotency-key").value_or("");
  std::string body = "{\"images\":[";
  CreateResult first;
  for (size_t i = 0; i < files.size(); ++i) {
    UploadRequest upload{files[i]->data, files[i]->content_type,
                         key.empty() ? "" : key + "#" + std::to_string(i), req.request_id,
                         files[i]->filename};
    auto result = deps.ingest.Upload(upload);
    if (!result.ok()) return ErrorResponse(result.status());
    deps.metrics.GetCounter("ocula_upload_bytes_total")
        .Add(static_cast<double>(files[i]->data.size()));
    if (i > 0) body += ',';
    body += UploadReceiptJson(result->image);
    if (i == 0) first = *result;
  }
  return Accepted(first, body + "]}");
}

HttpResponse Upload(const ApiDeps& deps, HttpRequest& req) {
  if (req.LowercaseContentType().rfind("multipart/form-data", 0) == 0) {
    return UploadMultipart(deps, req, req.Header("content-type").value_or(""));
  }
  return UploadRawImage(deps, req);
}

StatusOr<ImageRecord> FindImage(const ApiDeps& deps, const HttpRequest& req) {
  const std::string& id = req.path_params.at("id");
  if (!IsValidId(id)) return absl::NotFoundError("no image with id '" + id + "'");
  auto image = deps.metadata.GetImage(id);
  if (image.status().code() == StatusCode::kNotFound) {
    return absl::NotFoundError("no image with id '" + id + "'");
  }
  return image;
}

HttpResponse WithETag(const HttpRequest& req, const std::string& etag, HttpResponse response) {
  if (req.IfNoneMatches(etag)) {
    response.status = 304;
    response.body.clear();
  }
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

HttpResponse GetImage(const ApiDeps& deps, HttpRequest& req) {
  auto image = FindImage(deps, req);
  if (!image.ok()) return ErrorResponse(image.status());
  return WithETag(req, ETagOf(*image), HttpResponse::Json(200, ImageDocumentJson(*image)));
}

HttpResponse GetContent(const ApiDeps& deps, HttpRequest& req) {
  auto image = FindImage(deps, req);
  if (!image.ok()) return ErrorResponse(image.status());
  auto bytes = deps.blobs.Get(image->blob_key);
  if (!bytes.ok()) return ErrorResponse(bytes.status());
  HttpResponse response;
  response.content_type = image->content_type;
  response.body = std::move(*bytes);
  // The bytes never change for an id: cache them for good.
  response = WithETag(req, "\"" + image->sha256 + "\"", std::move(response));
  response.headers.back() = {"Cache-Control", kImmutable};
  return response;
}

// A thumbnail that fits in size x size, keeping the aspect ratio (never
// upscaled), made on request from the original; clients cache it by ETag.
HttpResponse GetThumbnail(const ApiDeps& deps, HttpRequest& req) {
  int side = kDefaultThumbnailSide;
  if (auto size = req.Query("size")) {
    auto [ptr, ec] = std::from_chars(size->data(), size->data() + size->size(), side);
    if (ec != std::errc() || ptr != size->data() + size->size() || side < kMinThumbnailSide ||
        side > kMaxThumbnailSide) {
      return ErrorResponse(absl::InvalidArgumentError(absl::StrCat(
          "size must be a number from ", kMinThumbnailSide, " to ", kMaxThumbnailSide)));
    }
  }
  auto image = FindImage(deps, req);
  if (!image.ok()) return ErrorResponse(image.status());
  const std::string etag = absl::StrCat("\"", image->sha256, "-", side, "\"");
  if (req.IfNoneMatches(etag)) {
    HttpResponse not_modified = WithETag(req, etag, HttpResponse{});
    not_modified.headers.back() = {"Cache-Control", kImmutable};
    return not_modified;
  }
  auto bytes = deps.blobs.Get(image->blob_key);
  if (!bytes.ok()) return ErrorResponse(bytes.status());
  const ImageLimits& limits = deps.ingest.limits();
  auto header = ProbeImage(*bytes, limits);
  if (!header.ok()) return ErrorResponse(header.status());
  const double scale =
      std::min(1.0, static_cast<double>(side) / std::max(header->width, header->height));
  ThumbnailRequest size{std::max(1, static_cast<int>(std::lround(header->width * scale))),
                        std::max(1, static_cast<int>(std::lround(header->height * scale))), false};
  auto thumb = GenerateThumbnail(*bytes, limits, size, {});
  if (!thumb.ok()) return ErrorResponse(thumb.status());
  HttpResponse response;
  response.content_type = thumb->mime_type;
  response.body = std::move(thumb->bytes);
  response = WithETag(req, etag, std::move(response));
  response.headers.back() = {"Cache-Control", kImmutable};
  return response;
}

// {"tags":[{"name","count"}…],"categories":[…]}, most frequent first.
HttpResponse GetLabels(const ApiDeps& deps, HttpRequest&) {
  json body = json::object();
  for (auto [kind, key] :
       {std::pair{LabelKind::kTag, "tags"}, std::pair{LabelKind::kCategory, "categories"}}) {
    auto labels = deps.metadata.CountLabels(kind, kMaxLabels);
    if (!labels.ok()) return ErrorResponse(labels.status());
    json list = json::array();
    for (const LabelCount& label : *labels) {
      list.push_back({{"name", label.name}, {"count", label.count}});
    }
    body[key] = std::move(list);
  }
  return HttpResponse::Json(200, body.dump());
}

StatusOr<ListQuery> ParseListQuery(const HttpRequest& req) {
  ListQuery query;
  if (auto status = req.Query("status"); status && !status->empty()) {
    query.status = ParseImageStatus(*status);
    if (!query.status) {
      return absl::InvalidArgumentError("status must be pending, processing, done or failed");
    }
  }
  if (auto limit = req.Query("limit")) {
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), query.limit);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || query.limit == 0 ||
        query.limit > kMaxListLimit) {
      return absl::InvalidArgumentError("limit must be a number from 1 to 1000");
    }
  }
  if (auto cursor = req.Query("cursor"); cursor && !cursor->empty()) {
    if (!IsValidId(*cursor)) return absl::InvalidArgumentError("malformed cursor");
    query.cursor = *cursor;
  }
  query.tag = req.Query("tag").value_or("");
  query.category = req.Query("category").value_or("");
  return query;
}

HttpResponse ListImages(const ApiDeps& deps, HttpRequest& req) {
  auto query = ParseListQuery(req);
  if (!query.ok()) return ErrorResponse(query.status());
  auto page = deps.metadata.ListImages(*query);
  if (!page.ok()) return ErrorResponse(page.status());
  std::string body = "{\"images\":[";
  for (size_t i = 0; i < page->images.size(); ++i) {
    if (i) body += ',';
    body += ImageDocumentJson(page->images[i]);
  }
  body += "],\"nextCursor\":";
  body += page->next_cursor.empty() ? "null" : json(page->next_cursor).dump();
  body += '}';
  return HttpResponse::Json(200, std::move(body));
}

HttpResponse DeleteImage(const ApiDeps& deps, HttpRequest& req) {
  auto image = FindImage(deps, req);
  if (!image.ok()) return ErrorResponse(image.status());
  if (Status s = deps.ingest.Delete(image->id); !s.ok()) return ErrorResponse(s);
  HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace

HttpResponse UploadRawImage(const ApiDeps& deps, HttpRequest& req) {
  if (!req.Header("content-type")) {
    return ErrorResponse(UnsupportedMediaTypeError(
        "missing Content-Type; send image/* , application/octet-stream or multipart/form-data"));
  }
  UploadRequest upload{req.body, req.LowercaseContentType(),
                       req.Header("idempotency-key").value_or(""), req.request_id,
                       DispositionFilename(req.Header("content-disposition").value_or(""))};
  if (Status admitted = deps.backlog.Admit(); !admitted.ok()) return ErrorResponse(admitted);
  auto result = deps.ingest.Upload(upload);
  if (!result.ok()) return ErrorResponse(result.status());
  deps.metrics.GetCounter("ocula_upload_bytes_total").Add(static_cast<double>(req.body.size()));
  return Accepted(*result, UploadReceiptJson(result->image));
}

void AddImageRoutes(Router& router, const ApiDeps& deps) {
  // Writes (a blob and a commit, each synced), listings and label counts wait
  // on storage; one document by id is a quick indexed read.
  router.AddStorage("POST", "/v1/images", RouteAccess::Needs(Scope::kImagesWrite),
                    [&deps](HttpRequest& r) { return Upload(deps, r); });
  router.AddStorage("GET", "/v1/images", RouteAccess::Needs(Scope::kImagesRead),
                    [&deps](HttpRequest& r) { return ListImages(deps, r); });
  router.Add("GET", "/v1/images/{id}", RouteAccess::Needs(Scope::kImagesRead),
             [&deps](HttpRequest& r) { return GetImage(deps, r); });
  // Blob reads (a network fetch on S3 or Azure) and thumbnails (decode and
  // resize) run on the blocking pool.
  router.AddBlocking("GET", "/v1/images/{id}/content", RouteAccess::Needs(Scope::kImagesRead),
                     [&deps](HttpRequest& r) { return GetContent(deps, r); });
  router.AddBlocking("GET", "/v1/images/{id}/thumbnail", RouteAccess::Needs(Scope::kImagesRead),
                     [&deps](HttpRequest& r) { return GetThumbnail(deps, r); });
  router.AddStorage("GET", "/v1/labels", RouteAccess::Needs(Scope::kImagesRead),
                    [&deps](HttpRequest& r) { return GetLabels(deps, r); });
  router.AddStorage("DELETE", "/v1/images/{id}", RouteAccess::Needs(Scope::kImagesDelete),
                    [&deps](HttpRequest& r) { return DeleteImage(deps, r); });
}

}  // namespace ocula
