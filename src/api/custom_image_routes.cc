// Images of a custom classifier project (custom_vision_api.h): uploads
// (raw or multipart bodies, base64 file batches, URLs), gallery photos tagged
// by id, untagging, removal, listings and counts. A project's images are
// gallery images: uploads join the gallery, no bytes are copied.
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/custom_vision_internal.h"
#include "api/multipart.h"
#include "core/clock.h"
#include "core/sha256.h"

namespace ocula {
namespace custom_api {
namespace {

using nlohmann::json;

constexpr size_t kMaxBatch = 64;  // images per upload request, as upstream

// Tag names by id, for image documents.
StatusOr<std::map<std::string, std::string>> TagNames(const CustomVisionDeps& deps,
                                                      const std::string& project_id) {
  OCULA_ASSIGN_OR_RETURN(std::vector<CvTag> tags, deps.store.ListTags(project_id));
  std::map<std::string, std::string> names;
  for (const CvTag& t : tags) names[t.id] = t.name;
  return names;
}

json ImageJson(const Mount& mount, const CvImage& image,
               const std::map<std::string, std::string>& tag_names) {
  json tags = json::array();
  for (const std::string& id : image.tag_ids) {
    auto name = tag_names.find(id);
    tags.push_back({{"tagId", id},
                    {"tagName", name == tag_names.end() ? "" : name->second},
                    {"created", FormatRfc3339(image.created_ms)}});
  }
  const std::string uri = "/v1/images/" + image.image_id;
  return {{"id", mount.ImageIdOut(image.image_id)},
          {"created", FormatRfc3339(image.created_ms)},
          {"width", image.width},
          {"height", image.height},
          {"resizedImageUri", uri + "/thumbnail"},
          {"thumbnailUri", uri + "/thumbnail"},
          {"originalImageUri", uri + "/content"},
          {"tags", tags},
          {"regions", json::array()}};
}

// The tag ids of a request (query tagIds, or a body's), each the project's.
StatusOr<std::vector<std::string>> CheckedTagIds(const CustomVisionDeps& deps,
                                                 const std::string& project_id,
                                                 std::vector<std::string> ids) {
  OCULA_ASSIGN_OR_RETURN(auto names, TagNames(deps, project_id));
  for (const std::string& id : ids) {
    if (!names.contains(id)) {
      return WithReason(absl::NotFoundError("no tag '" + id + "' in this project"), "NotFoundTag");
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// One image of an upload batch, as ImageCreateSummary lists it.
struct Uploaded {
  std::string source_url;
  std::string status;  // OK, OKDuplicate, ErrorImageFormat, ErrorImageSize, ErrorSource
  std::optional<CvImage> image;
};

// Stores `bytes` in the gallery (once: an image with the same bytes is the
// same image) and takes it into the project with `tag_ids`. A bad image is
// an entry with an Error status; store failures are errors.
StatusOr<Uploaded> UploadOne(const CustomVisionDeps& deps, const std::string& project_id,
                             std::string_view bytes, const std::vector<std::string>& tag_ids,
                             const std::string& source_url, const std::string& request_id) {
  Uploaded out{source_url, "OK", std::nullopt};
  auto header = deps.ingest.Check(bytes, "");
  if (!header.ok()) {
    const std::string why = ReasonOf(header.status());
    out.status = why == reason::kInvalidImageSize || why == reason::kPayloadTooLarge
                     ? "ErrorImageSize"
                     : "ErrorImageFormat";
    return out;
  }
  UploadRequest upload{bytes, "", "sha256:" + Sha256Hex(bytes), request_id};
  OCULA_ASSIGN_OR_RETURN(CreateResult created, deps.ingest.Upload(upload));
  if (!created.created) out.status = "OKDuplicate";
  CvImage image{created.image.id, deps.clock.NowMs(), header->width, header->height, tag_ids};
  OCULA_RETURN_IF_ERROR(deps.store.AddImages(project_id, {image}));
  out.image = std::move(image);
  return out;
}

HttpResponse UploadSummary(const CustomVisionDeps& deps, const Mount& mount, const HttpRequest& req,
                           const std::string& project_id, const std::vector<Uploaded>& uploaded) {
  auto names = TagNames(deps, project_id);
  if (!names.ok()) return Error(req, names.status());
  bool all_ok = true;
  json images = json::array();
  for (const Uploaded& u : uploaded) {
    all_ok = all_ok && u.status.rfind("OK", 0) == 0;
    json entry = {{"sourceUrl", u.source_url}, {"status", u.status}};
    if (u.image) entry["image"] = ImageJson(mount, *u.image, *names);
    images.push_back(std::move(entry));
  }
  return JsonResponse({{"isBatchSuccessful", all_ok}, {"images", images}}, all_ok ? 200 : 207);
}

// One image to upload: its bytes (or URL) and tags.
struct ImageEntry {
  std::string bytes;
  std::string url;
  std::vector<std::string> tag_ids;
};

HttpResponse UploadEntries(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req,
                           const CvProject& project, std::vector<ImageEntry> entries) {
  if (entries.empty())
    return Error(req, BadRequest("no image in the request", "BadRequestImageBatch"));
  if (entries.size() > kMaxBatch) {
    return Error(req, BadRequest(absl::StrCat("at most ", kMaxBatch, " images per request, not ",
                                              entries.size()),
                                 "BadRequestExceededBatchSize"));
  }
  if (Status admitted = deps.backlog.Admit(); !admitted.ok()) return Error(req, admitted);
  std::vector<Uploaded> uploaded;
  for (ImageEntry& e : entries) {
    auto tags = CheckedTagIds(deps, project.id, e.tag_ids);
    if (!tags.ok()) return Error(req, tags.status());
    if (!e.url.empty()) {
      auto fetched = FetchUrl(e.url, deps.url_fetch);
      if (!fetched.ok()) {
        uploaded.push_back({e.url, "ErrorSource", std::nullopt});
        continue;
      }
      e.bytes = std::move(fetched->bytes);
    }
    auto one = UploadOne(deps, project.id, e.bytes, *tags, e.url, req.request_id);
    if (!one.ok()) return Error(req, one.status());
    uploaded.push_back(std::move(*one));
  }
  return UploadSummary(deps, mount, req, project.id, uploaded);
}

// The batch of a JSON upload: {"images": [{<member>, "tagIds"}], "tagIds"}.
StatusOr<std::vector<ImageEntry>> JsonEntries(const HttpRequest& req, bool urls) {
  OCULA_ASSIGN_OR_RETURN(json body, JsonBody(req));
  const auto tag_list = [](const json& object) {
    std::vector<std::string> ids;
    if (auto it = object.find("tagIds"); it != object.end() && it->is_array()) {
      for (const json& id : *it) {
        if (id.is_string()) ids.push_back(id);
      }
    }
    return ids;
  };
  const std::vector<std::string> common = tag_list(body);
  auto images = body.find("images");
  if (images == body.end() || !images->is_array()) return BadRequest("images must be an array");
  std::vector<ImageEntry> entries;
  for (const json& image : *images) {
    if (!image.is_object()) return BadRequest("each image must be an object");
    ImageEntry e;
    e.tag_ids = tag_list(image);
    e.tag_ids.insert(e.tag_ids.end(), common.begin(), common.end());
    const std::string member = urls ? "url" : "contents";
    auto value = image.find(member);
    if (value == image.end() || !value->is_string()) {
      return BadRequest("each image needs " + member, "BadRequestImageBatch");
    }
    if (urls) {
      e.url = *value;
    } else if (!absl::Base64Unescape(value->get<std::string>(), &e.bytes)) {
      return BadRequest("contents must be base64", "BadRequestImageStream");
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

HttpResponse CreateImagesFromJson(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req, bool urls) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto entries = JsonEntries(req, urls);
  if (!entries.ok()) return Error(req, entries.status());
  return UploadEntries(deps, mount, req, *project, std::move(*entries));
}

// Image ids of a request, each an Ocula id or its UUID (BadRequestInvalidIds).
StatusOr<std::vector<std::string>> ImageIds(const std::vector<std::string>& texts) {
  std::vector<std::string> ids;
  for (const std::string& text : texts) {
    std::string id = ImageIdIn(text);
    if (id.empty()) return BadRequest("'" + text + "' is not an image id", "BadRequestInvalidIds");
    ids.push_back(std::move(id));
  }
  return ids;
}

// The size of a gallery image: from its analysis, else by probing its bytes.
StatusOr<std::pair<int, int>> GallerySize(const CustomVisionDeps& deps, const std::string& id) {
  auto image = deps.metadata.GetImage(id);
  if (image.status().code() == StatusCode::kNotFound) {
    return WithReason(absl::NotFoundError("no image '" + id + "' in the gallery"), "NotFoundImage");
  }
  OCULA_RETURN_IF_ERROR(image.status());
  json meta = json::parse(image->metadata_json, nullptr, false);
  if (meta.is_object() && meta.value("width", 0) > 0) {
    return std::make_pair(meta.value("width", 0), meta.value("height", 0));
  }
  OCULA_ASSIGN_OR_RETURN(std::string bytes, deps.blobs.Get(image->blob_key));
  OCULA_ASSIGN_OR_RETURN(ImageHeader header, deps.ingest.Check(bytes, ""));
  return std::make_pair(header.width, header.height);
}

// Every image id of the project.
StatusOr<std::vector<std::string>> AllImageIds(const CustomVisionDeps& deps,
                                               const std::string& project_id) {
  CvImageQuery query;
  query.take = INT32_MAX;  // a project holds thousands of images at most
  OCULA_ASSIGN_OR_RETURN(auto images, deps.store.ListImages(project_id, query));
  std::vector<std::string> ids;
  for (const CvImage& image : images) ids.push_back(image.image_id);
  return ids;
}

// The listing a request asks for: taggingStatus (All, Tagged, Untagged) or
// the path's, tagIds, skip and take (at most 256, as upstream).
StatusOr<CvImageQuery> ImageQuery(const HttpRequest& req, CvImageQuery::Tagging tagging) {
  CvImageQuery query;
  query.tagging = tagging;
  if (auto status = req.Query("taggingStatus")) {
    if (*status == "Tagged") {
      query.tagging = CvImageQuery::Tagging::kTagged;
    } else if (*status == "Untagged") {
      query.tagging = CvImageQuery::Tagging::kUntagged;
    } else if (*status != "All") {
      return BadRequest("taggingStatus must be All, Tagged or Untagged");
    }
  }
  query.tag_ids = ListParam(req, "tagIds");
  OCULA_ASSIGN_OR_RETURN(query.skip, IntParam(req, "skip", 0, 0, INT32_MAX));
  OCULA_ASSIGN_OR_RETURN(query.take, IntParam(req, "take", 50, 0, 256));
  return query;
}

HttpResponse ListImagesWith(CvImageQuery::Tagging tagging, const CustomVisionDeps& deps,
                            const Mount& mount, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto query = ImageQuery(req, tagging);
  if (!query.ok()) return Error(req, query.status());
  auto images = deps.store.ListImages(project->id, *query);
  if (!images.ok()) return Error(req, images.status());
  auto names = TagNames(deps, project->id);
  if (!names.ok()) return Error(req, names.status());
  json out = json::array();
  for (const CvImage& image : *images) out.push_back(ImageJson(mount, image, *names));
  return JsonResponse(out);
}

HttpResponse CountImagesWith(CvImageQuery::Tagging tagging, const CustomVisionDeps& deps,
                             HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto query = ImageQuery(req, tagging);
  if (!query.ok()) return Error(req, query.status());
  auto count = deps.store.CountImages(project->id, *query);
  if (!count.ok()) return Error(req, count.status());
  return JsonResponse(*count);
}

}  // namespace

// POST .../images: multipart parts (or the raw body), tags from ?tagIds.
HttpResponse CreateImagesFromData(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  const std::vector<std::string> tag_ids = ListParam(req, "tagIds");
  std::vector<ImageEntry> entries;
  if (req.LowercaseContentType().rfind("multipart/form-data", 0) == 0) {
    auto boundary = MultipartBoundary(req.Header("content-type").value_or(""));
    if (!boundary.ok()) return Error(req, boundary.status());
    auto parts = ParseMultipart(req.body, *boundary);
    if (!parts.ok()) return Error(req, parts.status());
    for (const MultipartPart& part : *parts) {
      entries.push_back({std::string(part.data), "", tag_ids});
    }
  } else {
    auto body = ImageBody(req);
    if (!body.ok()) return Error(req, body.status());
    entries.push_back({std::string(*body), "", tag_ids});
  }
  return UploadEntries(deps, mount, req, *project, std::move(entries));
}

HttpResponse CreateImagesFromFiles(const CustomVisionDeps& deps, const Mount& mount,
                                   HttpRequest& req) {
  return CreateImagesFromJson(deps, mount, req, false);
}

HttpResponse CreateImagesFromUrls(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req) {
  return CreateImagesFromJson(deps, mount, req, true);
}

// POST .../images/tags {"tags": [{"imageId", "tagId"}]}: tags images of the
// project, or of the gallery (taking them into the project, bytes shared).
HttpResponse CreateImageTags(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  auto pairs = body->find("tags");
  if (pairs == body->end() || !pairs->is_array()) {
    return Error(req, BadRequest("tags must be an array of {imageId, tagId}"));
  }
  std::map<std::string, std::vector<std::string>> tags_of;  // image id -> tag ids
  json created = json::array();
  for (const json& pair : *pairs) {
    if (!pair.is_object() || !pair.value("imageId", json()).is_string() ||
        !pair.value("tagId", json()).is_string()) {
      return Error(req, BadRequest("each entry of tags needs imageId and tagId"));
    }
    auto ids = ImageIds({pair["imageId"].get<std::string>()});
    if (!ids.ok()) return Error(req, ids.status());
    tags_of[ids->front()].push_back(pair["tagId"]);
    created.push_back({{"imageId", mount.ImageIdOut(ids->front())}, {"tagId", pair["tagId"]}});
  }
  if (tags_of.size() > kMaxBatch * 4) {
    return Error(req, BadRequest("too many images in one request", "BadRequestExceededBatchSize"));
  }
  std::vector<CvImage> images;
  for (auto& [id, tag_ids] : tags_of) {
    auto checked = CheckedTagIds(deps, project->id, tag_ids);
    if (!checked.ok()) return Error(req, checked.status());
    auto size = GallerySize(deps, id);
    if (!size.ok()) return Error(req, size.status());
    images.push_back({id, deps.clock.NowMs(), size->first, size->second, *checked});
  }
  if (Status s = deps.store.AddImages(project->id, images); !s.ok()) return Error(req, s);
  return JsonResponse(
      {{"created", created}, {"duplicated", json::array()}, {"exceeded", json::array()}});
}

HttpResponse DeleteImageTags(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto ids = ImageIds(ListParam(req, "imageIds"));
  if (!ids.ok()) return Error(req, ids.status());
  Status s = deps.store.Untag(project->id, *ids, ListParam(req, "tagIds"));
  return s.ok() ? NoContent() : Error(req, s);
}

HttpResponse DeleteImages(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  StatusOr<std::vector<std::string>> ids = req.Query("allImages").value_or("") == "true"
                                               ? AllImageIds(deps, project->id)
                                               : ImageIds(ListParam(req, "imageIds"));
  if (!ids.ok()) return Error(req, ids.status());
  Status s = deps.store.RemoveImages(project->id, *ids);
  return s.ok() ? NoContent() : Error(req, s);
}

// GET .../images/id?imageIds=: those of the project, in the order asked.
HttpResponse GetImagesByIds(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto ids = ImageIds(ListParam(req, "imageIds"));
  if (!ids.ok()) return Error(req, ids.status());
  CvImageQuery query;
  query.take = INT32_MAX;  // a project holds thousands of images at most
  auto images = deps.store.ListImages(project->id, query);
  if (!images.ok()) return Error(req, images.status());
  auto names = TagNames(deps, project->id);
  if (!names.ok()) return Error(req, names.status());
  std::map<std::string, const CvImage*> by_id;
  for (const CvImage& image : *images) by_id[image.image_id] = &image;
  json out = json::array();
  for (const std::string& id : *ids) {
    if (auto it = by_id.find(id); it != by_id.end()) {
      out.push_back(ImageJson(mount, *it->second, *names));
    }
  }
  return JsonResponse(out);
}

HttpResponse ListAllImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  return ListImagesWith(CvImageQuery::Tagging::kAny, deps, mount, req);
}
HttpResponse ListTaggedImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  return ListImagesWith(CvImageQuery::Tagging::kTagged, deps, mount, req);
}
HttpResponse ListUntaggedImages(const CustomVisionDeps& deps, const Mount& mount,
                                HttpRequest& req) {
  return ListImagesWith(CvImageQuery::Tagging::kUntagged, deps, mount, req);
}
HttpResponse CountAllImages(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  return CountImagesWith(CvImageQuery::Tagging::kAny, deps, req);
}
HttpResponse CountTaggedImages(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  return CountImagesWith(CvImageQuery::Tagging::kTagged, deps, req);
}
HttpResponse CountUntaggedImages(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  return CountImagesWith(CvImageQuery::Tagging::kUntagged, deps, req);
}

}  // namespace custom_api
}  // namespace ocula
