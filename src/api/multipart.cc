#include "api/multipart.h"

#include <algorithm>
#include <cctype>

#include "core/uri.h"

namespace ocula {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Value of `param` in a header like: form-data; name="file"; filename="a.jpg"
std::string HeaderParam(std::string_view header, std::string_view param) {
  std::string lower = Lower(header);
  std::string key = std::string(param) + "=";
  size_t pos = 0;
  while ((pos = lower.find(key, pos)) != std::string::npos) {
    bool at_boundary = pos == 0 || lower[pos - 1] == ';' || lower[pos - 1] == ' ';
    pos += key.size();
    if (!at_boundary) continue;
    if (pos < header.size() && header[pos] == '"') {
      size_t end = header.find('"', pos + 1);
      if (end == std::string_view::npos) return "";
      return std::string(header.substr(pos + 1, end - pos - 1));
    }
    size_t end = header.find(';', pos);
    return std::string(Trim(header.substr(pos, end == std::string_view::npos ? end : end - pos)));
  }
  return "";
}

// The length of the well-formed UTF-8 sequence `s` starts with (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 when it does
// not start with one.
size_t Utf8SequenceLength(std::string_view s) {
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto tail = [&](size_t i) { return i < s.size() && (at(i) & 0xC0) == 0x80; };
  unsigned char c = at(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return tail(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!tail(1) || !tail(2)) return 0;
    if (c == 0xE0 && at(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && at(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!tail(1) || !tail(2) || !tail(3)) return 0;
    if (c == 0xF0 && at(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && at(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// `name` reduced to what is safe to store and show (see DispositionFilename).
std::string SafeFilename(std::string_view name) {
  constexpr size_t kMaxFilenameBytes = 255;
  if (size_t slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  // The name ends up in JSON documents, events and logs: bytes that are not
  // UTF-8 are dropped (nlohmann::json refuses to write them).
  std::string out;
  for (size_t i = 0; i < name.size();) {
    size_t length = Utf8SequenceLength(name.substr(i));
    auto byte = static_cast<unsigned char>(name[i]);
    if (length > 1 || (length == 1 && byte >= 0x20 && byte != 0x7f)) {
      out.append(name.substr(i, length));
    }
    i += std::max<size_t>(length, 1);
  }
  if (out.size() > kMaxFilenameBytes) {
    size_t cut = kMaxFilenameBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  std::string_view trimmed = Trim(out);
  return std::string(trimmed);
}

Status ParsePartHeaders(std::string_view headers, MultipartPart& part) {
  size_t start = 0;
  while (start < headers.size()) {
    size_t end = headers.find("\r\n", start);
    if (end == std::string_view::npos) end = headers.size();
    std::string_view line = headers.substr(start, end - start);
    start = end + 2;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError("malformed multipart part header");
    }
    std::string name = Lower(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      part.name = HeaderParam(value, "name");
      part.filename = DispositionFilename(value);
    } else if (name == "content-type") {
      part.content_type = Lower(value);
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string DispositionFilename(std::string_view content_disposition) {
  // RFC 6266 / 8187: filename*=UTF-8''percent-encoded, which wins when both are given.
  std::string extended = HeaderParam(content_disposition, "filename*");
  if (size_t quote = extended.find("''"); quote != std::string::npos &&
                                          Lower(extended.substr(0, quote)) == "utf-8") {
    auto decoded = PercentDecode(std::string_view(extended).substr(quote + 2));
    if (decoded.ok() && !decoded->empty()) return SafeFilename(*decoded);
  }
  return SafeFilename(HeaderParam(content_disposition, "filename"));
}

StatusOr<std::string> MultipartBoundary(std::string_view content_type) {
  std::string boundary = HeaderParam(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 70) {
    return absl::InvalidArgumentError(
        "multipart/form-data needs a boundary parameter of 1-70 characters");
  }
  return boundary;
}

StatusOr<std::vector<MultipartPart>> ParseMultipart(std::string_view body,
                                                    std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next = "\r\n" + delimiter;
  std::vector<MultipartPart> parts;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    return absl::InvalidArgumentError("multipart body does not contain its boundary");
  }
  pos += delimiter.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") {
      return absl::InvalidArgumentError("malformed multipart delimiter line");
    }
    pos += 2;
    size_t headers_end = body.find("\r\n\r\n", pos);
    // A part with no headers starts directly with the blank line.
    if (body.substr(pos, 2) == "\r\n") headers_end = pos - 2;
    if (headers_end == std::string_view::npos) {
      return absl::InvalidArgumentError("multipart part headers are not terminated");
    }
    MultipartPart part;
    OCULA_RETURN_IF_ERROR(ParsePartHeaders(body.substr(pos, headers_end + 2 - pos), part));
    size_t data_start = headers_end + 4;
    size_t data_end = body.find(next, data_start);
    if (data_end == std::string_view::npos) {
      return absl::InvalidArgumentError("multipart body is truncated (no closing boundary)");
    }
    part.data = body.substr(data_start, data_end - data_start);
    parts.push_back(std::move(part));
    pos = data_end + next.size();
  }
}

}  // namespace ocula
