#!/usr/bin/env bash
# Regenerates testdata/speedscope/: perf report goldens for the CSV `functions` table and speedscope's
# published JSON schema. Needs linux-perf (6.1), npm; no root (the captures are read, not recorded).
# Usage: testdata/regen-speedscope.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/speedscope
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# perf finds the profiled programs through --symfs (the captures name them by /work/main/testdata/programs/bin/...)
# and system libraries (with their libc6-dbg debug files) through the same folder.
mkdir -p "$tmp/symfs/work/main/testdata/programs"
ln -s "$here/programs/bin" "$tmp/symfs/work/main/testdata/programs/bin"
ln -s /usr "$tmp/symfs/usr"
gzip -dc "$here/system-wide/kallsyms.gz" > "$tmp/kallsyms"
for c in go-fp cpp-fp; do
  perf report -i "$here/$c/perf.data" --stdio --no-children --sort sym -g none \
    --symfs "$tmp/symfs" --kallsyms "$tmp/kallsyms" > "$out/$c.report-sym.txt" 2> "$tmp/report.stderr"
done
perf --version > "$out/versions.txt"

# speedscope's JSON schema as its npm package publishes it (dist/release/file-format-schema.json).
(cd "$tmp" && npm pack --silent speedscope@1.25.0 >/dev/null && tar -xzf speedscope-1.25.0.tgz)
cp "$tmp/package/dist/release/file-format-schema.json" "$out/file-format-schema.json"
{ echo "speedscope npm package:"; cat "$tmp/package/dist/release/release.txt"; } >> "$out/versions.txt"
