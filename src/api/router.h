// Maps (method, path) to a handler. Patterns are literal segments and
// "{name}" placeholders: "/v1/images/{id}/content". The matched placeholder
// values land in HttpRequest::path_params. Unknown path: 404; known path,
// other method: 405 with Allow. Not thread-safe for Add; Dispatch is safe for
// concurrent use once routes are added.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/http_types.h"

namespace ocula {

using Handler = std::function<HttpResponse(HttpRequest&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);

  // Handles GET and HEAD requests that match no route (static files); its
  // route label is `label`.
  void SetFallback(std::string label, Handler handler);

  // Runs the matching handler. `route` receives the matched pattern (or
  // "unmatched"), for metrics labels that do not explode with ids.
  HttpResponse Dispatch(HttpRequest& request, std::string* route) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
  std::string fallback_label_;
  Handler fallback_;
};

}  // namespace ocula
