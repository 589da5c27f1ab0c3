#!/usr/bin/env bash
# Runs the benchmark harness (bench/README.md) once, in order, and prints each
# benchmark's table; every benchmark also writes JSON to bench/results/.
#   scripts/bench.sh                 everything, with a 10-minute memory soak
#   OCULA_SOAK_MINUTES=2 scripts/bench.sh     a shorter soak
#   OCULA_BENCH_SCALEOUT=1 scripts/bench.sh   also embedded vs PostgreSQL+NATS+S3
# Absolute figures on a shared machine are noisy: compare ratios within a run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
scripts/prepare-models.sh >/dev/null
[ "${OCULA_BENCH_SCALEOUT:-0}" = "1" ] && scripts/deps-e2e.sh >/dev/null

run() {
  echo
  echo "## $*"
  echo
  "$@"
}

run build/bench/ocula_bench_decode
run build/bench/ocula_bench_features --images 30
run build/bench/ocula_bench_detectors
run build/bench/ocula_bench_store
run build/bench/ocula_bench_pipeline --images 1000 --features "" --out bench/results/pipeline-classification.json
run build/bench/ocula_bench_pipeline --images 300 --out bench/results/pipeline-default.json
run build/bench/ocula_bench_http
run build/bench/ocula_bench_soak --minutes "${OCULA_SOAK_MINUTES:-10}"
if [ "${OCULA_BENCH_SCALEOUT:-0}" = "1" ]; then
  run build/bench/ocula_bench_scaleout
fi
