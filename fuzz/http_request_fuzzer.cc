// The bytes a client sends on a connection, read the way http_server.cc reads
// them: Beast's request_parser with the server's default limits
// (HttpServerOptions), one request after another while the connection is kept
// alive, each turned into an HttpRequest by FillRequest (http_parse.h) and
// dispatched through a Router with the server's route patterns. The routes'
// handlers are stand-ins that do the request parsing the real ones do before
// touching any store (query numbers, If-None-Match, Content-Type, multipart,
// the /vision JSON body) and answer errors through error_mapping; the front
// end's file lookup (web_routes.cc) is the real one.
//
// Properties checked: no crash, leak or undefined behaviour; every JSON
// response parses; no header value the server would send holds CR, LF or NUL;
// the request id is usable in logs and JSON.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/api.h"
#include "api/error_mapping.h"
#include "api/http_parse.h"
#include "api/http_server.h"
#include "api/multipart.h"
#include "api/router.h"
#include "api/url_fetcher.h"
#include "core/ids.h"
#include "fuzz_check.h"

namespace {

namespace http = boost::beast::http;
using ocula::HttpRequest;
using ocula::HttpResponse;

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }

// What the real handlers parse from a request before they reach a store.
HttpResponse StandIn(HttpRequest& req, bool vision) {
  auto fail = [vision](const ocula::Status& s) {
    return vision ? ocula::VisionErrorResponse(s) : ocula::ErrorResponse(s);
  };
  for (const char* name : {"limit", "size", "width", "height", "maxCandidates"}) {
    if (auto text = req.Query(name)) {
      int value = 0;
      auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
      if (ec != std::errc() || ptr != text->data() + text->size()) {
        return fail(
            absl::InvalidArgumentError(std::string(name) + " '" + *text + "' is not a number"));
      }
    }
  }
  for (const char* name : {"status", "language", "details", "visualFeatures", "tag"}) {
    if (auto text = req.Query(name); text && text->size() > 3) {
      return fail(
          absl::InvalidArgumentError(std::string(name) + " '" + *text + "' is not supported"));
    }
  }
  if (auto id = req.path_params.find("id");
      id != req.path_params.end() && !ocula::IsValidId(id->second)) {
    return fail(absl::NotFoundError("no image with id '" + id->second + "'"));
  }
  std::string type = req.LowercaseContentType();
  if (req.method == "POST") {
    if (type.rfind("multipart/form-data", 0) == 0) {
      auto boundary = ocula::MultipartBoundary(req.Header("content-type").value_or(""));
      if (!boundary.ok()) return fail(boundary.status());
      auto parts = ocula::ParseMultipart(req.body, *boundary);
      if (!parts.ok()) return fail(parts.status());
      for (const ocula::MultipartPart& part : *parts) {
        if (!part.content_type.empty() && part.content_type.rfind("image/", 0) != 0) {
          return fail(ocula::UnsupportedMediaTypeError("file '" + part.filename + "': type '" +
                                                       part.content_type + "'"));
        }
      }
    } else if (type.rfind("application/json", 0) == 0) {
      auto url = ocula::ImageUrlFromJson(req.body);
      if (!url.ok()) return fail(url.status());
      return fail(ocula::WithReason(absl::InvalidArgumentError("cannot fetch '" + *url + "'"),
                                    ocula::reason::kInvalidImageUrl));
    } else if (!type.empty() && type.rfind("image/", 0) != 0) {
      return fail(ocula::UnsupportedMediaTypeError("content type '" + type + "'"));
    }
    std::string name = ocula::DispositionFilename(req.Header("content-disposition").value_or(""));
    nlohmann::json receipt = {{"id", "01J00000000000000000000000"}, {"filename", name}};
    return HttpResponse::Json(202, receipt.dump());
  }
  HttpResponse response = HttpResponse::Json(200, "{}");
  if (req.IfNoneMatches("\"etag-1\"")) response.status = 304;
  response.headers.emplace_back("ETag", "\"etag-1\"");
  return response;
}

const ocula::Router& TheRouter() {
  static const ocula::Router* router = [] {
    auto* r = new ocula::Router;
    auto v1 = [](HttpRequest& req) { return StandIn(req, false); };
    auto vision = [](HttpRequest& req) { return StandIn(req, true); };
    for (const char* path :
         {"/v1/images", "/vision/v3.2/analyze", "/vision/v3.2/tag", "/vision/v3.2/describe",
          "/vision/v3.2/detect", "/vision/v3.2/generateThumbnail", "/vision/v3.2/areaOfInterest",
          "/vision/v3.2/ocr", "/vision/v3.2/read/analyze"}) {
      bool is_vision = std::string_view(path).starts_with("/vision");
      r->Add("POST", path, ocula::RouteAccess::Public(),
             is_vision ? ocula::Handler(vision) : ocula::Handler(v1));
    }
    for (const char* path :
         {"/v1/images", "/v1/images/{id}", "/v1/images/{id}/content", "/v1/images/{id}/thumbnail",
          "/v1/labels", "/v1/events/stream", "/healthz", "/readyz", "/metrics"}) {
      r->Add("GET", path, ocula::RouteAccess::Public(), v1);
    }
    r->Add("DELETE", "/v1/images/{id}", ocula::RouteAccess::Public(), v1);
    r->Add("GET", "/vision/v3.2/read/analyzeResults/{id}", ocula::RouteAccess::Public(), vision);
    ocula::AddWebRoutes(*r, "");
    return r;
  }();
  return *router;
}

void CheckResponse(const HttpResponse& response, const std::string& request_id) {
  FUZZ_CHECK(response.status >= 200 && response.status <= 599);
  if (response.content_type == "application/json" && !response.body.empty()) {
    FUZZ_CHECK(ocula::fuzz::IsJson(response.body));
  }
  auto header_safe = [](std::string_view v) {
    return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
  };
  for (const auto& [name, value] : response.headers) {
    FUZZ_CHECK(header_safe(name) && header_safe(value));
  }
  // Echoed as X-Request-Id, logged, and stored in BlobCreated events.
  FUZZ_CHECK(ocula::IsAcceptableRequestId(request_id));
  FUZZ_CHECK(ocula::fuzz::IsUtf8(request_id));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ocula::HttpServerOptions options;  // the limits the server starts with
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // A connection carries requests until one is malformed, refused or not
  // keep-alive (http_server.cc: Session::ReadRequest/OnRead).
  for (int requests = 0; requests < 8 && !rest.empty(); ++requests) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(options.max_header_bytes);
    boost::beast::error_code ec;
    // http::async_read feeds the parser what the socket has delivered until
    // the message is done; here everything has been delivered, then EOF.
    while (!parser.is_done()) {
      size_t used = 0;
      if (!rest.empty()) {
        used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        rest.remove_prefix(used);
        if (ec && ec != http::error::need_more) break;
      }
      if (used == 0) {  // needs bytes the client never sent: end of stream
        parser.put_eof(ec);
        if (!ec && !parser.is_done()) ec = http::error::partial_message;
        break;
      }
    }
    if (ec == http::error::body_limit) {
      HttpResponse r = ocula::ErrorResponse(ocula::PayloadTooLargeError("body too large"));
      CheckResponse(r, ocula::RandomToken());
      return 0;
    }
    if (ec == http::error::header_limit) {
      HttpResponse r = ocula::ErrorResponse(absl::InvalidArgumentError("headers too large"));
      CheckResponse(r, ocula::RandomToken());
      return 0;
    }
    if (ec || !parser.is_done()) return 0;  // the server closes the connection

    auto request = parser.release();
    ocula::RequestHead head{View(request.method_string()), View(request.target()), {}};
    for (const auto& field : request) {
      head.fields.emplace_back(View(field.name_string()), View(field.value()));
    }
    HttpRequest req;
    HttpResponse response;
    ocula::Status target = ocula::FillRequest(head, ocula::RandomToken(), req);
    if (!target.ok()) {
      response = ocula::ErrorResponse(target);
    } else {
      FUZZ_CHECK(!req.path.empty() && req.path[0] == '/');
      req.body = std::move(request.body());
      std::string route;
      response = TheRouter().Dispatch(req, &route);
    }
    CheckResponse(response, req.request_id);
    if (!request.keep_alive()) break;
  }
  return 0;
}
