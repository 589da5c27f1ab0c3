#!/usr/bin/env bash
# Copies the model and labels files named by every models/<folder>/model.toml
# from the shared model store into models/<folder>/, and verifies their sha256.
#
#   OCULA_SHARED_MODELS  where to copy from (default: <repo>/../shared/models);
#                        files are looked up as $OCULA_SHARED_MODELS/<source>/<file>,
#                        where <source> is the manifest's optional top-level
#                        `source = "..."` key, else the manifest's folder name.
#                        A manifest without a [labels] table copies only its model.
#
# Safe to run again: a file already present with the right sha256 is left alone.
# Exits non-zero, naming each missing or wrong file and where it was expected.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${OCULA_SHARED_MODELS:-$repo/../shared/models}"
failures=0

fail() {
  echo "prepare-models: ERROR: $*" >&2
  failures=$((failures + 1))
}

# Value of a top-level `key = "value"` (section "") or of `key` inside [section].
toml_string() {
  local file="$1" section="$2" key="$3"
  awk -v want="$section" -v key="$key" '
    /^[[:space:]]*\[/ { s = $0; gsub(/^[[:space:]]*\[|\][[:space:]]*$/, "", s); cur = s; next }
    cur == want && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" {
      v = $0; sub(/^[^=]*=[[:space:]]*"/, "", v); sub(/".*$/, "", v); print v; exit
    }' "$file"
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# prepare_file <folder> <source folder> <manifest> <file name> <expected sha256>
prepare_file() {
  local folder="$1" source="$2" manifest="$3" name="$4" want="$5"
  local dest="$repo/models/$folder/$name" src="$shared/$source/$name"
  if [ -z "$name" ] || [ -z "$want" ]; then
    fail "$manifest: a file name or its sha256 is missing"
    return
  fi
  if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$want" ]; then
    echo "prepare-models: ok      models/$folder/$name"
    return
  fi
  if [ ! -f "$src" ]; then
    fail "$name is missing: expected it at $src (set OCULA_SHARED_MODELS to the folder holding $source/$name)"
    return
  fi
  local got
  got="$(sha_of "$src")"
  if [ "$got" != "$want" ]; then
    fail "$src has sha256 $got, but $manifest says $want"
    return
  fi
  # Copy to a temporary name first so that an interrupted copy never leaves a
  # partial file under the final name.
  cp "$src" "$dest.tmp.$$"
  mv -f "$dest.tmp.$$" "$dest"
  if [ "$(sha_of "$dest")" != "$want" ]; then
    fail "copied $dest but its sha256 differs from $manifest; check the disk"
    return
  fi
  echo "prepare-models: copied  models/$folder/$name"
}

shopt -s nullglob
manifests=("$repo"/models/*/model.toml)
if [ ${#manifests[@]} -eq 0 ]; then
  echo "prepare-models: ERROR: no models/*/model.toml found under $repo" >&2
  exit 1
fi

for manifest in "${manifests[@]}"; do
  folder="$(basename "$(dirname "$manifest")")"
  rel="models/$folder/model.toml"
  source="$(toml_string "$manifest" "" source)"
  source="${source:-$folder}"
  prepare_file "$folder" "$source" "$rel" "$(toml_string "$manifest" "" file)" \
    "$(toml_string "$manifest" "" sha256)"
  if grep -Eq '^[[:space:]]*\[labels\][[:space:]]*(#.*)?$' "$manifest"; then
    prepare_file "$folder" "$source" "$rel" "$(toml_string "$manifest" labels file)" \
      "$(toml_string "$manifest" labels sha256)"
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "prepare-models: $failures file(s) missing or wrong; models in $repo/models are incomplete" >&2
  exit 1
fi
echo "prepare-models: all model files present and verified"
