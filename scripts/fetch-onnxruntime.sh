#!/usr/bin/env bash
# Puts ONNX Runtime under .deps/onnxruntime/{include,lib}. Debian 12 has no
# package for it, so (see ../shared/models/MODELS.md):
#  - the CPU library comes from npm onnxruntime-node (pinned; install scripts
#    skipped because they try to download GPU add-ons), and
#  - the C/C++ headers come from Debian 13's libonnxruntime-dev, downloaded with
#    a private apt list directory and unpacked here, never installed.
# Code built against the 1.21 headers runs on the 1.30 library: the C API is
# append-only and versioned.
set -euo pipefail
cd "$(dirname "$0")/.."

ORT_NPM_VERSION=1.30.0
ORT_DEB_VERSION=1.21.0+dfsg-1
DEST=.deps/onnxruntime
STAMP="$DEST/.version-$ORT_NPM_VERSION-$ORT_DEB_VERSION"
[ -f "$STAMP" ] && exit 0

rm -rf "$DEST" .deps/ort-work
mkdir -p "$DEST/lib" .deps/ort-work
work=$(cd .deps/ort-work && pwd)

echo "deps: fetching onnxruntime-node@$ORT_NPM_VERSION from npm"
(cd "$work" && npm install --silent --no-audit --no-fund --ignore-scripts \
   --prefix "$work/npm" "onnxruntime-node@$ORT_NPM_VERSION")
lib="$work/npm/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
[ -f "$lib" ] || { echo "deps: $lib missing from the npm package" >&2; exit 1; }
cp "$lib" "$DEST/lib/libonnxruntime.so.1"
ln -sf libonnxruntime.so.1 "$DEST/lib/libonnxruntime.so"

echo "deps: fetching libonnxruntime-dev=$ORT_DEB_VERSION headers from Debian 13"
apt_dir="$work/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  > "$apt_dir/sources.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o APT::Architecture=amd64 -o APT::Architectures=amd64
          -o APT::Sandbox::User=root)
apt-get "${APT_OPTS[@]}" -q update >/dev/null
(cd "$work" && apt-get "${APT_OPTS[@]}" -q download "libonnxruntime-dev=$ORT_DEB_VERSION" >/dev/null)
dpkg-deb -x "$work"/libonnxruntime-dev_*.deb "$work/x"
cp -r "$work/x/usr/include/onnxruntime" "$DEST/include"

rm -rf "$work"
touch "$STAMP"
echo "deps: ONNX Runtime ready in $DEST"
