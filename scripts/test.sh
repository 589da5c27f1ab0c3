#!/usr/bin/env bash
# README command 2: install what is missing, build everything, prepare the
# models, install the test servers and the browser test's Chromium and
# playwright-core, run the whole test suite (unit, integration, backends,
# browser end-to-end) with CTest, then a short fuzz run of every libFuzzer
# target (scripts/fuzz.sh; OCULA_FUZZ_SECONDS per target, default 5, 0 skips).
# Extra arguments go to ctest (e.g. -L unit, -R Upload).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
scripts/prepare-models.sh
scripts/deps-e2e.sh
(cd "${OCULA_BUILD_DIR:-build}" && ctest --output-on-failure --timeout 900 -j2 "$@")

fuzz_seconds=${OCULA_FUZZ_SECONDS:-5}
if [ "$fuzz_seconds" -gt 0 ]; then
  scripts/fuzz.sh "$fuzz_seconds"
fi
