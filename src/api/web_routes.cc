// The front end: every GET that matches no API route is a file of web/, "/"
// being index.html. Files come from the copy built into the binary, or, when
// a web directory is configured, from that directory on every request.
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "api/api.h"
#include "api/error_mapping.h"
#include "api/web_assets.h"
#include "core/sha256.h"

namespace ocula {
namespace {

// The page may only load what this server serves: no inline script, no
// third-party origin, no framing.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

std::string ContentTypeOf(const std::string& path) {
  static const std::unordered_map<std::string, std::string> kTypes = {
      {"html", "text/html; charset=utf-8"},  {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},          {"svg", "image/svg+xml"},
      {"png", "image/png"},                  {"ico", "image/x-icon"},
      {"jpg", "image/jpeg"},                 {"jpeg", "image/jpeg"},
      {"webp", "image/webp"},                {"gif", "image/gif"},
      {"webmanifest", "application/manifest+json"}, {"txt", "text/plain; charset=utf-8"}};
  size_t dot = path.rfind('.');
  auto it = dot == std::string::npos ? kTypes.end() : kTypes.find(path.substr(dot + 1));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// "index.html" for "/", else the path without its leading "/"; "" when the
// path is not a plain file name (empty or dot segments, odd characters).
std::string FileOf(const std::string& request_path) {
  if (request_path == "/") return "index.html";
  std::string path = request_path.substr(1);
  bool segment_start = true;
  for (char c : path) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (c == '/' ? segment_start : !plain || (segment_start && c == '.')) return "";
    segment_start = c == '/';
  }
  return segment_start ? "" : path;
}

struct File {
  std::string bytes;
  std::string etag;
};

File MakeFile(std::string bytes) {
  std::string etag = absl::StrCat("\"", Sha256Hex(bytes).substr(0, 32), "\"");
  return File{std::move(bytes), std::move(etag)};
}

HttpResponse Serve(const HttpRequest& req, const std::string& path, const File& file) {
  HttpResponse response;
  response.content_type = ContentTypeOf(path);
  response.headers = {{"ETag", file.etag},
                      {"Cache-Control", "no-cache"},  // revalidate: 304 while unchanged
                      {"Content-Security-Policy", kContentSecurityPolicy},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"}};
  if (req.IfNoneMatches(file.etag)) {
    response.status = 304;
  } else {
    response.body = file.bytes;
  }
  return response;
}

HttpResponse NoSuchFile(const HttpRequest& req) {
  return ErrorResponseFor(req.path, absl::NotFoundError("no such endpoint or file: " + req.path));
}

}  // namespace

void AddWebRoutes(Router& router, const std::string& web_dir) {
  if (!web_dir.empty()) {
    router.SetFallback("web", [web_dir](HttpRequest& req) {
      std::string path = FileOf(req.path);
      std::ifstream in(web_dir + "/" + path, std::ios::binary);
      if (path.empty() || !in) return NoSuchFile(req);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      return Serve(req, path, MakeFile(bytes.str()));
    });
    return;
  }
  auto files = std::make_shared<std::unordered_map<std::string, File>>();
  for (const WebFile& file : EmbeddedWebFiles()) {
    files->emplace(std::string(file.path), MakeFile(std::string(file.bytes)));
  }
  router.SetFallback("web", [files](HttpRequest& req) {
    std::string path = FileOf(req.path);
    auto it = files->find(path);
    return it == files->end() ? NoSuchFile(req) : Serve(req, path, it->second);
  });
}

}  // namespace ocula
