// Environment lookup (settings, backend credentials), replaceable in tests.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace ocula {

// The variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup ProcessEnv();

// The variable's value, "" when it is unset.
std::string EnvValue(const EnvLookup& env, const std::string& name);

}  // namespace ocula
