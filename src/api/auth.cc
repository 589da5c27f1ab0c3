#include "api/auth.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {
bool StartsWith(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

std::optional<Scope> RequiredScope(const HttpRequest& request) {
  const std::string& path = request.path;
  if (StartsWith(path, "/vision/")) return Scope::kAnalyze;
  if (path != "/v1" && !StartsWith(path, "/v1/")) return std::nullopt;
  if (StartsWith(path, "/v1/uploads/")) return std::nullopt;
  if (path == "/v1/keys" || StartsWith(path, "/v1/keys/")) return Scope::kAdmin;
  if (request.method == "DELETE") return Scope::kImagesDelete;
  if (request.method == "GET" || request.method == "HEAD") return Scope::kImagesRead;
  return Scope::kImagesWrite;
}

std::string PresentedKey(const HttpRequest& request) {
  if (auto header = request.Header("ocp-apim-subscription-key"); header && !header->empty()) {
    return *header;
  }
  auto auth = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth && auth->size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), auth->begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return auth->substr(kBearer.size());
  }
  return "";
}

Status CheckAccess(AccessControl& access, HttpRequest& request, int* retry_after_s) {
  std::optional<Scope> scope = RequiredScope(request);
  if (!scope) return absl::OkStatus();
  OCULA_ASSIGN_OR_RETURN(Identity identity,
                         access.authenticator.Authenticate(PresentedKey(request)));
  if (!Allows(identity.scopes, *scope)) {
    return absl::PermissionDeniedError(absl::StrCat("the key '", identity.name,
                                                    "' lacks the scope ", AbslView(ScopeName(*scope))));
  }
  if (auto wait = access.limiter.Acquire(identity.key_id, identity.rate_per_s,
                                         access.clock.NowMs())) {
    *retry_after_s = std::max(1, static_cast<int>(std::ceil(*wait)));
    return absl::ResourceExhaustedError(absl::StrCat(
        "the key '", identity.name, "' is over its rate of ", identity.rate_per_s,
        " requests per second"));
  }
  request.principal = identity.key_id;
  return absl::OkStatus();
}

}  // namespace ocula
