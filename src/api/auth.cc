#include "api/auth.h"

#include <openssl/crypto.h>

namespace ocula {
namespace {
bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

bool HasValidKey(const HttpRequest& request, const std::string& key) {
  if (key.empty()) return true;
  if (auto header = request.Header("ocp-apim-subscription-key"); header && SameSecret(*header, key)) {
    return true;
  }
  auto auth = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  return auth && auth->rfind(kBearer, 0) == 0 && SameSecret(auth->substr(kBearer.size()), key);
}

bool IsOpenPath(const std::string& path) {
  return path.rfind("/v1/", 0) != 0 && path != "/v1" && path.rfind("/vision/", 0) != 0;
}

}  // namespace ocula
