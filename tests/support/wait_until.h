// Waiting on a condition in tests: poll it until it holds or a deadline
// passes, and say which. A test asserts the result, so a condition that never
// comes fails the test in seconds with a message instead of hanging until
// CTest's timeout, and no test sleeps a fixed time hoping it was enough.
#pragma once

#include <chrono>
#include <thread>

namespace ocula::testing {

// True as soon as `condition()` holds; false when it still does not after
// `timeout`. `condition` is called every `poll`.
template <typename Condition>
bool WaitUntil(Condition&& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10),
               std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace ocula::testing
