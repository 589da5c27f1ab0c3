// /v1/images: upload, read, list, fetch content, delete.
#include <charconv>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/error_mapping.h"
#include "api/multipart.h"
#include "core/ids.h"

namespace ocula {
namespace {

using nlohmann::json;

constexpr size_t kMaxListLimit = 1000;

HttpResponse Accepted(const CreateResult& result, std::string body) {
  HttpResponse response = HttpResponse::Json(202, std::move(body));
  response.headers.emplace_back("Location", "/v1/images/" + result.image.id);
  if (!result.created) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

HttpResponse UploadRaw(const ApiDeps& deps, HttpRequest& req, const std::string& content_type) {
  UploadRequest upload{req.body, content_type, req.Header("idempotency-key").value_or(""),
                       req.request_id};
  auto result = deps.ingest.Upload(upload);
  if (!result.ok()) return ErrorResponse(result.status());
  deps.metrics.GetCounter("ocula_upload_bytes_total").Add(static_cast<double>(req.body.size()));
  return Accepted(*result, UploadReceiptJson(result->image));
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
      return ErrorResponse(WithReason(Status(s.code(), AbslView("file '" + p->filename + "': " +
                                                               std::string(s.message()))),
                                      ReasonOf(s)));
    }
  }
  std::string key = req.Header("idempotency-key").value_or("");
  std::string body = "{\"images\":[";
  CreateResult first;
  for (size_t i = 0; i < files.size(); ++i) {
    UploadRequest upload{files[i]->data, files[i]->content_type,
                         key.empty() ? "" : key + "#" + std::to_string(i), req.request_id};
    auto result = deps.ingest.Upload(upload);
    if (!result.ok()) return ErrorResponse(result.status());
    deps.metrics.GetCounter("ocula_upload_bytes_total")
        .Add(static_cast<double>(files[i]->data.size()));
    if (i > 0) body += ',';
    body += UploadReceiptJson(result->image, files[i]->filename);
    if (i == 0) first = *result;
  }
  return Accepted(first, body + "]}");
}

HttpResponse Upload(const ApiDeps& deps, HttpRequest& req) {
  std::string content_type = req.Header("content-type").value_or("");
  std::string lowered = req.LowercaseContentType();
  if (lowered.rfind("multipart/form-data", 0) == 0) return UploadMultipart(deps, req, content_type);
  if (content_type.empty()) {
    return ErrorResponse(UnsupportedMediaTypeError(
        "missing Content-Type; send image/* , application/octet-stream or multipart/form-data"));
  }
  return UploadRaw(deps, req, lowered);
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

bool ETagMatches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match == "*") return true;
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t end = if_none_match.find(',', pos);
    if (end == std::string::npos) end = if_none_match.size();
    std::string candidate = if_none_match.substr(pos, end - pos);
    while (!candidate.empty() && candidate.front() == ' ') candidate.erase(0, 1);
    while (!candidate.empty() && candidate.back() == ' ') candidate.pop_back();
    if (candidate.rfind("W/", 0) == 0) candidate = candidate.substr(2);
    if (candidate == etag) return true;
    pos = end + 1;
  }
  return false;
}

HttpResponse WithETag(const HttpRequest& req, const std::string& etag, HttpResponse response) {
  if (auto inm = req.Header("if-none-match"); inm && ETagMatches(*inm, etag)) {
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
  response.headers.back() = {"Cache-Control", "private, max-age=31536000, immutable"};
  return response;
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

void AddImageRoutes(Router& router, const ApiDeps& deps) {
  router.Add("POST", "/v1/images", [&deps](HttpRequest& r) { return Upload(deps, r); });
  router.Add("GET", "/v1/images", [&deps](HttpRequest& r) { return ListImages(deps, r); });
  router.Add("GET", "/v1/images/{id}", [&deps](HttpRequest& r) { return GetImage(deps, r); });
  router.Add("GET", "/v1/images/{id}/content",
             [&deps](HttpRequest& r) { return GetContent(deps, r); });
  router.Add("DELETE", "/v1/images/{id}",
             [&deps](HttpRequest& r) { return DeleteImage(deps, r); });
}

}  // namespace ocula
