#include "auth/authenticator.h"

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

constexpr size_t kMaxCachedKeys = 10'000;

Status Denied(std::string_view why) {
  return WithReason(absl::UnauthenticatedError(absl::StrCat(
                        AbslView(why),
                        ": send a valid key as Authorization: Bearer <key> or "
                        "Ocp-Apim-Subscription-Key")),
                    reason::kUnauthorized);
}

}  // namespace

Authenticator::Authenticator(KeyStore& store, Clock& clock, std::chrono::milliseconds cache_ttl)
    : store_(store), clock_(clock), cache_ttl_ms_(cache_ttl.count()) {}

StatusOr<ApiKeyRecord> Authenticator::Lookup(const std::string& id) {
  const int64_t now = clock_.NowMs();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(id);
    if (it != cache_.end() && now - it->second.fetched_ms < cache_ttl_ms_) {
      if (it->second.record.id.empty()) return absl::NotFoundError("no such key");
      return it->second.record;
    }
  }
  StatusOr<ApiKeyRecord> record = store_.GetKey(id);
  if (!record.ok() && record.status().code() != StatusCode::kNotFound) {
    return absl::UnavailableError(
        absl::StrCat("cannot read API keys: ", record.status().message()));
  }
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCachedKeys) cache_.clear();  // unknown ids must not grow it forever
  cache_[id] = Cached{record.ok() ? *record : ApiKeyRecord{}, now};
  return record;
}

StatusOr<Identity> Authenticator::Authenticate(std::string_view presented_key) {
  if (presented_key.empty()) return Denied("missing API key");
  // A key of the ocula_<id>_<secret> form names its record; any other text
  // can only be the operator's bootstrap key, which is checked whole.
  std::optional<KeyParts> parts = SplitApiKey(presented_key);
  StatusOr<ApiKeyRecord> record = Lookup(parts ? parts->id : std::string(kBootstrapKeyId));
  std::string_view secret = parts ? std::string_view(parts->secret) : presented_key;
  if (parts && record.status().code() == StatusCode::kNotFound) {
    record = Lookup(kBootstrapKeyId);  // a bootstrap key that happens to look generated
    secret = presented_key;
  }
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound ? Denied("unknown API key")
                                                           : record.status();
  }
  if (!SecretMatches(*record, secret)) return Denied("wrong API key");
  if (!record->ActiveAt(clock_.NowMs())) {
    return Denied(record->revoked_ms ? "the API key was revoked" : "the API key has expired");
  }
  return Identity{record->id, record->name, record->scopes, record->rate_per_s};
}

}  // namespace ocula
