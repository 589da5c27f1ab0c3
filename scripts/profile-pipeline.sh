#!/usr/bin/env bash
# Where the pipeline's CPU goes: runs ocula_bench_pipeline (classification
# only by default) under a system-wide `perf record` and splits the samples
# by phase, thread and library into a per-image CPU budget:
#   - the bare loop (both of its timed phases) against the server's analysis
#     threads, library by library: what the worker adds to the same analysis
#     code, and how much slower that code runs while it shares the cores;
#   - the server's upload path (HTTP and outbox relay threads), the load
#     generator, kernel threads and idle time during the pipeline;
#   - the efficiency the pipeline could reach if its analysis threads cost no
#     more than the bare loop, with the upload path as measured.
#
#   scripts/profile-pipeline.sh                   1,000 images, classification only
#   scripts/profile-pipeline.sh --images 300 --features Tags,Objects
# Arguments go to ocula_bench_pipeline. Needs perf (Debian's linux-perf,
# installed when missing) and the right to profile every CPU: root, or
# kernel.perf_event_paranoid <= 0. Figures are sampled CPU time (perf -F 999),
# good to a few per cent; compare them within one run.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
if ! command -v perf >/dev/null; then
  echo "profile-pipeline: installing linux-perf"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends linux-perf
fi
FREQ=999
if ! perf record -a -F "$FREQ" -o /dev/null -- true >/dev/null 2>&1; then
  echo "profile-pipeline: perf cannot profile all CPUs here; run as root or set" \
       "kernel.perf_event_paranoid to 0 or lower (sysctl)" >&2
  exit 1
fi

scripts/build.sh
scripts/prepare-models.sh >/dev/null

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--images 1000 --features "")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! perf record -a -k realtime -F "$FREQ" -o "$work/perf.data" -- \
     build/bench/ocula_bench_pipeline "${args[@]}" --out "$work/pipeline.json" \
     --windows "$work/windows.txt" 2>"$work/perf.log"; then
  cat "$work/perf.log" >&2
  echo "profile-pipeline: the benchmark failed (its output is above)" >&2
  exit 1
fi
images=$(sed -n 's/^ *"images": \([0-9]*\),$/\1/p' "$work/pipeline.json")
efficiency=$(sed -n 's/^ *"efficiency": \([0-9.]*\),$/\1/p' "$work/pipeline.json")

echo
perf script -i "$work/perf.data" -F comm,tid,time,ip,dso 2>/dev/null |
  awk -v freq="$FREQ" -v images="$images" -v efficiency="$efficiency" \
      -v windows="$work/windows.txt" -f scripts/profile-pipeline.awk
