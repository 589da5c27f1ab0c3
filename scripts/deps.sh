#!/usr/bin/env bash
# Installs every system and npm dependency Ocula builds against. Safe to run
# again: apt and npm skip what is already there, and the ONNX Runtime step is
# skipped when the pinned version is already unpacked under .deps/.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev libvips-dev libturbojpeg0-dev libsqlite3-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev libtomlplusplus-dev libabsl-dev
  libssl-dev libopencv-core-dev libopencv-imgproc-dev libopencv-dnn-dev
  libcurl4-openssl-dev zlib1g-dev libtesseract-dev tesseract-ocr-eng wordnet-base
  libsodium-dev libgtest-dev libgmock-dev nodejs npm
  libpq-dev postgresql nats-server libnats-dev libpugixml-dev wrk
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  # A nodejs from another repository may bundle npm: then Debian's npm is not needed.
  [ "$p" = npm ] && command -v npm >/dev/null && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

scripts/fetch-onnxruntime.sh
