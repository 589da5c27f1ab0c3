#!/usr/bin/env bash
# Fails when docs/configuration.md's settings table differs from `ocula settings`.
set -euo pipefail
ocula=$1; doc=$2
diff <(sed -n '/<!-- settings:begin -->/,/<!-- settings:end -->/p' "$doc" | sed '1d;$d') \
     <("$ocula" settings) \
  || { echo "docs/configuration.md is stale: regenerate its table with 'ocula settings'" >&2; exit 1; }
