// What a running process costs, read from /proc: resident memory now and at
// its peak, and CPU time used (all threads, user + system).
#pragma once

#include <sys/types.h>
#include <time.h>

namespace ocula::bench {

struct ProcessStats {
  double rss_mb = 0;       // VmRSS
  double peak_rss_mb = 0;  // VmHWM: the most the process has held resident
  double cpu_s = 0;        // utime + stime
};

// Zeros when the process is gone.
ProcessStats ReadProcessStats(pid_t pid);

// `clock` now, in ms: CLOCK_MONOTONIC for wall time, CLOCK_PROCESS_CPUTIME_ID
// for this process's CPU time (all threads).
double ClockMs(clockid_t clock);

}  // namespace ocula::bench
