// Names the calling thread, as `top -H`, `ps -L`, `perf --sort comm` and
// debuggers show it ("ocula-http", "ocula-analyze0", ...), so that a profile
// tells the HTTP, analysis and relay threads apart. Linux keeps 15 bytes:
// longer names are cut. Best effort: a failure changes nothing else.
// Also: a thread's scheduling priority.
#pragma once

#include <string_view>

namespace ocula {

void SetThreadName(std::string_view name);

// Makes the calling thread `steps` nicer (Linux: niceness is per thread;
// threads it starts afterwards inherit it), so that HTTP threads preempt
// background work when both want the CPU. A failure is logged.
void LowerThisThreadsPriority(int steps);

}  // namespace ocula
