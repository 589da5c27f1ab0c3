#!/usr/bin/env bash
# README command 1: install what is missing, build, prepare the models and run
# `ocula serve` on its embedded defaults (127.0.0.1:8080, data in ./data).
# Extra arguments go to `ocula serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."

OCULA_BUILD_TARGETS=ocula scripts/build.sh
scripts/prepare-models.sh
exec "${OCULA_BUILD_DIR:-build}/src/app/ocula" serve --data-dir "${OCULA_DATA_DIR:-./data}" \
  --model-dir models "$@"
