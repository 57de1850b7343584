#!/usr/bin/env bash
# Regenerates the pprof test data in testdata/pprof/ (see README.md, section "pprof").
# Needs Debian's golang-go (Go 1.19: `go` and `go tool pprof`), gzip and a built Stackweave CLI
# (for the perf.data → pprof files; set STACKWEAVE to its command, default: dotnet run of src/Cli).
#
#   ONLY   optional: "profiles" (Go runtime + crafted profiles and their goldens) and/or "perf"
#          (perf.data → pprof conversions and their goldens). Default: both.
set -euo pipefail
export LC_ALL=C TZ=UTC
TD="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$TD/pprof"
ONLY="${ONLY:-profiles perf}"
STACKWEAVE="${STACKWEAVE:-dotnet run --project $TD/../src/Cli -c Release --}"
want() { [[ " $ONLY " == *" $1 "* ]]; }
mkdir -p "$OUT"
BIN="$(mktemp -d)"
trap 'rm -rf "$BIN"' EXIT

# goldens <profile file name>: what `go tool pprof` prints for it (symbolize=none: names exactly as stored).
goldens() {
  local f="$1"
  go tool pprof -symbolize=none -raw "$OUT/$f" > "$OUT/$f.raw.txt" 2> /dev/null
  go tool pprof -symbolize=none -traces "$OUT/$f" > "$OUT/$f.traces.txt" 2> /dev/null
}

if want profiles; then
  (cd "$OUT/gen" && GOFLAGS=-buildvcs=false go build -trimpath -o "$BIN/pprofgen" .)
  # Everything but the perf.data conversions (the "perf" part remakes those).
  find "$OUT" -maxdepth 1 -type f \( -name '*.pb' -o -name '*.pb.gz' -o -name '*.txt' \) ! -name 'perf-*' -delete
  "$BIN/pprofgen" "$OUT"
  # A second run gives a second CPU profile to merge with the first.
  mkdir "$BIN/run2"
  "$BIN/pprofgen" "$BIN/run2"
  cp "$BIN/run2/cpu.pb.gz" "$OUT/cpu2.pb.gz"
  # Raw (not gzip) copies.
  gzip -dc "$OUT/cpu.pb.gz" > "$OUT/cpu.pb"
  gzip -dc "$OUT/heap.pb.gz" > "$OUT/heap.pb"
  gzip -9nc "$OUT/crafted.pb" > "$OUT/crafted.pb.gz"
  for f in cpu.pb.gz cpu2.pb.gz cpu.pb heap.pb.gz heap.pb allocs.pb.gz goroutine.pb.gz mutex.pb.gz block.pb.gz crafted.pb; do
    goldens "$f"
  done
  # What `go tool pprof` makes of a merge, and how it refuses incompatible inputs.
  go tool pprof -symbolize=none -proto "$OUT/cpu.pb.gz" "$OUT/cpu2.pb.gz" > "$OUT/merged-cpu.pb.gz" 2> /dev/null
  goldens merged-cpu.pb.gz
  go tool pprof -symbolize=none -raw "$OUT/cpu.pb.gz" "$OUT/heap.pb.gz" > /dev/null 2> "$OUT/merge-mismatch.stderr.txt" || true
  go version > "$OUT/versions.txt"
fi

if want perf; then
  # perf.data → pprof with Stackweave, read back by `go tool pprof`.
  for c in go-fp cpp-fp; do
    # The captures name /work/main/testdata/programs/bin/…: symbolized from there (see README.md).
    $STACKWEAVE convert "$TD/$c/perf.data" --kallsyms "$TD/system-wide/kallsyms.gz" -o "$OUT/perf-$c.pb.gz"
    goldens "perf-$c.pb.gz"
  done
fi
