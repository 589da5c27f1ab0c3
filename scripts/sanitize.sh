#!/usr/bin/env bash
# Sanitizer runs (README "Hardening checks"; suppressions in tests/sanitizers/).
#
#   scripts/sanitize.sh [asan|tsan|all] [extra ctest arguments for asan]
#
# asan: the whole tree and test suite with AddressSanitizer, LeakSanitizer and
#       UndefinedBehaviorSanitizer (gcc) in ${OCULA_ASAN_BUILD_DIR:-build-asan},
#       then CTest with every label. The integration tests start this sanitized
#       `ocula`; every process writes its reports under <build>/sanitizer-logs,
#       so a report from a server a test started fails the run even when the
#       test itself passed.
# tsan: the concurrency tests (storage_test: SQLite event bus, metadata store,
#       outbox relay; pipeline_test: the worker pool; custom_test: the
#       custom-classifier training thread and its lease keeper; api_test:
#       the change feed) with ThreadSanitizer in ${OCULA_TSAN_BUILD_DIR:-build-tsan}.
#       Debian's abseil is not built with TSan, so absl::Mutex is taught to
#       TSan by tests/sanitizers/tsan_absl_mutex.cc (preloaded), not suppressed.
# all (default): asan, then tsan.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-all}
shift || true
case "$MODE" in asan|tsan|all) ;; *) echo "usage: $0 [asan|tsan|all] [ctest args]"; exit 2 ;; esac
ROOT=$PWD
SUPP=$ROOT/tests/sanitizers

scripts/deps.sh
scripts/prepare-models.sh

elapsed() { echo "sanitize: $1 took $(( $(date +%s) - $2 )) s"; }

# Prints the reports under $1 and fails when there are any.
check_logs() {
  local dir=$1 found
  found=$(find "$dir" -type f -size +0 2>/dev/null | sort)
  [ -z "$found" ] && return 0
  for f in $found; do
    echo "=== $f"
    head -n 80 "$f"
  done
  echo "sanitize: $(echo "$found" | wc -l) sanitizer report(s) under $dir"
  return 1
}

run_asan() {
  local build=${OCULA_ASAN_BUILD_DIR:-build-asan} t
  scripts/deps-e2e.sh
  t=$(date +%s)
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOCULA_SANITIZE=address,undefined -DOCULA_BUILD_BENCH=OFF >/dev/null
  nice -n 10 ninja -C "$build"
  elapsed "asan build" "$t"

  local logs=$ROOT/$build/sanitizer-logs
  rm -rf "$logs"
  mkdir -p "$logs"
  # halt/abort on the first report; leaks checked at every exit, with the
  # third-party suppressions of tests/sanitizers/lsan.supp.
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:log_path=$logs/asan"
  export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
  export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp:print_suppressions=0"
  t=$(date +%s)
  local rc=0
  (cd "$build" && ctest --output-on-failure --timeout 1800 -j2 "$@") || rc=$?
  elapsed "asan ctest" "$t"
  check_logs "$logs" || rc=1
  return $rc
}

run_tsan() {
  local build=${OCULA_TSAN_BUILD_DIR:-build-tsan} t
  t=$(date +%s)
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOCULA_SANITIZE=thread -DOCULA_BUILD_BENCH=OFF >/dev/null
  nice -n 10 ninja -C "$build" storage_test pipeline_test api_test custom_test ocula_tsan_absl_mutex
  elapsed "tsan build" "$t"

  local logs=$ROOT/$build/sanitizer-logs
  rm -rf "$logs"
  mkdir -p "$logs"
  export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$SUPP/tsan.supp:log_path=$logs/tsan"
  t=$(date +%s)
  local rc=0 bin
  for bin in storage_test pipeline_test api_test custom_test; do
    echo "sanitize: tsan $bin"
    LD_PRELOAD="$ROOT/$build/tests/sanitizers/libocula_tsan_absl_mutex.so" \
      "$build/tests/unit/$bin" --gtest_brief=1 || rc=1
  done
  elapsed "tsan tests" "$t"
  check_logs "$logs" || rc=1
  return $rc
}

status=0
if [ "$MODE" = asan ] || [ "$MODE" = all ]; then run_asan "$@" || status=1; fi
if [ "$MODE" = tsan ] || [ "$MODE" = all ]; then run_tsan || status=1; fi
[ $status -eq 0 ] && echo "sanitize: clean" || echo "sanitize: FAILED"
exit $status
