#!/usr/bin/env bash
# README command 2: install what is missing, build everything, prepare the
# models, install the browser test's Chromium and playwright-core, and run the
# whole test suite (unit, integration, browser end-to-end) with CTest.
# Extra arguments go to ctest (e.g. -L unit, -R Upload).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
scripts/prepare-models.sh
scripts/deps-e2e.sh
cd "${OCULA_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 -j2 "$@"
