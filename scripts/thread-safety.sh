#!/usr/bin/env bash
# Clang's thread-safety analysis over every source file under src/: the
# ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations are checked, and
# any violation fails (-Werror=thread-safety). The analysis runs while clang
# parses, so each file is only parsed (-fsyntax-only) with the flags of the
# project's build (its compile_commands.json), not compiled again.
#
#   scripts/thread-safety.sh [BUILD_DIR]   (default ${OCULA_BUILD_DIR:-build}; scripts/build.sh first)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${1:-${OCULA_BUILD_DIR:-build}}
DB=$BUILD_DIR/compile_commands.json
if ! command -v clang++ >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends clang
fi
[ -f "$DB" ] || { echo "thread-safety: $DB is missing; run scripts/build.sh first" >&2; exit 1; }

# One line per src/ file: the directory, then the build's flags that matter to
# parsing (defines, include paths, the standard), without gcc's own options.
python3 - "$DB" > "$BUILD_DIR/thread-safety.args" <<'PY'
import json, shlex, sys
for entry in json.load(open(sys.argv[1])):
    # Sources under src/, not files the build generates in its own folder.
    if "/src/" not in entry["file"] or entry["file"].startswith(entry["directory"] + "/"):
        continue
    args = shlex.split(entry["command"])[1:]
    keep, skip = [], False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-c"):
            skip = True
            continue
        if a.startswith(("-D", "-I", "-isystem", "-std=")) or (i > 0 and args[i - 1] == "-isystem"):
            keep.append(a)
    print(entry["directory"], entry["file"], " ".join(shlex.quote(k) for k in keep))
PY

count=$(wc -l < "$BUILD_DIR/thread-safety.args")
if [ "$count" -eq 0 ]; then
  echo "thread-safety: no file under src/ found in $DB" >&2
  exit 1
fi
echo "thread-safety: checking $count files under src/ with $(clang++ --version | head -1)"
# Each line: directory, file, flags. clang's other warnings are not the point
# here (gcc's -Werror build covers them), so only thread-safety ones are on.
xargs -P "$(nproc)" -L 1 bash -c 'dir=$0 file=$1; shift; cd "$dir" &&
  clang++ -fsyntax-only -Wno-everything -Wthread-safety -Werror=thread-safety "$@" "$file" ||
  { echo "thread-safety: FAILED $file" >&2; exit 255; }' < "$BUILD_DIR/thread-safety.args"
echo "thread-safety: $count files clean"
