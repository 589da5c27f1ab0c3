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

// Stored JSON text -> value; stored text is ours, so a parse failure is a bug
// worth surfacing rather than hiding.
json Parsed(const std::string& text) {
  return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string UploadReceiptJson(const ImageRecord& image) { return Receipt(image).dump(); }

std::string ImageDocumentJson(const ImageRecord& image) {
  json doc = Receipt(image);
  doc["updatedAt"] = FormatRfc3339(image.updated_ms);
  doc["links"] = {{"self", "/v1/images/" + image.id},
                  {"content", "/v1/images/" + image.id + "/content"}};
  if (!image.metadata_json.empty()) doc["metadata"] = Parsed(image.metadata_json);
  if (!image.analysis_json.empty()) doc["analysis"] = Parsed(image.analysis_json);
  if (!image.error_json.empty()) doc["error"] = Parsed(image.error_json);
  if (!image.pipeline_version.empty()) doc["pipelineVersion"] = image.pipeline_version;
  return doc.dump();
}

}  // namespace ocula
