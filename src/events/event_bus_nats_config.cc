// nats:// URIs for NatsBusConfig (event_bus_nats.h).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "events/event_bus_nats.h"

namespace ocula {

StatusOr<NatsBusConfig> NatsBusConfigFromUri(const Uri& uri, const EnvLookup& env) {
  if (uri.authority.find('@') != std::string::npos) {
    return absl::InvalidArgumentError(
        "put NATS credentials in OCULA_NATS_TOKEN, OCULA_NATS_USER/OCULA_NATS_PASSWORD or "
        "OCULA_NATS_CREDENTIALS_FILE, not in the nats:// URI (URIs are logged)");
  }
  NatsBusConfig config;
  config.servers.clear();
  for (absl::string_view host : absl::StrSplit(uri.authority, ',', absl::SkipEmpty())) {
    config.servers.push_back(absl::StrCat("nats://", host));
  }
  if (config.servers.empty()) {
    return absl::InvalidArgumentError("nats:// URI without a server: nats://HOST:4222");
  }
  for (const auto& [name, value] : uri.query) {
    if (name == "stream") {
      config.stream = value;
    } else if (name == "subject_prefix") {
      config.subject_prefix = value;
    } else if (name == "dead_letter_stream") {
      config.dead_letter_stream = value;
    } else if (name == "dead_letter_subject") {
      config.dead_letter_subject = value;
    } else if (name == "replicas") {
      if (!absl::SimpleAtoi(value, &config.replicas) || config.replicas < 1 || config.replicas > 5) {
        return absl::InvalidArgumentError("nats:// replicas must be 1 to 5");
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown nats:// parameter '", name,
          "' (known: stream, subject_prefix, dead_letter_stream, dead_letter_subject, replicas)"));
    }
  }
  config.token = EnvValue(env, "OCULA_NATS_TOKEN");
  config.user = EnvValue(env, "OCULA_NATS_USER");
  config.password = EnvValue(env, "OCULA_NATS_PASSWORD");
  config.credentials_file = EnvValue(env, "OCULA_NATS_CREDENTIALS_FILE");
  return config;
}

}  // namespace ocula
