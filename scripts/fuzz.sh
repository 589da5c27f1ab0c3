#!/usr/bin/env bash
# Fuzzing (fuzz/README.md): builds the libFuzzer targets with clang, ASan and
# UBSan in ${OCULA_FUZZ_BUILD_DIR:-build-fuzz}, replays every seed and
# regression input once (CTest label "fuzz"), then fuzzes each target for
# SECONDS (default 20) over a copy of its seed corpus.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 300 multipart
#
# A crash, leak, timeout, out-of-memory or failed property check fails the
# script; the input that caused it is left in
# <build>/fuzz-artifacts/<target>/ and the script prints how to replay it.
# Fixed crashes are kept as fuzz/regressions/<target>/<name>.
# Inputs the run found that cover new code stay in <build>/fuzz-run/<target>/corpus
# (not copied back: the committed seeds stay small).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-20}
shift || true
BUILD_DIR=${OCULA_FUZZ_BUILD_DIR:-build-fuzz}

scripts/deps.sh
# clang and compiler-rt (libFuzzer and the sanitizer runtimes); Debian 12's clang is 14.
missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

start=$(date +%s)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DOCULA_FUZZ=ON >/dev/null
nice -n 10 ninja -C "$BUILD_DIR"
echo "fuzz: build took $(( $(date +%s) - start )) s"

# Sanitizer reports end the process with a failure; leaks inside libvips and
# glib's one-time initialisation are suppressed (fuzz/lsan.supp says which).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}

# 1. Replay: every committed seed and regression input, once.
start=$(date +%s)
(cd "$BUILD_DIR" && ctest --output-on-failure -L fuzz)
echo "fuzz: replay took $(( $(date +%s) - start )) s"

# 2. Fuzz each target for a bounded time.
read -r -a ALL_TARGETS < <(tr ';' ' ' < "$BUILD_DIR/fuzz_targets.txt")
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
failed=()
summary=()
for t in "${TARGETS[@]}"; do
  bin="$BUILD_DIR/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: no target '$t' (have: ${ALL_TARGETS[*]})"; exit 2; }
  work="$BUILD_DIR/fuzz-run/$t"
  artifacts="$BUILD_DIR/fuzz-artifacts/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$artifacts"
  cp fuzz/corpus/"$t"/* "$work/corpus/"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  echo "fuzz: $t for ${SECONDS_PER_TARGET} s"
  set +e
  "$bin" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
    "$work/corpus" >"$work/log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || true)
  units=$(find "$work/corpus" -type f | wc -l)
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    tail -n 60 "$work/log"
    echo "fuzz: $t FAILED (exit $rc); input(s):"
    ls -1 "$artifacts"
    echo "  replay: $bin $artifacts/<file>"
    echo "  once fixed, keep it: cp $artifacts/<file> fuzz/regressions/$t/"
    summary+=("$(printf '%-12s FAILED  %10s execs  log: %s' "$t" "${execs:-?}" "$work/log")")
  else
    summary+=("$(printf '%-12s ok      %10s execs  %6s/s  corpus %s' "$t" "${execs:-?}" \
      "${rate:-?}" "$units")")
  fi
done

echo "fuzz: ${SECONDS_PER_TARGET} s per target"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}"
  exit 1
fi
