#!/usr/bin/env bash
# README command 2: install what is missing, build everything, prepare the
# models and run the whole test suite (unit and integration) with CTest.
# Extra arguments go to ctest (e.g. -L unit, -R Upload).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
scripts/prepare-models.sh
cd "${OCULA_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 -j2 "$@"
