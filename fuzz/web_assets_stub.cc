// A stand-in for the generated web_assets.cc (cmake/EmbedFiles.cmake): two
// small files are enough to drive web_routes.cc's path-to-file lookup.
#include "api/web_assets.h"

namespace ocula {
namespace {
constexpr WebFile kFiles[] = {
    {"index.html", "<!doctype html><title>ocula</title>"},
    {"js/app.js", "export {};"},
};
}  // namespace

std::span<const WebFile> EmbeddedWebFiles() { return kFiles; }

}  // namespace ocula
