// /v1/keys (admin): create, list and revoke API keys. /v1/upload-urls
// (images:write): mint a signed upload URL. /v1/uploads/{token}: upload one
// image with such a URL, no key needed.
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "api/api.h"
#include "api/error_mapping.h"
#include "auth/upload_token.h"
#include "core/clock.h"

namespace ocula {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultUrlLifetimeS = 15 * 60;
constexpr int64_t kMaxUrlLifetimeS = 24 * 60 * 60;
constexpr int64_t kMsPerDay = 24 * 60 * 60 * 1000;

// The request body as a JSON object ({} when empty). InvalidArgument otherwise.
StatusOr<json> JsonObject(const HttpRequest& req) {
  if (req.body.empty()) return json::object();
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  return body;
}

// body[name] as an integer in [min, max], or `fallback` when absent.
StatusOr<int64_t> IntField(const json& body, const char* name, int64_t fallback, int64_t min,
                           int64_t max) {
  if (!body.contains(name)) return fallback;
  const json& v = body[name];
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a whole number from ", min, " to ", max));
  }
  return v.get<int64_t>();
}

HttpResponse CreateKey(const KeyDeps& deps, HttpRequest& req) {
  auto body = JsonObject(req);
  if (!body.ok()) return ErrorResponse(body.status());
  if (!(*body)["name"].is_string() || (*body)["name"].get<std::string>().empty()) {
    return ErrorResponse(absl::InvalidArgumentError("name (a non-empty string) is required"));
  }
  const json& scopes_field = (*body)["scopes"];
  std::string scope_text;
  if (scopes_field.is_string()) {
    scope_text = scopes_field.get<std::string>();
  } else if (scopes_field.is_array()) {
    for (const json& s : scopes_field) {
      if (!s.is_string())
        return ErrorResponse(absl::InvalidArgumentError("scopes must be strings"));
      absl::StrAppend(&scope_text, s.get<std::string>(), ",");
    }
  }
  auto scopes = ParseScopes(scope_text);
  if (!scopes.ok()) return ErrorResponse(scopes.status());
  auto rate = IntField(*body, "ratePerSecond", deps.default_rate_per_s, 0, 1'000'000);
  auto days = IntField(*body, "expiresInDays", 0, 0, 3650);
  if (!rate.ok()) return ErrorResponse(rate.status());
  if (!days.ok()) return ErrorResponse(days.status());
  NewApiKey key = GenerateApiKey((*body)["name"].get<std::string>(), *scopes, deps.clock.NowMs());
  key.record.rate_per_s = static_cast<double>(*rate);
  if (*days > 0) key.record.expires_ms = key.record.created_ms + *days * kMsPerDay;
  if (Status s = deps.keys.PutKey(key.record); !s.ok()) return ErrorResponse(s);
  json out = json::parse(ApiKeyJson(key.record));
  out["key"] = key.key;  // the only time it is shown
  HttpResponse response = HttpResponse::Json(201, out.dump());
  response.headers.emplace_back("Location", "/v1/keys/" + key.record.id);
  return response;
}

HttpResponse ListKeys(const KeyDeps& deps, HttpRequest&) {
  auto keys = deps.keys.ListKeys();
  if (!keys.ok()) return ErrorResponse(keys.status());
  std::string body = "{\"keys\":[";
  for (size_t i = 0; i < keys->size(); ++i) {
    if (i) body += ',';
    body += ApiKeyJson((*keys)[i]);
  }
  return HttpResponse::Json(200, body + "]}");
}

HttpResponse RevokeKey(const KeyDeps& deps, HttpRequest& req) {
  Status s = deps.keys.RevokeKey(req.path_params.at("id"), deps.clock.NowMs());
  if (!s.ok()) return ErrorResponse(s);
  HttpResponse response;
  response.status = 204;
  return response;
}

HttpResponse MintUploadUrl(const KeyDeps& deps, HttpRequest& req) {
  auto body = JsonObject(req);
  if (!body.ok()) return ErrorResponse(body.status());
  auto lifetime = IntField(*body, "expiresInSeconds", kDefaultUrlLifetimeS, 1, kMaxUrlLifetimeS);
  if (!lifetime.ok()) return ErrorResponse(lifetime.status());
  UploadGrant grant = NewUploadGrant(req.principal, deps.clock.NowMs() + *lifetime * 1000);
  json out = {{"url", "/v1/uploads/" + SignUploadToken(grant, deps.signing_secret)},
              {"method", "POST"},
              {"expiresAt", FormatRfc3339(grant.expires_ms)}};
  return HttpResponse::Json(201, out.dump());
}

// Checks in the order that never burns a URL on a bad request: signature and
// expiry, the minting key, the image itself, and only then the single use.
HttpResponse SignedUpload(const ApiDeps& api, const KeyDeps& deps, HttpRequest& req) {
  const int64_t now = deps.clock.NowMs();
  auto grant = VerifyUploadToken(req.path_params.at("token"), deps.signing_secret, now);
  if (!grant.ok()) return ErrorResponse(grant.status());
  auto key = deps.authenticator.Lookup(grant->key_id);
  if (!key.ok() || !key->ActiveAt(now) || !Allows(key->scopes, Scope::kImagesWrite)) {
    return ErrorResponse(absl::PermissionDeniedError(
        "the key that signed this upload URL was revoked, has expired or may no longer upload"));
  }
  if (req.LowercaseContentType().rfind("multipart/", 0) == 0) {
    return ErrorResponse(UnsupportedMediaTypeError(
        "a signed upload URL takes one image as the raw request body, not multipart"));
  }
  auto checked = api.ingest.Check(req.body, req.LowercaseContentType());
  if (!checked.ok()) return ErrorResponse(checked.status());
  auto first_use = deps.keys.ClaimNonce(grant->nonce, grant->expires_ms, now);
  if (!first_use.ok()) return ErrorResponse(first_use.status());
  if (!*first_use) {
    return ErrorResponse(WithReason(absl::PermissionDeniedError("this upload URL was used already"),
                                    "UrlAlreadyUsed"));
  }
  return UploadRawImage(api, req);
}

}  // namespace

std::string ApiKeyJson(const ApiKeyRecord& key) {
  json out = {{"id", key.id},
              {"name", key.name},
              {"scopes", FormatScopes(key.scopes)},
              {"ratePerSecond", key.rate_per_s},
              {"createdAt", FormatRfc3339(key.created_ms)},
              {"expiresAt", key.expires_ms ? json(FormatRfc3339(key.expires_ms)) : json()},
              {"revokedAt", key.revoked_ms ? json(FormatRfc3339(key.revoked_ms)) : json()}};
  return out.dump();
}

void AddKeyRoutes(Router& router, const ApiDeps& api, const KeyDeps& deps) {
  // Key changes and signed uploads write to storage; minting an upload URL
  // only signs.
  router.AddStorage("POST", "/v1/keys", RouteAccess::Needs(Scope::kAdmin),
                    [&deps](HttpRequest& r) { return CreateKey(deps, r); });
  router.AddStorage("GET", "/v1/keys", RouteAccess::Needs(Scope::kAdmin),
                    [&deps](HttpRequest& r) { return ListKeys(deps, r); });
  router.AddStorage("DELETE", "/v1/keys/{id}", RouteAccess::Needs(Scope::kAdmin),
                    [&deps](HttpRequest& r) { return RevokeKey(deps, r); });
  router.Add("POST", "/v1/upload-urls", RouteAccess::Needs(Scope::kImagesWrite),
             [&deps](HttpRequest& r) { return MintUploadUrl(deps, r); });
  for (const char* method : {"POST", "PUT"}) {
    // The signed URL is the credential (upload_token.h).
    router.AddStorage(method, "/v1/uploads/{token}", RouteAccess::Public(),
                      [&api, &deps](HttpRequest& r) { return SignedUpload(api, deps, r); });
  }
}

}  // namespace ocula
