#!/usr/bin/env bash
# Installs dependencies (scripts/deps.sh) and builds Ocula into ${OCULA_BUILD_DIR:-build}.
# Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
BUILD_DIR=${OCULA_BUILD_DIR:-build}
WERROR=OFF
[ "${CI:-}" = "true" ] || [ "${OCULA_WERROR:-}" = "1" ] && WERROR=ON
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} \
  -DOCULA_WERROR=$WERROR >/dev/null
ninja -C "$BUILD_DIR" ${OCULA_BUILD_TARGETS:-}
