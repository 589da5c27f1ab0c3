// Maps (method, path) to a handler and the access it needs. Patterns are
// literal segments and "{name}" placeholders: "/v1/images/{id}/content". The
// matched placeholder values land in HttpRequest::path_params. Unknown path:
// 404; known path, other method: 405 with Allow.
//
// Every route declares, where it is added, two things that InstrumentedHandler
// (api.h) acts on before its handler runs:
//   - who may call it: RouteAccess has no default, so no route is added
//     without deciding;
//   - where its handler runs (RunOn): Add is for handlers that answer from
//     memory or one quick lookup, on the I/O thread; AddStorage for those that
//     wait on storage (blob writes with their sync, commits, listings);
//     AddBlocking for long or CPU-heavy work (URL fetches, model runs, OCR,
//     thumbnails, blob reads). The last two run on bounded pools of their own,
//     so that neither holds the I/O threads and slow analyses never hold back
//     uploads.
// A request for a path that no route has needs no key (404); one for a path
// that exists with other methods needs the access of the first route there
// (then 405). The static-file fallback is public.
//
// Not thread-safe for Add; Match and Dispatch are safe for concurrent use
// once routes are added.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "auth/scopes.h"

namespace ocula {

using Handler = std::function<HttpResponse(HttpRequest&)>;

// Who may call a route: anyone (Public), or a key holding a scope.
class RouteAccess {
 public:
  // No key: health probes, metrics, signed upload URLs (the URL is the
  // credential), the front end's files.
  static RouteAccess Public() { return RouteAccess(std::nullopt); }
  static RouteAccess Needs(Scope scope) { return RouteAccess(scope); }

  // The scope a key must hold; nullopt for a public route.
  const std::optional<Scope>& scope() const { return scope_; }
  // "public" or the scope's name ("images:read").
  std::string Name() const;

 private:
  explicit RouteAccess(std::optional<Scope> scope) : scope_(scope) {}
  std::optional<Scope> scope_;
};

// Where a route's handler runs (see above).
enum class RunOn { kIoThread, kStoragePool, kBlockingPool };
// "inline", "storage" or "blocking".
std::string_view RunOnName(RunOn run_on);

// One registered route, as Routes() lists them.
struct RouteInfo {
  std::string method;
  std::string pattern;
  RouteAccess access;
  RunOn run_on = RunOn::kIoThread;
};

// What a request matched. `handler` is null when it matched no route; then
// `response` is the 404 or 405 to send.
struct RouteMatch {
  std::string label;  // the pattern, the fallback's label, or "unmatched"
  RouteAccess access = RouteAccess::Public();
  const Handler* handler = nullptr;
  RunOn run_on = RunOn::kIoThread;
  HttpResponse response;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, RouteAccess access, Handler handler);
  void AddStorage(std::string method, std::string pattern, RouteAccess access, Handler handler);
  void AddBlocking(std::string method, std::string pattern, RouteAccess access, Handler handler);

  // Handles GET and HEAD requests that match no route (static files, public);
  // its route label is `label`.
  void SetFallback(std::string label, Handler handler);

  // Finds the route for `request` and fills request.path_params.
  RouteMatch Match(HttpRequest& request) const;

  // Match, then the handler (or the 404/405) without any access check.
  // `route` receives the label, for metrics that do not explode with ids.
  HttpResponse Dispatch(HttpRequest& request, std::string* route) const;

  // Every route in the order added (the fallback is not listed).
  std::vector<RouteInfo> Routes() const;

 private:
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;  // of info.pattern
    Handler handler;
  };
  void AddRoute(RouteInfo info, Handler handler);
  static bool Matches(const Route& route, const std::vector<std::string>& segments,
                      std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
  std::string fallback_label_;
  Handler fallback_;
};

}  // namespace ocula
