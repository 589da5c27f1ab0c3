// The Custom Vision training contract and Ocula's /v1/custom twin
// (custom_vision_api.h): domains, projects, tags, images, training,
// iterations, performance, publishing, quick tests.
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/custom_vision_internal.h"
#include "api/multipart.h"
#include "core/ids.h"
#include "core/sha256.h"
#include "custom/onnx_export.h"
#include "custom/trainer.h"
#include "custom/training_worker.h"

namespace ocula {
namespace custom_api {
namespace {

using nlohmann::json;

constexpr size_t kMaxBatch = 64;       // images per upload request, as upstream
constexpr uint64_t kDefaultSeed = 42;  // of cross-validation, when none is asked
constexpr char kUnspecified[] = "";    // for optional text parameters

using Op = HttpResponse (*)(const CustomVisionDeps&, const Mount&, HttpRequest&);

HttpResponse JsonResponse(const json& body, int status = 200) {
  return HttpResponse::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

HttpResponse NoContent() {
  HttpResponse response;
  response.status = 204;
  return response;
}

// A text parameter from the query (Custom Vision's way) or the JSON body
// (the web page's); `fallback` when neither has it.
std::string TextParam(const HttpRequest& req, const json& body, const std::string& name,
                      const std::string& fallback = kUnspecified) {
  if (auto q = req.Query(name)) return *q;
  if (auto it = body.find(name); it != body.end() && it->is_string()) return *it;
  return fallback;
}

Status CheckClassificationType(const std::string& type) {
  if (type == "Multiclass" || type == "Multilabel") return absl::OkStatus();
  return BadRequest("classificationType must be Multiclass or Multilabel, not '" + type + "'");
}

// ---- domains ------------------------------------------------------------

json DomainJson() {
  return {{"id", kDomainId},
          {"type", "Classification"},
          {"name", "General (compact) [Ocula]"},
          {"exportable", true},
          {"enabled", true},
          {"exportablePlatforms", json::array({"ONNX"})},
          {"modelInformation",
           {{"description", "MobileNetV2 region features with a softmax head, trained locally"}}}};
}

HttpResponse ListDomains(const CustomVisionDeps&, const Mount&, HttpRequest&) {
  return JsonResponse(json::array({DomainJson()}));
}

HttpResponse GetDomain(const CustomVisionDeps&, const Mount&, HttpRequest& req) {
  if (req.path_params.at("domainId") != kDomainId) {
    return Error(
        req, WithReason(absl::NotFoundError("no domain '" + req.path_params.at("domainId") + "'"),
                        "NotFoundDomain"));
  }
  return JsonResponse(DomainJson());
}

// ---- projects -----------------------------------------------------------

HttpResponse ListProjects(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto projects = deps.store.ListProjects();
  if (!projects.ok()) return Error(req, projects.status());
  json out = json::array();
  for (const CvProject& p : *projects) out.push_back(ProjectJson(p));
  return JsonResponse(out);
}

HttpResponse CreateProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvProject p;
  p.id = NewUuid();
  p.name = TextParam(req, *body, "name");
  p.description = TextParam(req, *body, "description");
  p.classification_type = TextParam(req, *body, "classificationType", "Multiclass");
  p.created_ms = p.updated_ms = deps.clock.NowMs();
  if (p.name.empty()) return Error(req, BadRequest("name is required", "BadRequestProjectName"));
  if (Status s = CheckClassificationType(p.classification_type); !s.ok()) return Error(req, s);
  if (std::string domain = TextParam(req, *body, "domainId");
      !domain.empty() && domain != kDomainId) {
    return Error(
        req, WithReason(absl::NotFoundError(absl::StrCat("no domain '", domain,
                                                         "'; Ocula's one domain is ", kDomainId)),
                        "NotFoundDomain"));
  }
  Status created = deps.store.CreateProject(p);
  if (created.code() == StatusCode::kAlreadyExists) {
    created = WithReason(created, "BadRequestProjectNameNotUnique");
  }
  if (!created.ok()) return Error(req, created);
  return JsonResponse(ProjectJson(p));
}

HttpResponse GetProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  return JsonResponse(ProjectJson(*project));
}

HttpResponse UpdateProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvProject p = *project;
  p.name = body->value("name", p.name);
  p.description = body->value("description", p.description);
  if (auto settings = body->find("settings"); settings != body->end() && settings->is_object()) {
    p.classification_type = settings->value("classificationType", p.classification_type);
  }
  p.updated_ms = deps.clock.NowMs();
  if (p.name.empty()) return Error(req, BadRequest("name is required", "BadRequestProjectName"));
  if (Status s = CheckClassificationType(p.classification_type); !s.ok()) return Error(req, s);
  Status updated = deps.store.UpdateProject(p);
  if (updated.code() == StatusCode::kAlreadyExists) {
    updated = WithReason(updated, "BadRequestProjectNameNotUnique");
  }
  if (!updated.ok()) return Error(req, updated);
  return JsonResponse(ProjectJson(p));
}

HttpResponse DeleteProject(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto heads = deps.store.DeleteProject(project->id);
  if (!heads.ok()) return Error(req, heads.status());
  // The rows are gone; a head blob left by a failed delete is never read.
  for (const std::string& key : *heads) (void)deps.blobs.Delete(key);
  return NoContent();
}

// ---- tags ---------------------------------------------------------------

StatusOr<CvTag> FindTag(const CustomVisionDeps& deps, const HttpRequest& req) {
  OCULA_RETURN_IF_ERROR(FindProject(deps, req).status());
  auto tag = deps.store.GetTag(req.path_params.at("projectId"), req.path_params.at("tagId"));
  if (tag.status().code() == StatusCode::kNotFound) return WithReason(tag.status(), "NotFoundTag");
  return tag;
}

Status CheckTagType(const std::string& type) {
  if (type == "Regular" || type == "Negative") return absl::OkStatus();
  return BadRequest("type must be Regular or Negative, not '" + type + "'", "BadRequestTagType");
}

HttpResponse ListTags(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto tags = deps.store.ListTags(project->id);
  if (!tags.ok()) return Error(req, tags.status());
  json out = json::array();
  for (const CvTag& t : *tags) out.push_back(TagJson(t));
  return JsonResponse(out);
}

HttpResponse CreateTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvTag tag;
  tag.id = NewUuid();
  tag.project_id = project->id;
  tag.name = TextParam(req, *body, "name");
  tag.description = TextParam(req, *body, "description");
  tag.type = TextParam(req, *body, "type", "Regular");
  tag.created_ms = deps.clock.NowMs();
  if (tag.name.empty()) return Error(req, BadRequest("name is required", "BadRequestTagName"));
  if (Status s = CheckTagType(tag.type); !s.ok()) return Error(req, s);
  Status created = deps.store.CreateTag(tag);
  if (created.code() == StatusCode::kAlreadyExists) {
    created = WithReason(created, "BadRequestTagNameNotUnique");
  }
  if (!created.ok()) return Error(req, created);
  return JsonResponse(TagJson(tag));
}

HttpResponse GetTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto tag = FindTag(deps, req);
  if (!tag.ok()) return Error(req, tag.status());
  return JsonResponse(TagJson(*tag));
}

HttpResponse UpdateTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto tag = FindTag(deps, req);
  if (!tag.ok()) return Error(req, tag.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  CvTag t = *tag;
  t.name = body->value("name", t.name);
  t.description = body->value("description", t.description);
  t.type = body->value("type", t.type);
  if (t.name.empty()) return Error(req, BadRequest("name is required", "BadRequestTagName"));
  if (Status s = CheckTagType(t.type); !s.ok()) return Error(req, s);
  Status updated = deps.store.UpdateTag(t);
  if (updated.code() == StatusCode::kAlreadyExists) {
    updated = WithReason(updated, "BadRequestTagNameNotUnique");
  }
  if (!updated.ok()) return Error(req, updated);
  return JsonResponse(TagJson(t));
}

HttpResponse DeleteTag(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto tag = FindTag(deps, req);
  if (!tag.ok()) return Error(req, tag.status());
  if (Status s = deps.store.DeleteTag(tag->project_id, tag->id); !s.ok()) return Error(req, s);
  return NoContent();
}

// ---- images -------------------------------------------------------------

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

HttpResponse CreateImagesFromFiles(const CustomVisionDeps& deps, const Mount& mount,
                                   HttpRequest& req) {
  return CreateImagesFromJson(deps, mount, req, false);
}

HttpResponse CreateImagesFromUrls(const CustomVisionDeps& deps, const Mount& mount,
                                  HttpRequest& req) {
  return CreateImagesFromJson(deps, mount, req, true);
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

// Every image id of the project.
StatusOr<std::vector<std::string>> AllImageIds(const CustomVisionDeps& deps,
                                               const std::string& project_id) {
  std::vector<std::string> ids;
  CvImageQuery query;
  query.take = 1000;
  while (true) {
    OCULA_ASSIGN_OR_RETURN(auto page, deps.store.ListImages(project_id, query));
    for (const CvImage& image : page) ids.push_back(image.image_id);
    if (static_cast<int64_t>(page.size()) < query.take) return ids;
    query.skip += query.take;
  }
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

template <CvImageQuery::Tagging kTagging>
HttpResponse ListImages(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto query = ImageQuery(req, kTagging);
  if (!query.ok()) return Error(req, query.status());
  auto images = deps.store.ListImages(project->id, *query);
  if (!images.ok()) return Error(req, images.status());
  auto names = TagNames(deps, project->id);
  if (!names.ok()) return Error(req, names.status());
  json out = json::array();
  for (const CvImage& image : *images) out.push_back(ImageJson(mount, image, *names));
  return JsonResponse(out);
}

template <CvImageQuery::Tagging kTagging>
HttpResponse CountImages(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto query = ImageQuery(req, kTagging);
  if (!query.ok()) return Error(req, query.status());
  auto count = deps.store.CountImages(project->id, *query);
  if (!count.ok()) return Error(req, count.status());
  return JsonResponse(*count);
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

// ---- training and iterations --------------------------------------------

HttpResponse Train(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto tags = deps.store.ListTags(project->id);
  if (!tags.ok()) return Error(req, tags.status());
  if (Status s = CheckTrainable(*tags, project->classification_type); !s.ok()) {
    return Error(req, WithReason(s, "BadRequestTrainingValidationFailed"));
  }
  auto seed = IntParam(req, "seed", kDefaultSeed, 0, INT64_MAX);
  if (!seed.ok()) return Error(req, seed.status());
  auto existing = deps.store.ListIterations(project->id);
  if (!existing.ok()) return Error(req, existing.status());
  CvIteration it;
  it.id = NewUuid();
  it.project_id = project->id;
  it.name = absl::StrCat("Iteration ", existing->size() + 1);
  it.classification_type = project->classification_type;
  it.created_ms = it.updated_ms = deps.clock.NowMs();
  it.seed = static_cast<uint64_t>(*seed);
  Status created = deps.store.CreateIteration(it);
  if (created.code() == StatusCode::kFailedPrecondition) {
    created = WithReason(created, "BadRequestTrainingAlreadyInProgress");
  }
  if (!created.ok()) return Error(req, created);
  if (deps.on_training_requested) deps.on_training_requested();
  return JsonResponse(IterationJson(it));
}

HttpResponse ListIterations(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto project = FindProject(deps, req);
  if (!project.ok()) return Error(req, project.status());
  auto iterations = deps.store.ListIterations(project->id);
  if (!iterations.ok()) return Error(req, iterations.status());
  json out = json::array();
  for (const CvIteration& it : *iterations) out.push_back(IterationJson(it));
  return JsonResponse(out);
}

HttpResponse GetIteration(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  return JsonResponse(IterationJson(*iteration));
}

HttpResponse UpdateIteration(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  auto body = JsonBody(req);
  if (!body.ok()) return Error(req, body.status());
  std::string name = body->value("name", iteration->name);
  if (name.empty()) return Error(req, BadRequest("name is required", "BadRequestIterationName"));
  if (Status s = deps.store.RenameIteration(iteration->project_id, iteration->id, name); !s.ok()) {
    return Error(req, s);
  }
  iteration->name = name;
  return JsonResponse(IterationJson(*iteration));
}

HttpResponse DeleteIteration(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  Status s = deps.store.DeleteIteration(iteration->project_id, iteration->id);
  if (s.code() == StatusCode::kFailedPrecondition) {
    s = WithReason(
        s, iteration->publish_name.empty() ? "BadRequest" : "BadRequestIterationIsPublished");
  }
  if (!s.ok()) return Error(req, s);
  if (!iteration->head_blob_key.empty()) (void)deps.blobs.Delete(iteration->head_blob_key);
  return NoContent();
}

// GET .../performance?threshold=: Custom Vision's figures (and Ocula's
// accuracy, confusion matrix and folds) at the threshold asked for.
HttpResponse GetPerformance(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  if (iteration->status != "Completed") {
    return Error(req, WithReason(absl::NotFoundError("iteration " + iteration->id + " is " +
                                                     iteration->status + "; no figures yet"),
                                 "NotFoundIterationPerformance"));
  }
  float threshold = kPerformanceThreshold;
  if (auto text = req.Query("threshold")) {
    char* end = nullptr;
    threshold = std::strtof(text->c_str(), &end);
    if (text->empty() || *end != '\0' || !(threshold >= 0 && threshold <= 1)) {
      return Error(req, BadRequest("threshold must be a number from 0 to 1"));
    }
  }
  auto doc = PerformanceAt(iteration->performance_json, threshold);
  if (!doc.ok()) return Error(req, doc.status());
  json stored = json::parse(*doc);
  json per_tag = json::array();
  for (const json& tag : stored["perTag"]) {
    per_tag.push_back({{"id", tag["id"]},
                       {"name", tag["name"]},
                       {"precision", tag["precision"]},
                       {"precisionStdDeviation", 0},
                       {"recall", tag["recall"]},
                       {"recallStdDeviation", 0},
                       {"averagePrecision", tag["averagePrecision"]},
                       {"imageCount", tag["imageCount"]}});
  }
  return JsonResponse({{"perTagPerformance", per_tag},
                       {"precision", stored["precision"]},
                       {"precisionStdDeviation", 0},
                       {"recall", stored["recall"]},
                       {"recallStdDeviation", 0},
                       {"averagePrecision", stored["averagePrecision"]},
                       {"accuracy", stored["accuracy"]},
                       {"threshold", threshold},
                       {"folds", stored["folds"]},
                       {"confusion", stored["confusion"]}});
}

HttpResponse Publish(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  const std::string name = req.Query("publishName").value_or("");
  const std::string target = req.Query("predictionId").value_or("");
  if (name.empty())
    return Error(req, BadRequest("publishName is required", "BadRequestInvalidPublishName"));
  if (target.empty()) {
    return Error(req, BadRequest("predictionId is required (any non-empty value: Ocula serves "
                                 "predictions itself)",
                                 "BadRequestInvalidPublishTarget"));
  }
  if (req.Query("overwrite").value_or("") == "true") {
    auto holder = deps.store.GetPublished(iteration->project_id, name);
    if (holder.ok() && holder->id != iteration->id) {
      if (Status s = deps.store.Unpublish(holder->project_id, holder->id); !s.ok()) {
        return Error(req, s);
      }
    }
  }
  Status s =
      deps.store.Publish(iteration->project_id, iteration->id, name, target, deps.clock.NowMs());
  if (s.code() == StatusCode::kAlreadyExists) s = WithReason(s, "BadRequestInvalidPublishName");
  if (s.code() == StatusCode::kFailedPrecondition)
    s = WithReason(s, "BadRequestIterationNotPublished");
  if (!s.ok()) return Error(req, s);
  return JsonResponse(true);
}

HttpResponse Unpublish(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  Status s = deps.store.Unpublish(iteration->project_id, iteration->id);
  return s.ok() ? NoContent() : Error(req, s);
}

// ---- export ------------------------------------------------------------------

// Ocula exports to ONNX only, and at once: the file is built when it is
// downloaded (from the backbone and the iteration's head), so every export
// of a Completed iteration is "Done".
json ExportJson(const CvIteration& iteration, const HttpRequest& req, const Mount& mount,
                const std::string& scheme) {
  const std::string uri = absl::StrCat(scheme, "://", req.Header("host").value_or("localhost"),
                                       mount.prefix, "/projects/", iteration.project_id,
                                       "/iterations/", iteration.id, "/export/model.onnx");
  return {{"platform", "ONNX"},
          {"status", "Done"},
          {"downloadUri", uri},
          {"flavor", nullptr},
          {"newerVersionAvailable", false}};
}

StatusOr<CvIteration> ExportableIteration(const CustomVisionDeps& deps, const HttpRequest& req) {
  OCULA_ASSIGN_OR_RETURN(CvIteration iteration, FindIteration(deps, req));
  if (iteration.status != "Completed") {
    return BadRequest("iteration " + iteration.id + " is " + iteration.status +
                          "; only Completed iterations export",
                      "BadRequestExportValidationFailed");
  }
  return iteration;
}

HttpResponse ExportIteration(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  auto iteration = ExportableIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  const std::string platform = req.Query("platform").value_or("");
  if (platform != "ONNX") {
    return Error(req, BadRequest("platform '" + platform + "' is not supported; Ocula exports ONNX",
                                 "BadRequestNotSupported"));
  }
  return JsonResponse(ExportJson(*iteration, req, mount, deps.scheme));
}

HttpResponse ListExports(const CustomVisionDeps& deps, const Mount& mount, HttpRequest& req) {
  auto iteration = FindIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  json out = json::array();
  if (iteration->status == "Completed") {
    out.push_back(ExportJson(*iteration, req, mount, deps.scheme));
  }
  return JsonResponse(out);
}

HttpResponse DownloadExport(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  auto iteration = ExportableIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  auto head = deps.predictor.Head(*iteration);
  if (!head.ok()) return Error(req, head.status());
  auto model = ExportOnnx(deps.model_dir, **head);
  if (!model.ok()) return Error(req, model.status());
  HttpResponse response;
  response.content_type = "application/octet-stream";
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + iteration->id + ".onnx\"");
  response.body = std::move(*model);
  return response;
}

// ---- quick tests ----------------------------------------------------------

// The iteration of ?iterationId=, else the project's newest Completed one.
StatusOr<CvIteration> QuickTestIteration(const CustomVisionDeps& deps, const HttpRequest& req) {
  OCULA_ASSIGN_OR_RETURN(CvProject project, FindProject(deps, req));
  OCULA_ASSIGN_OR_RETURN(auto iterations, deps.store.ListIterations(project.id));
  const std::string wanted = req.Query("iterationId").value_or("");
  for (auto it = iterations.rbegin(); it != iterations.rend(); ++it) {
    if (wanted.empty() ? it->status == "Completed" : it->id == wanted) return *it;
  }
  return WithReason(absl::NotFoundError(wanted.empty() ? "the project has no Completed iteration"
                                                       : "no iteration '" + wanted + "'"),
                    "NotFoundIteration");
}

HttpResponse QuickTest(const CustomVisionDeps& deps, HttpRequest& req, bool url) {
  auto iteration = QuickTestIteration(deps, req);
  if (!iteration.ok()) return Error(req, iteration.status());
  std::string bytes;
  if (url) {
    auto address = ImageUrlFromJson(req.body);
    if (!address.ok()) return Error(req, address.status());
    auto fetched = FetchUrl(*address, deps.url_fetch);
    if (!fetched.ok()) return Error(req, fetched.status());
    bytes = std::move(fetched->bytes);
  } else {
    auto body = ImageBody(req);
    if (!body.ok()) return Error(req, body.status());
    bytes = std::string(*body);
  }
  auto predictions = PredictBytes(deps, *iteration, bytes);
  if (!predictions.ok()) return Error(req, predictions.status());
  return JsonResponse(PredictionJson(NewUuid(), *iteration, *predictions, deps.clock.NowMs()));
}

HttpResponse QuickTestImage(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  return QuickTest(deps, req, false);
}

HttpResponse QuickTestUrl(const CustomVisionDeps& deps, const Mount&, HttpRequest& req) {
  return QuickTest(deps, req, true);
}

// ---- the table ------------------------------------------------------------

struct TrainingRoute {
  const char* method;
  const char* path;  // below the mount's prefix
  RunOn run_on;
  Op op;
};

using T = CvImageQuery::Tagging;
constexpr RunOn kStorage = RunOn::kStoragePool;
constexpr RunOn kBlocking = RunOn::kBlockingPool;

// Literal paths before the placeholders they could be taken for.
constexpr TrainingRoute kTrainingRoutes[] = {
    {"GET", "/domains", RunOn::kIoThread, ListDomains},
    {"GET", "/domains/{domainId}", RunOn::kIoThread, GetDomain},
    {"GET", "/projects", kStorage, ListProjects},
    {"POST", "/projects", kStorage, CreateProject},
    {"GET", "/projects/{projectId}", kStorage, GetProject},
    {"PATCH", "/projects/{projectId}", kStorage, UpdateProject},
    {"DELETE", "/projects/{projectId}", kStorage, DeleteProject},
    {"GET", "/projects/{projectId}/tags", kStorage, ListTags},
    {"POST", "/projects/{projectId}/tags", kStorage, CreateTag},
    {"GET", "/projects/{projectId}/tags/{tagId}", kStorage, GetTag},
    {"PATCH", "/projects/{projectId}/tags/{tagId}", kStorage, UpdateTag},
    {"DELETE", "/projects/{projectId}/tags/{tagId}", kStorage, DeleteTag},
    {"GET", "/projects/{projectId}/images", kStorage, ListImages<T::kAny>},
    {"POST", "/projects/{projectId}/images", kStorage, CreateImagesFromData},
    {"DELETE", "/projects/{projectId}/images", kStorage, DeleteImages},
    {"GET", "/projects/{projectId}/images/count", kStorage, CountImages<T::kAny>},
    {"GET", "/projects/{projectId}/images/id", kStorage, GetImagesByIds},
    {"POST", "/projects/{projectId}/images/files", kStorage, CreateImagesFromFiles},
    {"POST", "/projects/{projectId}/images/urls", kBlocking, CreateImagesFromUrls},
    {"POST", "/projects/{projectId}/images/tags", kStorage, CreateImageTags},
    {"DELETE", "/projects/{projectId}/images/tags", kStorage, DeleteImageTags},
    {"POST", "/projects/{projectId}/images/suggested", kBlocking, QuerySuggestedImages},
    {"POST", "/projects/{projectId}/images/suggested/count", kBlocking, QuerySuggestedImageCount},
    {"GET", "/projects/{projectId}/images/tagged", kStorage, ListImages<T::kTagged>},
    {"GET", "/projects/{projectId}/images/tagged/count", kStorage, CountImages<T::kTagged>},
    {"GET", "/projects/{projectId}/images/untagged", kStorage, ListImages<T::kUntagged>},
    {"GET", "/projects/{projectId}/images/untagged/count", kStorage, CountImages<T::kUntagged>},
    {"POST", "/projects/{projectId}/tagsandregions/suggestions", kBlocking, SuggestTagsAndRegions},
    {"POST", "/projects/{projectId}/train", kStorage, Train},
    {"GET", "/projects/{projectId}/iterations", kStorage, ListIterations},
    {"GET", "/projects/{projectId}/iterations/{iterationId}", kStorage, GetIteration},
    {"PATCH", "/projects/{projectId}/iterations/{iterationId}", kStorage, UpdateIteration},
    {"DELETE", "/projects/{projectId}/iterations/{iterationId}", kStorage, DeleteIteration},
    {"GET", "/projects/{projectId}/iterations/{iterationId}/performance", kStorage, GetPerformance},
    {"POST", "/projects/{projectId}/iterations/{iterationId}/publish", kStorage, Publish},
    {"DELETE", "/projects/{projectId}/iterations/{iterationId}/publish", kStorage, Unpublish},
    {"GET", "/projects/{projectId}/iterations/{iterationId}/export", kStorage, ListExports},
    {"POST", "/projects/{projectId}/iterations/{iterationId}/export", kStorage, ExportIteration},
    {"GET", "/projects/{projectId}/iterations/{iterationId}/export/model.onnx", kBlocking,
     DownloadExport},
    {"POST", "/projects/{projectId}/quicktest/image", kBlocking, QuickTestImage},
    {"POST", "/projects/{projectId}/quicktest/url", kBlocking, QuickTestUrl},
};

}  // namespace

void AddTrainingRoutes(Router& router, const CustomVisionDeps& deps) {
  const Mount mounts[] = {{"/customvision/v3.3/training", false},
                          {"/customvision/v3.4-preview/training", false},
                          {"/v1/custom", true}};
  const RouteAccess access = RouteAccess::Needs(Scope::kTraining);
  for (const Mount& mount : mounts) {
    for (const TrainingRoute& route : kTrainingRoutes) {
      Handler handler = [&deps, mount, op = route.op](HttpRequest& req) {
        return op(deps, mount, req);
      };
      const std::string pattern = mount.prefix + route.path;
      switch (route.run_on) {
        case RunOn::kIoThread:
          router.Add(route.method, pattern, access, handler);
          break;
        case RunOn::kStoragePool:
          router.AddStorage(route.method, pattern, access, handler);
          break;
        case RunOn::kBlockingPool:
          router.AddBlocking(route.method, pattern, access, handler);
          break;
      }
    }
  }
}

}  // namespace custom_api

void AddCustomVisionRoutes(Router& router, const CustomVisionDeps& deps) {
  custom_api::AddTrainingRoutes(router, deps);
  custom_api::AddPipelineRoutes(router, deps);
  custom_api::AddPredictionRoutes(router, deps);
}

}  // namespace ocula
