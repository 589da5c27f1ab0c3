#include "db/pg_config.h"

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/uri.h"

namespace ocula {
namespace {

struct ConninfoFree {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using ParsedConninfo = std::unique_ptr<PQconninfoOption, ConninfoFree>;

// libpq's reading of `conninfo`: keyword -> value for the options it sets.
StatusOr<std::map<std::string, std::string>> ParseConninfo(const std::string& conninfo) {
  char* error = nullptr;
  ParsedConninfo options(PQconninfoParse(conninfo.c_str(), &error));
  if (!options) {
    std::string message = error ? error : "out of memory";
    PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return absl::InvalidArgumentError(absl::StrCat("invalid PostgreSQL URI: ", message));
  }
  std::map<std::string, std::string> values;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val != nullptr && option->val[0] != '\0') values[option->keyword] = option->val;
  }
  return values;
}

// Takes Ocula's own parameters out of the query string `query` into
// `config`; returns the query string left for libpq (raw, still escaped).
StatusOr<std::string> TakeOculaParameters(std::string_view query, PostgresConfig& config) {
  std::vector<std::string> kept;
  for (absl::string_view piece : absl::StrSplit(AbslView(query), '&', absl::SkipEmpty())) {
    const std::string_view segment(piece.data(), piece.size());
    const size_t eq = segment.find('=');
    OCULA_ASSIGN_OR_RETURN(std::string key, PercentDecode(segment.substr(0, eq)));
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
    if (key == "pool_size") {
      if (!absl::SimpleAtoi(AbslView(raw_value), &config.pool_size) || config.pool_size == 0) {
        return absl::InvalidArgumentError("pool_size must be a positive number");
      }
    } else if (key == "password_file") {
      OCULA_ASSIGN_OR_RETURN(config.password_file, PercentDecode(raw_value));
    } else {
      kept.emplace_back(segment);
    }
  }
  return absl::StrJoin(kept, "&");
}

}  // namespace

StatusOr<PostgresConfig> PostgresConfigFromUri(std::string_view uri) {
  if (!uri.starts_with("postgresql://") && !uri.starts_with("postgres://")) {
    return absl::InvalidArgumentError("a PostgreSQL URI starts with postgresql://");
  }
  PostgresConfig config;
  const size_t q = uri.find('?');
  config.conninfo = std::string(uri.substr(0, q));
  if (q != std::string_view::npos) {
    OCULA_ASSIGN_OR_RETURN(std::string rest, TakeOculaParameters(uri.substr(q + 1), config));
    if (!rest.empty()) absl::StrAppend(&config.conninfo, "?", rest);
  }
  OCULA_ASSIGN_OR_RETURN(auto options, ParseConninfo(config.conninfo));
  if (options.contains("password")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the PostgreSQL URI ", RedactedConninfo(config.conninfo),
        " holds a password: use PGPASSWORD, PGPASSFILE or password_file=PATH instead"));
  }
  return config;
}

std::string RedactedConninfo(std::string_view conninfo) {
  auto options = ParseConninfo(std::string(conninfo));
  if (!options.ok()) return "postgresql://(unparsable)";
  auto value = [&](const char* key) {
    auto it = options->find(key);
    return it == options->end() ? std::string() : it->second;
  };
  std::string text = "postgresql://";
  if (const std::string user = value("user"); !user.empty()) absl::StrAppend(&text, user, "@");
  absl::StrAppend(&text, value("host"));
  if (const std::string port = value("port"); !port.empty()) absl::StrAppend(&text, ":", port);
  absl::StrAppend(&text, "/", value("dbname"));
  return text;
}

}  // namespace ocula
