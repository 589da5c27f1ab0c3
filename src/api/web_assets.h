// The front end (web/) built into the binary by cmake/EmbedFiles.cmake.
#pragma once

#include <span>
#include <string_view>

namespace ocula {

struct WebFile {
  std::string_view path;  // relative to web/, e.g. "index.html", "js/app.js"
  std::string_view bytes;
};

std::span<const WebFile> EmbeddedWebFiles();

}  // namespace ocula
