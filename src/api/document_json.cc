#include <nlohmann/json.hpp>

#include "api/api.h"
#include "core/clock.h"

namespace ocula {
namespace {

using nlohmann::json;

json Receipt(const ImageRecord& image) {
  json receipt = {{"id", image.id},
                  {"status", ToString(image.status)},
                  {"sha256", image.sha256},
                  {"size", image.size},
                  {"contentType", image.content_type},
                  {"createdAt", FormatRfc3339(image.created_ms)}};
  if (!image.filename.empty()) receipt["filename"] = image.filename;
  return receipt;
}

}  // namespace

std::string UploadReceiptJson(const ImageRecord& image) { return Receipt(image).dump(); }

std::string ImageDocumentJson(const ImageRecord& image) {
  json doc = Receipt(image);
  doc["updatedAt"] = FormatRfc3339(image.updated_ms);
  doc["links"] = {{"self", "/v1/images/" + image.id},
                  {"content", "/v1/images/" + image.id + "/content"}};
  if (!image.pipeline_version.empty()) doc["pipelineVersion"] = image.pipeline_version;
  std::string out = doc.dump();
  // The stored JSON texts were written by Ocula's own dumps (analyzer,
  // worker), so they are appended as they are: parsing and writing them
  // again was the largest part of a GET's CPU in user space.
  out.pop_back();  // the closing '}'
  for (const auto& [key, text] : {std::pair{"metadata", &image.metadata_json},
                                  std::pair{"analysis", &image.analysis_json},
                                  std::pair{"error", &image.error_json}}) {
    if (!text->empty()) out.append(",\"").append(key).append("\":").append(*text);
  }
  out.push_back('}');
  return out;
}

}  // namespace ocula
