// Logging setup. Components log through spdlog's default logger; this sets
// its level and format once at start: human-readable text, or JSON lines
// ({"ts","level","msg"}) for log shippers. Request ids are part of messages
// logged by the API ("req=<id>").
#pragma once

#include <string>

#include "core/status.h"

namespace ocula {

// `level`: trace|debug|info|warn|error; `format`: text|json. Logs go to stderr.
Status InitLogging(const std::string& level, const std::string& format);

}  // namespace ocula
