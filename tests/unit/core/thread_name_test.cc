// SetThreadName: the name the kernel shows for the calling thread (cut to 15
// bytes), and only for that thread.
#include "core/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace ocula {
namespace {

std::string ThreadName(pthread_t thread) {
  char name[16] = {};
  if (pthread_getname_np(thread, name, sizeof name) != 0) return "<error>";
  return name;
}

TEST(ThreadNameTest, NamesTheCallingThreadOnlyAndCutsLongNames) {
  const std::string before = ThreadName(pthread_self());
  std::string short_name, long_name;
  std::thread([&] {
    SetThreadName("ocula-http");
    short_name = ThreadName(pthread_self());
    SetThreadName("ocula-reconcile-and-more");
    long_name = ThreadName(pthread_self());
  }).join();
  EXPECT_EQ(short_name, "ocula-http");
  EXPECT_EQ(long_name, "ocula-reconcile");  // 15 bytes
  EXPECT_EQ(ThreadName(pthread_self()), before);
}

}  // namespace
}  // namespace ocula
