// multipart/form-data uploads (src/api/multipart.h). Input: the Content-Type
// header value, a newline, then the body. The Content-Type line also goes to
// DispositionFilename as a Content-Disposition value (single-file uploads
// send one).
//
// Properties checked: no crash, leak or undefined behaviour; every part's
// data lies inside the body; every file name is what DispositionFilename
// promises (last path component, no control characters, at most 255 bytes,
// no surrounding blanks) and valid UTF-8, since it is stored and written into
// JSON documents and error messages; those error responses parse as JSON.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/error_mapping.h"
#include "api/multipart.h"
#include "fuzz_check.h"

namespace {

void CheckFilename(std::string_view name) {
  FUZZ_CHECK(name.size() <= 255);
  FUZZ_CHECK(name.find_first_of("/\\") == std::string_view::npos);
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    FUZZ_CHECK(byte >= 0x20 && byte != 0x7f);
  }
  if (!name.empty()) {
    FUZZ_CHECK(name.front() != ' ' && name.front() != '\t');
    FUZZ_CHECK(name.back() != ' ' && name.back() != '\t');
  }
  FUZZ_CHECK(ocula::fuzz::IsUtf8(name));
  // The upload receipt and the per-file error message carry the name.
  nlohmann::json receipt = {{"filename", std::string(name)}};
  FUZZ_CHECK(ocula::fuzz::IsJson(receipt.dump()));
  ocula::HttpResponse error = ocula::ErrorResponse(
      ocula::InvalidImageFormatError("file '" + std::string(name) + "': not an image"));
  FUZZ_CHECK(error.status == 400 && ocula::fuzz::IsJson(error.body));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  if (newline == std::string_view::npos) newline = input.size();
  std::string_view content_type = input.substr(0, newline);
  // A copy, so that ASan sees reads past the body's end.
  std::string body(input.substr(std::min(input.size(), newline + 1)));

  CheckFilename(ocula::DispositionFilename(content_type));

  auto boundary = ocula::MultipartBoundary(content_type);
  if (!boundary.ok()) {
    FUZZ_CHECK(ocula::fuzz::IsJson(ocula::ErrorResponse(boundary.status()).body));
    return 0;
  }
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
  auto parts = ocula::ParseMultipart(body, *boundary);
  if (!parts.ok()) {
    FUZZ_CHECK(ocula::fuzz::IsJson(ocula::VisionErrorResponse(parts.status()).body));
    return 0;
  }
  const char* begin = body.data();
  const char* end = body.data() + body.size();
  for (const ocula::MultipartPart& part : *parts) {
    FUZZ_CHECK(part.data.empty() || (part.data.data() >= begin && part.data.data() <= end &&
                                     part.data.size() <= size_t(end - part.data.data())));
    CheckFilename(part.filename);
  }
  return 0;
}
