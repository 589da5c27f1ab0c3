#include "blob/blob_store.h"

#include <algorithm>


namespace ocula {
namespace {
constexpr size_t kMaxKeyLength = 512;

bool IsKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '/' || c == '-';
}
}  // namespace

bool IsValidBlobKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) return false;
  for (char c : key) {
    if (!IsKeyChar(c)) return false;
  }
  if (key.find("..") != std::string_view::npos) return false;
  // Rejects a leading '/', a trailing '/', "//" and "." segments, which would
  // alias or escape paths in a file-backed store.
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = std::min(key.find('/', start), key.size());
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty() || segment == ".") return false;
    start = end + 1;
  }
  return true;
}

StatusOr<std::string> BlobStore::Get(std::string_view key) {
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, Open(key));
  std::string data;
  data.resize(reader->size());
  size_t filled = 0;
  while (true) {
    if (filled == data.size()) data.resize(data.size() + 64 * 1024);  // grew since Open
    OCULA_ASSIGN_OR_RETURN(size_t n, reader->Read(data.data() + filled, data.size() - filled));
    if (n == 0) break;
    filled += n;
  }
  data.resize(filled);
  return data;
}

}  // namespace ocula
