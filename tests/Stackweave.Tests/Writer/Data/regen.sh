#!/bin/sh
# Regenerates the golden captures and perf 6.1's outputs for them (see README.md).
# Run from anywhere: sh tests/Stackweave.Tests/Writer/Data/regen.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
cd "$root"
dotnet build tests/Stackweave.Tests -c Release >/dev/null
STACKWEAVE_BLESS=1 dotnet test tests/Stackweave.Tests -c Release --no-build --filter "FullyQualifiedName~Writer.GoldenBless" >/dev/null
cd "$here"
perf --version > perf-version.txt
for f in *.data; do
  n=${f%.data}
  case "$n" in
    *pipe*) in="-i -" ; redirect="$f" ;;
    *) in="-i $f" ; redirect=/dev/null ;;
  esac
  # --stats: record counts by type; -D: every record and sample field perf decodes
  case "$n" in
    # perf 6.1's report --stats fails on any compressed pipe ("Couldn't decompress data", also for real
    # perf record -z -o - output); perf report -D ends with the same Aggregated stats
    *pipe-zstd*) perf report -D $in < "$redirect" 2> "$n.stats.err" | sed -n '/^Aggregated stats:/,$p' > "$n.stats.txt" ;;
    *) perf report --stats $in < "$redirect" > "$n.stats.txt" 2> "$n.stats.err" || echo "perf report failed on $f" >&2 ;;
  esac
  perf script -D $in < "$redirect" > "$n.dump.txt" 2> "$n.dump.err" || echo "perf script -D failed on $f" >&2
  case "$n" in
    *pipe*) ;;
    *)
      # feature sections as perf prints them; "captured on" is the file's mtime, so it is dropped
      perf report --header-only -i "$f" 2> "$n.header.err" | grep -v '^# captured on' > "$n.header.txt"
      perf buildid-list -i "$f" > "$n.buildids.txt" 2> "$n.buildids.err"
      grep -q "^[0-9a-f]" "$n.buildids.txt" || rm "$n.buildids.txt" ;;
  esac
done
find . -name '*.err' -size 0 -delete
