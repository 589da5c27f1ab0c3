#include "events/blob_created.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/clock.h"
#include "nlohmann/json.hpp"

namespace ocula {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kTopic = "/ocula/blobstores/default";
constexpr std::string_view kSubjectPrefix = "/blobServices/default/containers/images/blobs/";
constexpr std::string_view kEventType = "Microsoft.Storage.BlobCreated";
constexpr std::string_view kUrlPrefix = "ocula://images/";

Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed BlobCreated event: ", AbslView(what)));
}

// "0x" and the first 16 hex digits of the content hash, upper case: it
// changes when the bytes do, like a storage eTag.
std::string BlobETag(const std::string& sha256) {
  if (sha256.empty()) return "0x0";
  return absl::StrCat("0x", absl::AsciiStrToUpper(sha256.substr(0, 16)));
}

// Parses "YYYY-MM-DDTHH:MM:SS[.fff...]Z" (UTC, as FormatRfc3339 writes).
StatusOr<int64_t> ParseRfc3339Ms(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return Malformed(absl::StrCat("bad eventTime '", text, "'"));
  }
  int64_t ms = 0;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    int64_t scale = 100;
    for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
      ms += (text[pos] - '0') * scale;
      scale /= 10;
    }
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') {
    return Malformed(absl::StrCat("eventTime '", text, "' is not UTC ('Z')"));
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

StatusOr<std::string> StringField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Malformed(absl::StrCat("missing string '", name, "'"));
  }
  return it->get<std::string>();
}

StatusOr<BlobCreated> ParseEvent(const Json& event) {
  if (!event.is_object()) return Malformed("not a JSON object");
  OCULA_ASSIGN_OR_RETURN(std::string type, StringField(event, "eventType"));
  if (type != kEventType) return Malformed(absl::StrCat("eventType is '", type, "'"));
  BlobCreated out;
  OCULA_ASSIGN_OR_RETURN(out.event_id, StringField(event, "id"));
  OCULA_ASSIGN_OR_RETURN(std::string subject, StringField(event, "subject"));
  if (!std::string_view(subject).starts_with(kSubjectPrefix)) {
    return Malformed(absl::StrCat("unexpected subject '", subject, "'"));
  }
  out.blob_key = subject.substr(kSubjectPrefix.size());
  OCULA_ASSIGN_OR_RETURN(std::string time, StringField(event, "eventTime"));
  OCULA_ASSIGN_OR_RETURN(out.time_ms, ParseRfc3339Ms(time));

  auto data = event.find("data");
  if (data == event.end() || !data->is_object()) return Malformed("missing 'data'");
  OCULA_ASSIGN_OR_RETURN(out.content_type, StringField(*data, "contentType"));
  OCULA_ASSIGN_OR_RETURN(out.request_id, StringField(*data, "requestId"));
  auto length = data->find("contentLength");
  if (length == data->end() || !length->is_number_unsigned()) {
    return Malformed("missing 'data.contentLength'");
  }
  out.size = length->get<uint64_t>();

  auto ext = event.find("ocula");
  if (ext == event.end() || !ext->is_object()) return Malformed("missing 'ocula'");
  OCULA_ASSIGN_OR_RETURN(out.image_id, StringField(*ext, "imageId"));
  if (ext->contains("sha256")) {
    OCULA_ASSIGN_OR_RETURN(out.sha256, StringField(*ext, "sha256"));
  }
  return out;
}

}  // namespace

std::string MakeBlobCreatedPayload(const BlobCreated& event) {
  Json data = {
      {"api", "PutBlob"},
      {"clientRequestId", event.request_id},
      {"requestId", event.request_id},
      {"eTag", BlobETag(event.sha256)},
      {"contentType", event.content_type},
      {"contentLength", event.size},
      {"blobType", "BlockBlob"},
      {"url", absl::StrCat(AbslView(kUrlPrefix), event.image_id)},
      // Later uploads of the same key have later times, so this compares as
      // a string in upload order, as the contract asks.
      {"sequencer", absl::StrFormat("%016x%016x", event.time_ms, 0)},
  };
  Json out = {
      {"topic", kTopic},
      {"subject", absl::StrCat(AbslView(kSubjectPrefix), event.blob_key)},
      {"eventType", kEventType},
      {"eventTime", FormatRfc3339(event.time_ms)},
      {"id", event.event_id},
      {"data", std::move(data)},
      {"dataVersion", ""},
      {"metadataVersion", "1"},
      {"ocula", {{"imageId", event.image_id}, {"sha256", event.sha256}}},
  };
  return out.dump();
}

StatusOr<BlobCreated> ParseBlobCreatedPayload(std::string_view payload) {
  Json event = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded()) return Malformed("not valid JSON");
  try {
    return ParseEvent(event);
  } catch (const Json::exception& e) {  // defensive: ParseEvent checks types first
    return Malformed(e.what());
  }
}

}  // namespace ocula
