#!/usr/bin/env bash
# Downloads the Go binaries built by Go 1.8–1.13 that the inline-tree tests read (esbuild's releases start at Go 1.13, so
# the older ones come from other npm packages that ship prebuilt Go executables) into the esbuild cache folder, not into
# the repository (4–6 MB each). Usage: testdata/gogaps/fetch-old-go.sh [DIR]
# (default $STACKWEAVE_ESBUILD_DIR or ~/.cache/stackweave-esbuild). Each line of old-go.sha256 is
# "SHA256 NAME NPM-PACKAGE@VERSION PATH-IN-PACKAGE"; the binary lands as DIR/NAME and its sha256 is checked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
dir=${1:-${STACKWEAVE_ESBUILD_DIR:-$home/.cache/stackweave-esbuild}}
mkdir -p "$dir"
while read -r sum name pkg path; do
  [ -n "$sum" ] || continue
  out="$dir/$name"
  if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --quiet - 2>/dev/null; then continue; fi
  tmp=$(mktemp -d)
  (cd "$tmp" && timeout 300 npm pack --silent "$pkg" >/dev/null && tar -xzf ./*.tgz "package/$path")
  mv "$tmp/package/$path" "$out"
  chmod +x "$out"
  rm -rf "$tmp"
  echo "$sum  $out" | sha256sum -c --quiet - || { echo "sha256 mismatch for $out" >&2; rm -f "$out"; exit 1; }
done < "$here/old-go.sha256"
