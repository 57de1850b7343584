#!/usr/bin/env bash
# Downloads the esbuild binaries the Go pclntab tests read (stripped Go executables built by Go 1.15 … 1.26, one per
# pclntab layout) from the npm registry into a cache folder, not into the repository (they are 5–11 MB each).
# Usage: testdata/gopclntab/fetch-esbuild.sh [DIR]   (default $STACKWEAVE_ESBUILD_DIR or ~/.cache/stackweave-esbuild)
# Each binary lands as DIR/esbuild-VERSION; its sha256 is checked against esbuild.sha256 next to this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
dir=${1:-${STACKWEAVE_ESBUILD_DIR:-$home/.cache/stackweave-esbuild}}
mkdir -p "$dir"
while read -r sum name; do
  [ -n "$sum" ] || continue
  out="$dir/$name"
  if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --quiet - 2>/dev/null; then continue; fi
  version=${name#esbuild-}
  # esbuild-linux-64 up to 0.15.x; @esbuild/linux-x64 afterwards.
  case "$version" in 0.[0-9].*|0.1[0-4].*) pkg=esbuild-linux-64@$version ;; *) pkg=@esbuild/linux-x64@$version ;; esac
  tmp=$(mktemp -d)
  (cd "$tmp" && timeout 300 npm pack --silent "$pkg" >/dev/null && tar -xzf ./*.tgz package/bin/esbuild)
  mv "$tmp/package/bin/esbuild" "$out"
  rm -rf "$tmp"
  echo "$sum  $out" | sha256sum -c --quiet - || { echo "sha256 mismatch for $out" >&2; rm -f "$out"; exit 1; }
done < "$here/esbuild.sha256"
