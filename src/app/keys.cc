#include "app/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "api/api.h"
#include "app/backends.h"

namespace ocula {
namespace {

constexpr size_t kMinAdminKeyChars = 16;
constexpr int64_t kMsPerDay = 24 * 60 * 60 * 1000;

StatusOr<std::string> ReadKeyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError("cannot read the admin key file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  return key;
}

// Writes `key` to `path`, readable by the owner only, never over a file.
Status WriteKeyFile(const std::string& path, const std::string& key) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno),
                     " (remove a stale file, or set OCULA_ADMIN_KEY)"));
  }
  std::string text = key + "\n";
  bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok) return absl::InternalError("cannot write " + path);
  return absl::OkStatus();
}

bool AnyActive(const std::vector<ApiKeyRecord>& keys, int64_t now_ms) {
  for (const ApiKeyRecord& key : keys) {
    if (key.ActiveAt(now_ms) && Allows(key.scopes, Scope::kAdmin)) return true;
  }
  return false;
}

StatusOr<std::unique_ptr<KeyStore>> OpenKeys(const Config& config) {
  return MakeKeyStore(config.metadata_uri, BackendContext{});
}

int Fail(const Status& status) {
  std::cerr << "ocula: " << status.message() << "\n";
  return 1;
}

}  // namespace

Status EnsureAdminKey(KeyStore& keys, const Config& config, Clock& clock) {
  std::string chosen = config.admin_key;
  if (!config.admin_key_file.empty()) {
    OCULA_ASSIGN_OR_RETURN(chosen, ReadKeyFile(config.admin_key_file));
  }
  const int64_t now = clock.NowMs();
  if (!chosen.empty()) {
    if (chosen.size() < kMinAdminKeyChars) {
      return absl::InvalidArgumentError(
          absl::StrCat("the admin key must have at least ", kMinAdminKeyChars, " characters"));
    }
    auto existing = keys.GetKey(kBootstrapKeyId);
    if (existing.ok() && existing->revoked_ms == 0 && SecretMatches(*existing, chosen)) {
      return absl::OkStatus();
    }
    OCULA_RETURN_IF_ERROR(keys.PutKey(BootstrapKeyRecord(chosen, now)));
    spdlog::info("admin key set from {}",
                 config.admin_key_file.empty() ? "OCULA_ADMIN_KEY" : config.admin_key_file);
    return absl::OkStatus();
  }
  OCULA_ASSIGN_OR_RETURN(std::vector<ApiKeyRecord> all, keys.ListKeys());
  if (AnyActive(all, now)) return absl::OkStatus();
  const std::string path = config.data_dir + "/admin.key";
  NewApiKey admin = GenerateApiKey("admin (generated)", kAllScopes, now);
  OCULA_RETURN_IF_ERROR(WriteKeyFile(path, admin.key));
  OCULA_RETURN_IF_ERROR(keys.PutKey(admin.record));
  spdlog::warn(
      "no API key existed: created an admin key and stored it in {} (readable by you "
      "only); use it as 'Authorization: Bearer <key>' and in the web page",
      path);
  return absl::OkStatus();
}

int RunKeyCommand(const Config& config, const KeyCommand& command) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);  // a first command before any serve
  auto keys = OpenKeys(config);
  if (!keys.ok()) return Fail(keys.status());
  Clock& clock = Clock::Real();
  if (command.action == "create") {
    auto scopes = ParseScopes(command.scopes);
    if (!scopes.ok()) return Fail(scopes.status());
    NewApiKey key = GenerateApiKey(command.name, *scopes, clock.NowMs());
    key.record.rate_per_s =
        static_cast<double>(command.rate_per_s >= 0 ? command.rate_per_s : config.key_rate_per_s);
    if (command.expires_in_days > 0) {
      key.record.expires_ms = key.record.created_ms + command.expires_in_days * kMsPerDay;
    }
    if (Status s = (*keys)->PutKey(key.record); !s.ok()) return Fail(s);
    std::cerr << "created key " << key.record.id << " (" << FormatScopes(key.record.scopes)
              << "); it is shown once, here:\n";
    std::cout << key.key << "\n";
    return 0;
  }
  if (command.action == "revoke") {
    if (Status s = (*keys)->RevokeKey(command.id, clock.NowMs()); !s.ok()) return Fail(s);
    std::cerr << "revoked key " << command.id << " (in effect within a second)\n";
    return 0;
  }
  auto all = (*keys)->ListKeys();
  if (!all.ok()) return Fail(all.status());
  for (const ApiKeyRecord& key : *all) {
    if (command.json) {
      std::cout << ApiKeyJson(key) << "\n";
      continue;
    }
    const char* state = key.revoked_ms                ? "revoked"
                        : key.ActiveAt(clock.NowMs()) ? "active "
                                                      : "expired";
    std::cout << key.id << "  " << state << "  " << FormatScopes(key.scopes) << "  " << key.name
              << "\n";
  }
  return 0;
}

}  // namespace ocula
