// ThreadSanitizer annotations for Debian's prebuilt abseil (scripts/sanitize.sh
// tsan preloads this library into the TSan test binaries).
//
// Why: absl::Mutex locks with atomic instructions and futex system calls
// inside libabsl_synchronization.so, which Debian builds without
// -fsanitize=thread. TSan therefore sees no happens-before edge between an
// Unlock and the next Lock, and reports every access guarded by an absl::Mutex
// as a data race. Abseil's own TSan annotations (ABSL_TSAN_MUTEX_*) are
// compiled out of that library. Suppressing those reports would hide real
// races in the same code, so instead this library interposes the exported
// absl::Mutex / absl::CondVar entry points (it is preloaded, so the dynamic
// linker binds every call, ours and abseil's own, here first), tells TSan
// about the lock operation with the same __tsan_mutex_* calls abseil makes
// when it is built with TSan, and calls the real function (dlsym RTLD_NEXT).
//
// The annotations follow abseil's mutex.cc: pre_lock/post_lock around
// acquiring, pre_unlock/post_unlock around releasing. TSan ignores the memory
// accesses between each pre/post pair; that matters because absl::Mutex
// evaluates absl::Condition functions (Ocula code reading guarded state)
// inside Lock, Unlock and Await, while the mutex is held for real but between
// the two annotations. Waits (Await, LockWhen, CondVar::Wait) release and
// reacquire the mutex inside: they are annotated as an unlock before and a
// lock after, with the whole wait inside the ignored span.
//
// Nothing is suppressed: a race on data not protected by the mutex that
// guards it is still reported.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/synchronization/mutex.h"

// The TSan runtime's mutex annotation interface
// (sanitizer/tsan_interface.h; declared here as older headers lack it).
extern "C" {
void __tsan_mutex_create(void* addr, unsigned flags);
void __tsan_mutex_destroy(void* addr, unsigned flags);
void __tsan_mutex_pre_lock(void* addr, unsigned flags);
void __tsan_mutex_post_lock(void* addr, unsigned flags, int recursion);
int __tsan_mutex_pre_unlock(void* addr, unsigned flags);
void __tsan_mutex_post_unlock(void* addr, unsigned flags);
}

namespace {

constexpr unsigned kReadLock = 1 << 3;      // __tsan_mutex_read_lock
constexpr unsigned kTryLock = 1 << 4;       // __tsan_mutex_try_lock
constexpr unsigned kTryLockFailed = 1 << 5;  // __tsan_mutex_try_lock_failed

#define OCULA_STR2(x) #x
#define OCULA_STR(x) OCULA_STR2(x)

// The real definition in libabsl_synchronization.so of the member whose
// mangled name is "_ZN4absl<inline namespace>" + `rest`, e.g. "5Mutex4LockEv".
template <typename Fn>
Fn Real(const char* rest) {
#if !ABSL_OPTION_USE_INLINE_NAMESPACE
#error "the mangled names below assume abseil's inline namespace (Debian: debian3)"
#endif
  const std::string ns = OCULA_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);  // "debian3"
  const std::string mangled = "_ZN4absl" + std::to_string(ns.size()) + ns + rest;
  void* fn = dlsym(RTLD_NEXT, mangled.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "tsan_absl_mutex: %s not found after this library: %s\n",
                 mangled.c_str(), dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

#define OCULA_REAL(type, rest) static const auto real = Real<type>(rest)

// Abseil's entry points call each other (AwaitWithTimeout calls
// AwaitWithDeadline, ...), and those calls come back through these wrappers:
// only the outermost call on a thread is annotated.
thread_local int depth = 0;

struct Nested {
  Nested() { ++depth; }
  ~Nested() { --depth; }
  static bool Outermost() { return depth == 0; }
};

// A wait that releases `mu` and holds it again when it returns.
template <typename Wait>
auto AnnotatedWait(absl::Mutex* mu, unsigned flags, Wait wait) {
  if (!Nested::Outermost()) return wait();
  Nested nested;
  __tsan_mutex_pre_unlock(mu, flags);
  auto result = wait();
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

// An acquisition after which the mutex is held (LockWhenWithTimeout returns
// false on timeout but holds the mutex all the same).
template <typename Acquire>
auto AnnotatedLock(absl::Mutex* mu, unsigned flags, Acquire acquire) {
  if (!Nested::Outermost()) return acquire();
  Nested nested;
  __tsan_mutex_pre_lock(mu, flags);
  auto result = acquire();
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

// An attempt: the mutex is held only when `acquire` returns true.
template <typename Acquire>
bool AnnotatedTryLock(absl::Mutex* mu, unsigned flags, Acquire acquire) {
  if (!Nested::Outermost()) return acquire();
  Nested nested;
  __tsan_mutex_pre_lock(mu, flags | kTryLock);
  bool locked = acquire();
  __tsan_mutex_post_lock(mu, flags | kTryLock | (locked ? 0 : kTryLockFailed), 0);
  return locked;
}

// A release.
template <typename Release>
void AnnotatedUnlock(absl::Mutex* mu, unsigned flags, Release release) {
  if (!Nested::Outermost()) return release();
  Nested nested;
  __tsan_mutex_pre_unlock(mu, flags);
  release();
  __tsan_mutex_post_unlock(mu, flags);
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

// ---- Mutex: exclusive -------------------------------------------------------

void Mutex::Lock() {
  OCULA_REAL(void (*)(Mutex*), "5Mutex4LockEv");
  AnnotatedLock(this, 0, [&] { return real(this), true; });
}

void Mutex::Unlock() {
  OCULA_REAL(void (*)(Mutex*), "5Mutex6UnlockEv");
  AnnotatedUnlock(this, 0, [&] { real(this); });
}

bool Mutex::TryLock() {
  OCULA_REAL(bool (*)(Mutex*), "5Mutex7TryLockEv");
  return AnnotatedTryLock(this, 0, [&] { return real(this); });
}

void Mutex::LockWhen(const Condition& cond) {
  OCULA_REAL(void (*)(Mutex*, const Condition&), "5Mutex8LockWhenERKNS0_9ConditionE");
  AnnotatedLock(this, 0, [&] { return real(this, cond), true; });
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  OCULA_REAL(bool (*)(Mutex*, const Condition&, Duration),
             "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return AnnotatedLock(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  OCULA_REAL(bool (*)(Mutex*, const Condition&, Time),
             "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return AnnotatedLock(this, 0, [&] { return real(this, cond, deadline); });
}

// ---- Mutex: shared ----------------------------------------------------------

void Mutex::ReaderLock() {
  OCULA_REAL(void (*)(Mutex*), "5Mutex10ReaderLockEv");
  AnnotatedLock(this, kReadLock, [&] { return real(this), true; });
}

void Mutex::ReaderUnlock() {
  OCULA_REAL(void (*)(Mutex*), "5Mutex12ReaderUnlockEv");
  AnnotatedUnlock(this, kReadLock, [&] { real(this); });
}

bool Mutex::ReaderTryLock() {
  OCULA_REAL(bool (*)(Mutex*), "5Mutex13ReaderTryLockEv");
  return AnnotatedTryLock(this, kReadLock, [&] { return real(this); });
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  OCULA_REAL(void (*)(Mutex*, const Condition&),
             "5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  AnnotatedLock(this, kReadLock, [&] { return real(this, cond), true; });
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond, Duration timeout) {
  OCULA_REAL(bool (*)(Mutex*, const Condition&, Duration),
             "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return AnnotatedLock(this, kReadLock, [&] { return real(this, cond, timeout); });
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) {
  OCULA_REAL(bool (*)(Mutex*, const Condition&, Time),
             "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return AnnotatedLock(this, kReadLock, [&] { return real(this, cond, deadline); });
}

// ---- Mutex: waiting while holding it ------------------------------------------
// Await* are called with the mutex held (exclusively: Ocula never awaits under
// a reader lock) and return with it held.

void Mutex::Await(const Condition& cond) {
  OCULA_REAL(void (*)(Mutex*, const Condition&), "5Mutex5AwaitERKNS0_9ConditionE");
  AnnotatedWait(this, 0, [&] { return real(this, cond), 0; });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  OCULA_REAL(bool (*)(Mutex*, const Condition&, Duration),
             "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return AnnotatedWait(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  OCULA_REAL(bool (*)(Mutex*, const Condition&, Time),
             "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return AnnotatedWait(this, 0, [&] { return real(this, cond, deadline); });
}

Mutex::~Mutex() {
  OCULA_REAL(void (*)(Mutex*), "5MutexD2Ev");
  __tsan_mutex_destroy(this, 0);
  real(this);
}

// ---- CondVar: the mutex is released while waiting -----------------------------

void CondVar::Wait(Mutex* mu) {
  OCULA_REAL(void (*)(CondVar*, Mutex*), "7CondVar4WaitEPNS0_5MutexE");
  AnnotatedWait(mu, 0, [&] { return real(this, mu), 0; });
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  OCULA_REAL(bool (*)(CondVar*, Mutex*, Duration),
             "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  return AnnotatedWait(mu, 0, [&] { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  OCULA_REAL(bool (*)(CondVar*, Mutex*, Time),
             "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  return AnnotatedWait(mu, 0, [&] { return real(this, mu, deadline); });
}

ABSL_NAMESPACE_END
}  // namespace absl
