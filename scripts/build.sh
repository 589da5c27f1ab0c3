#!/usr/bin/env bash
# Installs dependencies (scripts/deps.sh) and builds Ocula into ${OCULA_BUILD_DIR:-build}.
# Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
BUILD_DIR=${OCULA_BUILD_DIR:-build}
# Warnings are errors by default (Debian 12's GCC builds the tree clean); the
# same flags for run.sh and test.sh keep one build directory from being
# rebuilt when both are used. OCULA_WERROR=0 turns it off (other compilers).
WERROR=ON
[ "${OCULA_WERROR:-1}" = "0" ] && WERROR=OFF
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} \
  -DOCULA_WERROR=$WERROR >/dev/null
ninja -C "$BUILD_DIR" ${OCULA_BUILD_TARGETS:-}
