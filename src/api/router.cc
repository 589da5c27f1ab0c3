#include "api/router.h"

#include "absl/strings/str_join.h"
#include "api/error_mapping.h"

namespace ocula {
namespace {
std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}
}  // namespace

std::string RouteAccess::Name() const {
  return scope_ ? std::string(ScopeName(*scope_)) : "public";
}

std::string_view RunOnName(RunOn run_on) {
  switch (run_on) {
    case RunOn::kIoThread:
      return "inline";
    case RunOn::kStoragePool:
      return "storage";
    case RunOn::kBlockingPool:
      return "blocking";
  }
  return "?";
}

void Router::Add(std::string method, std::string pattern, RouteAccess access, Handler handler) {
  AddRoute({std::move(method), std::move(pattern), access, RunOn::kIoThread}, std::move(handler));
}

void Router::AddStorage(std::string method, std::string pattern, RouteAccess access,
                        Handler handler) {
  AddRoute({std::move(method), std::move(pattern), access, RunOn::kStoragePool},
           std::move(handler));
}

void Router::AddBlocking(std::string method, std::string pattern, RouteAccess access,
                         Handler handler) {
  AddRoute({std::move(method), std::move(pattern), access, RunOn::kBlockingPool},
           std::move(handler));
}

void Router::AddRoute(RouteInfo info, Handler handler) {
  std::vector<std::string> segments = Split(info.pattern);
  routes_.push_back({std::move(info), std::move(segments), std::move(handler)});
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  for (const Route& r : routes_) out.push_back(r.info);
  return out;
}

void Router::SetFallback(std::string label, Handler handler) {
  fallback_label_ = std::move(label);
  fallback_ = std::move(handler);
}

bool Router::Matches(const Route& route, const std::vector<std::string>& segments,
                     std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      if (params) (*params)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

RouteMatch Router::Match(HttpRequest& request) const {
  std::vector<std::string> segments = Split(request.path);
  std::vector<std::string> allowed;
  const Route* same_path = nullptr;  // the first route at this path, for a 405
  for (const Route& r : routes_) {
    if (!Matches(r, segments, nullptr)) continue;
    const std::string& method = r.info.method;
    if (method != request.method && !(request.method == "HEAD" && method == "GET")) {
      allowed.push_back(method);
      if (same_path == nullptr) same_path = &r;
      continue;
    }
    Matches(r, segments, &request.path_params);
    return {r.info.pattern, r.info.access, &r.handler, r.info.run_on, {}};
  }
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (allowed.empty() && fallback_ && get) {
    return {fallback_label_, RouteAccess::Public(), &fallback_, RunOn::kIoThread, {}};
  }
  RouteMatch unmatched{"unmatched", RouteAccess::Public(), nullptr, RunOn::kIoThread, {}};
  if (allowed.empty()) {
    unmatched.response =
        ErrorResponseFor(request.path, absl::NotFoundError("no such endpoint: " + request.path));
    return unmatched;
  }
  // A path that exists keeps its access: without the key, the client learns
  // nothing more about it than a 401.
  unmatched.access = same_path->info.access;
  unmatched.response = ErrorResponseFor(
      request.path,
      WithReason(absl::InvalidArgumentError(request.method + " is not allowed on " + request.path),
                 reason::kMethodNotAllowed));
  unmatched.response.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
  return unmatched;
}

HttpResponse Router::Dispatch(HttpRequest& request, std::string* route) const {
  RouteMatch match = Match(request);
  *route = match.label;
  return match.handler ? (*match.handler)(request) : std::move(match.response);
}

}  // namespace ocula
