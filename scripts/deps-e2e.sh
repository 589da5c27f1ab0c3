#!/usr/bin/env bash
# Installs what the browser end-to-end test (tests/e2e) and the object-store
# contract tests (tests/backends) need: Debian's Chromium, playwright-core from
# tests/e2e/package-lock.json, the S3 and Azure Blob test servers (s3rver,
# aws4, Azurite) from tests/backends/package-lock.json, and Microsoft's
# Computer Vision and Custom Vision clients from tests/sdk/package-lock.json
# (npm ci). No browser is downloaded: the test drives /usr/bin/chromium. Safe to run again: apt is
# skipped when chromium is installed, npm ci when node_modules is newer than
# package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

need_apt=()
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "ok installed" || need_apt+=(chromium)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "deps-e2e: installing ${need_apt[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

# npm ci in $1 unless its node_modules is current.
npm_ci() {
  if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    echo "deps-e2e: npm ci in $1"
    (cd "$1" && npm ci --no-audit --no-fund)
  fi
}
E2E=tests/e2e
npm_ci "$E2E"
npm_ci tests/backends
npm_ci tests/sdk

# Check the result, so a failure names what is missing.
missing=()
[ -x /usr/bin/chromium ] || missing+=("/usr/bin/chromium (Debian package chromium)")
command -v node >/dev/null || missing+=("node (Debian package nodejs)")
[ -f "$E2E/node_modules/playwright-core/package.json" ] || missing+=("playwright-core in $E2E/node_modules (npm ci)")
for m in s3rver aws4 azurite; do
  [ -f "tests/backends/node_modules/$m/package.json" ] || missing+=("$m in tests/backends/node_modules (npm ci)")
done
for m in @azure/cognitiveservices-computervision @azure/cognitiveservices-customvision-training \
    @azure/cognitiveservices-customvision-prediction @azure/ms-rest-js; do
  [ -f "tests/sdk/node_modules/$m/package.json" ] || missing+=("$m in tests/sdk/node_modules (npm ci)")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps-e2e: still missing: ${missing[*]}" >&2
  exit 1
fi
echo "deps-e2e: ready ($(/usr/bin/chromium --version 2>/dev/null | head -1), playwright-core $(node -p "require('./$E2E/node_modules/playwright-core/package.json').version"))"
