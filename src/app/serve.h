// `ocula serve`: builds every component for the chosen role, in dependency
// order, runs until SIGINT/SIGTERM, then shuts down gracefully. This is the
// only place that knows how components are wired.
#pragma once

#include <string>

#include "core/config.h"

namespace ocula {

enum class Role { kAll, kApi, kWorker };

// Runs the server; returns the process exit code.
int Serve(const Config& config, Role role);

// `ocula analyze FILE...`: one JSON document per file on stdout.
int AnalyzeFiles(const Config& config, const std::vector<std::string>& files);

}  // namespace ocula
