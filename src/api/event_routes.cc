// GET /v1/events/stream: image changes as server-sent events (change_feed.h).
#include <charconv>

#include "api/api.h"
#include "api/change_feed.h"
#include "api/error_mapping.h"

namespace ocula {
namespace {

// The resume point: the Last-Event-ID header (sent by EventSource on
// reconnect) or the `since` query parameter.
StatusOr<std::optional<int64_t>> ResumePoint(const HttpRequest& req) {
  std::optional<std::string> text = req.Header("last-event-id");
  if (!text || text->empty()) text = req.Query("since");
  if (!text || text->empty()) return std::optional<int64_t>();
  int64_t seq = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), seq);
  if (ec != std::errc() || ptr != text->data() + text->size() || seq < 0) {
    return absl::InvalidArgumentError("Last-Event-ID / since must be a non-negative number");
  }
  return std::optional<int64_t>(seq);
}

HttpResponse Stream(ChangeFeed& feed, HttpRequest& req) {
  auto since = ResumePoint(req);
  if (!since.ok()) return ErrorResponse(since.status());
  if (!feed.HasRoom()) {
    return ErrorResponse(absl::UnavailableError("too many open event streams"));
  }
  HttpResponse response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  response.start_stream = [&feed, since = *since](std::shared_ptr<ResponseStream> stream) {
    if (Status s = feed.Subscribe(stream, since); !s.ok()) {
      stream->Send("event: error\ndata: {\"code\":\"ServiceUnavailable\"}\n\n");
    }
  };
  return response;
}

}  // namespace

void AddEventRoutes(Router& router, ChangeFeed& feed) {
  router.Add("GET", "/v1/events/stream", RouteAccess::Needs(Scope::kImagesRead),
             [&feed](HttpRequest& r) { return Stream(feed, r); });
}

}  // namespace ocula
