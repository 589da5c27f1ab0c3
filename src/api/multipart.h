// multipart/form-data parsing (RFC 7578) for uploads of one or more files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ocula {

struct MultipartPart {
  std::string name;          // form field name
  std::string filename;      // "" when the part is not a file
  std::string content_type;  // "" when the part gave none
  std::string_view data;     // points into the parsed body
};

// The file name a Content-Disposition header value gives (`filename*=UTF-8''…`
// preferred over `filename="…"`), made safe to store and show: the last path
// component only, control characters and bytes that are not UTF-8 dropped,
// at most 255 bytes (cut at a UTF-8 character boundary). "" when it gives none.
std::string DispositionFilename(std::string_view content_disposition);

// The boundary parameter of a multipart/form-data Content-Type header, or
// InvalidArgument when absent or malformed.
StatusOr<std::string> MultipartBoundary(std::string_view content_type);

// Splits `body` into its parts. InvalidArgument when the body does not follow
// the boundary structure (missing closing delimiter, malformed part headers).
StatusOr<std::vector<MultipartPart>> ParseMultipart(std::string_view body,
                                                    std::string_view boundary);

}  // namespace ocula
