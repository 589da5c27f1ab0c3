#include "api/auth.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace ocula {

std::string PresentedKey(const HttpRequest& request) {
  for (const char* name : {"ocp-apim-subscription-key", "training-key", "prediction-key"}) {
    if (auto header = request.Header(name); header && !header->empty()) return *header;
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

Status CheckAccess(AccessControl& control, HttpRequest& request, const RouteAccess& access,
                   int* retry_after_s) {
  const std::optional<Scope>& scope = access.scope();
  if (!scope) return absl::OkStatus();
  OCULA_ASSIGN_OR_RETURN(Identity identity,
                         control.authenticator.Authenticate(PresentedKey(request)));
  if (!Allows(identity.scopes, *scope)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the key '", identity.name, "' lacks the scope ", AbslView(ScopeName(*scope))));
  }
  if (auto wait =
          control.limiter.Acquire(identity.key_id, identity.rate_per_s, control.clock.NowMs())) {
    *retry_after_s = std::max(1, static_cast<int>(std::ceil(*wait)));
    return absl::ResourceExhaustedError(absl::StrCat("the key '", identity.name,
                                                     "' is over its rate of ", identity.rate_per_s,
                                                     " requests per second"));
  }
  request.principal = identity.key_id;
  return absl::OkStatus();
}

}  // namespace ocula
