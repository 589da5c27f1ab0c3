// JSON read from clients and written to them. The first byte picks the case:
//   0  a /vision request body {"url": ...} (ImageUrlFromJson, url_fetcher.h)
//   1  a BlobCreated event payload (events/blob_created.h): when it parses,
//      writing it again and reading that back gives the same event
//   2  the image document round trip (api.h ImageDocumentJson and
//      UploadReceiptJson): a record whose uploader-controlled fields (file
//      name via DispositionFilename, size, times, status) come from the input
//      is written, parsed back, and must hold the same values
//   3  error envelopes (error_mapping.h) around arbitrary messages and
//      reasons: both must be valid JSON
//
// Properties checked: no crash, leak or undefined behaviour, and the round
// trips above.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "api/api.h"
#include "api/error_mapping.h"
#include "api/multipart.h"
#include "api/url_fetcher.h"
#include "events/blob_created.h"
#include "fuzz_check.h"

namespace {

using nlohmann::json;

void VisionBody(const std::string& body) {
  auto url = ocula::ImageUrlFromJson(body);
  if (!url.ok()) {
    FUZZ_CHECK(ocula::ReasonOf(url.status()) == ocula::reason::kInvalidImageUrl);
    FUZZ_CHECK(ocula::fuzz::IsJson(ocula::VisionErrorResponse(url.status()).body));
    return;
  }
  FUZZ_CHECK(ocula::fuzz::IsUtf8(*url));
  (void)ocula::IsNonPublicAddress(*url);
}

void BlobCreatedRoundTrip(const std::string& payload) {
  auto event = ocula::ParseBlobCreatedPayload(payload);
  if (!event.ok()) return;
  std::string again = ocula::MakeBlobCreatedPayload(*event);
  FUZZ_CHECK(ocula::fuzz::IsJson(again));
  auto back = ocula::ParseBlobCreatedPayload(again);
  if (!back.ok()) std::fprintf(stderr, "%s\n%s\n", again.c_str(), back.status().ToString().c_str());
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->event_id == event->event_id && back->image_id == event->image_id &&
             back->blob_key == event->blob_key && back->content_type == event->content_type &&
             back->sha256 == event->sha256 && back->request_id == event->request_id &&
             back->size == event->size && back->time_ms == event->time_ms);
}

void DocumentRoundTrip(FuzzedDataProvider& in) {
  ocula::ImageRecord image;
  image.id = "01J0Z3QK5C8V4W2X9Y7N6M5P4R";
  image.status = in.PickValueInArray({ocula::ImageStatus::kPending, ocula::ImageStatus::kProcessing,
                                      ocula::ImageStatus::kDone, ocula::ImageStatus::kFailed});
  image.content_type = "image/jpeg";
  image.sha256 = std::string(64, 'a');
  image.size = in.ConsumeIntegral<uint64_t>();
  // Years 1970 to 9999, as the clock can produce them.
  image.created_ms = in.ConsumeIntegralInRange<int64_t>(0, 253402300799999);
  image.updated_ms = in.ConsumeIntegralInRange<int64_t>(0, 253402300799999);
  image.filename = ocula::DispositionFilename(in.ConsumeRandomLengthString(600));
  if (in.ConsumeBool()) {
    image.metadata_json = json{{"width", 640}, {"height", 480}, {"format", "Jpeg"}}.dump();
  }
  if (in.ConsumeBool()) image.error_json = R"({"code":"InvalidImageFormat","message":"x"})";

  json doc = json::parse(ocula::ImageDocumentJson(image), nullptr, false);
  FUZZ_CHECK(doc.is_object());
  FUZZ_CHECK(doc["id"] == image.id);
  FUZZ_CHECK(doc["status"] == std::string(ocula::ToString(image.status)));
  FUZZ_CHECK(doc["size"] == image.size);
  FUZZ_CHECK(doc.contains("filename") == !image.filename.empty());
  if (!image.filename.empty()) FUZZ_CHECK(doc["filename"] == image.filename);
  FUZZ_CHECK(!image.metadata_json.empty() == doc.contains("metadata"));
  json receipt = json::parse(ocula::UploadReceiptJson(image), nullptr, false);
  FUZZ_CHECK(receipt.is_object() && receipt["id"] == image.id);
  FUZZ_CHECK(ocula::fuzz::IsJson(json(receipt["createdAt"]).dump()));
}

void ErrorEnvelopes(FuzzedDataProvider& in) {
  auto code = static_cast<absl::StatusCode>(in.ConsumeIntegralInRange<int>(1, 16));
  std::string reason = in.ConsumeRandomLengthString(40);
  std::string message = in.ConsumeRemainingBytesAsString();
  ocula::Status status = ocula::WithReason(ocula::Status(code, message), reason);
  ocula::HttpResponse v1 = ocula::ErrorResponse(status);
  ocula::HttpResponse vision = ocula::VisionErrorResponse(status);
  FUZZ_CHECK(v1.status >= 400 && v1.status <= 599 && ocula::fuzz::IsJson(v1.body));
  FUZZ_CHECK(vision.status >= 400 && vision.status <= 599 && ocula::fuzz::IsJson(vision.body));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      VisionBody(in.ConsumeRemainingBytesAsString());
      break;
    case 1:
      BlobCreatedRoundTrip(in.ConsumeRemainingBytesAsString());
      break;
    case 2:
      DocumentRoundTrip(in);
      break;
    case 3:
      ErrorEnvelopes(in);
      break;
  }
  return 0;
}
