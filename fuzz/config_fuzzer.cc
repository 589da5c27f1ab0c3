// Configuration (core/config.h LoadConfig) and backend URIs (core/uri.h). The
// first byte picks the source of the rest of the input:
//   0  a TOML file (--config)
//   1  the value of one OCULA_* environment variable (the second byte picks it)
//   2  a command-line flag: "key=value"
//   3  a backend URI (ParseUri), as --blob/--metadata/--events take them
//
// Properties checked: no crash, leak or undefined behaviour (TOML errors are
// Status, never exceptions); a loaded configuration prints (`ocula
// settings`, Setting::get) values that load back to the same values; the
// backend URIs it ends with parse.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "core/config.h"
#include "core/uri.h"
#include "fuzz_check.h"

namespace {

// One file per process, rewritten for every input (LoadConfig reads a path).
const std::string& ConfigPath() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    std::string templ = std::string(dir && *dir ? dir : "/tmp") + "/ocula-fuzz-config-XXXXXX";
    int fd = mkstemp(templ.data());
    FUZZ_CHECK(fd >= 0);
    close(fd);
    std::atexit([] { unlink(ConfigPath().c_str()); });
    return templ;
  }();
  return path;
}

void WriteFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(std::fwrite(text.data(), 1, text.size(), f) == text.size());
  std::fclose(f);
}

void CheckLoaded(const ocula::StatusOr<ocula::Config>& config) {
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  for (const ocula::Setting& s : ocula::Settings()) {
    std::string printed = s.get(*config);
    ocula::Config again;
    ocula::Status st = s.set(again, printed);
    if (!st.ok()) std::fprintf(stderr, "%s = '%s': %s\n", s.key.c_str(), printed.c_str(),
                               st.ToString().c_str());
    FUZZ_CHECK(st.ok());
    FUZZ_CHECK(s.get(again) == printed);
  }
  for (const std::string* uri : {&config->blob_uri, &config->metadata_uri, &config->events_uri}) {
    (void)ocula::ParseUri(*uri);
  }
}

const ocula::EnvLookup kNoEnv = [](const std::string&) { return std::nullopt; };

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& settings = ocula::Settings();
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      WriteFile(ConfigPath(), rest);
      CheckLoaded(ocula::LoadConfig(ConfigPath(), kNoEnv, {}));
      break;
    case 1: {
      if (rest.empty()) return 0;
      const ocula::Setting& s = settings[static_cast<uint8_t>(rest[0]) % settings.size()];
      std::string value = rest.substr(1);
      ocula::EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
        if (name == s.env) return value;
        return std::nullopt;
      };
      CheckLoaded(ocula::LoadConfig("", env, {}));
      break;
    }
    case 2: {
      size_t eq = rest.find('=');
      if (eq == std::string::npos) return 0;
      CheckLoaded(ocula::LoadConfig("", kNoEnv, {{rest.substr(0, eq), rest.substr(eq + 1)}}));
      break;
    }
    case 3: {
      auto uri = ocula::ParseUri(rest);
      if (uri.ok()) {
        FUZZ_CHECK(rest.find("://") == uri->scheme.size());
        (void)uri->Redacted();
      }
      break;
    }
  }
  return 0;
}
