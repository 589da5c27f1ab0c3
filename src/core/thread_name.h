// Names the calling thread, as `top -H`, `ps -L`, `perf --sort comm` and
// debuggers show it ("ocula-http", "ocula-analyze0", ...), so that a profile
// tells the HTTP, analysis and relay threads apart. Linux keeps 15 bytes:
// longer names are cut. Best effort: a failure changes nothing else.
#pragma once

#include <string_view>

namespace ocula {

void SetThreadName(std::string_view name);

}  // namespace ocula
