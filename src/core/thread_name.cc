#include "core/thread_name.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace ocula {

void SetThreadName(std::string_view name) {
  constexpr size_t kMaxLength = 15;  // TASK_COMM_LEN - 1
  const std::string cut(name.substr(0, kMaxLength));
  pthread_setname_np(pthread_self(), cut.c_str());
}

void LowerThisThreadsPriority(int steps) {
  if (steps <= 0) return;
  const id_t tid = static_cast<id_t>(gettid());
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, tid);
  if (errno == 0 && setpriority(PRIO_PROCESS, tid, std::min(current + steps, 19)) == 0) return;
  spdlog::warn("cannot lower a thread's scheduling priority: {}", std::strerror(errno));
}

}  // namespace ocula
