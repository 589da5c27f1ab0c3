#include "core/env.h"

#include <cstdlib>

namespace ocula {

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string EnvValue(const EnvLookup& env, const std::string& name) {
  return env(name).value_or("");
}

}  // namespace ocula
